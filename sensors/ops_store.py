"""The ops store, data/ops.sqlite (SQLite, WAL): alert state, notification outbox, deliveries.

Also the evaluation watermark per stream, the landing bytes already folded into alert state (so a
tick replayed on an old cursor counts nothing twice) and a buffer of the most recent request rows
(windows that span two files or two ticks). `commit_tick` writes one tick's outcome in one
transaction; delivery bookkeeping is separate so an undelivered notification survives any crash.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sensors.rules import Instance, State

BUFFER_COLUMNS = (
    "ts_us",
    "component",
    "endpoint",
    "method",
    "domain",
    "host",
    "status",
    "latency_ms",
    "tokens_in",
    "tokens_out",
    "cost_usd",
)

_SCHEMA = f"""
create table if not exists progress (stream text primary key, last_step integer not null);
create table if not exists sources (path text primary key, bytes integer not null);
create table if not exists instances (
    rule text not null, fingerprint text not null, labels text not null, state text not null,
    active_at integer, fired_at integer, resolved_at integer, keep_firing_since integer,
    value real, updated_at real not null, primary key (rule, fingerprint));
create table if not exists notifications (
    dedup_key text primary key, rule text not null, fingerprint text not null,
    status text not null, payload text not null, created_at real not null);
create table if not exists outbox (
    dedup_key text not null, receiver text not null, state text not null default 'pending',
    attempts integer not null default 0, next_attempt_at real not null, last_error text,
    primary key (dedup_key, receiver));
create index if not exists outbox_due on outbox (state, next_attempt_at);
create table if not exists deliveries (
    id integer primary key autoincrement, dedup_key text not null, receiver text not null,
    attempted_at real not null, ok integer not null, detail text);
create table if not exists buffer ({", ".join(BUFFER_COLUMNS)});
"""


class OpsStore:
    """A connection to the ops store; create the schema on first use."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=normal")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> OpsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def last_step(self, stream: str) -> int | None:
        row = self.conn.execute(
            "select last_step from progress where stream = ?", (stream,)
        ).fetchone()
        return None if row is None else int(row[0])

    def source_offsets(self) -> dict[str, int]:
        return dict(self.conn.execute("select path, bytes from sources").fetchall())

    def instances(self, rule: str) -> dict[str, Instance]:
        rows = self.conn.execute(
            "select fingerprint, labels, state, active_at, fired_at, resolved_at,"
            " keep_firing_since, value from instances where rule = ?",
            (rule,),
        ).fetchall()
        return {
            fp: Instance(rule, fp, json.loads(labels), State(state), *rest)
            for fp, labels, state, *rest in rows
        }

    def buffer_rows(self) -> list[tuple]:
        return self.conn.execute(f"select {', '.join(BUFFER_COLUMNS)} from buffer").fetchall()

    def commit_tick(
        self,
        *,
        stream: str,
        last_step: int | None,
        offsets: dict[str, int],
        instances: Iterable[Instance],
        notifications: Sequence[dict[str, Any]],
        receivers: Sequence[str],
        buffer: Iterable[Sequence[Any]] | None,
        now: float,
    ) -> int:
        """Store one tick's outcome atomically; returns how many notifications were new."""
        c = self.conn
        c.execute("begin immediate")
        try:
            if last_step is not None:
                c.execute(
                    "insert into progress values (?, ?) on conflict (stream) do update"
                    " set last_step = max(last_step, excluded.last_step)",
                    (stream, last_step),
                )
            c.executemany(
                "insert into sources values (?, ?) on conflict (path) do update"
                " set bytes = max(bytes, excluded.bytes)",
                offsets.items(),
            )
            c.executemany(
                "insert or replace into instances values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (i.rule, i.fingerprint, json.dumps(i.labels, sort_keys=True), i.state.value,
                     i.active_at, i.fired_at, i.resolved_at, i.keep_firing_since, i.value, now)
                    for i in instances
                ],
            )  # fmt: skip
            new = 0
            for n in notifications:
                cur = c.execute(
                    "insert or ignore into notifications values (?, ?, ?, ?, ?, ?)",
                    (n["dedup_key"], n["alertname"], n["fingerprint"], n["status"],
                     json.dumps(n, sort_keys=True), now),
                )  # fmt: skip
                if cur.rowcount:
                    new += 1
                    c.executemany(
                        "insert or ignore into outbox (dedup_key, receiver, next_attempt_at)"
                        " values (?, ?, ?)",
                        [(n["dedup_key"], r, now) for r in receivers],
                    )
            if buffer is not None:
                c.execute("delete from buffer")
                marks = ", ".join("?" for _ in BUFFER_COLUMNS)
                c.executemany(f"insert into buffer values ({marks})", buffer)
            c.execute("commit")
        except BaseException:
            c.execute("rollback")
            raise
        return new

    def due(self, now: float, receivers: Sequence[str]) -> list[tuple[str, str, dict, int]]:
        """Pending outbox entries now due: (dedup_key, receiver, payload, attempts so far)."""
        marks = ", ".join("?" for _ in receivers)
        rows = self.conn.execute(
            "select o.dedup_key, o.receiver, n.payload, o.attempts from outbox o"
            " join notifications n using (dedup_key)"
            f" where o.state = 'pending' and o.next_attempt_at <= ? and o.receiver in ({marks})"
            " order by n.rowid, o.receiver",
            (now, *receivers),
        ).fetchall()
        return [
            (key, receiver, json.loads(payload), tries) for key, receiver, payload, tries in rows
        ]

    def record_attempt(
        self, dedup_key: str, receiver: str, *, ok: bool, detail: str, now: float,
        retry_at: float | None = None,
    ) -> None:  # fmt: skip
        """Log one delivery attempt; without `ok` or `retry_at` the entry is dead-lettered."""
        state = "delivered" if ok else ("pending" if retry_at is not None else "dead")
        c = self.conn
        c.execute("begin immediate")
        try:
            c.execute(
                "insert into deliveries (dedup_key, receiver, attempted_at, ok, detail)"
                " values (?, ?, ?, ?, ?)",
                (dedup_key, receiver, now, int(ok), detail),
            )
            c.execute(
                "update outbox set state = ?, attempts = attempts + 1, next_attempt_at = ?,"
                " last_error = ? where dedup_key = ? and receiver = ?",
                (state, retry_at or now, None if ok else detail, dedup_key, receiver),
            )
            c.execute("commit")
        except BaseException:
            c.execute("rollback")
            raise

    def outbox_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("select state, count(*) from outbox group by state"))
