"""Golden files for the rendered HTML, normalised (charts, generation time and whitespace out).
On a mismatch the actual file is written beside the golden one (`*.actual.html`) for diffing;
`SYNMON_UPDATE_GOLDEN=1` rewrites the golden files after a deliberate change."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reports.dashboard import DashboardResult
from reports.render import ReportResult

GOLDEN = Path(__file__).resolve().parent / "golden"


def normalise(html: str) -> str:
    """Drop what legitimately varies between runs and machines: chart bytes (matplotlib and
    font versions), the generation time and the inline stylesheet; one tag or text per line."""
    html = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:image/svg+xml;…", html)
    html = re.sub(r"<style>.*?</style>", "<style>…</style>", html, flags=re.S)
    html = re.sub(r'(content="|class="generated">)\d{4}-\d\d-\d\dT?[ \d:]+Z?', r"\1<now>", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<[^/!])", r"\n\1", html).strip() + "\n"


def _check(name: str, html: str) -> None:
    golden, actual = GOLDEN / f"{name}.html", GOLDEN / f"{name}.actual.html"
    got = normalise(html)
    if os.environ.get("SYNMON_UPDATE_GOLDEN") == "1":
        golden.write_text(got, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.is_file() else ""
    if got != expected:
        actual.write_text(got, encoding="utf-8")
        pytest.fail(f"{name}: HTML differs from {golden}; actual written to {actual}")
    actual.unlink(missing_ok=True)


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_report_html_matches_golden(rendered: dict[str, ReportResult], kind: str) -> None:
    _check(kind, rendered[kind].html_path.read_text(encoding="utf-8"))


def test_dashboard_html_matches_golden(dashboard: DashboardResult) -> None:
    _check("dashboard", dashboard.path.read_text(encoding="utf-8"))


def test_normalise_keeps_content_and_drops_only_noise() -> None:
    a = '<p class="generated">2026-11-27 11:35</p><img src="data:image/svg+xml;base64,QUJD">x'
    b = '<p class="generated">2026-11-28 09:00</p><img src="data:image/svg+xml;base64,REVG">x'
    assert normalise(a) == normalise(b)
    assert normalise(a) != normalise(a.replace(">x", ">y"))
