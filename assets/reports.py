"""The report assets: the daily and weekly PDF (and HTML twin) rendered from the warehouse marts,
the intelligence tables and the ops store, under data/reports/{daily,weekly}/; and the dashboard
page, data/reports/dashboard/index.html, over the last 24 hours."""

from datetime import date

import dagster as dg

from assets.resources import SynmonData
from reports.periods import ReportKind

REPORT_DEPS = [
    dg.AssetKey("rpt_platform_daily"),
    dg.AssetKey("rpt_component_daily"),
    dg.AssetKey("rpt_performance_hourly"),
    dg.AssetKey("rpt_resources_hourly"),
    dg.AssetKey("forecast_daily"),
    dg.AssetKey("forecast_accuracy"),
]


class ReportConfig(dg.Config):
    """Render the period holding `day` (YYYY-MM-DD) instead of the last complete one."""

    day: str = ""


def _materialize(kind: ReportKind, data: SynmonData, config: ReportConfig) -> dg.MaterializeResult:
    from reports.render import render_report
    from reports.summary import summary_markdown

    paths = data.paths
    period = date.fromisoformat(config.day) if config.day else None
    result = render_report(kind, paths.warehouse, paths.reports, period, ops_db=paths.ops_db)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.pdf_path)),
            "html": dg.MetadataValue.path(str(result.html_path)),
            "period": result.period,
            "pages": result.pages,
            "summary": dg.MetadataValue.md(summary_markdown(result.summary)),
            "refused_urls": len(result.refused_urls),
        }
    )


@dg.asset(group_name="reports", deps=REPORT_DEPS, kinds={"pdf", "html"})
def daily_report(
    context: dg.AssetExecutionContext, data: SynmonData, config: ReportConfig
) -> dg.MaterializeResult:
    """The daily performance report (PDF with an HTML twin) for the last complete UTC day in the
    data: KPIs against the day before, hourly trend, components, slowest endpoints, forecast and
    its backtest accuracy. One file per day: data/reports/daily/YYYY-MM-DD.{pdf,html}."""
    result = _materialize("daily", data, config)
    context.log.info(f"daily report written: {result.metadata['path']}")
    return result


@dg.asset(group_name="reports", deps=REPORT_DEPS, kinds={"pdf", "html"})
def weekly_report(
    context: dg.AssetExecutionContext, data: SynmonData, config: ReportConfig
) -> dg.MaterializeResult:
    """The weekly performance report (PDF with an HTML twin) for the last complete ISO week in the
    data, against the week before, with a contents list. One file per week:
    data/reports/weekly/YYYY-Www.{pdf,html}."""
    result = _materialize("weekly", data, config)
    context.log.info(f"weekly report written: {result.metadata['path']}")
    return result


@dg.asset(group_name="reports", deps=REPORT_DEPS, kinds={"html"})
def dashboard(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """The dashboard page: the report's sections over the last 24 hours in the warehouse, one
    self-contained HTML file, data/reports/dashboard/index.html (served by `synmon serve`)."""
    from reports.dashboard import render_dashboard
    from reports.summary import summary_markdown

    paths = data.paths
    result = render_dashboard(paths.warehouse, paths.reports, ops_db=paths.ops_db)
    context.log.info(f"dashboard written: {result.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "window": result.window,
            "summary": dg.MetadataValue.md(summary_markdown(result.summary)),
        }
    )


REPORT_ASSETS = [daily_report, weekly_report]
DASHBOARD_ASSETS = [dashboard]
