"""Daily and weekly reports from a constructed warehouse: files, PDF text, numbers, pages."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from reports.periods import Period
from reports.render import SECTIONS, ReportResult, resolve_period
from reports.warehouse import Warehouse
from tests.test_reports.conftest import LAST_DAY


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(("kind", "label"), [("daily", "2026-11-29"), ("weekly", "2026-W48")])
def test_files_land_by_the_path_contract(
    rendered: dict[str, ReportResult], kind: str, label: str
) -> None:
    r = rendered[kind]
    assert r.period == label
    assert r.pdf_path.parent.name == kind and r.pdf_path.name == f"{label}.pdf"
    assert r.html_path == r.pdf_path.with_suffix(".html")
    assert r.pdf_path.read_bytes()[:5] == b"%PDF-"
    assert r.refused_urls == []


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_pdf_has_every_section_and_numbered_pages(
    rendered: dict[str, ReportResult], kind: str
) -> None:
    r = rendered[kind]
    pages, text = _pdf_text(r.pdf_path)
    assert pages == r.pages and 4 <= pages <= 9
    for section in SECTIONS[kind]:
        assert section.title in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "UTC" in text and "POST /optimize" in text
    assert ("Contents" in text) == (kind == "weekly")


def test_kpis_match_the_warehouse(warehouse: Path, rendered: dict[str, ReportResult]) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    requests, errors = con.execute(
        "select sum(requests), sum(errors) from rpt_performance_hourly "
        "where hour >= '2026-11-29' and hour < '2026-11-30'"
    ).fetchone()
    prev_requests = con.execute(
        "select requests from rpt_platform_daily where day = '2026-11-28'"
    ).fetchone()[0]
    cpu = con.execute(
        "select avg(cpu_utilization) from rpt_resources_hourly "
        "where hour >= '2026-11-29' and hour < '2026-11-30'"
    ).fetchone()[0]
    con.close()
    kpis = rendered["daily"].summary["kpis"]
    assert kpis["throughput_rps"]["value"] == pytest.approx(requests / 86_400)
    assert kpis["throughput_rps"]["previous"] == pytest.approx(prev_requests / 86_400)
    assert kpis["error_rate"]["value"] == pytest.approx(errors / requests, rel=1e-3)
    assert kpis["cpu_utilization"]["value"] == pytest.approx(cpu)
    # the constructed incident: dspy_optimizer's p95 is 4x for three hours of the day
    assert any(
        "dspy_optimizer" in s and "rose" in s for s in rendered["daily"].summary["sentences"]
    )


def test_html_twin_is_self_contained(rendered: dict[str, ReportResult]) -> None:
    html = rendered["weekly"].html_path.read_text(encoding="utf-8")
    assert "@page" in html and 'src="data:image/svg+xml;base64,' in html
    assert "http://" not in html and "https://" not in html and "file:" not in html
    assert html.count('alt="') >= 8  # two charts and a sparkline per component


def test_default_period_is_the_last_complete_one_in_the_data(warehouse: Path) -> None:
    with Warehouse(warehouse) as wh:
        # the data runs 10 hours into 2026-11-30, which is therefore not complete
        assert resolve_period(wh, "daily", None) == (Period.containing("daily", LAST_DAY), LAST_DAY)
        week, _ = resolve_period(wh, "weekly", date(2026, 11, 18))
        assert week.label == "2026-W47"


def test_every_section_shows_its_table(rendered: dict[str, ReportResult]) -> None:
    """All ten sections have data in the full test warehouse: none says "Not available yet"."""
    html = rendered["daily"].html_path.read_text(encoding="utf-8")
    assert html.count('<section id="') == 10 and "Not available yet" not in html
    quality = html.split('id="quality"')[1].split("</section>")[0]
    assert quality.index(">reading<") < quality.index(">science<")  # the regression ranks first
    users = html.split('id="users"')[1].split("</section>")[0]
    assert "Weekly retention cohorts" in users and "72.0 %" in users and "Week 4" in users
    forecast = html.split('id="forecast"')[1].split("</section>")[0]
    assert "2026-12-18" in forecast and "2026-12-10" in forecast  # capacity crossing dates
    incidents = html.split('id="anomalies"')[1].split("</section>")[0]
    assert "dspy_optimizer:latency_p95_ms" in incidents and "2026-11-29 14:00 UTC" in incidents
    assert "2.8 h" in incidents  # MTTR of the resolved latency incident: 170 minutes
    assert "error_rate_high" in incidents.split("<h3>Open incidents</h3>")[1]
    assert "error_rate_high</b> (critical) firing since" in incidents  # the alert, still firing
    assert "Scale dspy_optimizer" in html.split('id="recommendations"')[1]
    sentences = " ".join(rendered["daily"].summary["sentences"])
    assert "reading domain fell" in sentences


def test_slos_at_risk_come_first(warehouse: Path) -> None:
    from reports.sections import slos

    with Warehouse(warehouse) as wh:
        rows = slos(wh, Period.containing("daily", LAST_DAY))
    risks = [r["risk"] for r in rows]
    assert risks == sorted(risks) and len(rows) == 6
    for r in rows:
        assert (r["status"] == "breached") == (r["attainment"] < r["objective"])


def test_weekly_sections_compare_whole_weeks(warehouse: Path) -> None:
    from reports.sections import cost

    con = duckdb.connect(str(warehouse), read_only=True)
    expect = con.execute(
        "select sum(cost_usd) from rpt_cost_daily where day between '2026-11-23' and '2026-11-29'"
    ).fetchone()[0]
    con.close()
    with Warehouse(warehouse) as wh:
        c = cost(wh, Period.containing("weekly", LAST_DAY))
    assert c["total"] == pytest.approx(expect)
    assert len(c["by_domain"]) == 6 and c["prev_total"] > 0
