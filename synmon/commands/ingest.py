"""`synmon ingest`: load everything new in the landing zone into the Parquet lake."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synmon.settings import Paths

# Kept literal so `synmon --help` imports nothing of synmon.ingest; a test pins it to
# synmon.ingest.SUPPORTED_STREAMS.
STREAM_CHOICES = ("requests", "events", "logs", "access", "metrics", "traces")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="parse, type and validate new landing files into the Parquet lake",
        description="Ingest every new or grown file under <landing>/<stream>/ (requests, events, "
        "logs, access, metrics, traces; plain or .gz) into <lake>/<dataset>/date=YYYY-MM-DD/. "
        "Bad records go to <lake>/_quarantine with their reason; re-running adds nothing. "
        "Exit 0 when the run worked, even if records were quarantined.",
    )
    p.add_argument("--landing", type=Path, help="landing directory (default <data>/landing)")
    p.add_argument("--lake", type=Path, help="lake directory (default <data>/lake)")
    p.add_argument(
        "--stream", action="append", choices=STREAM_CHOICES, help="only this stream (repeatable)"
    )
    p.add_argument(
        "--archive",
        action="store_true",
        help="move fully consumed files that stopped growing to <landing>/_consumed/ (keeps a "
        "Fluent Bit landing zone bounded: out_file re-creates its file at the next flush)",
    )
    p.add_argument("--json", action="store_true", help="print the per-stream counts as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from synmon.ingest import ingest_landing

    paths = Paths.from_env(args.data_dir)
    landing = args.landing or paths.landing
    lake = args.lake or paths.lake
    report = ingest_landing(landing, lake, args.stream, archive=args.archive)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    print(f"{'stream':<10}{'files':>7}{'records_in':>12}{'loaded':>12}{'quarantined':>13}")
    rows = [(name, s.counts()) for name, s in report.streams.items()]
    rows.append(("total", report.total()))
    for name, c in rows:
        print(
            f"{name:<10}{c['files']:>7}{c['records_in']:>12,}{c['loaded']:>12,}"
            f"{c['quarantined']:>13,}"
        )
    for s in report.streams.values():
        for path, error in s.errors.items():
            print(f"unreadable {path}: {error}")
        for path, r in s.per_file.items():
            if r.note:
                print(f"note {path}: {r.note}")
    return 0
