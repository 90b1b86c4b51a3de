"""What makes the pages readable: names kept whole in fixed-width tables, changes that say "± 0"
only when they round to zero, units on anomaly and capacity values, the forecast accuracy as one
scope-by-metric matrix, readable evidence, and the incidents sentence of the summary."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.data import ReportData
from reports.forecasts import accuracy_matrix
from reports.periods import Period
from reports.render import ReportResult, _delta, _fmt, series_unit
from reports.sections import evidence_text, resource_unit
from reports.summary import incident_mover


def _pdf_lines(path: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_table_names_are_not_broken_inside_words(
    rendered: dict[str, ReportResult], kind: str
) -> None:
    """Auto table layout wrapped "engineerin g" and "mathemati cs"; fixed widths keep them."""
    lines = _pdf_lines(rendered[kind].pdf_path)
    words = {w for line in lines for w in re.findall(r"[a-z_]+", line)}
    for name in ("engineering", "mathematics", "quality_assurance", "domain_validator"):
        assert name in words, name
    for broken in ("engineerin", "mathemati", "availabili", "breache"):
        assert broken not in words, broken


def test_changes_say_zero_only_when_they_print_as_zero() -> None:
    assert _delta(0.0084, 0.0088, True, True)["text"] == "▼ 0.04 pp"
    assert _delta(0.0084, 0.00841, True, True)["text"] == "± 0"
    assert _delta(130_865, 130_677, None)["text"] == "▲ 0.1%"
    assert _delta(100.0, 100.01)["text"] == "± 0"
    score = _delta(0.62, 0.86, False, score=True)
    assert score == {"text": "▼ 0.24", "tone": "bad"}
    assert _delta(None, 1.0)["text"] == "no previous data"


def test_values_carry_their_units() -> None:
    assert series_unit("dspy_optimizer:latency_p95") == "ms"
    assert series_unit("api_gateway:error_rate") == "%"
    assert series_unit("api_gateway:cpu") == "%"
    assert series_unit("api_gateway:requests") == "req/h"
    assert resource_unit("requests_per_second") == "req/s"
    assert resource_unit("memory") == "%"
    assert _fmt(11_869.4, "ms") == "11,869 ms" and _fmt(87.7, "ms") == "88 ms"
    assert _fmt(0.181, "req/s") == "0.18 req/s" and _fmt(257.0, "req/h") == "257 req/h"
    assert _fmt(13_762.431, "USD") == "$13,762.43"


def test_accuracy_matrix_is_one_row_per_scope() -> None:
    cut = date(2026, 10, 27)

    def row(series: str, acc: float, cov: float) -> dict[str, object]:
        return {"series": series, "backtests": 3, "cutoff": cut, "horizon_days": 30,
                "accuracy": acc, "naive_accuracy": 0.9, "coverage_80": cov}  # fmt: skip

    mx = accuracy_matrix([
        row("api_gateway:error_rate", 0.77, 0.8), row("api_gateway:requests", 0.98, 0.79),
        row("platform:requests", 0.979, 0.81), row("platform:zz_custom", 0.5, 0.7),
    ])  # fmt: skip
    assert mx["metrics"] == ["requests", "error_rate", "zz_custom"]
    assert [r["scope"] for r in mx["rows"]] == ["platform", "api_gateway"]
    platform, gateway = mx["rows"]
    assert [c and c["accuracy"] for c in platform["cells"]] == [0.979, None, 0.5]
    assert [c and c["accuracy"] for c in gateway["cells"]] == [0.98, 0.77, None]
    assert mx["backtests"] == (3, 3) and mx["coverage_80"] == (0.7, 0.81)


def test_evidence_json_reads_as_text() -> None:
    text = evidence_text('{"resource": "cpu", "current_peak": 0.7377444067347405, "x": null}')
    assert text == "resource cpu · current peak 0.738"
    assert evidence_text("rpt_quality_daily") == "rpt_quality_daily"
    assert evidence_text("[1, 2]") == "[1, 2]"


def _data(incidents: dict[str, object] | None) -> ReportData:
    period = Period.containing("weekly", date(2026, 11, 25))
    data = ReportData(period, period.previous(), period.end, datetime.now(UTC), frozenset())
    data.incidents = incidents
    return data


def test_summary_names_incidents_when_opened_or_mttr_moved() -> None:
    assert incident_mover(_data(None)) is None
    quiet = {"current": {"incidents": 0, "mttr_median_min": None},
             "previous": {"incidents": 0, "mttr_median_min": None}, "open": []}  # fmt: skip
    assert incident_mover(_data(quiet)) is None
    busy = {
        "current": {"incidents": 3, "mttr_median_min": 132.0},
        "previous": {"incidents": 1, "mttr_median_min": 240.0},
        "open": [{"id": 4}],
    }
    weight, text = incident_mover(_data(busy)) or (0.0, "")
    assert text == (
        "3 incidents were opened (1 the week before); the median time to resolve was 2.2 h, "
        "down 45% from 4.0 h; 1 still open at the period's end."
    )
    assert weight > 0.5  # above a 50 % KPI move: an incident is what a reader looks for first


def test_rendered_report_shows_units_capacity_and_incidents(
    rendered: dict[str, ReportResult],
) -> None:
    html = rendered["daily"].html_path.read_text(encoding="utf-8")
    assert "11,869 ms" in html  # the anomaly of a latency series, with its unit
    assert "50.0 req/s" in html  # a rate limit is not a percentage
    assert "2 more resources stay below their limits" in html  # 10 rows, the closest 8 shown
    assert "current peak 0.712" in html and "first crossing" not in html  # evidence, nulls out
    summary = rendered["daily"].summary["sentences"]
    assert any(s.startswith("2 incidents were opened (1 the day before)") for s in summary)
