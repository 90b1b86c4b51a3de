"""The landing files parse as docs/architecture.md says, and the traffic has the promised shape."""

from __future__ import annotations

import json
import re

from prometheus_client.parser import text_string_to_metric_families

from collectors.sim_platform import HOSTS
from synmon.catalog import COMPONENTS, DOMAINS
from tests.test_collectors.conftest import Run

REQUEST_KEYS = [
    "ts", "request_id", "trace_id", "component", "endpoint", "method", "status", "latency_ms",
    "domain", "user_id", "tokens_in", "tokens_out", "cost_usd", "host",
]  # fmt: skip
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EVENT_FIELDS = {
    "content_generated": {"content_id": str, "tokens": int},
    "validation_result": {"passed": bool, "accuracy": float, "false_positive": bool},
    "quality_score": {"quality_score": float},
    "user_feedback": {"satisfaction": int},
    "deploy": {"version": str},
}


def test_request_lines_are_fluent_bit_plain_json(run: Run) -> None:
    files = sorted((run.landing / "requests").glob("requests-*.jsonl"))
    assert len(files) == run.summary.streams["requests"].files == 29
    for path in (files[0], files[14], files[-1]):
        date = path.name[len("requests-") : -len(".jsonl")]
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            assert list(rec) == REQUEST_KEYS
            assert TS.match(rec["ts"]) and rec["ts"].startswith(date)
            assert rec["component"] in COMPONENTS and rec["host"] in HOSTS
            assert rec["host"].rsplit("-", 1)[0] == rec["component"]
            assert rec["domain"] is None or rec["domain"] in DOMAINS
            assert isinstance(rec["status"], int) and isinstance(rec["latency_ms"], float)
            assert rec["latency_ms"] > 0 and rec["cost_usd"] >= 0
            assert re.fullmatch(r"[0-9a-f]{16}", rec["request_id"])
            assert re.fullmatch(r"[0-9a-f]{32}", rec["trace_id"])
            assert re.fullmatch(r"u-\d{6}", rec["user_id"])
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    assert lines == run.summary.records["requests"]


def test_event_lines_carry_their_type_fields(run: Run) -> None:
    seen: dict[str, int] = {}
    files = sorted((run.landing / "events").glob("events-*.jsonl"))
    for path in files[::3]:
        previous = ""
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            fields = EVENT_FIELDS[rec["event"]]
            assert list(rec) == ["ts", "event", "component", "domain", "user_id", *fields]
            assert TS.match(rec["ts"]) and rec["ts"] >= previous
            previous = rec["ts"]
            for key, kind in fields.items():
                assert isinstance(rec[key], kind), (key, rec)
            seen[rec["event"]] = seen.get(rec["event"], 0) + 1
    assert set(seen) == set(EVENT_FIELDS)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    assert lines == run.summary.records["events"]


def test_metrics_files_parse_as_prometheus_text(run: Run) -> None:
    files = sorted((run.landing / "metrics").glob("metrics-*.prom"))
    assert len(files) == 28 + 1
    samples = 0
    for path in files[:30]:
        hour = path.name[len("metrics-") : -len(".prom")]
        families = list(text_string_to_metric_families(path.read_text()))
        assert len(families) == 7
        for fam in families:
            assert fam.documentation
            for s in fam.samples:
                assert s.labels["host"] in HOSTS
                assert s.labels["host"].startswith(s.labels["component"])
                assert s.timestamp is not None and s.timestamp % 3600 == 0
                if fam.type == "gauge" and fam.name.endswith("_ratio"):
                    assert 0 <= s.value <= 1
                samples += 1
        assert len(hour) == len("YYYY-MM-DD")
    assert samples > 0
    types = {f.name: f.type for f in text_string_to_metric_families(files[5].read_text())}
    assert types["node_network_receive_bytes"] == "counter"
    assert types["synmon_cpu_utilization_ratio"] == "gauge"


def test_volume_growth_and_weekly_shape(run: Run) -> None:
    per_day = run.con.execute(
        """
        select ts::date as d, dayofweek(ts) in (0, 6) as weekend, count(*) as n
        from requests where ts >= '2026-10-31' and ts < '2026-11-27' group by all order by d
        """
    ).fetchall()
    weekday = [n for _, we, n in per_day if not we]
    weekend = [n for _, we, n in per_day if we]
    ratio = (sum(weekend) / len(weekend)) / (sum(weekday) / len(weekday))
    assert 0.5 < ratio < 0.7
    # 30k/day at scale 1 at the start, +25% over 90 days (28 days: about +7%)
    mean = sum(n for _, _, n in per_day) / len(per_day)
    assert 0.4 * 30_000 * 0.95 < mean < 0.4 * 30_000 * 1.15
    first, last = run.con.execute(
        """
        select count(*) filter (where ts < '2026-11-07'), count(*) filter (where ts >= '2026-11-20')
        from requests where ts >= '2026-10-31'
        """
    ).fetchone()
    assert last > first


def test_business_hours_peak(run: Run) -> None:
    by_hour = dict(run.con.execute("select hour(ts), count(*) from requests group by 1").fetchall())
    peak = max(by_hour, key=by_hour.get)
    assert 11 <= peak <= 18
    assert by_hour[peak] > 3 * by_hour[3]


def test_users_costs_and_events(run: Run) -> None:
    dau, wau, mau = run.con.execute(
        """
        select (select count(distinct user_id) from requests where ts::date = '2026-11-25'),
               (select count(distinct user_id) from requests
                 where ts >= '2026-11-19' and ts < '2026-11-26'),
               (select count(distinct user_id) from requests)
        """
    ).fetchone()
    assert 0 < dau < wau < mau
    llm, free = run.con.execute(
        """
        select avg(cost_usd) filter (where component = 'dspy_optimizer' and tokens_in > 0),
               max(cost_usd) filter (where component = 'api_gateway')
        from requests
        """
    ).fetchone()
    assert llm > 0.005 and free == 0
    share = run.summary.records["events"] / run.summary.records["requests"]
    assert 0.22 < share < 0.38
    cpu_busy, cpu_night = run.con.execute(
        """
        select avg(value) filter (where hour(ts) between 13 and 16),
               avg(value) filter (where hour(ts) between 2 and 4)
        from metrics where name = 'synmon_cpu_utilization_ratio'
        """
    ).fetchone()
    assert cpu_busy > cpu_night + 0.15
