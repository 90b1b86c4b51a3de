"""JSON-lines streams at DuckDB speed: every Fluent Bit shape, typed and validated in SQL.

DuckDB reads the new lines as one VARCHAR column (no per-record Python), recognises the shape of
each line (a plain JSON object, stdout `json_lines` with `date` first, or out_file's default
`<tag>: [<epoch.nanos>, {record}]`), extracts the spec's keys with `json_extract_string`, and
types and checks every field with TRY_CAST. Each line ends up either typed or with a human reason.

Content whose every line is a plain JSON object (`NewContent.plain`) takes the fast reader:
`read_json` with every key as VARCHAR (the same yyjson text the careful reader extracts, so the
checks and reasons are the same), about five times cheaper. It fails as a whole on any malformed
line; the caller then runs the careful reader. It has no raw text: `raw_lines_sql` fetches the
lines of quarantined records afterwards.

Where a line carries Fluent Bit's own record time (`date`, or the out_file epoch) and the record
has no `ts`, that time is the record's `ts`: a parser with `time_keep: off` moves it there.
"""

from __future__ import annotations

import json
from datetime import datetime

from synmon.ingest.content import NewContent
from synmon.ingest.schemas import RAW_LIMIT, SQL_TYPES, Field, JsonStream

MIN_TS = "2000-01-01"
_FB_LINE = r"^[^\s\[{]+: \[\s*([0-9][0-9.eE+-]*)\s*,\s*(\{.*\})\s*\]\s*$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_lines_sql(content: NewContent) -> str:
    """A DuckDB relation of (`_line`, `raw`) over the complete new lines of `content`."""
    reader = (
        f"read_csv({_lit(str(content.read_path))}, columns={{'raw': 'VARCHAR'}}, header=false,"
        " delim=chr(1), quote='', escape='', strict_mode=false,"
        " auto_detect=false, max_line_size=134217728, compression='none')"
    )
    # DuckDB keeps scan order for an empty OVER () (preserve_insertion_order); a test guards it.
    # The blank-line test is a regex search that stops at the first visible character: trim() with
    # a character set costs more than parsing the JSON, and runs single-threaded after the window.
    return (
        f"(SELECT row_number() OVER () + {content.first_line - 1} AS _line, raw FROM {reader})"
        f" WHERE _line < {content.first_line + content.n_lines}"
        " AND raw IS NOT NULL AND regexp_matches(raw, '[^ \\t\\r]')"
    )


def raw_lines_sql(content: NewContent, lines_sql: str) -> str:
    """(`_line`, `raw`) of the lines of `content` whose numbers `lines_sql` selects."""
    return f"(SELECT * FROM {read_lines_sql(content)} AND _line IN ({lines_sql}))"


def _keys(spec: JsonStream) -> list[str]:
    return list(dict.fromkeys(k for f in spec.fields for k in (f.name, *f.aliases, "date")))


def _fast_vals_sql(spec: JsonStream, content: NewContent) -> str:
    """`_line`, `raw` and `line_reason` (NULL), `v_<field>` by `read_json`; plain content only."""
    keys = [k for k in _keys(spec) if k != "date"]
    columns = "{" + ", ".join(f"{_lit(k)}: 'VARCHAR'" for k in keys) + "}"
    reader = (
        f"read_json({_lit(str(content.read_path))}, columns={columns},"
        " format='newline_delimited', compression='none', maximum_object_size=134217728)"
    )
    vals = [
        f'coalesce({", ".join(_ident(k) for k in (f.name, *f.aliases))}, NULL) AS "v_{f.name}"'
        for f in spec.fields
    ]
    return (
        f"SELECT _line, NULL::VARCHAR AS raw, {', '.join(vals)}, NULL::VARCHAR AS line_reason"
        f" FROM (SELECT row_number() OVER () + {content.first_line - 1} AS _line, * FROM {reader})"
        f" WHERE _line < {content.first_line + content.n_lines}"
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(v: str) -> str:
    return f"left({v}, 80)"


def _field_sql(f: Field, now: datetime) -> tuple[str, str]:
    """(typed value, reason or NULL) for one field, over `v_<name>`, `d_<name>` and `t_<name>`."""
    v, d, n = f'"v_{f.name}"', f'"d_{f.name}"', f.name
    missing = _lit(f"{n}: missing") if f.required else "NULL"
    if f.kind == "text":
        empty = f"WHEN trim({v}) = '' THEN {_lit(f'{n}: empty')} " if f.required else ""
        return v, f"CASE WHEN {v} IS NULL THEN {missing} {empty}END"
    if f.kind == "bool":
        value = f"CASE lower(trim({v})) WHEN 'true' THEN true WHEN 'false' THEN false END"
        bad = f"format('{n}: ''{{}}'' is not true or false', {_shown(v)})"
        return value, f"CASE WHEN {v} IS NULL THEN {missing} WHEN {value} IS NULL THEN {bad} END"
    if f.kind == "ts":
        t = f'"t_{f.name}"'
        upper = f"TIMESTAMP {_lit(now.strftime('%Y-%m-%d %H:%M:%S'))} + INTERVAL 1 DAY"
        reason = (
            f"CASE WHEN {v} IS NULL THEN {missing}"
            f" WHEN {t} IS NULL THEN format('{n}: ''{{}}'' is not an RFC 3339 time or epoch"
            f" seconds', {_shown(v)})"
            f" WHEN {t} < TIMESTAMP '{MIN_TS}' THEN"
            f" format('{n}: ''{{}}'' is before {MIN_TS}', {_shown(v)})"
            f" WHEN {t} > {upper} THEN"
            f" format('{n}: ''{{}}'' is more than one day in the future', {_shown(v)}) END"
        )
        return f"CASE WHEN {t} BETWEEN TIMESTAMP '{MIN_TS}' AND {upper} THEN {t} END", reason
    checks = []
    if f.kind == "int":
        checks.append(
            (f"NOT isfinite({d}) OR {d} <> trunc({d})", f"format('{n}: ''{{}}'' is not an integer'")
        )
    else:
        checks.append((f"NOT isfinite({d})", f"format('{n}: ''{{}}'' is not finite'"))
    if f.nonnegative:
        checks.append((f"{d} < 0", f"format('{n}: ''{{}}'' is negative'"))
    if f.low is not None and f.high is not None:
        lo, hi = f"{f.low:g}", f"{f.high:g}"
        checks.append((f"{d} < {lo} OR {d} > {hi}", f"format('{n}: ''{{}}'' is not in {lo}..{hi}'"))
    whens = " ".join(f"WHEN {cond} THEN {msg}, {_shown(v)})" for cond, msg in checks)
    not_number = f"format('{n}: ''{{}}'' is not a number', {_shown(v)})"
    reason = f"CASE WHEN {v} IS NULL THEN {missing} WHEN {d} IS NULL THEN {not_number} {whens} END"
    ok = " AND ".join(f"NOT ({cond})" for cond, _ in checks)
    value = f"CASE WHEN {ok} THEN CAST({d} AS {SQL_TYPES[f.kind]}) END"
    return value, reason


def _careful_vals_sql(spec: JsonStream, content: NewContent) -> str:
    """`_line`, `raw`, `v_<field>`, `line_reason` for lines of any shape, by `read_csv`."""
    keys = _keys(spec)
    index = {k: i + 1 for i, k in enumerate(keys)}
    paths = "[" + ", ".join(_lit(f"$.{json.dumps(k)}") for k in keys) + "]"
    vals = []
    for f in spec.fields:
        picks = [f"l[{index[k]}]" for k in (f.name, *f.aliases)]
        if f.kind == "ts":
            picks.append(f"CASE WHEN is_date THEN l[{index['date']}] ELSE fb_time END")
        vals.append(f'coalesce({", ".join(picks)}, NULL) AS "v_{f.name}"')
    if spec.extra:
        # JSON merge patch with null values removes the typed keys; the rest stays as JSON text.
        patch = json.dumps(dict.fromkeys(keys))
        vals.append(
            f"CASE WHEN l IS NOT NULL THEN try(json_merge_patch(rec, {_lit(patch)})) END"
            " AS v__extra"
        )
    return f"""
WITH src AS (SELECT * FROM {read_lines_sql(content)}),
shaped AS (
  SELECT _line, raw,
    starts_with(raw, '{{"date":') AS is_date,
    CASE WHEN starts_with(raw, chr(2)) THEN NULL
         WHEN starts_with(ltrim(raw), '{{') THEN raw
         ELSE nullif(regexp_extract(raw, {_lit(_FB_LINE)}, 2), '') END AS rec,
    CASE WHEN NOT starts_with(ltrim(raw), '{{')
         THEN nullif(regexp_extract(raw, {_lit(_FB_LINE)}, 1), '') END AS fb_time
  FROM src),
objs AS (
  SELECT _line, raw, is_date, fb_time, rec,
    CASE WHEN rec IS NOT NULL THEN try(json_extract_string(rec, {paths})) END AS l
  FROM shaped)
SELECT _line, raw, {", ".join(vals)},
  CASE WHEN starts_with(raw, chr(2)) THEN split_part(raw, chr(2), 2)
       WHEN rec IS NULL THEN 'not a JSON object or a Fluent Bit record line'
       WHEN l IS NULL THEN 'not valid JSON' END AS line_reason
FROM objs"""


def parse_sql(
    spec: JsonStream, content: NewContent, source: str, now: datetime, *, fast: bool = False
) -> str:
    """SELECT of the spec's typed columns, `_source`, `_line`, `_reason` (NULL if valid), `_raw`.

    `fast` reads with `read_json` (plain content only; `_raw` is then NULL, see `raw_lines_sql`).
    """
    vals_sql = _fast_vals_sql(spec, content) if fast else _careful_vals_sql(spec, content)
    nums = []
    for f in spec.fields:
        if f.kind != "text":
            nums.append(f'TRY_CAST("v_{f.name}" AS DOUBLE) AS "d_{f.name}"')
    for f in spec.fields:
        if f.kind == "ts":
            d, v = f'"d_{f.name}"', f'"v_{f.name}"'
            nums.append(
                f"CASE WHEN {d} IS NOT NULL THEN CASE WHEN isfinite({d}) AND abs({d}) < 1e11"
                f" THEN make_timestamp(CAST({d} * 1000000 AS BIGINT)) END"
                # A plain TIMESTAMP cast is cheaper but ignores offsets: only for `Z` times.
                f" WHEN right({v}, 1) IN ('Z', 'z') THEN TRY_CAST({v} AS TIMESTAMP)"
                f' ELSE TRY_CAST({v} AS TIMESTAMPTZ)::TIMESTAMP END AS "t_{f.name}"'
            )
    typed, reasons = [], []
    for f in spec.fields:
        value, reason = _field_sql(f, now)
        typed.append(f'{value} AS "{f.name}"')
        reasons.append(reason)
    extra = " v__extra::VARCHAR AS fields," if spec.extra else ""
    return f"""
WITH vals AS ({vals_sql}),
nums AS (SELECT *, {", ".join(nums)} FROM vals),
checked AS (
  SELECT {", ".join(typed)},{extra} {_lit(source)} AS _source, _line,
    coalesce(line_reason, nullif(concat_ws('; ', {", ".join(reasons)}), '')) AS _reason, raw
  FROM nums)
SELECT * EXCLUDE (raw),
  CASE WHEN _reason IS NULL THEN NULL
       WHEN starts_with(raw, chr(2)) THEN left(split_part(raw, chr(2), 3), {RAW_LIMIT})
       ELSE left(raw, {RAW_LIMIT}) END AS _raw
FROM checked
"""
