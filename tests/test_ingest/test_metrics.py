"""Prometheus text exposition and OpenMetrics, from the real samples, into the metrics dataset."""

from __future__ import annotations

import math
import os
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_ingest.conftest import Zone

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "prometheus_exposition"
FILES = [
    "node_exporter/e2e-output.txt",
    "node_exporter/e2e-output-darwin.txt",
    "node_exporter/e2e-output-netbsd.txt",
    "node_exporter_textfile/client_side_timestamp.prom.txt",
    "node_exporter_textfile/different_metric_types.prom.txt",
    "node_exporter_textfile/histogram.prom.txt",
    "node_exporter_textfile/summary.prom.txt",
    "prometheus/alltypes.237mfs.prom.txt",
    "prometheus/alltypes.5mfs.om.txt",
]
SCRAPE = 1_790_000_000  # file mtime = the scrape time for samples without their own timestamp


def sample_lines(path: Path) -> list[str]:
    # split on LF only: e2e-output.txt has a label value holding \x1c, which splitlines() breaks on
    return [ln for ln in path.read_text().split("\n") if ln.strip() and not ln.startswith("#")]


@pytest.fixture(scope="module")
def real() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real exposition samples not found at {REAL}")
    return REAL


@pytest.fixture
def loaded(zone: Zone, real: Path) -> tuple[Zone, dict]:
    for rel in FILES:
        path = zone.write("metrics", rel, (real / rel).read_bytes())
        os.utime(path, (SCRAPE, SCRAPE))
    return zone, zone.ingest("metrics").to_json()["streams"]["metrics"]


def test_every_sample_line_is_loaded(loaded: tuple[Zone, dict], real: Path) -> None:
    zone, report = loaded
    for rel in FILES:
        n = len(sample_lines(real / rel))
        assert report["per_file"][f"metrics/{rel}"] == {
            "records_in": n,
            "loaded": n,
            "quarantined": 0,
        }, rel
    rows = zone.rows("metrics")
    assert len(rows) == sum(len(sample_lines(real / rel)) for rel in FILES)


def test_values_types_and_labels(loaded: tuple[Zone, dict]) -> None:
    zone, _ = loaded
    rows = zone.rows("metrics")
    by_src: dict[str, list[dict]] = {}
    for r in rows:
        by_src.setdefault(r["_source"].split("/", 1)[1], []).append(r)
    stamped = by_src["node_exporter_textfile/client_side_timestamp.prom.txt"]
    assert stamped[0]["ts"] == datetime(2015, 9, 2, 14, 59, 37, 284000)
    assert stamped[1]["ts"] == datetime.utcfromtimestamp(SCRAPE)
    hist = by_src["node_exporter_textfile/histogram.prom.txt"]
    assert {r["type"] for r in hist} == {"histogram"}
    buckets = [r for r in hist if r["name"].endswith("_bucket")]
    assert buckets and all(r["le"] is not None for r in buckets)
    assert "+Inf" in {r["le"] for r in buckets}
    summary = by_src["node_exporter_textfile/summary.prom.txt"]
    assert {r["quantile"] for r in summary if r["quantile"]} >= {"0.5", "0.9", "0.99"}
    alltypes = by_src["prometheus/alltypes.237mfs.prom.txt"]
    assert {r["type"] for r in alltypes} == {"counter", "gauge", "histogram", "summary"}
    assert sum(1 for r in alltypes if not math.isfinite(r["value"])) == 12
    om = by_src["prometheus/alltypes.5mfs.om.txt"]
    assert {r["ts"] for r in om} == {datetime.utcfromtimestamp(SCRAPE)}
    assert any(r["value"] < 0 and r["name"].endswith("_sum") for r in om)
    untyped = by_src["node_exporter/e2e-output.txt"]
    assert "untyped" in {r["type"] for r in untyped}


def test_a_broken_line_is_quarantined_and_the_page_still_loads(zone: Zone) -> None:
    page = (
        "# TYPE synmon_cpu_utilization_ratio gauge\n"
        'synmon_cpu_utilization_ratio{host="api_gateway-0",component="api_gateway"} 0.5 '
        "1787302800000\n"
        'synmon_cpu_utilization_ratio{host="api_gateway-1",component="api_gateway" 0.7\n'
        "# TYPE process_cpu_seconds_total counter\n"
        'process_cpu_seconds_total{host="api_gateway-0",component="api_gateway"} 12.5 '
        "1787302800000\n"
    )
    zone.write("metrics", "metrics-2026-08-21T09.prom", page)
    report = zone.ingest("metrics")
    assert report.streams["metrics"].counts() == {
        "files": 1,
        "records_in": 3,
        "loaded": 2,
        "quarantined": 1,
    }
    rows = zone.rows("metrics")
    assert [
        (r["name"], r["type"], r["host"], r["component"], r["value"], r["_line"]) for r in rows
    ] == [
        ("synmon_cpu_utilization_ratio", "gauge", "api_gateway-0", "api_gateway", 0.5, 2),
        ("process_cpu_seconds_total", "counter", "api_gateway-0", "api_gateway", 12.5, 5),
    ]
    assert rows[0]["ts"] == datetime(2026, 8, 21, 9, 0)
    [bad] = zone.quarantine("metrics")
    assert bad["line"] == 3 and bad["reason"].startswith("not a valid exposition sample")


def test_hourly_file_growing_by_scrapes(zone: Zone) -> None:
    def scrape(ms: int) -> str:
        return (
            "# TYPE synmon_inflight_requests gauge\n"
            f'synmon_inflight_requests{{host="h-0",component="c"}} 3 {ms}\n'
        )

    zone.write("metrics", "m.prom", scrape(1787302800000))
    zone.ingest("metrics")
    zone.append("metrics", "m.prom", scrape(1787303700000))
    again = zone.ingest("metrics")
    assert again.total()["loaded"] == 1
    assert [r["ts"].minute for r in zone.rows("metrics")] == [0, 15]
    assert {r["type"] for r in zone.rows("metrics")} == {"gauge"}
