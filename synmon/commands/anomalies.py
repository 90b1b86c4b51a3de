"""`synmon anomalies score`: our causal detector scored the Numenta Anomaly Benchmark way on a
folder in NAB's layout (`data/<category>/<file>.csv`, `labels/combined_windows.json`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "anomalies",
        help="anomaly detection tools",
        description="Anomaly detection tools (the detector the anomalies asset runs).",
    )
    sub = parser.add_subparsers(dest="anomalies_command", metavar="ACTION", required=True)
    score = sub.add_parser(
        "score",
        help="NAB score of our detector on a NAB-layout folder",
        description=(
            "Run the causal detector on every labelled file of a NAB-layout folder, choose the "
            "corpus-optimal threshold per profile as NAB does, and print the normalised scores "
            "(null detector 0, perfect detector 100) for the standard, reward_low_FP_rate and "
            "reward_low_FN_rate profiles."
        ),
    )
    score.add_argument(
        "--nab", required=True, type=Path, help="folder with data/ and labels/combined_windows.json"
    )
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.set_defaults(func=_score)


def _score(args: argparse.Namespace) -> int:
    from synmon.anomaly.benchmark import score_nab

    try:
        run = score_nab(args.nab)
    except (OSError, ValueError, KeyError) as exc:
        print(f"synmon anomalies score: {args.nab}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: round(r.normalised, 4) for name, r in run.results.items()}))
        return 0
    windows = sum(len(f.windows) for f in run.files)
    print(f"{args.nab}: {len(run.files)} files, {run.rows:,} rows, {windows} windows")
    print(f"{'profile':<20} {'score':>8} {'raw':>9} {'threshold':>10}")
    for name, r in run.results.items():
        print(f"{name:<20} {r.normalised:>8.2f} {r.raw:>9.3f} {r.threshold:>10.4f}")
    return 0
