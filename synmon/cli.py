"""The `synmon` command line: a thin layer that parses arguments and calls the same functions the
Dagster assets call. Each subcommand lives in `synmon/commands/<name>.py` and imports its heavy
libraries only when it runs, so `synmon --help` answers in well under a second."""

from __future__ import annotations

import argparse
import importlib
import sys

from synmon.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synmon",
        description="Performance monitoring and analytics for the SynThesisAI platform.",
    )
    parser.add_argument(
        "--data-dir",
        help="data directory (default: $SYNMON_DATA_DIR or <repo>/data)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"synmon.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
