"""The key metrics around an incident: requests, 5xx error rate and p95 latency of the affected
component (the platform when the incident names none) from one hour before it opened to one hour
after it resolved, read from the finest performance rollup that covers the window, and their chart.

Percentiles of a window that spans several endpoints and domains are request-weighted means of the
rollup's percentiles (the report says so); requests and error rates are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from reports.warehouse import Warehouse

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn
    from reports.charts import Chart

MARGIN = timedelta(hours=1)
# table, window column, server-error column, seconds per window: finest first (1m and 5m keep
# recent days only, so an old incident falls through to the coarser ones).
ROLLUPS = (
    ("rpt_performance_1m", "ts_window", "server_errors", 60),
    ("rpt_performance_5m", "ts_window", "server_errors", 300),
    ("rpt_performance_15m", "ts_window", "server_errors", 900),
    ("rpt_performance_hourly", "hour", "errors", 3600),
)
PHASES = ("before", "during", "after")


@dataclass(frozen=True)
class IncidentWindow:
    """Per window of `table`: (start, requests per second, error rate, p95 ms); and per phase
    (the hour before, the incident, the hour after) the same figures over the phase."""

    table: str
    component: str | None
    start: datetime
    end: datetime
    points: list[tuple[datetime, float, float | None, float | None]]
    phases: list[dict[str, Any]]


def incident_window(
    wh: Warehouse, component: str | None, opened: datetime, closed: datetime
) -> IncidentWindow | None:
    """The metrics from `opened - 1 h` to `closed + 1 h` (naive UTC), or None when no rollup
    holds a row of that window (not built, or the incident is older than its retention)."""
    start, end = opened - MARGIN, closed + MARGIN
    for table, ts, errors, seconds in ROLLUPS:
        if not wh.has(table):
            continue
        where = f"{ts} >= ? and {ts} < ?" + ("" if component is None else " and component = ?")
        args: list[Any] = [start, end, *([] if component is None else [component])]
        rows = wh.rows(
            f"select {ts} as ts, sum(requests) as requests, "
            f"sum({errors}) / nullif(sum(requests), 0) as error_rate, "
            f"sum(latency_p95_ms * requests) / nullif(sum(requests), 0) as p95 "
            f"from {table} where {where} group by {ts} order by {ts}",
            args,
        )
        if not rows:
            continue
        phases = []
        for name, lo, hi in (("before", start, opened), ("during", opened, closed),
                             ("after", closed, end)):  # fmt: skip
            sel = [r for r in rows if lo <= r["ts"] < hi]
            n = sum(r["requests"] for r in sel)
            span = max((hi - lo).total_seconds(), seconds)
            phases.append({
                "phase": name, "start": lo, "end": hi, "requests": n,
                "rps": n / span if sel else None,
                "error_rate": _weighted(sel, "error_rate"), "p95": _weighted(sel, "p95"),
            })  # fmt: skip
        points = [(r["ts"], r["requests"] / seconds, r["error_rate"], r["p95"]) for r in rows]
        return IncidentWindow(table, component, start, end, points, phases)
    return None


def _weighted(rows: list[dict[str, Any]], key: str) -> float | None:
    pairs = [(r[key], r["requests"]) for r in rows if r[key] is not None and r["requests"]]
    total = sum(n for _, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else None


def window_chart(
    win: IncidentWindow, opened: datetime, acked: datetime | None, closed: datetime
) -> Chart:
    """Three stacked panels (req/s, 5xx %, p95 ms) with the incident shaded and the
    acknowledgement marked, as an SVG data: URI with alt text."""
    import matplotlib
    import matplotlib.dates as mdates

    from reports.charts import GREY, OKABE_ITO, RC, Chart, figure, to_uri

    with matplotlib.rc_context(RC):
        fig, axes = figure(7.2, 3.2, rows=3)
        xs = [p[0] for p in win.points]
        panels = ((1, "req/s", 1.0, OKABE_ITO["blue"]), (2, "5xx %", 100.0,
                  OKABE_ITO["vermillion"]), (3, "p95 ms", 1.0, OKABE_ITO["green"]))  # fmt: skip
        for ax, (col, label, scale, colour) in zip(axes, panels, strict=True):
            pts = [(x, p[col] * scale) for x, p in zip(xs, win.points, strict=True)
                   if p[col] is not None]  # fmt: skip
            if pts:
                ax.plot(*zip(*pts, strict=True), color=colour, linewidth=1.2)
            ax.axvspan(opened, closed, color=OKABE_ITO["orange"], alpha=0.18, linewidth=0)
            if acked is not None:
                ax.axvline(acked, color=GREY, linestyle="--", linewidth=0.9)
            ax.set_ylabel(label)
            ax.set_ylim(bottom=0)
        pad = (win.end - win.start) * 0.03  # room for the last tick's label
        axes[-1].set_xlim(win.start, win.end + pad)
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        axes[-1].set_xlabel(f"UTC, {win.start:%Y-%m-%d}; incident shaded, acknowledgement dashed")
        return Chart(to_uri(fig), _alt(win))


def _alt(win: IncidentWindow) -> str:
    what = win.component[:80] if win.component else "the platform"
    during = next(p for p in win.phases if p["phase"] == "during")
    peak = max((p[3] for p in win.points if p[3] is not None), default=None)
    text = (
        f"Three stacked line charts of requests per second, 5xx error rate and p95 latency of "
        f"{what} from {win.start:%Y-%m-%d %H:%M} to {win.end:%Y-%m-%d %H:%M} UTC, the incident "
        "shaded."
    )
    if during["error_rate"] is not None:
        text += f" Error rate during the incident {during['error_rate']:.1%}."
    if peak is not None:
        text += f" Peak p95 {peak:,.0f} ms."
    return text
