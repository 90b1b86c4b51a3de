"""`synmon validate`: run the Great Expectations suites over the lake, as the asset checks do."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synmon.settings import Paths

DATASETS = ("requests", "events", "metrics")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check the lake against its Great Expectations suites",
        description="Validate the latest date partitions of each lake dataset against "
        "config/expectations/<dataset>.yaml and print, per expectation, whether it held and how "
        "many rows did not. Exit 1 when a hard (error) rule fails; soft (warn) failures exit 0.",
    )
    p.add_argument("--lake", type=Path, help="lake directory (default <data>/lake)")
    p.add_argument("--dataset", choices=DATASETS, action="append", help="only this dataset")
    p.add_argument(
        "--partitions", type=int, default=7, help="latest N date partitions, 0 = all (default 7)"
    )
    p.add_argument(
        "--max-rows", type=int, default=1_000_000, help="sample above N rows (default 1000000)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from synmon.quality import validate_dataset

    lake = args.lake or Paths.from_env(args.data_dir).lake
    results = [
        validate_dataset(lake, d, latest_partitions=args.partitions, max_rows=args.max_rows)
        for d in args.dataset or DATASETS
    ]
    hard_failure = any(r.failed and r.severity == "error" for r in results)
    if args.json:
        doc = {"passed": all(r.passed for r in results), "datasets": [r.to_dict() for r in results]}
        print(json.dumps(doc, indent=2, default=str))
        return 1 if hard_failure else 0
    for r in results:
        verdict = "ok" if r.passed else f"FAILED ({r.severity})"
        print(f"{r.dataset}: {verdict}: {r.scope.describe()} [{r.seconds:.1f} s]")
        for o in r.outcomes:
            mark = "ok  " if o.success else ("FAIL" if o.severity == "error" else "warn")
            detail = "" if o.success else f"  {o.unexpected_count} rows ({o.unexpected_percent:g}%)"
            extra = f"  {o.error}" if o.error else (f"  e.g. {o.sample}" if o.sample else "")
            print(f"  {mark} {o.id:34s}{detail}{'' if o.success else extra}")
    return 1 if hard_failure else 0
