"""logs, access, OTLP metrics and spans, and Fluent Bit's metrics text, from the real samples.

Expected counts and values are computed here independently (Python `re` with the stock apache2
pattern, `json` over the OTLP documents), not read back from the code under test.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.test_ingest.conftest import FLUENT_BIT, Zone

REAL = FLUENT_BIT.parent
APACHE = REAL / "access_logs" / "apache_logs_part1_2015-05-17T10_to_2015-05-19T11.log"
# Fluent Bit conf/parsers.conf `apache2`, with Python's group syntax.
APACHE2 = re.compile(
    r'^(?P<host>[^ ]*) [^ ]* (?P<user>[^ ]*) \[(?P<time>[^\]]*)\] "(?P<method>\S+)'
    r'(?: +(?P<path>[^ ]*) +\S*)?" (?P<code>[^ ]*) (?P<size>[^ ]*)'
    r'(?: "(?P<referer>[^\"]*)" "(?P<agent>.*)")?$'
)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real sample not found: {path}")
    return path


def test_logs_keep_typed_fields_and_free_fields_as_json(zone: Zone) -> None:
    lines = [
        '{"ts":"2026-08-21T09:00:00Z","level":"INFO","component":"api","message":"up","k":1}',
        'app.log: [1787302801.5, {"level":"WARN","msg":"slow","component":"db","extra":{"a":2}}]',
        '{"date":1787302802.0,"log":"raw text","pipeline":"p"}',
        '{"level":"ERROR","message":"no time"}',
        "not json",
    ]
    zone.write("logs", "app.jsonl", "\n".join(lines) + "\n")
    report = zone.ingest("logs")
    assert report.streams["logs"].counts() == {
        "files": 1,
        "records_in": 5,
        "loaded": 3,
        "quarantined": 2,
    }
    rows = zone.rows("logs")
    assert [r["message"] for r in rows] == ["up", "slow", "raw text"]
    assert [r["level"] for r in rows] == ["INFO", "WARN", None]
    assert rows[1]["ts"] == datetime(2026, 8, 21, 9, 0, 1, 500000)
    assert [json.loads(r["fields"]) for r in rows] == [
        {"k": 1},
        {"extra": {"a": 2}},
        {"pipeline": "p"},
    ]
    assert [q["line"] for q in zone.quarantine("logs")] == [4, 5]
    assert zone.quarantine("logs")[0]["reason"] == "ts: missing"


def test_real_apache_log_every_line_as_the_apache2_regex_says(zone: Zone) -> None:
    text = need(APACHE).read_text()
    zone.write("access", "apache.log", text)
    matches = [APACHE2.match(line) for line in text.split("\n")[:-1]]
    report = zone.ingest("access")
    assert report.streams["access"].counts()["loaded"] == sum(1 for m in matches if m)
    assert report.streams["access"].quarantined == sum(1 for m in matches if not m)
    rows = zone.rows("access")
    assert len(rows) == 5964
    codes: dict[int, int] = {}
    for r in rows:
        codes[r["code"]] = codes.get(r["code"], 0) + 1
    expected: dict[int, int] = {}
    for m in matches:
        expected[int(m["code"])] = expected.get(int(m["code"]), 0) + 1
    assert codes == expected
    assert sum(r["size"] or 0 for r in rows) == sum(
        int(m["size"]) for m in matches if m["size"] != "-"
    )
    assert sum(1 for r in rows if r["size"] is None) == sum(1 for m in matches if m["size"] == "-")
    assert all(r["latency_ms"] is None for r in rows)
    first = matches[0]
    assert (rows[0]["host"], rows[0]["path"], rows[0]["agent"]) == (
        first["host"],
        first["path"],
        first["agent"],
    )
    assert rows[0]["ts"] == datetime.strptime(first["time"], "%d/%b/%Y:%H:%M:%S %z").replace(
        tzinfo=None
    )


def test_access_accepts_parsed_records_and_quarantines_what_the_regex_refuses(
    zone: Zone,
) -> None:
    good = '1.2.3.4 - bob [21/Aug/2026:09:00:00 +0200] "GET /a HTTP/1.1" 200 12 "-" "curl/8"'
    lines = [
        good,
        '1.2.3.4 - - [21/Aug/2026:09:00:01 +0000] "GET /b HTTP/1.1" 404 -',  # no referer/agent
        '1.2.3.4 - - [21/Aug/2026:09:00:02 +0000] "GET /c HTTP/1.1" 200 5 "-" "unterminated',
        "garbage line",
        'access.web: [1787302805.0, {"host":"5.6.7.8","user":"-","method":"POST","path":"/p",'
        '"code":"201","size":"7","referer":"-","agent":"x"}]',
        '{"date":1787302806.0,"remote":"9.9.9.9","host":"-","user":"-","method":"GET",'
        '"path":"/n","code":"500","size":"0","referer":"","agent":"y"}',
        json.dumps({"log": good}),
        '{"ts":"2026-08-21T09:00:00Z","component":"api","status":200}',
        '1.2.3.4 - - [not a time] "GET / HTTP/1.1" 200 5',
    ]
    zone.write("access", "mixed.log", "\n".join(lines) + "\n")
    report = zone.ingest("access")
    assert report.streams["access"].counts()["records_in"] == 9
    rows = zone.rows("access")
    by_line = {r["_line"]: r for r in rows}
    assert APACHE2.match(lines[2]) is None  # an agent without its closing quote
    assert sorted(by_line) == [1, 2, 5, 6, 7]
    assert by_line[1]["ts"] == datetime(2026, 8, 21, 7, 0, 0)
    assert (by_line[1]["user"], by_line[1]["code"], by_line[1]["size"]) == ("bob", 200, 12)
    assert by_line[2]["referer"] is None and by_line[2]["size"] is None
    assert (by_line[5]["host"], by_line[5]["code"]) == ("5.6.7.8", 201)
    assert by_line[5]["ts"] == datetime(2026, 8, 21, 9, 0, 5)
    assert (by_line[6]["host"], by_line[6]["code"]) == ("9.9.9.9", 500)
    assert by_line[7]["path"] == "/a"
    reasons = {q["line"]: q["reason"] for q in zone.quarantine("access")}
    assert reasons[3] == reasons[4] == "does not match the apache2 access log format"
    assert reasons[8] == "access record: code missing"
    assert reasons[9].startswith("time: 'not a time'")


def test_fluent_bit_json_access_sample_is_not_an_access_log(zone: Zone) -> None:
    sample = need(REAL / "fluent-bit" / "inputs" / "access.log").read_text()
    zone.write("access", "access.log", sample)
    n = len(sample.splitlines())
    assert zone.ingest("access").streams["access"].counts() == {
        "files": 1,
        "records_in": n,
        "loaded": 0,
        "quarantined": n,
    }


def _otlp_samples(doc: dict) -> int:
    n = 0
    for rm in doc["resourceMetrics"]:
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                for kind, body in m.items():
                    for p in body["dataPoints"] if isinstance(body, dict) else []:
                        if kind in ("sum", "gauge"):
                            n += 1
                        elif kind == "histogram":
                            n += len(p["bucketCounts"]) + 2
                        elif kind == "exponentialHistogram":
                            pos = len(p.get("positive", {}).get("bucketCounts", []))
                            n += pos + 2 + 2  # zero bucket and +Inf, then _sum and _count
    return n


def test_real_otlp_metrics(zone: Zone) -> None:
    path = need(REAL / "otlp_json" / "metrics.json")
    doc = json.loads(path.read_text())
    zone.write("metrics", "otlp/metrics.json", path.read_bytes())
    # the same request as one line, int64 as numbers instead of strings
    compact = json.dumps(doc).replace('"1544712660300000000"', "1544712660300000000")
    zone.write("metrics", "otlp/metrics.ndjson", compact + "\n" + compact + "\n")
    report = zone.ingest("metrics").streams["metrics"]
    n = _otlp_samples(doc)
    assert report.per_file["metrics/otlp/metrics.json"].loaded == n
    assert report.per_file["metrics/otlp/metrics.ndjson"].loaded == 2 * n
    assert report.quarantined == 0
    rows = [r for r in zone.rows("metrics") if r["_source"].endswith("metrics.json")]
    by = {(r["name"], r["le"]): r for r in rows}
    assert by[("my.counter", None)]["value"] == 5 and by[("my.counter", None)]["type"] == "counter"
    assert by[("my.gauge", None)]["value"] == 10
    assert by[("my.histogram_bucket", "1.0")]["value"] == 1
    assert by[("my.histogram_bucket", "+Inf")]["value"] == 2
    assert by[("my.histogram_count", None)]["value"] == 2
    # scale 0: base 2; zero bucket 1, positive offset 1 counts [0, 2] -> (2,4]: 0, (4,8]: 2
    exp = {r["le"]: r["value"] for r in rows if r["name"] == "my.exponential.histogram_bucket"}
    assert exp == {"0.0": 1, "4.0": 1, "8.0": 3, "+Inf": 3}
    assert {r["component"] for r in rows} == {"my.service"}
    assert rows[0]["ts"] == datetime(2018, 12, 13, 14, 51, 0, 300000)


FB_LINE = re.compile(r'^\S+ [^{ ]+(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? = (.*)$')


def _fb_samples(text: str) -> int:
    n = 0
    for line in filter(None, text.split("\n")):
        value = FB_LINE.match(line)[1]
        if value.startswith("{"):
            n += value.split("buckets = {", 1)[1].split("}", 1)[0].count("=") + 2
        else:
            n += 1
    return n


@pytest.mark.parametrize(
    "rel",
    [
        "b_metrics/fluentbit_metrics.out_file_default.txt",
        "b_metrics/node_exporter_metrics.out_file_default.txt",
        "d_otlp_loopback/otlp_received_metrics.txt",
    ],
)
def test_fluent_bit_metrics_text(zone: Zone, rel: str) -> None:
    text = need(FLUENT_BIT / rel).read_text()
    zone.write("metrics", "fb.txt", text)
    report = zone.ingest("metrics").streams["metrics"]
    assert report.counts() == {
        "files": 1,
        "records_in": _fb_samples(text),
        "loaded": _fb_samples(text),
        "quarantined": 0,
    }
    first = text.split("\n")[0]
    stamp, name = first.split(" ")[:2]
    row = zone.rows("metrics")[0]
    assert row["name"] == name.split("{")[0] and row["_line"] == 1
    assert row["ts"] == datetime.fromisoformat(stamp).replace(tzinfo=None)
    assert row["value"] == float(FB_LINE.match(first)[1])


def test_fluent_bit_histogram_line_expands_into_buckets(zone: Zone) -> None:
    zone.write(
        "metrics",
        "h.txt",
        '2026-11-27T09:13:45.978380531Z lat_seconds{input="a",output="b"} = '
        "{ buckets = { 0.5=0, 1=1, +Inf=2 }, sum=0.75, count=2 }\n"
        "2026-11-27T09:13:45Z broken line\n",
    )
    report = zone.ingest("metrics").streams["metrics"]
    assert (report.loaded, report.quarantined) == (5, 1)
    rows = zone.rows("metrics", order="name, le")
    assert [(r["name"], r["le"], r["value"]) for r in rows] == [
        ("lat_seconds_bucket", "+Inf", 2.0),
        ("lat_seconds_bucket", "0.5", 0.0),
        ("lat_seconds_bucket", "1", 1.0),
        ("lat_seconds_count", None, 2.0),
        ("lat_seconds_sum", None, 0.75),
    ]
    assert {r["type"] for r in rows} == {"histogram"}
