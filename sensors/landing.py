"""The landing sensor: new or grown landing files start one `ingest_job` run per tick.

The tick only lists directories (`os.scandir`) and compares sizes and mtimes with its cursor
(JSON: landing path -> [size, mtime_ns]); it imports nothing heavy and ticks every 120 s. Every
changed file of the tick goes into ONE RunRequest whose run_key is derived from the changed paths
and sizes, so a re-evaluated tick never starts the same run twice.
"""

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from assets.resources import sensor_paths

WATCHED_STREAMS: tuple[str, ...] = ("requests", "events", "logs", "access", "metrics", "traces")
_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _walk(root: Path) -> Iterator[os.DirEntry[str]]:
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield entry


def scan_landing(landing: Path, streams: tuple[str, ...] = WATCHED_STREAMS) -> dict[str, list[int]]:
    """Current [size, mtime_ns] of every landing file, keyed by path relative to `landing`."""
    found: dict[str, list[int]] = {}
    for stream in streams:
        for entry in _walk(landing / stream):
            st = entry.stat()
            found[Path(entry.path).relative_to(landing).as_posix()] = [st.st_size, st.st_mtime_ns]
    return found


def changed_files(previous: dict[str, list[int]], current: dict[str, list[int]]) -> list[str]:
    """Paths that are new or whose size or mtime differ from the cursor, sorted."""
    return sorted(p for p, stat in current.items() if previous.get(p) != stat)


@dg.sensor(
    job_name="ingest_job",
    # Ingest feeds batch work (dbt, reports), not alerts (alert_sensor reads landing files
    # itself), and every run costs seconds of CPU before it reads a byte: a burst of dumps is
    # better taken in few runs than raced at the daemon's 5 s pace on a 2-core machine. Every
    # tick also costs the daemon ~0.12-0.16 CPU-s even when nothing landed: 2 minutes keeps the
    # idle cost of all our sensors near 1% of a core (docs/alerting.md, "Cadence").
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts one ingest run for every batch of new or grown landing files.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    # No resource: Dagster builds a DagsterInstance for every evaluation of a sensor with one
    # (`sensor_paths`); the instance is only needed when files changed.
    landing = sensor_paths(context).landing
    previous: dict[str, list[int]] = json.loads(context.cursor) if context.cursor else {}
    current = scan_landing(landing)
    changed = changed_files(previous, current)
    if not changed:
        where = f"{len(current)} files under {landing}" if current else f"no files under {landing}"
        return dg.SkipReason(f"nothing new or grown since the last tick ({where})")
    in_flight = context.instance.get_run_records(
        dg.RunsFilter(job_name="ingest_job", statuses=_IN_FLIGHT), limit=1
    )
    if in_flight:
        # The run in flight ingests whatever is new when it runs; another one would only queue
        # behind it (and, in a burst, pile up). The cursor stays put, so nothing is missed.
        run_id = in_flight[0].dagster_run.run_id
        return dg.SkipReason(f"{len(changed)} new or grown file(s) wait for ingest run {run_id}")
    digest = hashlib.sha256(
        "\n".join(f"{p}:{current[p][0]}:{current[p][1]}" for p in changed).encode()
    ).hexdigest()[:16]
    streams = sorted({p.split("/", 1)[0] for p in changed})
    request = dg.RunRequest(
        run_key=f"landing-{digest}",
        tags={"synmon/changed_files": str(len(changed)), "synmon/streams": ",".join(streams)},
    )
    return dg.SensorResult(run_requests=[request], cursor=json.dumps(current, sort_keys=True))
