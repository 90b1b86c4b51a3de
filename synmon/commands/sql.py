"""`synmon sql`: ad-hoc read-only SQL against the warehouse, printed as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sql",
        help="run a read-only SQL query against the warehouse",
        description=(
            "Run one read-only SQL query against the warehouse (data/warehouse.duckdb). Marts "
            'resolve unqualified, e.g. `synmon sql "select * from rpt_platform_daily"`. The query '
            "comes from the argument, from -f FILE, or from stdin when the argument is `-`."
        ),
    )
    parser.add_argument("query", nargs="?", help="the SQL query, or - to read it from stdin")
    parser.add_argument("-f", "--file", type=Path, help="read the query from FILE")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print a JSON array of row objects")
    form.add_argument("--csv", action="store_true", help="print CSV with a header line")
    parser.add_argument(
        "--db", type=Path, help="warehouse file (default: <data dir>/warehouse.duckdb)"
    )
    parser.set_defaults(func=_run)


def _read_query(args: argparse.Namespace) -> str:
    if args.file is not None and args.query is not None:
        raise ValueError("give the query either as an argument or with -f, not both")
    if args.file is not None:
        return args.file.read_text(encoding="utf-8")
    if args.query == "-":
        return sys.stdin.read()
    if args.query is None:
        raise ValueError('no query: give one as an argument, with -f FILE, or "-" for stdin')
    return args.query


def _run(args: argparse.Namespace) -> int:
    from synmon.settings import Paths
    from synmon.warehouse import WarehouseError, format_table, query, to_csv, to_json

    try:
        sql = _read_query(args)
    except (OSError, ValueError) as exc:
        print(f"synmon sql: {exc}", file=sys.stderr)
        return 2
    if not sql.strip():
        print("synmon sql: the query is empty", file=sys.stderr)
        return 2
    db = args.db or Paths.from_env(getattr(args, "data_dir", None)).warehouse
    try:
        columns, rows = query(db, sql)
    except WarehouseError as exc:
        print(f"synmon sql: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(to_json(columns, rows))
    elif args.csv:
        sys.stdout.write(to_csv(columns, rows))
    else:
        print(format_table(columns, rows))
    return 0
