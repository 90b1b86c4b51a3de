"""The report assets: the daily and weekly PDF (and HTML twin), partitioned by UTC day and ISO
week, rendered from the warehouse marts, the intelligence tables and the ops store into
data/reports/{daily,weekly}/, and emailed when config/reports.yaml says so; and the dashboard
page, data/reports/dashboard/index.html, over the last 24 hours (unpartitioned)."""

import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from assets.resources import SynmonData
from reports.periods import ReportKind
from sensors.receivers_email import EmailReceiver

if TYPE_CHECKING:
    from reports.render import ReportResult

# Every table a report section reads (reports/data.py, reports/sections.py), so lineage and the
# morning refresh (orchestration/jobs.py) cover all of them.
REPORT_DEPS = [
    dg.AssetKey(name)
    for name in (
        "rpt_platform_daily",
        "rpt_component_daily",
        "rpt_performance_hourly",
        "rpt_resources_hourly",
        "forecast_daily",
        "forecast_accuracy",
        "rpt_quality_daily",
        "rpt_business_daily",
        "rpt_retention_weekly",
        "rpt_cost_daily",
        "rpt_slo_daily",
        "anomalies",
        "capacity_plan",
        "insights",
        "incident_marts",
    )
]

# Partitions start before any history the demo simulates (90 days back from the run date in
# late 2026), so a backfill can re-render all of it; days before the data render as "no data".
# Weekly partitions are ISO weeks: Monday start (day_offset=1), keyed by the Monday's date;
# 2025-12-29 is the Monday of ISO week 2026-W01.
DAILY_PARTITIONS = dg.DailyPartitionsDefinition(start_date="2026-01-01", timezone="UTC")
WEEKLY_PARTITIONS = dg.WeeklyPartitionsDefinition(
    start_date="2025-12-29", day_offset=1, timezone="UTC"
)


def email_report(
    kind: ReportKind, result: "ReportResult", ssl_context: ssl.SSLContext | None = None
) -> list[str]:
    """Send a rendered report as config/reports.yaml asks; one line per receiver saying what
    happened. Never raises for a delivery problem, and never shows a secret or the server's
    reply text (which can echo credentials); an unset password variable is named, not read."""
    from reports.delivery import load_reports_config, report_message
    from reports.render import TITLES
    from sensors.receivers_config import build_receiver, load_channels_config
    from synmon.settings import config_dir

    rules = load_reports_config(config_dir()).rules_for(kind)
    if not rules:
        return []
    channels = load_channels_config(config_dir() / "channels.yaml")
    specs = {r.name: r for r in channels.receivers}
    sentences = result.summary["sentences"]
    fields = {"kind": kind, "title": TITLES[kind], "period": result.period,
              "pages": result.pages, "headline": sentences[0] if sentences else ""}  # fmt: skip
    outcomes = []
    for rule in rules:
        for name in rule.receivers:
            spec = specs.get(name)
            if spec is None or spec.email is None:
                outcomes.append(f"{name}: failed: not an email receiver in channels.yaml")
                continue
            receiver = build_receiver(spec, Path("."), os.environ, float(channels.delivery.timeout))
            if not isinstance(receiver, EmailReceiver):  # its password variable is unset
                outcomes.append(
                    f"{name}: failed: environment variable {spec.email.password_env} unset"
                )
                continue
            receiver.ssl_context = ssl_context or receiver.ssl_context
            msg = report_message(
                rule, fields=fields, sentences=sentences, html_path=result.html_path,
                pdf_path=result.pdf_path, sender=spec.email.sender, to=spec.email.to,
            )  # fmt: skip
            sent = receiver.send_message(msg)
            # The server's reply text can echo credentials: keep only the code or error type.
            detail = sent.detail if sent.ok else sent.detail.split(":", 1)[0]
            outcomes.append(f"{name}: {'sent' if sent.ok else 'failed'}: {detail}")
    return outcomes


def _materialize(
    context: dg.AssetExecutionContext, kind: ReportKind, data: SynmonData
) -> dg.MaterializeResult:
    from reports.delivery import ReportsConfigError
    from reports.periods import period_for_partition
    from reports.render import render_report
    from reports.summary import summary_markdown

    paths = data.paths
    period = period_for_partition(kind, context.partition_key)
    result = render_report(kind, paths.warehouse, paths.reports, period.start, paths.ops_db)
    context.log.info(f"{kind} report {result.period} written: {result.pdf_path}")
    try:
        emailed = email_report(kind, result)
    except (ReportsConfigError, ValueError) as exc:  # a bad reports.yaml or channels.yaml
        emailed = [f"not sent: {exc}"]
    for line in emailed:
        (context.log.info if ": sent:" in line else context.log.warning)(f"email {line}")
    metadata: dict[str, object] = {
        "path": dg.MetadataValue.path(str(result.pdf_path)),
        "html": dg.MetadataValue.path(str(result.html_path)),
        "period": result.period,
        "pages": result.pages,
        "no_data": bool(result.summary.get("no_data")),
        "summary": dg.MetadataValue.md(summary_markdown(result.summary)),
        "refused_urls": len(result.refused_urls),
    }
    if emailed:
        metadata["email"] = dg.MetadataValue.text("\n".join(emailed))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    group_name="reports", deps=REPORT_DEPS, kinds={"pdf", "html"}, partitions_def=DAILY_PARTITIONS
)
def daily_report(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """The daily performance report (PDF with an HTML twin) for one UTC day, the partition:
    KPIs against the day before, hourly trend, components, slowest endpoints, forecast and its
    backtest accuracy. One file per day: data/reports/daily/YYYY-MM-DD.{pdf,html}."""
    return _materialize(context, "daily", data)


@dg.asset(
    group_name="reports", deps=REPORT_DEPS, kinds={"pdf", "html"}, partitions_def=WEEKLY_PARTITIONS
)
def weekly_report(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """The weekly performance report (PDF with an HTML twin) for one ISO week (Monday to Sunday,
    the partition, keyed by its Monday), against the week before, with a contents list. One file
    per week: data/reports/weekly/YYYY-Www.{pdf,html}."""
    return _materialize(context, "weekly", data)


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
