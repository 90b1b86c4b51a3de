"""`synmon demo`: the whole pipeline end to end on generated telemetry."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from synmon.settings import Paths

# Half the simulator's full traffic keeps `make demo` within its 3-minute budget on 2 cores.
DEMO_SCALE = 0.5


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="generate telemetry and run every stage through the Dagster instance",
        description="Generate N days of platform telemetry (replacing earlier demo data), run "
        "pipeline_job (ingest, dbt build, forecasts, reports) through the Dagster instance, tick "
        "the alert sensor, and print a summary.",
    )
    p.add_argument("--days", type=int, default=90, help="days of telemetry (default 90)")
    p.add_argument("--seed", type=int, default=42, help="simulator seed (default 42)")
    p.add_argument(
        "--scale",
        type=float,
        default=DEMO_SCALE,
        help=f"traffic multiplier of the simulator (default {DEMO_SCALE}: about 15k requests a "
        "day, 1.5M over 90 days; 1.0 doubles it)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from orchestration.demo import print_summary, run_demo

    paths = Paths.from_env(args.data_dir)
    log = (lambda _msg: None) if args.json else (lambda msg: print(msg, flush=True))
    log(f"synmon demo: {args.days} days into {paths.data}")
    summary = run_demo(paths, days=args.days, seed=args.seed, scale=args.scale, progress=log)
    if args.json:
        print(json.dumps(asdict(summary), indent=2))
    else:
        print_summary(summary)
    return 0
