"""Render times of the daily and weekly reports (warehouse read, HTML with charts, PDF) and of
the dashboard page (HTML only), against the goals: daily <= 5 s, weekly <= 10 s. Prints wall
and CPU seconds and the load average (a busy machine stretches wall time, not CPU time).

Uses data/warehouse.duckdb when it exists (the demo's), else a constructed 35-day warehouse.
Writes into a temporary directory, never into data/reports/.
    .venv/bin/python bench/reports.py [--warehouse PATH] [--ops-db PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    sys.path.insert(0, str(REPO))  # tests.test_reports.warehouse builds the fallback warehouse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse.duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ops-db", type=Path, default=None, help="ops store for the alerts")
    args = parser.parse_args()

    t0 = time.perf_counter()
    import weasyprint  # noqa: F401

    import reports.charts  # noqa: F401
    from reports.data import load_report_data
    from reports.render import html_to_pdf, render_html, resolve_period
    from reports.summary import sentences
    from reports.warehouse import Warehouse

    print(f"imports (jinja2, duckdb, matplotlib, weasyprint): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = args.warehouse
        if not warehouse.is_file():
            from tests.test_reports.warehouse import build_warehouse

            warehouse = build_warehouse(Path(tmp) / "warehouse.duckdb", date(2026, 11, 29))
            print("warehouse: constructed, 35 days, 7 endpoints, issue 4 and intelligence tables")
        else:
            print(f"warehouse: {warehouse}")
        for kind in ("daily", "weekly"):
            for i in range(args.repeat):
                t, c = [time.perf_counter()], [time.process_time()]
                with Warehouse(warehouse) as wh:
                    period, last = resolve_period(wh, kind, None)
                    data = load_report_data(wh, period, last, args.ops_db)
                t.append(time.perf_counter()), c.append(time.process_time())
                html = render_html(data, kind, sentences(data))
                t.append(time.perf_counter()), c.append(time.process_time())
                pdf = Path(tmp) / f"{kind}.pdf"
                pages, _ = html_to_pdf(html, pdf)
                t.append(time.perf_counter()), c.append(time.process_time())
                print(
                    f"{kind:6s} run {i + 1}: data {t[1] - t[0]:.2f} s, html+charts "
                    f"{t[2] - t[1]:.2f} s, pdf {t[3] - t[2]:.2f} s, total {t[3] - t[0]:.2f} s "
                    f"wall / {c[3] - c[0]:.2f} s CPU (html {c[2] - c[1]:.2f}, pdf "
                    f"{c[3] - c[2]:.2f}) ({pages} pages, {pdf.stat().st_size / 1024:.0f} KiB "
                    f"pdf, {len(html) / 1024:.0f} KiB html), load {os.getloadavg()[0]:.1f}"
                )
        from reports.dashboard import render_dashboard

        for i in range(args.repeat):
            t0 = time.perf_counter()
            dash = render_dashboard(warehouse, Path(tmp), ops_db=args.ops_db)
            print(f"dashboard run {i + 1}: total {time.perf_counter() - t0:.2f} s ({dash.window})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
