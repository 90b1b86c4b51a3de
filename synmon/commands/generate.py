"""`synmon generate`: write simulated platform telemetry into the landing zone."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write simulated requests, events and metrics into the landing zone",
        description=(
            "Simulate the platform for N days ending at --end (default now, UTC): requests, "
            "events and host metrics in the landing zone, with four injected incidents whose "
            "ground truth goes to <data dir>/labels/incidents.json. The same seed, end and "
            "scale give byte-identical files."
        ),
    )
    parser.add_argument("--days", type=int, default=90, help="days to simulate (default 90)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--end", type=_parse_end, help="end of the range, ISO 8601 (default now; naive = UTC)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="traffic multiplier (1.0 = ~30k requests/day)"
    )
    parser.add_argument("--out", type=Path, help="landing directory (default: <data dir>/landing)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=_run)


def _parse_end(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _run(args: argparse.Namespace) -> int:
    from collectors.simulate import generate
    from synmon.settings import Paths

    paths = Paths.from_env(getattr(args, "data_dir", None))
    landing = args.out or paths.landing
    try:
        summary = generate(
            landing,
            days=args.days,
            end=args.end,
            seed=args.seed,
            scale=args.scale,
            labels_path=None if args.out else paths.labels,
        )
    except (ValueError, OSError) as exc:
        print(f"synmon generate: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    data = summary.to_dict()
    print(f"generated {data['start']} .. {data['end']} into {landing}")
    for name, s in summary.streams.items():
        print(
            f"  {name:<9} {s.records:>10,} records  {s.files:>5,} files  "
            f"{s.bytes / 1e6:>8.1f} MB  {s.records_per_second:>10,.0f} records/s"
        )
    print(f"  incidents {len(summary.incidents)} -> {summary.labels_path}")
    for inc in summary.incidents:
        where = inc.component + (f"/{inc.domain}" if inc.domain else "")
        print(f"    {inc.id} {inc.kind:<20} {where:<30} {inc.start} .. {inc.end}")
    print(f"  done in {summary.elapsed_s:.1f} s")
    return 0
