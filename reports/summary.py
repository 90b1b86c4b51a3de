"""The executive summary: a few generated sentences with the numbers that moved most, and the
machine-readable summary (KPIs with their changes) that assets and the CLI publish."""

from __future__ import annotations

from typing import Any

from reports.data import TABLES, ReportData
from reports.performance import Kpi
from reports.sections import SECTION_TABLES


def clip(text: object, limit: int = 80) -> str:
    """Shorten a data-supplied name so one absurd value cannot take over a page or a sentence."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _pct(v: float) -> str:
    return f"{v * 100:.2f} %" if abs(v) < 0.1 else f"{v * 100:.1f} %"


def _movement(k: Kpi, unit: str = "") -> str:
    ch = k.change
    if ch is None:
        return ""
    if k.absolute_change:
        if abs(ch) < 0.0005:
            return ", unchanged from the previous period"
        return f", {abs(ch) * 100:.2f} points {'higher' if ch > 0 else 'lower'} than before"
    if abs(ch) < 0.005:
        return ", unchanged from the previous period"
    return f", {'up' if ch > 0 else 'down'} {abs(ch):.1%} from {k.previous:,.0f}{unit}"


def sentences(data: ReportData) -> list[str]:
    """Traffic first, then the (up to three) largest movers, then the forecast: at most five."""
    kpis = {k.key: k for k in data.kpis}
    span = "day" if data.period.days == 1 else "week"
    out: list[str] = []
    rps, p95 = kpis["throughput_rps"], kpis["latency_p95_ms"]
    if rps.value is not None:
        ch = rps.change
        vs = (
            ""
            if ch is None
            else f" ({'+' if ch >= 0 else '−'}{abs(ch):.1%} on the previous {span})"
        )
        out.append(
            f"The platform served {rps.value * data.period.seconds:,.0f} requests, "
            f"{rps.value:,.1f} per second on average{vs}."
        )
    movers: list[tuple[float, str]] = []
    if p95.value is not None:
        movers.append(
            (
                abs(p95.change or 0),
                f"The p95 response time was {p95.value:,.0f} ms{_movement(p95, ' ms')}.",
            )
        )
    for key, what in (("error_rate", "The 5xx error rate"), ("cpu_utilization", "Average CPU")):
        k = kpis[key]
        if k.value is not None:
            weight = abs(k.change or 0) * 20  # a point of error rate moves as much as 5 % latency
            movers.append((weight, f"{what} was {_pct(k.value)}{_movement(k)}."))
    changed = [c for c in data.components if c.get("p95") and c.get("prev_p95")]
    if changed:
        c = max(changed, key=lambda c: abs(c["p95"] / c["prev_p95"] - 1))
        rel = c["p95"] / c["prev_p95"] - 1
        movers.append(
            (
                abs(rel),
                f"The largest latency change among components was {clip(c['component'])}, "
                f"whose p95 "
                f"{'rose' if rel > 0 else 'fell'} {abs(rel):.1%} to {c['p95']:,.0f} ms.",
            )
        )
    if data.endpoints:
        e = data.endpoints[0]
        movers.append(
            (
                0.0,
                f"The slowest endpoint was {clip(e['endpoint'])} ({clip(e['component'])}) "
                f"with a p95 of {e['p95']:,.0f} ms.",
            )
        )
    movers += section_movers(data)
    out += [text for _, text in sorted(movers, key=lambda m: -m[0])[:3]]
    fc = data.forecast
    if fc and fc.next_7_days is not None:
        acc = fc.accuracy[0]["accuracy"] if fc.accuracy else None
        tail = "" if acc is None else f"; its backtest accuracy (1 − WAPE) is {acc:.1%}"
        out.append(
            f"The forecast expects {fc.next_7_days:,.0f} requests over the 7 days after "
            f"{data.last_complete_day.isoformat()}{tail}."
        )
    if not out:
        out.append("The warehouse holds no data for this period yet.")
    return out[:5]


def section_movers(data: ReportData) -> list[tuple[float, str]]:
    """Candidate sentences from quality, cost, users, SLOs and alerts, weighted like the KPIs
    (a relative change of 10 % weighs 0.1; a point of a rate weighs as 5 %)."""
    out: list[tuple[float, str]] = []
    moved = [q for q in data.quality if q["quality_score"] is not None and q["prev_quality_score"]]
    if moved:
        q = max(moved, key=lambda q: abs(q["quality_score"] - q["prev_quality_score"]))
        ch = q["quality_score"] - q["prev_quality_score"]
        text = (
            f"The quality score of the {clip(q['domain'])} domain {'rose' if ch > 0 else 'fell'} "
            f"from {q['prev_quality_score']:.2f} to {q['quality_score']:.2f} (on a 0–1 scale)."
        )
        out.append((abs(ch) * 5, text))
    total, prev = data.cost.get("total"), data.cost.get("prev_total")
    if total is not None and prev:
        ch = total / prev - 1
        out.append(
            (abs(ch), f"Cost was ${total:,.2f}, {'up' if ch > 0 else 'down'} {abs(ch):.1%}.")
        )
    cur, before = data.users.get("current", {}), data.users.get("previous", {})
    if cur.get("dau") is not None and before.get("dau"):
        ch = cur["dau"] / before["dau"] - 1
        text = (
            f"Daily active users averaged {cur['dau']:,.0f}, "
            f"{'up' if ch > 0 else 'down'} {abs(ch):.1%}; MAU {cur['mau'] or 0:,.0f}."
        )
        out.append((abs(ch), text))
    risky = [s for s in data.slos if s["status"] != "ok"]
    if risky:
        names = ", ".join(f"{clip(s['component'], 40)} ({s['status']})" for s in risky[:3])
        text = f"{len(risky)} SLO{'s' if len(risky) > 1 else ''} need attention: {names}."
        out.append((0.05 * len(risky), text))
    incidents = incident_mover(data)
    if incidents:
        out.append(incidents)
    if data.alerts and data.alerts["open"]:
        n = len(data.alerts["open"])
        out.append((0.5, f"{n} alert{'s are' if n > 1 else ' is'} still open at the period's end."))
    return out


def _duration(minutes: float) -> str:
    return f"{minutes:,.0f} min" if minutes < 120 else f"{minutes / 60:,.1f} h"


def incident_mover(data: ReportData) -> tuple[float, str] | None:
    """A sentence on the incidents opened in the period (how many, the median time to resolve
    and its change, how many are still open), weighted above most KPI moves: an incident is what
    a reader looks for first. None when no incident opened and the median MTTR did not move."""
    if not data.incidents:
        return None
    cur, prev = data.incidents["current"], data.incidents["previous"]
    n, before = cur.get("incidents") or 0, prev.get("incidents") or 0
    mttr, prev_mttr = cur.get("mttr_median_min"), prev.get("mttr_median_min")
    moved = mttr is not None and prev_mttr and abs(mttr / prev_mttr - 1) >= 0.05
    if not n and not moved:
        return None
    span = "day" if data.period.days == 1 else "week"
    text = f"{n} incident{'s were' if n != 1 else ' was'} opened ({before} the {span} before)"
    if mttr is not None:
        text += f"; the median time to resolve was {_duration(mttr)}"
        if moved:
            ch = mttr / prev_mttr - 1
            text += f", {'up' if ch > 0 else 'down'} {abs(ch):.0%} from {_duration(prev_mttr)}"
    still = len(data.incidents["open"])
    text += f"; {still} still open at the period's end." if still else "."
    return (0.6 + 0.1 * n + (abs(mttr / prev_mttr - 1) if moved else 0.0), text)


def summary_dict(data: ReportData, lines: list[str]) -> dict[str, Any]:
    """JSON-ready: period, KPIs with previous values and changes, sentences, missing tables."""
    return {
        "kind": data.period.kind,
        "period": data.period.label,
        "start": data.period.start.isoformat(),
        "end": data.period.end.isoformat(),
        "previous_period": data.previous.label,
        "kpis": {
            k.key: {"value": k.value, "previous": k.previous, "change": k.change, "unit": k.unit}
            for k in data.kpis
        },
        "sentences": lines,
        "missing_tables": data.missing(*TABLES, *SECTION_TABLES),
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    """A short markdown block for the Dagster UI."""
    lines = [f"**{summary['kind'].title()} report {summary['period']}**", ""]
    lines += [f"- {s}" for s in summary["sentences"]]
    if summary["missing_tables"]:
        lines += ["", "Not built yet: " + ", ".join(f"`{t}`" for t in summary["missing_tables"])]
    return "\n".join(lines)
