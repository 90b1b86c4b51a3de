"""`synmon demo`: generate telemetry, tick the alert sensor, run the pipeline and then the
partitioned report jobs (the latest complete day and ISO week) through the Dagster instance, and
summarise what every stage produced."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synmon.instance import ensure_dagster_home
from synmon.settings import Paths

_QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
_GENERATED = ("landing", "lake", "reports", "notifications", "labels", "logs")


def _stdout_to(log: Path, fn: Callable[[], Any]) -> Callable[[], Any]:
    """`fn` with its standard output (dagster-dbt echoes dbt's whole log there) in `log`."""

    def run() -> Any:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            return fn()

    return run


@dataclass
class DemoSummary:
    """What `synmon demo` reports at the end (and prints with `--json`)."""

    data_dir: str
    generated: dict[str, int] = field(default_factory=dict)
    ingested: dict[str, dict[str, int]] = field(default_factory=dict)
    marts: dict[str, int] = field(default_factory=dict)
    forecast_accuracy: dict[str, float] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    alerts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    run_id: str = ""
    report_runs: dict[str, str] = field(default_factory=dict)


def reset_data(paths: Paths) -> None:
    """Remove what a previous demo generated; the Dagster instance (run history) stays."""
    for name in _GENERATED:
        shutil.rmtree(paths.data / name, ignore_errors=True)
    for f in (paths.warehouse, paths.ops_db):
        for p in f.parent.glob(f.name + "*"):
            p.unlink()


def run_demo(
    paths: Paths,
    *,
    days: int = 90,
    seed: int = 42,
    scale: float = 0.5,
    progress: Callable[[str], None] = print,
) -> DemoSummary:
    """Generate `days` of telemetry and take it through every stage on the embedded default."""
    ensure_dagster_home(paths)
    summary = DemoSummary(data_dir=str(paths.data))

    def stage(label: str, key: str, fn: Callable[[], Any]) -> Any:
        progress(f"  {label} ...")
        t0 = time.perf_counter()
        out = fn()
        summary.seconds[key] = round(time.perf_counter() - t0, 1)
        progress(f"  {label} done in {summary.seconds[key]} s")
        return out

    from orchestration.dbt import prepare_manifest

    stage("preparing the dbt manifest", "dbt_parse", prepare_manifest)
    reset_data(paths)

    from collectors.simulate import generate

    gen = stage(
        f"generating {days} days of telemetry (seed {seed})",
        "generate",
        lambda: generate(
            paths.landing, days=days, seed=seed, scale=scale, labels_path=paths.labels
        ),
    )
    summary.generated = dict(gen.records)

    import dagster as dg

    from assets.resources import SynmonData
    from orchestration.definitions import defs
    from sensors.alerts import alert_sensor

    instance = dg.DagsterInstance.get()
    # Alerts first, as in production: the sensor reads landing data as it lands; the batch
    # pipeline (and the incident marts and reports it builds) comes after.
    stage(
        "ticking alert_sensor over the new landing data",
        "alert_sensor",
        lambda: _tick_alert_sensor(alert_sensor, instance, paths),
    )
    job = defs.resolve_job_def("pipeline_job")
    log = paths.data / "logs" / "pipeline_job.log"
    result = stage(
        f"running pipeline_job (ingest, dbt build, forecasts, intelligence; dbt's log: {log})",
        "pipeline_job",
        _stdout_to(
            log,
            lambda: job.execute_in_process(
                instance=instance,
                run_config=_QUIET_RUN_CONFIG,
                resources={"data": SynmonData(data_dir=str(paths.data))},
                tags={"synmon/trigger": "demo"},
            ),
        ),
    )
    summary.run_id = result.run_id
    if not result.success:
        raise RuntimeError(f"pipeline_job failed (run {result.run_id}); see `synmon ui`")

    for kind in ("daily", "weekly"):
        key = latest_report_partition(paths, kind)
        job_name = f"{kind}_report_job"
        run = stage(
            f"running {job_name} for partition {key}",
            f"{kind}_report",
            lambda job_name=job_name, key=key: defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                partition_key=key,
                run_config=_QUIET_RUN_CONFIG,
                resources={"data": SynmonData(data_dir=str(paths.data))},
                tags={"synmon/trigger": "demo"},
            ),
        )
        summary.report_runs[kind] = run.run_id
        if not run.success:
            raise RuntimeError(f"{job_name} failed (run {run.run_id}); see `synmon ui`")

    summary.ingested = _ingest_counts(paths)
    summary.marts = _mart_counts(paths)
    summary.forecast_accuracy = _forecast_accuracy(paths)
    summary.reports = sorted(str(p) for p in paths.reports.glob("*/*.pdf"))
    summary.alerts = _alert_counts(paths)
    return summary


def latest_report_partition(paths: Paths, kind: str) -> str:
    """The partition key of the last complete day or ISO week in the warehouse, capped at the
    partitions definition's last key (the wall clock's last complete period)."""
    from assets.reports import DAILY_PARTITIONS, WEEKLY_PARTITIONS
    from reports.periods import partition_key
    from reports.render import resolve_period
    from reports.warehouse import Warehouse

    with Warehouse(paths.warehouse) as wh:
        period, _ = resolve_period(wh, kind, None)  # type: ignore[arg-type]
    last = (DAILY_PARTITIONS if kind == "daily" else WEEKLY_PARTITIONS).get_last_partition_key()
    key = partition_key(period)
    return key if last is None or key <= last else last


def _tick_alert_sensor(sensor: Any, instance: Any, paths: Paths, max_ticks: int = 20) -> int:
    """Tick the real sensor, as the daemon would, until a tick reads nothing new (a tick reads at
    most `evaluation.max_tick_bytes`, so history that landed at once may need several)."""
    import dagster as dg

    from assets.resources import SynmonData

    cursor = None
    for tick in range(1, max_ticks + 1):
        with dg.build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"data": SynmonData(data_dir=str(paths.data))},
        ) as context:
            result = sensor(context)
        if result.cursor == cursor:
            return tick
        cursor = result.cursor
    return max_ticks


def _ingest_counts(paths: Paths) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for manifest in paths.manifest.glob("*/*.json"):
        entry = json.loads(manifest.read_text())
        row = totals.setdefault(
            entry["stream"], {"files": 0, "records_in": 0, "loaded": 0, "quarantined": 0}
        )
        row["files"] += 1
        for k in ("records_in", "loaded", "quarantined"):
            row[k] += int(entry.get(k) or 0)
    return totals


def _mart_counts(paths: Paths) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


def _forecast_accuracy(paths: Paths) -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rows = con.execute(
            "select series, avg(accuracy) from forecast_accuracy group by 1 order by 1"
        ).fetchall()
    return {s: round(float(a), 3) for s, a in rows}


def _alert_counts(paths: Paths) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in paths.notifications.glob("*.jsonl"):
        for line in f.read_text().splitlines():
            if line.strip():
                status = json.loads(line).get("status", "unknown")
                counts[status] = counts.get(status, 0) + 1
    return counts


def print_summary(summary: DemoSummary, out: Any = sys.stdout) -> None:
    """The human summary at the end of `synmon demo`."""
    w = out.write
    w("\nsynmon demo summary\n")
    w(f"  data directory     {summary.data_dir}\n")
    w(f"  dagster run        {summary.run_id} (open `make ui`, Runs)\n")
    for kind, run_id in summary.report_runs.items():
        w(f"  {kind} report run    {run_id}\n")
    w(
        "  generated          "
        + ", ".join(f"{k} {v:,}" for k, v in summary.generated.items())
        + "\n"
    )
    for stream, c in sorted(summary.ingested.items()):
        w(
            f"  ingested {stream:<10}{c['records_in']:>12,} in = {c['loaded']:,} loaded"
            f" + {c['quarantined']:,} quarantined ({c['files']} files)\n"
        )
    w("  warehouse tables\n")
    for name, n in summary.marts.items():
        w(f"    {name:<32}{n:>10,} rows\n")
    w("  forecast 1 - WAPE (30-day backtest)\n")
    for series, acc in summary.forecast_accuracy.items():
        w(f"    {series:<32}{acc:>10.3f}\n")
    w("  reports\n")
    for p in summary.reports:
        w(f"    {p}\n")
    w(
        "  alert notifications "
        + (", ".join(f"{k} {v}" for k, v in sorted(summary.alerts.items())) or "none")
        + "\n"
    )
    w("  seconds            " + ", ".join(f"{k} {v}" for k, v in summary.seconds.items()) + "\n")
