"""Render one report: warehouse -> ReportData -> Jinja2 HTML (charts inline) -> WeasyPrint PDF.

Writes `<out_dir>/daily/YYYY-MM-DD.{pdf,html}` or `<out_dir>/weekly/YYYY-Www.{pdf,html}`. Reads
only the warehouse, its own templates and reports/static/; fetches no URL (see reports.safety).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from reports.data import TABLES, ReportData, load_report_data
from reports.forecasts import accuracy_matrix
from reports.performance import HOURLY, PLATFORM, last_complete_day
from reports.periods import KINDS, Period, ReportKind, last_complete_period
from reports.sections import SECTION_TABLES, resource_unit
from reports.summary import clip, sentences, summary_dict
from reports.warehouse import Warehouse

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
TITLES = {
    "daily": "Daily performance report",
    "weekly": "Weekly performance report",
    "dashboard": "Platform dashboard",
}


@dataclass(frozen=True)
class Section:
    """One numbered section: its anchor id, heading and template under templates/sections/."""

    id: str
    title: str
    template: str


_SECTIONS = (
    Section("summary", "Executive summary", "summary.html.j2"),
    Section("overview", "System overview", "overview.html.j2"),
    Section("components", "Component performance", "components.html.j2"),
    Section("quality", "Quality by domain", "quality.html.j2"),
    Section("cost", "Cost", "cost.html.j2"),
    Section("users", "Users and retention", "users.html.j2"),
    Section("slos", "Service level objectives", "slos.html.j2"),
    Section("forecast", "Forecasts and capacity", "forecast.html.j2"),
    Section("anomalies", "Anomalies and incidents", "anomalies.html.j2"),
    Section("recommendations", "Recommendations", "recommendations.html.j2"),
)
SECTIONS: dict[str, tuple[Section, ...]] = {kind: _SECTIONS for kind in (*KINDS, "dashboard")}


@dataclass(frozen=True)
class ReportResult:
    kind: ReportKind
    period: str
    pdf_path: Path
    html_path: Path
    pages: int
    summary: dict[str, Any]
    refused_urls: list[str] = field(default_factory=list)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.2f} %" if abs(value) < 0.1 else f"{value * 100:.1f} %"
    if unit == "ms":
        return f"{value:,.0f} ms" if abs(value) >= 10 else f"{value:,.1f} ms"
    if unit == "USD":
        return f"${value:,.2f}"
    if unit == "req/s":
        digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 1 else 2
        return f"{value:,.{digits}f} req/s"
    if unit == "USD4":
        return f"${value:,.4f}"
    if unit == "x":
        return f"{value:,.1f}×"
    if unit == "min":
        return f"{value:,.0f} min" if value < 120 else f"{value / 60:,.1f} h"
    if unit == "score":
        return f"{value:.2f}"
    if unit == "int":
        return f"{value:,.0f}"
    if unit == "req/h":
        return f"{value:,.0f} req/h"
    return f"{value:,.2f}"


def series_unit(series: str) -> str:
    """The `_fmt` unit of an intelligence series such as `api_gateway:latency_p95`: the hourly
    anomaly series are requests per hour, error rate and CPU as fractions, p95 in ms."""
    metric = str(series).rsplit(":", 1)[-1]
    if "latency" in metric or metric.endswith("_ms"):
        return "ms"
    if metric in ("cpu", "error_rate") or metric.endswith(("_rate", "_ratio", "utilization")):
        return "%"
    if metric == "requests":
        return "req/h"
    return ""


def _delta(
    cur: float | None,
    prev: float | None,
    lower_is_better: bool | None = True,
    points: bool = False,
    score: bool = False,
) -> dict[str, str]:
    """Change text and tone (`good`, `bad`, `neutral`) for a value against its previous value:
    relative (%), in percentage points for a rate (`points`), or as the difference of a 0..1
    score (`score`). "± 0" only when the change rounds to zero as printed."""
    absolute = points or score
    if cur is None or prev is None or (not absolute and not prev):
        return {"text": "no previous data", "tone": "neutral"}
    ch = cur - prev if absolute else (cur - prev) / prev
    if abs(ch) < (0.005 if score else 0.00005 if points else 0.0005):
        return {"text": "± 0", "tone": "neutral"}
    arrow = "▲" if ch > 0 else "▼"
    if score:
        text = f"{arrow} {abs(ch):.2f}"
    else:
        text = f"{arrow} {abs(ch) * 100:.2f} pp" if points else f"{arrow} {abs(ch):.1%}"
    small = abs(ch) < (0.01 if score else 0.001 if points else 0.02)
    tone = (
        "neutral"
        if small or lower_is_better is None
        else ("bad" if (ch > 0) == lower_is_better else "good")
    )
    return {"text": text, "tone": tone}  # fmt: skip


@functools.cache
def environment() -> jinja2.Environment:
    """Autoescaping, StrictUndefined, loading only from reports/templates/. One per process:
    compiling the templates measured a fifth of the HTML time when done on every render (the
    loader still recompiles a template whose file changed)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["clip"] = clip
    env.filters["series_unit"] = series_unit
    env.filters["resource_unit"] = resource_unit
    env.globals["delta"] = _delta
    env.globals["accuracy_matrix"] = accuracy_matrix
    return env


def render_html(
    data: ReportData, kind: ReportKind, lines: list[str], no_data: str | None = None
) -> str:
    """The report as one self-contained HTML document (CSS inline, charts as data: URIs);
    `no_data`, when given, is said plainly under the masthead."""
    from reports import charts

    sparks = {
        c["component"]: charts.sparkline(c["spark"], clip(c["component"])) for c in data.components
    }
    context = {
        "kind": kind,
        "title": TITLES[kind],
        "data": data,
        "sections": SECTIONS[kind],
        "sentences": lines,
        "no_data": no_data,
        "trend_chart": charts.trend_chart(data.trend, data.period) if data.trend else None,
        "forecast_chart": (
            charts.forecast_chart(data.forecast, data.period) if data.forecast else None
        ),
        "sparks": sparks,
        "report_tables": [*TABLES, *SECTION_TABLES],
        "cost_chart": (
            charts.cost_chart(data.cost["daily"], data.period) if data.cost.get("daily") else None
        ),
        "users_chart": (
            charts.users_chart(data.users["daily"], data.period)
            if data.users.get("daily")
            else None
        ),
        # Our own stylesheet, trusted: autoescaping would break selectors such as `a > b`.
        "css": Markup((STATIC_DIR / "report.css").read_text(encoding="utf-8")),
    }
    return environment().get_template(f"{kind}.html.j2").render(context)


def html_to_pdf(html: str, pdf_path: Path) -> tuple[int, list[str]]:
    """Write the PDF; return its page count and the URLs the fetcher refused."""
    from weasyprint import HTML

    from reports.safety import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(STATIC_DIR)
    doc = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher).render()
    atomic_write(pdf_path, doc.write_pdf())
    return len(doc.pages), fetcher.refused


def atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


def resolve_period(wh: Warehouse, kind: ReportKind, period: date | None) -> tuple[Period, date]:
    """The period holding `period` (default: the last complete one) and the last complete day.

    With no complete day in the warehouse, a chosen period still renders (as a report that says
    there is no data, its own last day standing in); only the default has nothing to pick."""
    if kind not in KINDS:
        raise ValueError(f"report kind must be one of {KINDS}, got {kind!r}")
    last = last_complete_day(wh)
    if period is not None:
        chosen = Period.containing(kind, period)
        return chosen, last or chosen.end
    if last is None:
        raise LookupError("the warehouse holds no complete day of data (rpt_* marts empty)")
    return last_complete_period(kind, last), last


def data_coverage(wh: Warehouse) -> tuple[date, date] | None:
    """First and last day with platform data (daily mart, else the hourly one); None if empty."""
    for table, col in ((PLATFORM, "day"), (HOURLY, "hour")):
        if wh.has(table):
            row = wh.one(f"select min({col}) as lo, max({col}) as hi from {table}")
            if row.get("lo") is not None:
                return _as_date(row["lo"]), _as_date(row["hi"])
    return None


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def no_data_note(period: Period, coverage: tuple[date, date] | None) -> str | None:
    """A plain sentence when the warehouse holds nothing for `period`, else None."""
    if coverage is None:
        return f"The warehouse holds no data yet, so there is nothing to report for {period.label}."
    first, last = coverage
    if period.end < first or period.start > last:
        return (
            f"No data for {period.label}: the warehouse holds {first.isoformat()} to "
            f"{last.isoformat()} (UTC days)."
        )
    return None


def render_report(
    kind: ReportKind,
    warehouse: Path,
    out_dir: Path,
    period: date | None = None,
    ops_db: Path | None = None,
) -> ReportResult:
    """Render the daily or weekly report for the period holding `period` (default: the last
    complete UTC day or ISO week in the data) to PDF and HTML under `out_dir/<kind>/`. Alerts
    come from `ops_db` (the ops store, read-only) when given."""
    with Warehouse(warehouse) as wh:
        chosen, last = resolve_period(wh, kind, period)
        data = load_report_data(wh, chosen, last, ops_db)
        note = no_data_note(chosen, data_coverage(wh))
    lines = [note] if note else sentences(data)
    # One HTML string serves both files: the twin is exactly what WeasyPrint laid out.
    html = render_html(data, kind, lines, note)
    base = Path(out_dir) / kind / chosen.label
    html_path, pdf_path = base.with_suffix(".html"), base.with_suffix(".pdf")
    atomic_write(html_path, html.encode("utf-8"))
    pages, refused = html_to_pdf(html, pdf_path)
    summary = summary_dict(data, lines)
    summary["pages"] = pages
    summary["no_data"] = note is not None
    return ReportResult(kind, chosen.label, pdf_path, html_path, pages, summary, refused)
