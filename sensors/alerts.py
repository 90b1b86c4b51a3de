"""The alert sensor: new landing requests in, rule evaluation, notifications out, inside the tick.

Each tick reads the request lines that arrived since the cursor (path -> bytes consumed, complete
lines only) with an in-memory DuckDB, adds the recent rows kept in the ops store (windows that span
files), evaluates config/alerts.yaml at every evaluation step of the data's own time up to its
watermark, stores state and notifications in data/ops.sqlite in one transaction and delivers the
outbox. It launches no run and imports nothing heavy at module level (DuckDB only inside the tick).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from assets.resources import SynmonData
from sensors.alert_config import AlertsConfig, load_alerts_config
from sensors.channels import Channel, DeliverySummary, RetryPolicy, deliver_due
from sensors.incidents import record_alerts
from sensors.landing_sql import column_type, read_requests_sql
from sensors.oncall import OncallConfig, load_oncall_config
from sensors.ops_store import BUFFER_COLUMNS, OpsStore, delivery_lock
from sensors.receivers_config import build_delivery, load_channels_config
from sensors.routing import Routing
from sensors.rule_sql import evaluate_rule
from sensors.rules import Instance
from synmon.settings import Paths, config_dir

STREAM = "requests"


def needed_columns(config: AlertsConfig) -> list[str]:
    """The request columns the rules read (status always), in buffer order; only these are
    parsed from the landing lines."""
    used = {"status"}
    for rule in config.rules:
        used |= {*rule.expr.by, *(m.label for m in rule.expr.filters), rule.expr.field}
    return [c for c in BUFFER_COLUMNS[1:] if c in used]


@dataclass(frozen=True)
class Chunk:
    """Bytes `start..end` of a landing file; `end` is just past a newline (complete lines)."""

    path: Path
    rel: str
    start: int
    end: int
    whole: bool


@dataclass
class TickResult:
    cursor: dict[str, int]
    chunks: list[Chunk] = field(default_factory=list)
    rows: int = 0
    first_step: int | None = None
    last_step: int | None = None
    new_notifications: int = 0
    delivery: DeliverySummary = field(default_factory=DeliverySummary)
    incidents_opened: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # "read", each rule's name, "store"

    @property
    def summary(self) -> str:
        span = "no new evaluation steps"
        if self.first_step is not None and self.last_step is not None:
            fmt = "%Y-%m-%d %H:%M"
            span = (
                f"evaluated {datetime.fromtimestamp(self.first_step, UTC).strftime(fmt)} .. "
                f"{datetime.fromtimestamp(self.last_step, UTC).strftime(fmt)} UTC"
            )
        return (
            f"{len(self.chunks)} new chunk(s), {self.rows} row(s); {span}; "
            f"{self.new_notifications} new notification(s); delivered {self.delivery.delivered}, "
            f"retrying {self.delivery.retrying}, dead {self.delivery.dead}"
        )


def _last_newline(path: Path, start: int, limit: int) -> int:
    """Offset just past the last b'\\n' in [start, limit), or `start` if there is none."""
    with path.open("rb") as fh:
        pos = limit
        while pos > start:
            lo = max(start, pos - 65536)
            fh.seek(lo)
            block = fh.read(pos - lo)
            idx = block.rfind(b"\n")
            if idx >= 0:
                return lo + idx + 1
            pos = lo
    return start


def plan_chunks(landing: Path, consumed: dict[str, int], budget: int) -> list[Chunk]:
    """New complete lines of every landing file, in name order, up to `budget` bytes in all.

    A file smaller than what was consumed was truncated or replaced: it is read from the start.
    Gzipped dumps are immutable: read whole, once.
    """
    chunks: list[Chunk] = []
    if not landing.is_dir():
        return chunks
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        rel = path.relative_to(landing).as_posix()
        if budget <= 0 or any(part.startswith(".") for part in Path(rel).parts):
            continue
        size, start = path.stat().st_size, consumed.get(rel, 0)
        if path.suffix == ".gz":
            if start == 0 and size > 0:
                chunks.append(Chunk(path, rel, 0, size, True))
                budget -= size
            continue
        start = 0 if size < start else start
        end = _last_newline(path, start, min(size, start + budget)) if size > start else start
        if end > start:
            chunks.append(Chunk(path, rel, start, end, start == 0 and end == size))
            budget -= end - start
    return chunks


def load_rows(
    con: Any, chunks: list[Chunk], buffer: list[tuple], tmp: Path, columns: list[str]
) -> int:
    """Create table `rows` (ts and `columns`) from the new chunks plus the buffered rows (whose
    columns are BUFFER_COLUMNS); returns how many new rows were read."""
    files = []
    for i, chunk in enumerate(chunks):
        if chunk.whole:
            files.append(str(chunk.path))
            continue
        part = tmp / f"chunk-{i}.jsonl"
        with chunk.path.open("rb") as src, part.open("wb") as dst:
            src.seek(chunk.start)
            dst.write(src.read(chunk.end - chunk.start))
        files.append(str(part))
    types = "".join(f", {c} {column_type(c)}" for c in columns)
    con.execute(f"create table rows (ts timestamp{types})")
    if files:
        con.execute(f"insert into rows {read_requests_sql(columns, ignore_errors=True)}", [files])
    new_rows = con.execute("select count(*) from rows").fetchone()[0]
    if buffer:
        path = tmp / "buffer.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in buffer:
                fh.write(json.dumps(dict(zip(("date", *BUFFER_COLUMNS[1:]), row, strict=True))))
                fh.write("\n")
        con.execute(
            f"insert into rows {read_requests_sql(columns, ignore_errors=False)}", [str(path)]
        )
    return int(new_rows)


def _buffer_after(con: Any, cutoff: int, columns: list[str]) -> list[tuple]:
    """Rows from `cutoff` on, as BUFFER_COLUMNS (columns not read are kept as NULL)."""
    cols = ", ".join(c if c in columns else "null" for c in BUFFER_COLUMNS[1:])
    return con.execute(
        f"select epoch_us(ts) / 1e6, {cols} from rows"
        f" where ts >= make_timestamp({cutoff * 1_000_000})"
    ).fetchall()


def _lap(seconds: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    seconds[name] = round(now - since, 3)
    return now


def run_alert_tick(
    paths: Paths,
    cursor: dict[str, int],
    *,
    config: AlertsConfig | None = None,
    channels: list[Channel] | None = None,
    routing: Routing | None = None,
    policy: RetryPolicy | None = None,
    now: float | None = None,
    oncall: OncallConfig | None = None,
) -> TickResult:
    """One evaluation: new landing requests -> rules -> ops store -> deliveries.

    Without `channels`, receivers, routing and retry policy come from config/channels.yaml;
    with `channels` and no `routing`, every notification goes to every channel. Critical and
    high alerts open incidents per config/oncall.yaml (or `oncall`), if that file exists."""
    import duckdb

    config = config or load_alerts_config(config_dir() / "alerts.yaml")
    if channels is None:
        delivery = build_delivery(
            load_channels_config(config_dir() / "channels.yaml"), paths.notifications
        )
        channels, routing = delivery.channels, routing or delivery.routing
        policy = policy or delivery.policy
    routing = routing or Routing.broadcast([c.name for c in channels])
    now = time.time() if now is None else now
    step = config.evaluation.interval
    if oncall is None and (config_dir() / "oncall.yaml").exists():
        oncall = load_oncall_config(config_dir() / "oncall.yaml")
    with OpsStore(paths.ops_db) as store, tempfile.TemporaryDirectory() as tmp:
        consumed = {**cursor}
        for rel, done in store.source_offsets().items():
            consumed[rel] = max(done, consumed.get(rel, 0))
        chunks = plan_chunks(paths.landing / STREAM, consumed, config.evaluation.max_tick_bytes)
        result = TickResult(cursor=consumed, chunks=chunks)
        offsets = {c.rel: c.end for c in chunks}
        if chunks:
            con = duckdb.connect()
            clock = time.perf_counter()
            columns = needed_columns(config)
            result.rows = load_rows(con, chunks, store.buffer_rows(), Path(tmp), columns)
            lo, hi = con.execute("select epoch(min(ts)), epoch(max(ts)) from rows").fetchone()
            clock = _lap(result.seconds, "read", clock)
            prev = store.last_step(STREAM)
            first = prev + step if prev is not None else (int(lo) // step + 1) * step
            last = int(hi) // step * step if hi is not None else first - step
            instances: list[Instance] = []
            notes: list[dict[str, Any]] = []
            if last >= first:
                result.first_step, result.last_step = first, last
                for rule in config.rules:
                    out = evaluate_rule(
                        con, rule, step=step, first=first, last=last,
                        instances=store.instances(rule.name),
                    )  # fmt: skip
                    instances += out.instances
                    notes += out.notifications
                    clock = _lap(result.seconds, rule.name, clock)
            notes.sort(key=lambda n: (n["ends_at"] or n["starts_at"], n["alertname"]))
            done = max(last, prev or last)
            result.new_notifications = store.commit_tick(
                stream=STREAM,
                last_step=done if hi is not None else None,
                offsets=offsets,
                instances=instances,
                notifications=notes,
                receivers=routing.receivers_for,
                buffer=_buffer_after(con, done + step - config.max_window, columns),
                now=now,
            )
            con.close()
            if oncall is not None and notes:
                result.incidents_opened = record_alerts(store.conn, notes, oncall, now)
            _lap(result.seconds, "store", clock)
        result.cursor = {**consumed, **offsets}
        with delivery_lock(paths.ops_db):
            result.delivery = deliver_due(store, channels, now=now, routing=routing, policy=policy)
    return result


def replay_all(
    paths: Paths,
    cursor: dict[str, int] | None = None,
    *,
    config: AlertsConfig | None = None,
    channels: list[Channel] | None = None,
    max_ticks: int = 1000,
) -> list[TickResult]:
    """Tick until a tick reads nothing new (history landed at once); one result per tick, the
    last one the empty tick. Each tick continues from the previous tick's cursor."""
    config = config or load_alerts_config(config_dir() / "alerts.yaml")
    results: list[TickResult] = []
    cursor = dict(cursor or {})
    for _ in range(max_ticks):
        result = run_alert_tick(paths, cursor, config=config, channels=channels)
        results.append(result)
        cursor = result.cursor
        if not result.chunks:
            break
    return results


def parse_cursor(raw: str | None) -> dict[str, int]:
    """The sensor cursor: a JSON object of landing path (relative to the stream) -> bytes read."""
    if not raw:
        return {}
    data = json.loads(raw)
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dg.sensor(
    name="alert_sensor",
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates config/alerts.yaml on new landing requests and sends notifications "
    "inside the tick (state and outbox in data/ops.sqlite). Launches no run.",
)
def alert_sensor(context: dg.SensorEvaluationContext, data: SynmonData) -> dg.SensorResult:
    result = run_alert_tick(data.paths, parse_cursor(context.cursor))
    context.log.info(result.summary)
    return dg.SensorResult(
        cursor=json.dumps(result.cursor, sort_keys=True),
        skip_reason=dg.SkipReason(result.summary),
    )


ALERT_SENSORS = [alert_sensor]
