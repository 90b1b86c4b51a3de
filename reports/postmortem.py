"""The post-incident report: one incident's header (times, MTTA, MTTR), its timeline, its alerts
with labels and values, the key metrics around its window (reports.incident_window) and the notes
people wrote, as `<reports>/incidents/<id>.{pdf,html}`.

Input is the incident as `synmon incidents show --json` prints it (the incident, `alerts` and
`timeline`), so this module reads no ops store and imports nothing Dagster-facing; the warehouse
is opened read-only for the metrics. Rendering goes through reports.render: the same autoescaping
Jinja2 environment and the same fetcher that refuses every URL but data: and our static files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reports.warehouse import Warehouse

SUBDIR = "incidents"
_DETAIL_SKIP = {"at", "kind", "actor", "labels", "note", "summary"}


@dataclass(frozen=True)
class PostmortemResult:
    incident_id: int
    pdf_path: Path
    html_path: Path
    pages: int
    metrics_table: str | None
    refused_urls: list[str] = field(default_factory=list)


def postmortem_paths(out_dir: Path, incident_id: int) -> tuple[Path, Path]:
    """`(pdf, html)` of the incident's report under the reports folder `out_dir`."""
    base = Path(out_dir) / SUBDIR / str(int(incident_id))
    return base.with_suffix(".pdf"), base.with_suffix(".html")


def _ts(text: str | None) -> datetime | None:
    """An ISO time such as `2026-11-27T14:05:00Z` as naive UTC (the warehouse's convention)."""
    if not text:
        return None
    parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 60


def _describe(event: Mapping[str, Any]) -> str:
    """One line for a timeline event's details (labels and notes are shown on their own)."""
    kind = event.get("kind")
    if kind in ("paged", "escalated"):
        who = ", ".join(str(t) for t in event.get("targets") or []) or "nobody on call"
        return f"level {event.get('level')}: {who}"
    if kind in ("alert_firing", "alert_resolved"):
        value = event.get("value")
        text = str(event.get("alertname", ""))
        return text + ("" if value is None else f" value {value:g}")
    if kind == "opened":
        return f"{event.get('severity', '')}: {event.get('title', '')}"
    rest = {k: v for k, v in event.items() if k not in _DETAIL_SKIP}
    return ", ".join(
        f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in rest.items()
    )


def postmortem_context(detail: Mapping[str, Any], warehouse: Path | None) -> dict[str, Any]:
    """What the template shows: header facts, timeline rows, alerts, notes and the metrics."""
    from reports.incident_window import incident_window, window_chart

    opened = _ts(detail["opened_at"])
    if opened is None:
        raise ValueError(f"incident {detail.get('id')!r} has no opened_at")
    acked = _ts(detail.get("acknowledged_at"))
    resolved = _ts(detail.get("resolved_at"))
    events = [
        {
            **e,
            "when": _ts(e["at"]),
            "text": _describe(e),
            "labels": e.get("labels") or {},
            "note": str(e.get("note") or ""),
            "summary": str(e.get("summary") or ""),
        }
        for e in detail.get("timeline", [])
    ]
    alerts = [
        {**a, "starts": _ts(a["starts_at"]), "ends": _ts(a.get("ends_at"))}
        for a in detail.get("alerts", [])
    ]
    known = [t for t in (opened, acked, resolved, *(e["when"] for e in events)) if t]
    closed = resolved or max(known)
    notes = [e for e in events if e["note"] or e["summary"]]
    window, chart, why = None, None, ""
    if warehouse is None or not Path(warehouse).is_file():
        why = "no warehouse (warehouse.duckdb) was found"
    else:
        with Warehouse(Path(warehouse)) as wh:
            window = incident_window(wh, detail.get("component"), opened, closed)
        if window is None:
            why = "no performance rollup (rpt_performance_1m, _5m, _15m, hourly) covers it"
        else:
            chart = window_chart(window, opened, acked, closed)
    return {
        "inc": detail,
        "opened": opened,
        "acked": acked,
        "resolved": resolved,
        "mtta_min": _minutes(opened, acked),
        "mttr_min": _minutes(opened, resolved),
        "events": events,
        "alerts": alerts,
        "notes": notes,
        "window": window,
        "chart": chart,
        "missing_metrics": why,
        "generated_at": datetime.now(UTC),
    }


def render_postmortem(
    detail: Mapping[str, Any], out_dir: Path, warehouse: Path | None = None
) -> PostmortemResult:
    """Render the post-incident report of `detail` (the `synmon incidents show --json` object)
    to `<out_dir>/incidents/<id>.pdf` and `.html`; metrics come from `warehouse` if it holds a
    performance rollup covering the incident window."""
    from markupsafe import Markup

    from reports.render import STATIC_DIR, atomic_write, environment, html_to_pdf

    context = postmortem_context(detail, warehouse)
    context["css"] = Markup((STATIC_DIR / "report.css").read_text(encoding="utf-8"))
    html = environment().get_template("postmortem.html.j2").render(context)
    pdf_path, html_path = postmortem_paths(out_dir, int(detail["id"]))
    atomic_write(html_path, html.encode("utf-8"))
    pages, refused = html_to_pdf(html, pdf_path)
    window = context["window"]
    return PostmortemResult(
        int(detail["id"]), pdf_path, html_path, pages, window.table if window else None, refused
    )
