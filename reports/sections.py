"""What the wider report sections show, read from the issue 4 marts, the intelligence tables and
the ops store: quality by domain, cost, users and retention, SLOs, capacity dates, anomalies and
alerts, recommendations. Each loader returns plain rows (dicts); a table that is not built yet
gives an empty result and the template names the missing table.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reports.periods import Period
from reports.warehouse import Warehouse

QUALITY = "rpt_quality_daily"
BUSINESS = "rpt_business_daily"
RETENTION = "rpt_retention_weekly"
COST = "rpt_cost_daily"
SLO = "rpt_slo_daily"
ANOMALIES = "anomalies"
CAPACITY = "capacity_plan"
INSIGHTS = "insights"
SECTION_TABLES = (QUALITY, BUSINESS, RETENTION, COST, SLO, ANOMALIES, CAPACITY, INSIGHTS)

TREND_DAYS = 28
COHORTS, OFFSETS = 6, 5
# Google SRE workbook multiwindow thresholds: budget gone in 2 days (1h) or 5 days (6h).
FAST_BURN_1H, FAST_BURN_6H = 14.4, 6.0
AT_RISK_BUDGET = 0.25
CAPACITY_ROWS = 8


def quality_by_domain(wh: Warehouse, p: Period) -> list[dict[str, Any]]:
    """One row per domain: the period's means and the quality score before; worst first."""
    q = (
        "select domain, avg(accuracy_rate) as accuracy_rate, "
        "avg(validation_success_rate) as validation_success_rate, "
        "avg(quality_score) as quality_score, avg(false_positive_rate) as false_positive_rate, "
        f"avg(user_satisfaction) as user_satisfaction from {QUALITY} "
        "where day between ? and ? group by domain"
    )
    prev = p.previous()
    before = {r["domain"]: r for r in wh.rows(q, [prev.start, prev.end])}
    rows = wh.rows(q, [p.start, p.end])
    for r in rows:
        b = before.get(r["domain"], {})
        r["prev_quality_score"] = b.get("quality_score")
        r["prev_accuracy_rate"] = b.get("accuracy_rate")
    return sorted(
        rows, key=lambda r: (r["quality_score"] is None, r["quality_score"] or 0, r["domain"])
    )


def _cost_by(wh: Warehouse, p: Period, key: str) -> list[dict[str, Any]]:
    q = (
        f"select {key} as name, sum(requests) as requests, sum(tokens) as tokens, "
        "sum(cost_usd) as cost_usd, sum(cost_usd) / nullif(sum(requests), 0) as per_request, "
        "1000 * sum(cost_usd) / nullif(sum(tokens), 0) as per_1k_tokens "
        f"from {COST} where day between ? and ? group by {key}"
    )
    prev = p.previous()
    before = {r["name"]: r["cost_usd"] for r in wh.rows(q, [prev.start, prev.end])}
    rows = sorted(wh.rows(q, [p.start, p.end]), key=lambda r: (-(r["cost_usd"] or 0), r["name"]))
    for r in rows:
        r["prev_cost_usd"] = before.get(r["name"])
    return rows


def cost(wh: Warehouse, p: Period) -> dict[str, Any]:
    """Cost by component and by domain with unit costs, totals, and the daily trend."""
    daily = wh.rows(
        f"select day, sum(cost_usd) as cost_usd from {COST} where day between ? and ? "
        "group by day order by day",
        [p.end - timedelta(days=TREND_DAYS - 1), p.end],
    )
    by_component = _cost_by(wh, p, "component")
    total = sum(r["cost_usd"] or 0 for r in by_component) if by_component else None
    prev = [r["prev_cost_usd"] for r in by_component if r["prev_cost_usd"] is not None]
    return {
        "by_component": by_component,
        "by_domain": _cost_by(wh, p, "domain"),
        "total": total,
        "prev_total": sum(prev) if prev else None,
        "daily": [(r["day"], r["cost_usd"]) for r in daily],
    }


def users(wh: Warehouse, p: Period) -> dict[str, Any]:
    """DAU (mean over the period), WAU and MAU on its last day, content, the DAU trend."""
    q = (
        "select avg(dau) as dau, arg_max(wau, day) as wau, arg_max(mau, day) as mau, "
        "sum(content_generated) as content_generated, sum(api_requests) as api_requests, "
        f"sum(revenue_impact_usd) as revenue_impact_usd from {BUSINESS} where day between ? and ?"
    )
    prev = p.previous()
    out: dict[str, Any] = {"current": {}, "previous": {}, "daily": [], "cohorts": []}
    if wh.has(BUSINESS):
        out["current"] = wh.one(q, [p.start, p.end])
        out["previous"] = wh.one(q, [prev.start, prev.end])
        out["daily"] = [
            (r["day"], r["dau"], r["wau"], r["mau"])
            for r in wh.rows(
                f"select day, dau, wau, mau from {BUSINESS} where day between ? and ? order by day",
                [p.end - timedelta(days=TREND_DAYS - 1), p.end],
            )
        ]
    if wh.has(RETENTION):
        out["cohorts"] = retention(wh, p)
    return out


def retention(wh: Warehouse, p: Period) -> list[dict[str, Any]]:
    """The latest cohorts that started by the period's end: size and retention per week offset."""
    rows = wh.rows(
        f"select cohort_week, week_offset, cohort_users, retention_rate from {RETENTION} "
        f"where cohort_week in (select distinct cohort_week from {RETENTION} "
        "where cohort_week <= ? order by cohort_week desc limit ?) and week_offset < ? "
        "order by cohort_week desc, week_offset",
        [p.end, COHORTS, OFFSETS],
    )
    cohorts: dict[Any, dict[str, Any]] = {}
    for r in rows:
        c = cohorts.setdefault(
            r["cohort_week"], {"week": r["cohort_week"], "users": r["cohort_users"], "rates": {}}
        )
        c["rates"][int(r["week_offset"])] = r["retention_rate"]
    return [{**c, "rates": [c["rates"].get(i) for i in range(OFFSETS)]} for c in cohorts.values()]


def slos(wh: Warehouse, p: Period) -> list[dict[str, Any]]:
    """Per component and SLO: attainment over the period, budget and burn rates on its last
    day; the components at risk (breached, fast burn, or little budget left) first."""
    rows = wh.rows(
        f"""
        select component, slo, any_value(objective) as objective, avg(attainment) as attainment,
            arg_max(error_budget_remaining, day) as budget, arg_max(burn_rate_1h, day) as burn_1h,
            arg_max(burn_rate_6h, day) as burn_6h, arg_max(burn_rate_24h, day) as burn_24h,
            arg_max(burn_rate_3d, day) as burn_3d
        from {SLO} where day between ? and ? group by component, slo
        """,
        [p.start, p.end],
    )
    for r in rows:
        budget, b1, b6 = r["budget"], r["burn_1h"] or 0, r["burn_6h"] or 0
        if r["attainment"] is not None and r["attainment"] < r["objective"]:
            r["status"], r["risk"] = "breached", 0
        elif b1 >= FAST_BURN_1H or b6 >= FAST_BURN_6H:
            r["status"], r["risk"] = "fast burn", 1
        elif budget is not None and budget < AT_RISK_BUDGET:
            r["status"], r["risk"] = "at risk", 2
        else:
            r["status"], r["risk"] = "ok", 3
    return sorted(
        rows,
        key=lambda r: (r["risk"], r["budget"] if r["budget"] is not None else 1, r["component"]),
    )


def capacity(wh: Warehouse, limit: int = CAPACITY_ROWS) -> dict[str, Any]:
    """The resources closest to their limits: those whose forecast (or its upper 80 % bound)
    crosses within the horizon, soonest first, then the highest upper peak against the limit;
    at most `limit` rows, and how many more stay below their limits (and their highest share)."""
    have = wh.columns(CAPACITY)
    extra = ", ".join(
        c if c in have else f"null as {c}"
        for c in ("current_peak", "forecast_peak", "upper_peak", "horizon_end")
    )
    rows = wh.rows(
        f'select resource, component, "limit" as lim, first_crossing, first_crossing_upper, '
        f"{extra} from {CAPACITY} order by coalesce(first_crossing_upper, first_crossing) "
        'nulls last, coalesce(upper_peak, forecast_peak) / nullif("limit", 0) desc nulls last, '
        "resource, component"
    )
    shown = rows[:limit]
    rest = rows[limit:]
    shares = [r["upper_peak"] / r["lim"] for r in rest if r["upper_peak"] is not None and r["lim"]]
    horizon = max((r["horizon_end"] for r in rows if r["horizon_end"] is not None), default=None)
    return {
        "rows": shown,
        "more": len(rest),
        "more_max_share": max(shares) if shares else None,
        "crossing": sum(1 for r in rows if r["first_crossing"] or r["first_crossing_upper"]),
        "horizon_end": horizon,
    }


def resource_unit(resource: str) -> str:
    """The `_fmt` unit of a capacity resource: utilisations are fractions, rates are per second."""
    return "req/s" if "per_second" in str(resource) or str(resource).endswith("rps") else "%"


def anomalies(wh: Warehouse, p: Period, limit: int = 10) -> dict[str, Any]:
    """The period's anomalies, highest score first, and their count per severity."""
    args = [p.start_ts, p.end_ts]
    top = wh.rows(
        f"select series, ts, value, expected, score, severity from {ANOMALIES} "
        "where ts >= ? and ts < ? order by score desc, ts limit ?",
        [*args, limit],
    )
    counts = wh.rows(
        f"select severity, count(*) as n from {ANOMALIES} where ts >= ? and ts < ? "
        "group by severity order by n desc",
        args,
    )
    return {"top": top, "counts": counts, "total": sum(c["n"] for c in counts)}


def insights(wh: Warehouse, limit: int = 8) -> list[dict[str, Any]]:
    """The top ranked insights, their JSON evidence made readable (see `evidence_text`)."""
    rows = wh.rows(
        f"select rank, kind, title, detail, evidence, score from {INSIGHTS} order by rank limit ?",
        [limit],
    )
    for r in rows:
        r["evidence"] = evidence_text(r["evidence"])
    return rows


def evidence_text(evidence: object) -> str:
    """A JSON object of evidence as `key value · key value`, nulls left out and floats at three
    significant digits (the raw JSON printed 0.7377444067347405); other text as it is."""
    if evidence is None:
        return ""
    try:
        obj = json.loads(str(evidence))
    except ValueError:
        return str(evidence)
    if not isinstance(obj, dict):
        return str(evidence)
    parts = [
        f"{str(k).replace('_', ' ')} {f'{v:.3g}' if isinstance(v, float) else v}"
        for k, v in obj.items()
        if v is not None
    ]
    return " · ".join(parts)


def _parse(ts: str | None) -> datetime | None:
    return (
        None if not ts else datetime.fromisoformat(ts.replace("Z", "+00:00")).replace(tzinfo=None)
    )


def alerts(ops_db: Path | None, p: Period) -> dict[str, Any] | None:
    """Alerts from the ops store's notifications: per rule, how often it fired in the period
    and how many of those resolved in it; alerts still open at the period's end. None when
    there is no ops store, which is opened read-only: rendering never writes it. (MTTA and
    MTTR come from the incident marts, reports.incidents.)"""
    if ops_db is None or not Path(ops_db).is_file():
        return None
    con = sqlite3.connect(f"{Path(ops_db).resolve().as_uri()}?mode=ro", uri=True)
    try:
        has = con.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'notifications'"
        ).fetchone()
        rows = con.execute("select payload from notifications").fetchall() if has else []
        payloads = [json.loads(r[0]) for r in rows]
    finally:
        con.close()
    firing: dict[tuple[str, str], dict[str, Any]] = {}
    resolved: dict[tuple[str, str], datetime] = {}
    for n in payloads:
        key = (str(n.get("fingerprint")), str(n.get("starts_at")))
        if n.get("status") == "firing":
            firing[key] = n
        elif n.get("status") == "resolved" and _parse(n.get("ends_at")):
            resolved[key] = _parse(n.get("ends_at"))  # type: ignore[assignment]
    rules: dict[str, dict[str, Any]] = {}
    open_: list[dict[str, Any]] = []
    for key, n in firing.items():
        start = _parse(n.get("starts_at"))
        if start is None or start >= p.end_ts:
            continue
        end = resolved.get(key)
        if end is None or end >= p.end_ts:
            open_.append({**n, "since": start, "age_h": (p.end_ts - start).total_seconds() / 3600})
        if start < p.start_ts:
            continue
        r = rules.setdefault(
            n.get("alertname", "?"),
            {"rule": n.get("alertname", "?"), "severity": n.get("severity", ""), "fired": 0,
             "resolved": 0},
        )  # fmt: skip
        r["fired"] += 1
        if end is not None and end < p.end_ts:
            r["resolved"] += 1
    return {
        "rules": sorted(rules.values(), key=lambda r: -r["fired"]),
        "open": sorted(open_, key=lambda n: n["since"]),
        "fired": sum(r["fired"] for r in rules.values()),
    }
