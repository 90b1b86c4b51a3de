"""The ops store, data/ops.sqlite (SQLite, WAL): alert state, notification outbox, deliveries,
silences and the last notification time of each alert group.

Also the evaluation watermark per stream, the landing bytes already folded into alert state (so a
tick replayed on an old cursor counts nothing twice) and a buffer of the most recent request rows
(windows that span two files or two ticks). `commit_tick` writes one tick's outcome in one
transaction; delivery bookkeeping is separate so an undelivered notification survives any crash.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sensors.routing import LabelMatcher, Silence
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


@dataclass(frozen=True)
class OutboxEntry:
    """One pending (notification, receiver) pair; `queued_at` is when the notification arrived."""

    dedup_key: str
    receiver: str
    payload: dict[str, Any]
    attempts: int
    queued_at: float


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
create table if not exists silences (
    id text primary key, matchers text not null, starts_at real not null, ends_at real not null,
    comment text not null, created_by text not null, created_at real not null);
create table if not exists groups (
    receiver text not null, group_key text not null, last_flush_at real not null,
    primary key (receiver, group_key));
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
        receivers: Sequence[str] | Callable[[dict[str, Any]], Sequence[str]],
        buffer: Iterable[Sequence[Any]] | None,
        now: float,
    ) -> int:
        """Store one tick's outcome atomically; returns how many notifications were new.

        `receivers` names who gets every notification, or routes each one (a callable)."""
        c = self.conn
        route = receivers if callable(receivers) else (lambda n: receivers)
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
                        [(n["dedup_key"], r, now) for r in route(n)],
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

    def due_entries(self, now: float, receivers: Sequence[str]) -> list[OutboxEntry]:
        """Like `due`, with when each notification was queued (for group_wait)."""
        marks = ", ".join("?" for _ in receivers)
        rows = self.conn.execute(
            "select o.dedup_key, o.receiver, n.payload, o.attempts, n.created_at from outbox o"
            " join notifications n using (dedup_key)"
            f" where o.state = 'pending' and o.next_attempt_at <= ? and o.receiver in ({marks})"
            " order by n.rowid, o.receiver",
            (now, *receivers),
        ).fetchall()
        return [OutboxEntry(k, r, json.loads(p), a, c) for k, r, p, a, c in rows]

    def suppress(self, dedup_key: str, receiver: str, state: str, detail: str) -> None:
        """Mark an entry `silenced` or `inhibited`: kept and listed, never sent."""
        self.conn.execute(
            "update outbox set state = ?, last_error = ? where dedup_key = ? and receiver = ?",
            (state, detail, dedup_key, receiver),
        )

    def outbox_state(self, dedup_key: str, receiver: str) -> str | None:
        row = self.conn.execute(
            "select state from outbox where dedup_key = ? and receiver = ?", (dedup_key, receiver)
        ).fetchone()
        return None if row is None else str(row[0])

    def outbox_rows(self, state: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest outbox entries first, with the alert they carry and the last error."""
        rows = self.conn.execute(
            "select o.dedup_key, o.receiver, o.state, o.attempts, o.next_attempt_at,"
            " o.last_error, n.rule, n.status, n.payload, n.created_at from outbox o"
            " join notifications n using (dedup_key) where ? is null or o.state = ?"
            " order by n.rowid desc, o.receiver limit ?",
            (state, state, limit),
        ).fetchall()
        keys = ("dedup_key", "receiver", "state", "attempts", "next_attempt_at", "last_error",
                "alertname", "status", "labels", "created_at")  # fmt: skip
        out = [dict(zip(keys, row, strict=True)) for row in rows]
        for row in out:
            row["labels"] = json.loads(row["labels"])["labels"]
        return out

    def requeue_dead(self, now: float) -> int:
        """Give dead-lettered entries a fresh set of attempts; returns how many."""
        cur = self.conn.execute(
            "update outbox set state = 'pending', attempts = 0, next_attempt_at = ?"
            " where state = 'dead'",
            (now,),
        )
        return cur.rowcount

    def firing_labels(self) -> list[dict[str, str]]:
        rows = self.conn.execute("select labels from instances where state = 'firing'")
        return [json.loads(labels) for (labels,) in rows]

    def group_flushed_at(self, receiver: str, group_key: str) -> float | None:
        row = self.conn.execute(
            "select last_flush_at from groups where receiver = ? and group_key = ?",
            (receiver, group_key),
        ).fetchone()
        return None if row is None else float(row[0])

    def set_group_flushed(self, receiver: str, group_key: str, now: float) -> None:
        self.conn.execute(
            "insert or replace into groups values (?, ?, ?)", (receiver, group_key, now)
        )

    def add_silence(self, silence: Silence, now: float) -> None:
        self.conn.execute(
            "insert into silences values (?, ?, ?, ?, ?, ?, ?)",
            (silence.id, json.dumps([str(m) for m in silence.matchers]), silence.starts_at,
             silence.ends_at, silence.comment, silence.created_by, now),
        )  # fmt: skip

    def silences(self, now: float | None = None) -> list[Silence]:
        """All silences, or only those active at `now`."""
        rows = self.conn.execute(
            "select id, matchers, starts_at, ends_at, comment, created_by from silences"
            " where ? is null or (starts_at <= ? and ends_at > ?) order by created_at",
            (now, now, now),
        ).fetchall()
        return [
            Silence(sid, tuple(LabelMatcher.parse(m) for m in json.loads(ms)), s, e, c, by)
            for sid, ms, s, e, c, by in rows
        ]

    def expire_silence(self, silence_id: str, now: float) -> bool:
        """End a silence now; False if there is no such active silence."""
        cur = self.conn.execute(
            "update silences set ends_at = ? where id = ? and ends_at > ?",
            (now, silence_id, now),
        )
        return cur.rowcount > 0
