"""The typed fields and validity rules of each JSON-lines stream, as data.

A stream's lake columns, their types, which are required and which ranges are valid live here and
nowhere else; `synmon.ingest.jsonlines` turns a spec into DuckDB SQL. A new JSON-lines stream
(`logs`, say) is one more entry in `JSON_STREAMS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "double", "bool", "ts"]


@dataclass(frozen=True)
class Field:
    """One lake column read from one JSON key (or the first present of `aliases` after it)."""

    name: str
    kind: Kind
    required: bool = False
    low: float | None = None
    high: float | None = None
    aliases: tuple[str, ...] = ()
    nonnegative: bool = False


@dataclass(frozen=True)
class JsonStream:
    """A JSON-lines landing stream and the lake dataset it becomes."""

    stream: str
    dataset: str
    fields: tuple[Field, ...]
    extra: bool = False  # keep the record's other keys as JSON text in a `fields` column


INT32 = 2**31 - 1

REQUESTS = JsonStream(
    stream="requests",
    dataset="requests",
    fields=(
        Field("ts", "ts", required=True),
        Field("request_id", "text"),
        Field("trace_id", "text"),
        Field("component", "text", required=True),
        Field("endpoint", "text", required=True),
        Field("method", "text"),
        Field("status", "int", required=True, low=100, high=599),
        Field("latency_ms", "double", required=True, nonnegative=True),
        Field("domain", "text"),
        Field("user_id", "text"),
        Field("tokens_in", "int", low=0, high=INT32),
        Field("tokens_out", "int", low=0, high=INT32),
        Field("cost_usd", "double", nonnegative=True),
        Field("host", "text", aliases=("collector_host",)),
    ),
)

EVENTS = JsonStream(
    stream="events",
    dataset="events",
    fields=(
        Field("ts", "ts", required=True),
        Field("event", "text", required=True),
        Field("component", "text"),
        Field("domain", "text"),
        Field("user_id", "text"),
        Field("content_id", "text"),
        Field("tokens", "int", low=0, high=INT32),
        Field("passed", "bool"),
        Field("accuracy", "double", low=0, high=1),
        Field("false_positive", "bool"),
        Field("quality_score", "double", low=0, high=1),
        Field("satisfaction", "double", low=1, high=5),
        Field("version", "text"),
    ),
)

LOGS = JsonStream(
    stream="logs",
    dataset="logs",
    fields=(
        Field("ts", "ts", required=True, aliases=("time", "timestamp", "@timestamp")),
        Field("level", "text", aliases=("severity", "severityText", "lvl")),
        Field("component", "text", aliases=("service", "service.name")),
        Field("message", "text", aliases=("msg", "log", "body")),
        Field("host", "text", aliases=("collector_host", "hostname")),
    ),
    extra=True,
)

JSON_STREAMS: dict[str, JsonStream] = {s.stream: s for s in (REQUESTS, EVENTS, LOGS)}

SQL_TYPES: dict[Kind, str] = {
    "text": "VARCHAR",
    "int": "INTEGER",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "ts": "TIMESTAMP",
}

QUARANTINE_COLUMNS = ("stream", "file", "line", "reason", "raw", "ingested_at")
RAW_LIMIT = 65536
