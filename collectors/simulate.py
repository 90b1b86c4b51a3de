"""The platform simulator: N days of requests, events and host metrics in the landing zone, with
injected incidents and their ground truth in a labels file.

Deterministic: the same seed, end and scale give byte-identical files. Each UTC day draws from its
own random stream (seeded by seed and day), the incidents and metrics from theirs.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from collectors import sim_platform as P
from collectors.sim_events import day_events
from collectors.sim_incidents import Incident, incident_dict, rfc3339, schedule, write_labels
from collectors.sim_metrics import MetricsAccumulator, write_metrics
from collectors.sim_requests import DayRequests, ErrorSpacing, format_day, simulate_day


@dataclass
class StreamStats:
    records: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass
class GenerateSummary:
    """What one `generate` call wrote."""

    landing: Path
    labels_path: Path
    start: datetime
    end: datetime
    seed: int
    scale: float
    streams: dict[str, StreamStats] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def records(self) -> dict[str, int]:
        """Records written per stream (metrics: samples)."""
        return {name: s.records for name, s in self.streams.items()}

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "landing": str(self.landing),
            "labels_path": str(self.labels_path),
            "start": rfc3339(_ms(self.start)),
            "end": rfc3339(_ms(self.end)),
            "seed": self.seed,
            "scale": self.scale,
            "streams": {
                name: {**asdict(s), "records_per_second": round(s.records_per_second)}
                for name, s in self.streams.items()
            },
            "records": self.records,
            "total_records": self.total_records,
            "incidents": [incident_dict(i) for i in self.incidents],
            "elapsed_s": round(self.elapsed_s, 3),
        }


def generate(
    landing: Path,
    *,
    days: int = 90,
    end: datetime | None = None,
    seed: int = 42,
    scale: float = 1.0,
    labels_path: Path | None = None,
    workers: int | None = None,
) -> GenerateSummary:
    """Write `days` days ending at `end` (default now, UTC) into the landing zone.

    Streams: `requests/requests-YYYY-MM-DD.jsonl`, `events/events-YYYY-MM-DD.jsonl`,
    `metrics/metrics-YYYY-MM-DD.prom` (see docs/architecture.md). Labels go to `labels_path`
    (default `<landing>/../labels/incidents.json`). Existing files of the same names are replaced.
    Days are simulated in order in the calling thread; formatting and writing them runs in
    `workers` threads (default: 2 for large runs, none for small ones). Output does not depend
    on it.
    """
    if days < 1 or scale <= 0:
        raise ValueError("days must be >= 1 and scale > 0")
    began = time.perf_counter()
    end = datetime.now(UTC) if end is None else end
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    end_ms = _ms(end)
    start_ms = end_ms - days * P.DAY_MS
    landing = Path(landing)
    labels_path = labels_path or landing.parent / "labels" / "incidents.json"

    incidents = schedule(seed, start_ms, end_ms)
    summary = GenerateSummary(
        landing,
        labels_path,
        datetime.fromtimestamp(start_ms / 1000, UTC),
        datetime.fromtimestamp(end_ms / 1000, UTC),
        seed,
        scale,
        {s: StreamStats() for s in ("requests", "events", "metrics")},
        incidents,
    )
    for folder in ("requests", "events"):
        (landing / folder).mkdir(parents=True, exist_ok=True)
    acc = MetricsAccumulator(start_ms, end_ms)
    spacing = ErrorSpacing()
    day_numbers = range(start_ms // P.DAY_MS, (end_ms - 1) // P.DAY_MS + 1)
    if workers is None:
        big = days * scale >= 20
        workers = min(2, os.cpu_count() or 1) if big else 1
    # Threads, not processes: formatting (Arrow, numpy) and writing release the GIL, and a thread
    # needs no copy of the day's arrays; spawned processes cost twice the CPU here.
    pool = ThreadPoolExecutor(workers, "synmon-generate") if workers > 1 else None
    pending: deque[Future[DayWritten]] = deque()
    try:
        for day_no in day_numbers:
            rng = np.random.default_rng([seed, day_no, 1])
            day_ms = day_no * P.DAY_MS
            day = simulate_day(rng, day_ms, (start_ms, end_ms), scale, incidents, spacing)
            acc.add(day)
            job = (landing, seed, day_no, day, incidents)
            if pool is None:
                _count(summary, write_day(*job))
                continue
            pending.append(pool.submit(write_day, *job))
            while len(pending) > 2 * workers:
                _count(summary, pending.popleft().result())
        while pending:
            _count(summary, pending.popleft().result())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    t0 = time.perf_counter()
    met = summary.streams["metrics"]
    values = acc.values(np.random.default_rng([seed, 3]), incidents)
    met.records, met.files, met.bytes = write_metrics(landing / "metrics", acc, values)
    met.seconds = time.perf_counter() - t0
    write_labels(labels_path, incidents)
    summary.elapsed_s = time.perf_counter() - began
    return summary


@dataclass(frozen=True)
class DayWritten:
    requests: int
    request_bytes: int
    request_seconds: float
    events: int
    event_bytes: int
    event_seconds: float


def write_day(
    landing: Path, seed: int, day_no: int, day: DayRequests, incidents: list[Incident]
) -> DayWritten:
    """Format and write one day's requests and events (runs in a worker thread for big runs)."""
    day_ms = day_no * P.DAY_MS
    date = rfc3339(day_ms)[:10]
    t0 = time.perf_counter()
    text = format_day(day, date)
    _write(landing / "requests" / f"requests-{date}.jsonl", text)
    t1 = time.perf_counter()
    rng = np.random.default_rng([seed, day_no, 2])
    lines, count = day_events(rng, day, date, day_ms, incidents)
    _write(landing / "events" / f"events-{date}.jsonl", lines)
    t2 = time.perf_counter()
    return DayWritten(len(day), len(text), t1 - t0, count, len(lines), t2 - t1)


def _count(summary: GenerateSummary, done: DayWritten) -> None:
    for name, records, size, seconds in (
        ("requests", done.requests, done.request_bytes, done.request_seconds),
        ("events", done.events, done.event_bytes, done.event_seconds),
    ):
        stats = summary.streams[name]
        stats.records += records
        stats.files += 1
        stats.bytes += size
        stats.seconds += seconds


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _write(path: Path, data: bytes | pa.Buffer) -> None:
    """Write next to the target and rename, so a watcher never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
