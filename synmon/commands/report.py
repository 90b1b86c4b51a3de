"""`synmon report daily|weekly|dashboard [--date YYYY-MM-DD] [--json]`: render one report on
demand (the dashboard covers the last 24 hours in the warehouse and has no --date)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synmon.settings import Paths


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "report",
        help="render the daily or weekly PDF report (and its HTML twin)",
        description="Render a report from the warehouse into <data>/reports/<kind>/. The default "
        "period is the last complete UTC day or ISO week in the data.",
    )
    p.add_argument("kind", choices=["daily", "weekly", "dashboard"])
    p.add_argument(
        "--date",
        type=date.fromisoformat,
        help="a day inside the period to render (YYYY-MM-DD; daily and weekly only)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from synmon.settings import Paths

    paths = Paths.from_env(args.data_dir)
    if args.kind == "dashboard":
        return _dashboard(paths, args)
    from reports.render import render_report

    try:
        result = render_report(
            args.kind, paths.warehouse, paths.reports, args.date, ops_db=paths.ops_db
        )
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


def _dashboard(paths: Paths, args: argparse.Namespace) -> int:
    from reports.dashboard import render_dashboard

    if args.date:
        print("synmon report: --date does not apply to the dashboard", file=sys.stderr)
        return 2
    try:
        result = render_dashboard(paths.warehouse, paths.reports, ops_db=paths.ops_db)
    except (FileNotFoundError, LookupError) as exc:
        print(f"synmon report: {exc}", file=sys.stderr)
        return 1
    if args.json:
        out = {"kind": "dashboard", "window": result.window, "html": str(result.path),
               "summary": result.summary}  # fmt: skip
        print(json.dumps(out, indent=2, default=str))
    else:
        print(f"dashboard ({result.window})\n  html  {result.path}")
        for line in result.summary["sentences"]:
            print(f"  - {line}")
    return 0
