"""Report charts: matplotlib figures to SVG data: URIs, each with alt text. Figures are built
without pyplot, so no GUI backend and no global figure state is involved (thread-safe).

Okabe-Ito colours (safe for the common colour-vision deficiencies), solid for the report period,
dashed for the period before. Labels never go through mathtext, so a `$` in data stays text.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
from matplotlib.figure import Figure

from reports.forecasts import Forecast
from reports.performance import Trend
from reports.periods import Period

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
GREY = "#8A8F98"
INK = "#1F2933"

# The rc settings every report chart is drawn under (`matplotlib.rc_context(RC)`).
RC: dict[str, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "synmon",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.edgecolor": "#C9CED6",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E6E9EE",
    "grid.linewidth": 0.6,
    "xtick.color": "#52606D",
    "ytick.color": "#52606D",
    "legend.frameon": False,
}


@dataclass(frozen=True)
class Chart:
    uri: str
    alt: str


def to_uri(fig: Figure) -> str:
    """The figure as an SVG `data:` URI (no date in the metadata, so renders are repeatable)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure(
    width_in: float, height_in: float, rows: int = 1, top_in: float = 0.12
) -> tuple[Figure, Any]:
    """Axes placed by fixed margins in inches: matplotlib's constrained layout measured a quarter
    of the report's HTML time (it draws every tick label to size the margins)."""
    fig = Figure(figsize=(width_in, height_in))
    fig.subplots_adjust(
        left=0.62 / width_in,
        right=1 - 0.3 / width_in,  # room for a date label centred on the last tick
        bottom=0.42 / height_in,
        top=1 - top_in / height_in,
        hspace=0.18,
    )
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, axes


def trend_chart(trend: Trend, period: Period) -> Chart:
    """Throughput, p95 latency and error rate per hour, this period solid and the last dashed."""
    with matplotlib.rc_context(RC):
        fig, (ax_rps, ax_p95, ax_err) = figure(7.2, 3.0, rows=3, top_in=0.3)
        panels = (
            (ax_rps, 1, "req/s", 1.0),
            (ax_p95, 2, "p95 ms", 1.0),
            (ax_err, 3, "5xx %", 100.0),
        )
        for ax, col, label, scale in panels:
            for pts, style, colour, name in (
                (trend.previous, "--", GREY, "previous " + ("day" if period.days == 1 else "week")),
                (trend.current, "-", OKABE_ITO["blue"], period.label),
            ):
                xs = [p[0] for p in pts if p[col] is not None]
                ys = [p[col] * scale for p in pts if p[col] is not None]
                ax.plot(xs, ys, style, color=colour, linewidth=1.3, label=name)
            ax.set_ylabel(label)
            ax.set_ylim(bottom=0)
        fig.legend(*ax_rps.get_legend_handles_labels(), loc="upper right", ncols=2)
        _hour_axis(ax_err, period)
        alt = _trend_alt(trend, period)
        return Chart(to_uri(fig), alt)


def _hour_axis(ax: Any, period: Period) -> None:
    hours = period.days * 24
    ax.set_xlim(0, hours - 1)
    if period.days == 1:
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
        ax.set_xlabel("hour of day (UTC)")
    else:
        days = [period.start + timedelta(days=d) for d in range(period.days)]
        ax.set_xticks(range(0, hours, 24), [d.strftime("%a %d") for d in days])
        ax.set_xlabel("day (UTC, ticks at 00:00)")


def _trend_alt(trend: Trend, period: Period) -> str:
    if not trend.current:
        return f"Hourly trend chart for {period.label}: no hourly data in this period."
    peak = max(trend.current, key=lambda p: p[1])
    when = period.start_ts + timedelta(hours=peak[0])
    return (
        f"Three stacked line charts of hourly throughput, p95 latency and error rate for "
        f"{period.label} (solid) against the previous period (dashed). Peak throughput "
        f"{peak[1]:,.1f} requests per second at {when:%Y-%m-%d %H:%M} UTC."
    )


def forecast_chart(fc: Forecast, period: Period) -> Chart:
    """Daily actuals, the forecast line and its 80 % interval band; the report period shaded."""
    with matplotlib.rc_context(RC):
        fig, (ax,) = figure(4.9, 2.9, top_in=0.3)
        if fc.history:
            ax.plot(*zip(*fc.history, strict=True), color=INK, linewidth=1.2, label="actual")
        if fc.points:
            ds, yhat, lo, hi = zip(*fc.points, strict=True)
            ax.fill_between(ds, lo, hi, color=OKABE_ITO["sky"], alpha=0.35, linewidth=0,
                            label="80 % interval")  # fmt: skip
            ax.plot(ds, yhat, color=OKABE_ITO["blue"], linewidth=1.3, label="forecast")
        ax.axvspan(period.start, period.end + timedelta(days=1), color=OKABE_ITO["orange"],
                   alpha=0.18, linewidth=0, label="report period")  # fmt: skip
        ax.set_ylabel("requests per day")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(_short_number))
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        _legend_above(fig, ax)
        return Chart(to_uri(fig), _forecast_alt(fc))


def _legend_above(fig: Figure, ax: Any) -> None:
    """One row of legend above the plot, where it cannot hide data (inside the axes it covered
    the bars and lines it named)."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=len(labels), fontsize=7)


def _short_number(v: float, _pos: int) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _forecast_alt(fc: Forecast) -> str:
    text = f"Line chart of daily requests for {fc.series[:80]}: actuals for the last weeks"
    if fc.points:
        last: date = fc.points[-1][0]
        text += (
            f" and the {fc.model[:40] or 'model'} forecast to {last.isoformat()} with its 80 % band"
        )
    return text + "."


def sparkline(values: Sequence[float | None], label: str) -> Chart:
    """A tiny line of daily p95 latency, the last point marked: a hand-written SVG polyline (a
    matplotlib figure per table row cost more than the rest of the table)."""
    width, height, pad = 79.0, 20.0, 2.5
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    lo = min((v for _, v in pts), default=0.0)
    hi = max((v for _, v in pts), default=0.0)
    span_x = max(len(values) - 1, 1)
    span_y = (hi - lo) or 1.0

    def xy(i: int, v: float) -> str:
        x = pad + (width - 2 * pad) * i / span_x
        y = height - pad - (height - 2 * pad) * (v - lo) / span_y
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}pt" height="{height:g}pt" '
        f'viewBox="0 0 {width:g} {height:g}">'
    ]
    if pts:
        line = " ".join(xy(i, v) for i, v in pts)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{OKABE_ITO["blue"]}" '
            'stroke-width="0.9" stroke-linejoin="round"/>'
        )
        cx, cy = xy(*pts[-1]).split(",")
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="1.3" fill="{OKABE_ITO["vermillion"]}"/>')
    parts.append("</svg>")
    uri = "data:image/svg+xml;base64," + base64.b64encode("".join(parts).encode()).decode("ascii")
    alt = f"Daily p95 latency of {label} over {len(values)} days, {lo:,.0f} to {hi:,.0f} ms."
    return Chart(uri, alt)


def _daily_axis(ax: Any, period: Period) -> None:
    ax.axvspan(period.start, period.end + timedelta(days=1), color=OKABE_ITO["orange"],
               alpha=0.18, linewidth=0, label="report period")  # fmt: skip
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    ax.set_ylim(bottom=0)


def cost_chart(daily: Sequence[tuple[date, float]], period: Period) -> Chart:
    """Daily cost in USD over the trend window, the report period shaded."""
    with matplotlib.rc_context(RC):
        fig, (ax,) = figure(7.2, 1.9, top_in=0.3)
        if daily:
            days, usd = zip(*daily, strict=True)
            ax.bar(days, usd, width=0.8, color=OKABE_ITO["blue"], label="cost per day")
        _daily_axis(ax, period)
        ax.set_ylabel("USD per day")
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(_short_number))
        _legend_above(fig, ax)
        total = sum(v for _, v in daily)
        alt = (
            f"Bar chart of daily cost over {len(daily)} days ending {period.end.isoformat()}, "
            f"{total:,.0f} USD in all."
            if daily
            else "Daily cost chart: no cost data."
        )
        return Chart(to_uri(fig), alt)


def users_chart(daily: Sequence[tuple[date, float, float, float]], period: Period) -> Chart:
    """DAU, WAU and MAU per day over the trend window."""
    with matplotlib.rc_context(RC):
        fig, (ax,) = figure(7.2, 1.9, top_in=0.3)
        for col, name, colour, style in ((3, "MAU", OKABE_ITO["purple"], ":"),
                                         (2, "WAU", OKABE_ITO["green"], "--"),
                                         (1, "DAU", OKABE_ITO["blue"], "-")):  # fmt: skip
            pts = [(r[0], r[col]) for r in daily if r[col] is not None]
            if pts:
                ax.plot(*zip(*pts, strict=True), style, color=colour, linewidth=1.3, label=name)
        _daily_axis(ax, period)
        ax.set_ylabel("users")
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(_short_number))
        _legend_above(fig, ax)
        last = daily[-1] if daily else None
        alt = (
            f"Line chart of daily, weekly and monthly active users over {len(daily)} days; on "
            f"{last[0].isoformat()} DAU {last[1] or 0:,.0f}, WAU {last[2] or 0:,.0f}, "
            f"MAU {last[3] or 0:,.0f}."
            if last
            else "Active users chart: no data."
        )
        return Chart(to_uri(fig), alt)
