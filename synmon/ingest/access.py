"""Web access logs into the `access` dataset, in DuckDB: raw combined log lines or parsed records.

A raw line is accepted exactly when Fluent Bit's stock `apache2` parser regex (conf/parsers.conf)
matches it; the regex runs vectorised through `regexp_matches`/`regexp_extract` (RE2 accepts this
pattern unchanged apart from the group names). A JSON record in any Fluent Bit shape (out_file
`plain`, the default `<tag>: [<time>, {record}]`, stdout `json_lines`) is what the `apache2` or
`nginx` parser emitted (`host` or nginx's `remote`, `user`, `method`, `path`, `code`, `size`,
`referer`, `agent`), or a raw tail record `{"log": "<line>"}` that gets the same regex. `ts` is the
parser's `time` (`%d/%b/%Y:%H:%M:%S %z`) or, when the parser dropped it, Fluent Bit's record time.
One rule goes beyond the regex: a line whose time cannot be read is quarantined, because the lake
is partitioned by it. `latency_ms` is always NULL: these logs do not carry it.
"""

from __future__ import annotations

from datetime import datetime

from synmon.ingest.content import NewContent
from synmon.ingest.jsonlines import _FB_LINE, MIN_TS, _lit, read_lines_sql
from synmon.ingest.schemas import RAW_LIMIT

APACHE2 = (
    r'^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)'
    r'(?: +(?<path>[^ ]*) +\S*)?" (?<code>[^ ]*) (?<size>[^ ]*)'
    r'(?: "(?<referer>[^\"]*)" "(?<agent>.*)")?$'
)
GROUPS = ("host", "user", "time", "method", "path", "code", "size", "referer", "agent")
JSON_KEYS = ("host", "remote", "user", "method", "path", "code", "size", "referer", "agent")
TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
COLUMNS = {
    "ts": "TIMESTAMP",
    "host": "VARCHAR",
    "user": "VARCHAR",
    "method": "VARCHAR",
    "path": "VARCHAR",
    "code": "INTEGER",
    "size": "BIGINT",
    "referer": "VARCHAR",
    "agent": "VARCHAR",
    "latency_ms": "DOUBLE",
}


def _re2(pattern: str) -> str:
    """The Onigmo pattern with its named groups made plain groups (same numbering)."""
    for name in GROUPS:
        pattern = pattern.replace(f"(?<{name}>", "(")
    return pattern


def _dash(expr: str) -> str:
    return f"nullif(nullif({expr}, ''), '-')"


def access_sql(content: NewContent, source: str, now: datetime) -> str:
    """`COLUMNS`, `_source`, `_line`, `_reason` (NULL if valid) and `_raw` of the new lines."""
    regex = _lit(_re2(APACHE2))
    groups = "[" + ", ".join(_lit(g) for g in GROUPS) + "]"
    keys = (*JSON_KEYS, "time", "log", "date")
    paths = "[" + ", ".join(_lit(f"$.{k}") for k in keys) + "]"
    idx = {k: i + 1 for i, k in enumerate(keys)}
    upper = f"TIMESTAMP {_lit(now.strftime('%Y-%m-%d %H:%M:%S'))} + INTERVAL 1 DAY"

    def pick(name: str) -> str:
        if name == "host":
            rec = f"coalesce(l[{idx['remote']}], l[{idx['host']}])"
            return f"CASE WHEN is_rec THEN {rec} ELSE struct_extract(m, 'host') END"
        return f"CASE WHEN is_rec THEN l[{idx[name]}] ELSE struct_extract(m, {_lit(name)}) END"

    text = ", ".join(
        f'{_dash(pick(k))} AS "{k}"' for k in ("host", "user", "method", "path", "referer", "agent")
    )
    return f"""
WITH src AS (SELECT * FROM {read_lines_sql(content)}),
shaped AS (
  SELECT _line, raw, starts_with(raw, chr(2)) AS marked,
    starts_with(raw, '{{"date":') AS is_date,
    CASE WHEN starts_with(raw, chr(2)) THEN NULL
         WHEN starts_with(ltrim(raw), '{{') THEN raw
         ELSE nullif(regexp_extract(raw, {_lit(_FB_LINE)}, 2), '') END AS rec,
    CASE WHEN NOT starts_with(ltrim(raw), '{{')
         THEN nullif(regexp_extract(raw, {_lit(_FB_LINE)}, 1), '') END AS fb_time
  FROM src),
objs AS (
  SELECT *, CASE WHEN rec IS NOT NULL THEN try(json_extract_string(rec, {paths})) END AS l
  FROM shaped),
lined AS (
  SELECT *, CASE WHEN l IS NULL THEN CASE WHEN rec IS NULL THEN raw END
                 WHEN l[{idx["code"]}] IS NULL THEN l[{idx["log"]}] END AS line_text
  FROM objs),
matched AS (
  SELECT *, line_text IS NULL AND l IS NOT NULL AS is_rec,
    coalesce(regexp_matches(line_text, {regex}), false) AS ok,
    CASE WHEN line_text IS NOT NULL THEN regexp_extract(line_text, {regex}, {groups}) END AS m
  FROM lined),
vals AS (
  SELECT _line, raw, rec, marked, is_rec, ok, l, {text},
    CASE WHEN is_rec THEN l[{idx["code"]}] ELSE struct_extract(m, 'code') END AS code_text,
    CASE WHEN is_rec THEN l[{idx["size"]}] ELSE struct_extract(m, 'size') END AS size_text,
    CASE WHEN is_rec THEN l[{idx["time"]}] ELSE struct_extract(m, 'time') END AS time_text,
    CASE WHEN is_rec THEN coalesce(CASE WHEN is_date THEN l[{idx["date"]}] END, fb_time) END
      AS epoch_text
  FROM matched),
typed AS (
  SELECT *, coalesce(
      try_strptime(time_text, '{TIME_FORMAT}')::TIMESTAMP,
      TRY_CAST(time_text AS TIMESTAMPTZ)::TIMESTAMP,
      CASE WHEN time_text IS NULL THEN make_timestamp(
        TRY_CAST(TRY_CAST(epoch_text AS DOUBLE) * 1000000 AS BIGINT)) END) AS t
  FROM vals),
checked AS (
  SELECT CASE WHEN t BETWEEN TIMESTAMP '{MIN_TS}' AND {upper} THEN t END AS ts,
    host, "user", method, path,
    TRY_CAST(TRY_CAST(nullif(code_text, '-') AS DOUBLE) AS INTEGER) AS code,
    TRY_CAST(TRY_CAST(nullif(size_text, '-') AS DOUBLE) AS BIGINT) AS size,
    referer, agent, NULL::DOUBLE AS latency_ms,
    {_lit(source)} AS _source, _line,
    CASE WHEN marked THEN split_part(raw, chr(2), 2)
         WHEN is_rec AND l[{idx["code"]}] IS NULL THEN 'access record: code missing'
         WHEN is_rec AND l[{idx["method"]}] IS NULL THEN 'access record: method missing'
         WHEN is_rec AND coalesce(l[{idx["remote"]}], l[{idx["host"]}]) IS NULL
           THEN 'access record: host missing'
         WHEN NOT is_rec AND l IS NULL AND rec IS NOT NULL THEN 'not valid JSON'
         WHEN NOT is_rec AND NOT ok THEN 'does not match the apache2 access log format'
         WHEN t IS NULL THEN format('time: ''{{}}'' is not {TIME_FORMAT}',
           left(coalesce(time_text, epoch_text, ''), 80))
         WHEN t < TIMESTAMP '{MIN_TS}' THEN format('time: ''{{}}'' is before {MIN_TS}', t)
         WHEN t > {upper} THEN format('time: ''{{}}'' is more than one day in the future', t)
    END AS _reason, raw
  FROM typed)
SELECT * EXCLUDE (raw),
  CASE WHEN _reason IS NULL THEN NULL
       WHEN starts_with(raw, chr(2)) THEN left(split_part(raw, chr(2), 3), {RAW_LIMIT})
       ELSE left(raw, {RAW_LIMIT}) END AS _raw
FROM checked
"""
