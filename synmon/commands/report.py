"""`synmon report daily|weekly [--date YYYY-MM-DD] [--json]`: render one report on demand."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "report",
        help="render the daily or weekly PDF report (and its HTML twin)",
        description="Render a report from the warehouse into <data>/reports/<kind>/. The default "
        "period is the last complete UTC day or ISO week in the data.",
    )
    p.add_argument("kind", choices=["daily", "weekly"])
    p.add_argument(
        "--date",
        type=date.fromisoformat,
        help="a day inside the period to render (YYYY-MM-DD)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reports.render import render_report
    from synmon.settings import Paths

    paths = Paths.from_env(args.data_dir)
    try:
        result = render_report(args.kind, paths.warehouse, paths.reports, args.date)
    except (FileNotFoundError, LookupError) as exc:
        print(f"synmon report: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out = {
            "kind": result.kind,
            "period": result.period,
            "pdf": str(result.pdf_path),
            "html": str(result.html_path),
            "pages": result.pages,
            "summary": result.summary,
        }
        print(json.dumps(out, indent=2, default=str))
    else:
        print(f"{result.kind} report {result.period} ({result.pages} pages)")
        print(f"  pdf   {result.pdf_path}")
        print(f"  html  {result.html_path}")
        for line in result.summary["sentences"]:
            print(f"  - {line}")
    return 0
