"""Section 9's incident figures, read from the incident marts (built by the `incident_marts`
asset from the ops store): MTTA and MTTR as median and p90 for the period and the one before,
overall and by severity, the incidents opened in the period, and those still open at its end with
their age and owner or escalation level.

An incident belongs to the period it was opened in (as in `rpt_incident_metrics_weekly`); its
times to acknowledge and resolve count whenever they happened. The weekly report reads the
by-severity rows from the weekly mart itself; other periods aggregate `rpt_incidents` the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reports.periods import Period
from reports.warehouse import Warehouse

INCIDENTS = "rpt_incidents"
INCIDENT_WEEKLY = "rpt_incident_metrics_weekly"
INCIDENT_TABLES = (INCIDENTS, INCIDENT_WEEKLY)
LISTED = 10

_SEVERITY_ORDER = (
    "case severity when 'critical' then 0 when 'high' then 1 when 'warning' then 2 "
    "when 'info' then 3 else 4 end, severity"
)
_STATS = (
    "count(*) as incidents, count(acknowledged_at) as acknowledged, "
    "count(resolved_at) as resolved, "
    "median(time_to_acknowledge_s) / 60 as mtta_median_min, "
    "quantile_cont(time_to_acknowledge_s, 0.9) / 60 as mtta_p90_min, "
    "median(time_to_resolve_s) / 60 as mttr_median_min, "
    "quantile_cont(time_to_resolve_s, 0.9) / 60 as mttr_p90_min"
)
_WEEKLY_STATS = (
    "incidents, acknowledged, resolved, mtta_median_s / 60 as mtta_median_min, "
    "mtta_p90_s / 60 as mtta_p90_min, mttr_median_s / 60 as mttr_median_min, "
    "mttr_p90_s / 60 as mttr_p90_min"
)
FIGURES = ("mtta_median_min", "mtta_p90_min", "mttr_median_min", "mttr_p90_min")


def _overall(wh: Warehouse, p: Period) -> dict[str, Any]:
    return wh.one(
        f"select {_STATS} from {INCIDENTS} where opened_at >= ? and opened_at < ?",
        [p.start_ts, p.end_ts],
    )


def _by_severity(wh: Warehouse, p: Period) -> tuple[list[dict[str, Any]], str]:
    """Per severity for `p`, from the weekly mart for an ISO week, else from rpt_incidents."""
    if p.kind == "weekly" and wh.has(INCIDENT_WEEKLY):
        rows = wh.rows(
            f"select severity, {_WEEKLY_STATS} from {INCIDENT_WEEKLY} where week_start = ? "
            f"order by {_SEVERITY_ORDER}",
            [p.start],
        )
        return rows, INCIDENT_WEEKLY
    rows = wh.rows(
        f"select severity, {_STATS} from {INCIDENTS} where opened_at >= ? and opened_at < ? "
        f"group by severity order by {_SEVERITY_ORDER}",
        [p.start_ts, p.end_ts],
    )
    return rows, INCIDENTS


def _open_at_end(wh: Warehouse, p: Period, escalation: bool) -> list[dict[str, Any]]:
    """Incidents opened before the period's end and not resolved by then, oldest first."""
    extra = "level, oncall" if escalation else "null as level, null as oncall"
    rows = wh.rows(
        f"select incident_id, title, severity, component, opened_at, acknowledged_at, "
        f"acknowledged_by, {extra} from {INCIDENTS} "
        "where opened_at < ? and (resolved_at is null or resolved_at >= ?) "
        "order by opened_at, incident_id",
        [p.end_ts, p.end_ts],
    )
    for r in rows:
        opened: datetime = r["opened_at"]
        r["age_h"] = (p.end_ts - opened).total_seconds() / 3600
        acked = r["acknowledged_at"] is not None and r["acknowledged_at"] < p.end_ts
        r["owner"] = r["acknowledged_by"] if acked else None
    return rows


def incident_figures(wh: Warehouse, p: Period) -> dict[str, Any]:
    """MTTA and MTTR (median, p90, in minutes) for `p` and the period before, overall and by
    severity; the incidents opened in `p` (most recent first) and those open at its end."""
    prev = p.previous()
    by_severity, source = _by_severity(wh, p)
    before = {r["severity"]: r for r in _by_severity(wh, prev)[0]}
    for r in by_severity:
        b = before.get(r["severity"], {})
        r.update({f"prev_{k}": b.get(k) for k in ("incidents", *FIGURES)})
    escalation = {"level", "oncall"} <= wh.columns(INCIDENTS)
    opened = wh.rows(
        f"select incident_id, title, severity, component, status, opened_at, "
        f"time_to_acknowledge_s / 60 as tta_min, time_to_resolve_s / 60 as ttr_min "
        f"from {INCIDENTS} where opened_at >= ? and opened_at < ? "
        "order by opened_at desc, incident_id desc limit ?",
        [p.start_ts, p.end_ts, LISTED],
    )
    return {
        "current": _overall(wh, p),
        "previous": _overall(wh, prev),
        "by_severity": by_severity,
        "source": source,
        "opened": opened,
        "open": _open_at_end(wh, p, escalation),
    }
