"""`synmon serve [--port N]`: serve the reports folder (daily, weekly, dashboard) over HTTP on
127.0.0.1 only, read-only, with the standard library's file server."""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path

from synmon.settings import Paths

HOST = "127.0.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """GET and HEAD only (the base class has no PUT or POST); no request log on stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(root: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the files under `root`, bound to 127.0.0.1 (port 0: any free one)."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "serve",
        help="serve the reports folder and the dashboard on 127.0.0.1",
        description="Serve <data>/reports/ (daily and weekly PDF and HTML, and the dashboard at "
        "/dashboard/) over HTTP on 127.0.0.1 until interrupted. Render the dashboard first with "
        "`synmon report dashboard` (or the dashboard asset).",
    )
    p.add_argument("--port", type=int, default=8008, help="port on 127.0.0.1 (default 8008)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Paths.from_env(args.data_dir).reports
    if not root.is_dir():
        print(f"synmon serve: no reports folder at {root} (run `synmon demo`)", file=sys.stderr)
        return 1
    try:
        server = make_server(root, args.port)
    except OSError as exc:
        print(f"synmon serve: cannot bind {HOST}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    print(f"serving {root} at http://{host}:{port}/ (dashboard: /dashboard/), Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
