"""`synmon quarantine`: the records ingestion refused, with file, line and reason."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synmon.settings import Paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "quarantine",
        help="list quarantined records and unreadable files with their reasons",
        description="List records that ingestion quarantined (newest first) with the landing "
        "file, line, reason and raw text, and the landing files that could not be read at all.",
    )
    p.add_argument("--lake", type=Path, help="lake directory (default <data>/lake)")
    p.add_argument("--stream", choices=("requests", "events", "metrics"), help="only this stream")
    p.add_argument("--limit", type=int, default=50, help="at most N records (default 50)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from synmon.ingest.audit import list_quarantine, unreadable_files

    lake = args.lake or Paths.from_env(args.data_dir).lake
    records = list_quarantine(lake, args.stream, args.limit)
    unreadable = unreadable_files(lake, args.stream)
    if args.json:
        doc = {"records": records, "unreadable_files": unreadable}
        print(json.dumps(doc, indent=2, default=str))
        return 0
    if not records and not unreadable:
        print("nothing in quarantine")
    for r in records:
        raw = r["raw"] if len(r["raw"]) <= 100 else r["raw"][:97] + "..."
        print(f"{r['file']}:{r['line']}  {r['reason']}\n    {raw}")
    for path, error in unreadable.items():
        print(f"{path}: unreadable: {error}")
    return 0
