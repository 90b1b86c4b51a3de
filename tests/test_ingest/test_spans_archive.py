"""OTLP spans into `spans`, archiving consumed landing files, and a Fluent Bit landing zone."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

from tests.test_ingest.conftest import FLUENT_BIT, Zone

T0 = 1787302800_000_000_000  # 2026-08-21T09:00:00Z in ns


def _span(span_id: str, parent: str, start: int, end: int, code: object) -> dict:
    return {
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": span_id,
        "parentSpanId": parent,
        "name": f"op-{span_id[-1]}",
        "kind": 2,
        "startTimeUnixNano": start,
        "endTimeUnixNano": end,
        "status": {"code": code},
    }


def test_otlp_spans(zone: Zone) -> None:
    spans = [
        _span("EEE19B7EC3C1B174", "", str(T0), str(T0 + 1_500_000), 2),
        _span("EEE19B7EC3C1B175", "EEE19B7EC3C1B174", T0, T0 + 250_000, "STATUS_CODE_OK"),
        _span("xyz", "", str(T0), str(T0), 0),  # bad span id
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]
                },
                "scopeSpans": [{"scope": {}, "spans": spans}],
            }
        ]
    }
    zone.write("traces", "t.json", json.dumps(doc, indent=2) + "\n")
    report = zone.ingest("traces").streams["traces"]
    assert (report.records_in, report.loaded, report.quarantined) == (3, 2, 1)
    rows = zone.rows("spans", order="span_id")
    assert [r["duration_ms"] for r in rows] == [1.5, 0.25]
    assert [r["status"] for r in rows] == ["error", "ok"]
    assert rows[1]["parent_span_id"] == "eee19b7ec3c1b174" and rows[0]["parent_span_id"] is None
    assert {r["component"] for r in rows} == {"api"}
    assert rows[0]["ts"] == datetime(2026, 8, 21, 9, 0)
    assert "spanId" in zone.quarantine("traces")[0]["reason"]


def test_archive_moves_consumed_file_and_recreated_file_loads_once(zone: Zone) -> None:
    line = (
        '{"ts":"2026-08-21T09:00:0%dZ","component":"a","endpoint":"/x","status":200,'
        '"latency_ms":1}\n'
    )
    path = zone.write("requests", "fluentbit-a.jsonl", line % 1 + line % 2)
    old = time.time() - 10
    os.utime(path, (old, old))
    first = zone.ingest_archive()
    assert first.streams["requests"].archived == ["requests/fluentbit-a.jsonl"]
    assert not path.exists()
    assert (zone.landing / "_consumed" / "requests" / "fluentbit-a.jsonl").exists()
    zone.write("requests", "fluentbit-a.jsonl", line % 3)  # the next flush re-creates it
    second = zone.ingest_archive()
    assert second.streams["requests"].loaded == 1
    assert second.streams["requests"].archived == []  # just written: not settled yet
    again = zone.ingest_archive()
    assert again.streams["requests"].loaded == 0
    rows = zone.rows("requests", order="ts")
    assert [r["ts"].second for r in rows] == [1, 2, 3]


def test_fluent_bit_outputs_in_the_rendered_layout(zone: Zone) -> None:
    layout = {
        "requests/fluentbit-orders.jsonl": "a_tail_logs/tail_json_parser.plain.jsonl",
        "requests/fluentbit-gateway.jsonl": "a_tail_logs/tail_json_parser.default.log",
        "requests/fluentbit-stdout.jsonl": "a_tail_logs/stdout.json_lines.jsonl",
        "metrics/fluentbit-node.txt": "b_metrics/node_exporter_metrics.out_file_default.txt",
        "metrics/fluentbit-self.txt": "b_metrics/fluentbit_metrics.out_file_default.txt",
        "metrics/fluentbit-otlp.txt": "d_otlp_loopback/otlp_received_metrics.txt",
        "logs/fluentbit-otlp.jsonl": "d_otlp_loopback/otlp_received_logs.plain.jsonl",
    }
    for rel, src in layout.items():
        stream, name = rel.split("/")
        zone.write(stream, name, (FLUENT_BIT / src).read_bytes())
    doc = zone.ingest().to_json()["streams"]
    lines = {rel: len((FLUENT_BIT / src).read_text().splitlines()) for rel, src in layout.items()}
    for rel in ("requests/fluentbit-orders.jsonl", "requests/fluentbit-gateway.jsonl"):
        assert doc["requests"]["per_file"][rel]["loaded"] == lines[rel] == 20
    assert doc["requests"]["per_file"]["requests/fluentbit-stdout.jsonl"]["loaded"] == 43
    assert doc["logs"]["per_file"]["logs/fluentbit-otlp.jsonl"]["loaded"] == 3
    for rel in ("metrics/fluentbit-node.txt", "metrics/fluentbit-self.txt"):
        assert doc["metrics"]["per_file"][rel]["quarantined"] == 0
        assert doc["metrics"]["per_file"][rel]["loaded"] >= lines[rel]
    assert (
        doc["metrics"]["per_file"]["metrics/fluentbit-node.txt"]["loaded"]
        == lines["metrics/fluentbit-node.txt"]
    )  # node_exporter_metrics has no histograms
