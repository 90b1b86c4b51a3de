"""Rendering fetches nothing: the URL fetcher, and hostile values through the whole report."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.render import SECTIONS, html_to_pdf, render_report
from reports.safety import STATIC_DIR, RefusedURL, StaticOnlyFetcher
from tests.test_reports.conftest import LAST_DAY
from tests.test_reports.marts import HOSTILE_DOMAIN, build_ops_store
from tests.test_reports.warehouse import (
    HOSTILE_ENDPOINT,
    HOSTILE_LABEL,
    LONG_NAME,
    RTL_NAME,
    build_warehouse,
)


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_fetcher_serves_data_and_static_only(local_server: tuple[str, list[str]]) -> None:
    base, hits = local_server
    fetcher = StaticOnlyFetcher()
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"
    css = fetcher.fetch((STATIC_DIR / "report.css").as_uri())
    assert b"@page" in css.read() and css.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        (STATIC_DIR / ".." / "render.py").as_uri(),
        f"{base}/x.png",
        "https://example.com/x.png",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert hits == [] and len(fetcher.refused) == 5


def test_pdf_render_refuses_external_references(
    tmp_path: Path, local_server: tuple[str, list[str]]
) -> None:
    base, hits = local_server
    html = (
        f'<link rel="stylesheet" href="{base}/evil.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        f'<p>hello</p><img src="{base}/pixel.png"><img src="file:///etc/hostname">'
        '<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci'
        'IHdpZHRoPSIxIiBoZWlnaHQ9IjEiLz4=">'
    )
    pages, refused = html_to_pdf(html, tmp_path / "x.pdf")
    assert pages == 1 and hits == []
    assert sorted(refused) == sorted(
        [f"{base}/evil.css", "file:///etc/passwd", f"{base}/pixel.png", "file:///etc/hostname"]
    )


@pytest.mark.timeout(180)  # a pathological name once made WeasyPrint spin for many minutes
def test_hostile_values_are_escaped_end_to_end(tmp_path: Path) -> None:
    wh = build_warehouse(tmp_path / "warehouse.duckdb", LAST_DAY, days=9, hostile=True)
    ops = build_ops_store(tmp_path / "ops.sqlite", LAST_DAY, hostile=True)
    result = render_report("daily", wh, tmp_path / "reports", ops_db=ops)
    html = result.html_path.read_text(encoding="utf-8")
    body = html.split("<body", 1)[1]
    assert "Not available yet" not in html  # every section rendered its (hostile) data
    sections = {s.id: body.split(f'<section id="{s.id}"')[1].split("</section>")[0]
                for s in SECTIONS["daily"]}  # fmt: skip
    escaped_domain = "&lt;svg onload=alert(1)&gt;"
    assert HOSTILE_DOMAIN not in html and "<svg onload" not in html
    for sid in ("quality", "cost"):
        assert escaped_domain in sections[sid], sid
    for sid in ("components", "cost", "slos"):
        assert "{{ 7*7 }}" in sections[sid] and RTL_NAME in sections[sid], sid
    assert "{{ 7*7 }}&lt;b&gt;rule&lt;/b&gt;" in sections["anomalies"]  # alert rule name
    assert "{{ 7*7 }} &lt;b&gt;scale&lt;/b&gt;" in sections["recommendations"]  # insight title
    assert ">49<" not in body and "<b>rule</b>" not in html
    assert HOSTILE_ENDPOINT not in html and "<script>alert" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert HOSTILE_LABEL in html and "49" not in html.split("<body", 1)[1].split(">", 1)[0]
    assert RTL_NAME in html and LONG_NAME not in html  # long names are clipped
    assert result.refused_urls == []
    reader = PdfReader(io.BytesIO(result.pdf_path.read_bytes()))
    text = "".join("".join(p.extract_text() for p in reader.pages).split())  # lines wrap anywhere
    assert '<imgsrc="file:///etc/passwd">' in text and "{{7*7}}" in text
    assert len(reader.pages) <= 9  # a 10 kB component name does not take over the layout
