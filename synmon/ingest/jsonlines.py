"""JSON-lines streams at DuckDB speed: every Fluent Bit shape, typed and validated in SQL.

DuckDB reads the new lines as one VARCHAR column (no per-record Python), recognises the shape of
each line (a plain JSON object, stdout `json_lines` with `date` first, or out_file's default
`<tag>: [<epoch.nanos>, {record}]`), extracts the spec's keys with `json_extract_string`, and
types and checks every field with TRY_CAST. Each line ends up either typed or with a human reason.

`fast_sql` is the fast reader for content that looks like plain JSON objects: `read_json` typing
times and numbers itself (or, untyped, every key as VARCHAR: the same yyjson text the careful
reader extracts), checked by the same expressions, with only a cheap `_ok` flag per row instead of
reasons. It is conservative: a row it does not flag `_ok` (or any row, when `read_json` refuses
the file) goes through the careful reader, which alone writes reasons, so both readers load and
quarantine exactly the same records.

Where a line carries Fluent Bit's own record time (`date`, or the out_file epoch) and the record
has no `ts`, that time is the record's `ts`: a parser with `time_keep: off` moves it there.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from synmon.ingest.content import NewContent
from synmon.ingest.schemas import RAW_LIMIT, SQL_TYPES, Field, JsonStream

MIN_TS = "2000-01-01"
_FB_LINE = r"^[^\s\[{]+: \[\s*([0-9][0-9.eE+-]*)\s*,\s*(\{.*\})\s*\]\s*$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# read_csv taking each line whole: \x01 (never in prepared content) as the delimiter, no quoting.
_AS_LINES = (
    "header=false, delim=chr(1), quote='', escape='', strict_mode=false, auto_detect=false,"
    " max_line_size=134217728, compression='none'"
)
_NOT_BLANK = "raw IS NOT NULL AND regexp_matches(raw, '[^ \\t\\r]')"


def read_lines_sql(content: NewContent, only: str | None = None) -> str:
    """A DuckDB relation of (`_line`, `raw`) over the complete new lines of `content`; with
    `only` (SQL selecting `_line` values), just those lines."""
    reader = f"read_csv({_lit(str(content.read_path))}, columns={{'raw': 'VARCHAR'}}, {_AS_LINES})"
    # DuckDB keeps scan order for an empty OVER () (preserve_insertion_order); a test guards it.
    # The blank-line test is a regex search that stops at the first visible character: trim() with
    # a character set costs more than parsing the JSON, and runs single-threaded after the window.
    return (
        f"(SELECT row_number() OVER () + {content.first_line - 1} AS _line, raw FROM {reader})"
        f" WHERE _line < {content.first_line + content.n_lines} AND {_NOT_BLANK}"
        + (f" AND _line IN ({only})" if only else "")
    )


def _keys(spec: JsonStream) -> list[str]:
    return list(dict.fromkeys(k for f in spec.fields for k in (f.name, *f.aliases, "date")))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(v: str) -> str:
    return f"left({v}, 80)"


def _field_sql(f: Field, now: datetime) -> tuple[str, str, str]:
    """(typed value, reason or NULL, whether the reason is NULL) for one field, over `v_<name>`,
    `d_<name>` and `t_<name>`. The third is the cheap test the fast reader computes per row."""
    v, d, n = f'"v_{f.name}"', f'"d_{f.name}"', f.name
    missing = _lit(f"{n}: missing") if f.required else "NULL"
    if f.kind == "text":
        empty = f"WHEN trim({v}) = '' THEN {_lit(f'{n}: empty')} " if f.required else ""
        # trim() costs ~150 ns a row; a value opening with printable ASCII cannot trim to ''.
        nonblank = f"CASE WHEN {v} >= '!' AND {v} < chr(127) THEN true ELSE trim({v}) <> '' END"
        ok = f"({v} IS NOT NULL AND {nonblank})" if f.required else "true"
        return v, f"CASE WHEN {v} IS NULL THEN {missing} {empty}END", ok
    if f.kind == "bool":
        value = f"CASE lower(trim({v})) WHEN 'true' THEN true WHEN 'false' THEN false END"
        bad = f"format('{n}: ''{{}}'' is not true or false', {_shown(v)})"
        reason = f"CASE WHEN {v} IS NULL THEN {missing} WHEN {value} IS NULL THEN {bad} END"
        return value, reason, _or_absent(f, v, f"{value} IS NOT NULL")
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
        within = f"{t} BETWEEN TIMESTAMP '{MIN_TS}' AND {upper}"
        return f"CASE WHEN {within} THEN {t} END", reason, _or_absent(f, v, within)
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
        lo, hi = f"{f.low:.15g}", f"{f.high:.15g}"
        checks.append((f"{d} < {lo} OR {d} > {hi}", f"format('{n}: ''{{}}'' is not in {lo}..{hi}'"))
    whens = " ".join(f"WHEN {cond} THEN {msg}, {_shown(v)})" for cond, msg in checks)
    not_number = f"format('{n}: ''{{}}'' is not a number', {_shown(v)})"
    reason = f"CASE WHEN {v} IS NULL THEN {missing} WHEN {d} IS NULL THEN {not_number} {whens} END"
    ok = " AND ".join(f"NOT ({cond})" for cond, _ in checks)
    value = f"CASE WHEN {ok} THEN CAST({d} AS {SQL_TYPES[f.kind]}) END"
    return value, reason, _or_absent(f, v, f"{d} IS NOT NULL AND {ok}")


def _or_absent(f: Field, v: str, ok: str) -> str:
    return f"({ok})" if f.required else f"({v} IS NULL OR ({ok}))"


def _nums_sql(spec: JsonStream) -> str:
    """`d_<field>` (the value as a number) and `t_<field>` (as a UTC time) over `v_<field>`."""
    nums = []
    for f in spec.fields:
        v = f'"v_{f.name}"'
        if f.kind == "ts":
            d = f"TRY_CAST({v} AS DOUBLE)"
            nums.append(
                # A plain TIMESTAMP cast is cheaper but ignores offsets: only for `Z` times
                # (which are never numbers, so epoch seconds may be tried second).
                f"CASE WHEN right({v}, 1) IN ('Z', 'z') THEN TRY_CAST({v} AS TIMESTAMP)"
                f" WHEN {d} IS NOT NULL THEN CASE WHEN isfinite({d}) AND abs({d}) < 1e11"
                f" THEN make_timestamp(CAST({d} * 1000000 AS BIGINT)) END"
                f' ELSE TRY_CAST({v} AS TIMESTAMPTZ)::TIMESTAMP END AS "t_{f.name}"'
            )
        elif f.kind != "text":
            nums.append(f'TRY_CAST({v} AS DOUBLE) AS "d_{f.name}"')
    return ", ".join(nums)


_READ_TYPES = {"ts": "TIMESTAMPTZ", "int": "DOUBLE", "double": "DOUBLE"}
# read_json's largest line, which also sizes its read buffers: at 64 MiB rather than the default
# 16, a 2M-line file is read in a few large batches, and the ordered insert that numbers the rows
# merges few partial row groups (0.3-0.5 CPU-s less per 2M lines, alike in RSS). A longer line
# fails the fast read, and the careful reader (up to 128 MiB a line) takes the file.
_FAST_BUFFER = 64 << 20


def fast_sql(spec: JsonStream, read_path: Path, now: datetime, typed: bool = True) -> str:
    """The spec's typed columns, `_zero_one` and `_ok` for every JSON object in `read_path`, in
    file order.

    Rows come from `read_json`, which skips blank lines and fails as a whole on a line that is
    not a JSON object: the caller checks the row count against the lines and falls back.

    `typed` has `read_json` convert times and numbers itself, as its own type detection would:
    no text copy of each number, no second parse. It fails as a whole on any value it cannot
    convert (epoch-second times, " 5 ", "fast", an object): the caller then reads the file again
    untyped, where such rows get their `_ok` as in the careful reader. The one conversion it makes
    that the careful reader refuses is a JSON boolean to 0 or 1, so with `typed` a row that would
    be `_ok` but for a number exactly 0 or 1 is `_zero_one` instead: the caller looks at its line
    (`lines.boolean_lines`) before loading it.
    """
    keys = {k: f.kind for f in spec.fields for k in (f.name, *f.aliases)}
    read_as = {
        k: _READ_TYPES.get(kind, "VARCHAR") if typed else "VARCHAR" for k, kind in keys.items()
    }
    columns = "{" + ", ".join(f"{_lit(k)}: '{t}'" for k, t in read_as.items()) + "}"
    reader = (
        f"read_json({_lit(str(read_path))}, columns={columns},"
        f" format='newline_delimited', compression='none', maximum_object_size={_FAST_BUFFER})"
    )
    vals = ", ".join(
        f'coalesce({", ".join(_ident(k) for k in (f.name, *f.aliases))}) AS "v_{f.name}"'
        if f.aliases
        else f'{_ident(f.name)} AS "v_{f.name}"'
        for f in spec.fields
    )
    typed_values, oks, zero_ones = [], [], []
    for f in spec.fields:
        value, _, ok = _field_sql(f, now)
        # Values need only be right where `_ok` holds: no guards, and TRY_CAST never fails.
        if f.kind in ("int", "double"):
            value = f'TRY_CAST("d_{f.name}" AS {SQL_TYPES[f.kind]})'
            if typed and f.kind == "double":
                value = f'"d_{f.name}"'
            if typed:
                zero_ones.append(f'"d_{f.name}" IN (0, 1)')
        elif f.kind == "ts":
            value = f'"t_{f.name}"'
        typed_values.append(f'{value} AS "{f.name}"')
        oks.append(ok)
    zero_one = f"coalesce({' OR '.join(zero_ones)}, false)" if zero_ones else "false"
    return f"""
WITH vals AS (SELECT {vals} FROM {reader}),
nums AS (SELECT *, {_typed_nums_sql(spec) if typed else _nums_sql(spec)} FROM vals),
checked AS (SELECT *, coalesce({" AND ".join(oks)}, false) AS _valid, {zero_one} AS _z FROM nums)
SELECT {", ".join(typed_values)}, _valid AND _z AS _zero_one, _valid AND NOT _z AS _ok
FROM checked
"""


def _typed_nums_sql(spec: JsonStream) -> str:
    """`d_<field>` and `t_<field>` when `read_json` has typed `v_<field>` already."""
    nums = []
    for f in spec.fields:
        if f.kind == "ts":
            # The instant's microseconds: a cast to TIMESTAMP goes through ICU (20x the CPU).
            # +-infinity become NULL, so not `_ok`, as the careful reader's range check has it.
            nums.append(f'make_timestamp(epoch_us("v_{f.name}")) AS "t_{f.name}"')
        elif f.kind != "text":
            nums.append(f'"v_{f.name}" AS "d_{f.name}"')
    return ", ".join(nums)


def picked_lines_sql(path: Path) -> str:
    """A relation of (`_line`, `raw`) over a file `content.pick_lines` wrote."""
    columns = "{'_line': 'BIGINT', 'raw': 'VARCHAR'}"
    return (
        f"(SELECT _line, raw FROM read_csv({_lit(str(path))}, columns={columns}, {_AS_LINES})"
        f" WHERE {_NOT_BLANK})"
    )


def _careful_vals_sql(
    spec: JsonStream, content: NewContent, only: str | None, lines: str | None = None
) -> str:
    """`_line`, `raw`, `v_<field>`, `line_reason` for lines of any shape, by `read_csv` (or from
    `lines`, a relation of `_line` and `raw`)."""
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
WITH src AS (SELECT * FROM {lines or read_lines_sql(content, only)}),
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
    spec: JsonStream,
    content: NewContent,
    source: str,
    now: datetime,
    only: str | None = None,
    lines: str | None = None,
) -> str:
    """SELECT of the spec's typed columns, `_source`, `_line`, `_reason` (NULL if valid), `_raw`,
    for every new line of `content` (or those `only` selects, or those in `lines`: a relation of
    `_line` and `raw`, such as `picked_lines_sql`), in any shape."""
    vals_sql = _careful_vals_sql(spec, content, only, lines)
    typed, reasons = [], []
    for f in spec.fields:
        value, reason, _ = _field_sql(f, now)
        typed.append(f'{value} AS "{f.name}"')
        reasons.append(reason)
    extra = " v__extra::VARCHAR AS fields," if spec.extra else ""
    return f"""
WITH vals AS ({vals_sql}),
nums AS (SELECT *, {_nums_sql(spec)} FROM vals),
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
