"""The dashboard page: its 24-hour window, the sections, `synmon serve`, and a real headless
Chromium loading it over HTTP from 127.0.0.1 (console errors or a blank page fail the test)."""

from __future__ import annotations

import shutil
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from reports.dashboard import DashboardResult
from reports.render import SECTIONS
from synmon.commands.serve import make_server
from tests.test_reports import cdp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_dashboard_covers_the_last_24_hours(dashboard: DashboardResult) -> None:
    # the constructed data runs 10 hours into 2026-11-30
    assert dashboard.window == "24 h to 2026-11-30 10:00 UTC"
    assert dashboard.path.name == "index.html" and dashboard.path.parent.name == "dashboard"
    html = dashboard.path.read_text(encoding="utf-8")
    assert "Sun 2026-11-29 10:00 to Mon 2026-11-30 10:00 UTC" in html
    assert '<meta http-equiv="refresh" content="300">' in html
    for s in SECTIONS["dashboard"]:
        assert f'<section id="{s.id}"' in html and s.title in html
    rps = dashboard.summary["kpis"]["throughput_rps"]
    assert rps["value"] > 0 and rps["previous"] > 0


@pytest.fixture
def served(dashboard: DashboardResult) -> Iterator[str]:
    server = make_server(dashboard.path.parent.parent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_serve_binds_loopback_and_serves_the_reports(served: str) -> None:
    assert served.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{served}/dashboard/index.html", timeout=10) as resp:
        assert resp.status == 200 and b"Platform dashboard" in resp.read()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{served}/../../etc/passwd", timeout=10)
    assert err.value.code == 404


@pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium not installed")
@pytest.mark.timeout(300)
def test_dashboard_in_headless_chromium(served: str, tmp_path: Path) -> None:
    page = cdp.load(CHROMIUM, f"{served}/dashboard/index.html", tmp_path / "profile")
    assert page.errors == []
    assert len(page.text.split()) > 500  # not blank: the sections' text is there
    for s in SECTIONS["dashboard"]:
        assert s.title in page.text


@pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium not installed")
@pytest.mark.timeout(300)
def test_chromium_check_catches_console_errors_and_blank_pages(
    served: str, dashboard: DashboardResult, tmp_path: Path
) -> None:
    """The browser check can fail: a broken page next to the dashboard is caught."""
    broken = dashboard.path.parent / "broken.html"
    broken.write_text(
        '<html><body><img src="/missing.png"><script>console.error("boom " + '
        f'"{datetime.now():%H%M%S}")</script></body></html>',
        encoding="utf-8",
    )
    page = cdp.load(CHROMIUM, f"{served}/dashboard/broken.html", tmp_path / "profile")
    broken.unlink()
    assert any("boom" in e for e in page.errors), page.errors
    assert any("404" in e for e in page.errors), page.errors
    assert page.text.split() == []  # and the blank-page check would fire
