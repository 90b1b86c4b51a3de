"""Bench: replay 90 days of landed requests through the alert sensor, as `synmon demo` does.

Generates the simulator's history into a temporary data directory (or reuses `--data-dir`, whose
ops store and notifications are reset first), ticks `sensors.alerts.replay_all` until a tick
reads nothing, and prints per-tick seconds (read / each rule / store), the total, rows per second,
and every firing/resolved notification per rule against the labelled incidents.

    .venv/bin/python bench/alert_replay.py [--days 90] [--data-dir DIR] [--max-tick-mib N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sensors.alert_config import load_alerts_config
from sensors.alerts import replay_all
from synmon.settings import Paths, config_dir

# Incident kinds the request rules must fire for, and the rule that should catch each.
EXPECTED = {"latency_spike": "HighLatencyP95", "error_storm": "HighErrorRate"}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _prepare(args: argparse.Namespace) -> tuple[Paths, Path | None]:
    if args.data_dir:
        paths = Paths(Path(args.data_dir).resolve())
        for name in ("ops.sqlite", "ops.sqlite-wal", "ops.sqlite-shm"):
            (paths.data / name).unlink(missing_ok=True)
        shutil.rmtree(paths.notifications, ignore_errors=True)
        if (paths.landing / "requests").is_dir():
            return paths, None
        tmp = None
    else:
        tmp = Path(tempfile.mkdtemp(prefix="alert-replay-"))
        paths = Paths(tmp / "data")
    from collectors.simulate import generate

    began = time.perf_counter()
    summary = generate(
        paths.landing, days=args.days, seed=42, end=datetime(2026, 3, 1, tzinfo=UTC),
        labels_path=paths.labels,
    )  # fmt: skip
    print(f"generated {summary.records} in {time.perf_counter() - began:.1f} s")
    return paths, tmp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--data-dir", help="reuse (or generate into) this data directory")
    parser.add_argument("--max-tick-mib", type=int, help="override evaluation.max_tick_bytes")
    args = parser.parse_args()
    paths, tmp = _prepare(args)
    config = load_alerts_config(config_dir() / "alerts.yaml")
    if args.max_tick_mib:
        config.evaluation.max_tick_bytes = args.max_tick_mib * 1024 * 1024
    landed = sum(p.stat().st_size for p in (paths.landing / "requests").iterdir())
    print(f"landing requests: {landed / 2**20:.0f} MiB; "
          f"max_tick_bytes {config.evaluation.max_tick_bytes / 2**20:.0f} MiB")  # fmt: skip

    began, cpu = time.perf_counter(), time.process_time()
    results = replay_all(paths, config=config)
    total, cpu = time.perf_counter() - began, time.process_time() - cpu
    rows = sum(r.rows for r in results)
    for i, r in enumerate(results, 1):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r.seconds.items())
        print(f"tick {i}: {sum(r.seconds.values()):6.2f} s  {r.rows:>8} rows  ({parts})")
    print(f"replay: {len(results)} ticks, {rows} rows, {total:.1f} s wall ({cpu:.1f} s CPU "
          f"incl. DuckDB threads), {rows / total:,.0f} rows/s")  # fmt: skip

    sent = []
    path = paths.notifications / "alerts.jsonl"
    if path.exists():
        sent = [json.loads(line) for line in path.read_text().splitlines()]
    for n in sent:
        print(f"  {n['status']:8} {n['alertname']:15} {n['labels'].get('component', ''):18} "
              f"{n['starts_at']} .. {n['ends_at'] or ''}  value {n['value']:.4g}")  # fmt: skip
    incidents = json.loads(paths.labels.read_text()) if paths.labels.exists() else []
    caught = 0
    for inc in incidents:
        rule = EXPECTED.get(inc["kind"])
        start, end = _ts(inc["start"]), _ts(inc["end"])
        hits = [
            n for n in sent
            if n["status"] == "firing" and n["alertname"] == rule
            and n["labels"].get("component") == inc["component"]
            and start <= _ts(n["starts_at"]) <= end
        ]  # fmt: skip
        caught += bool(hits) if rule else 0
        verdict = "not a request-rule incident" if rule is None else (
            f"CAUGHT by {rule} at {hits[0]['starts_at']}" if hits else f"MISSED by {rule}"
        )  # fmt: skip
        print(f"  {inc['id']} {inc['kind']:20} {inc['component']:18} {inc['start']}: {verdict}")
    expected = sum(1 for inc in incidents if inc["kind"] in EXPECTED)
    print(f"caught {caught}/{expected} request-rule incidents; {len(sent)} notifications")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
