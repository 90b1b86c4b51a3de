"""The simulator's guarantees, recomputed with DuckDB from the files it wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from collectors.sim_incidents import KINDS, schedule
from collectors.sim_platform import DAY_MS
from tests.test_collectors.conftest import Run

WINDOWS = """
    with r as (
        select component, ts, status, latency_ms,
               time_bucket(interval 10 minute, ts, interval {offset} minute) as w
        from requests
    )
    select component, w, count(*) as n,
           quantile_cont(latency_ms, 0.95) as p95,
           avg((status >= 500)::int) as err
    from r group by all
"""


def _incidents(run: Run) -> list[dict]:
    return json.loads((run.landing.parent / "labels" / "incidents.json").read_text())


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


@pytest.mark.parametrize("offset", [0, 3, 5, 7])
def test_outside_incidents_latency_and_errors_stay_below_thresholds(run: Run, offset: int) -> None:
    rows = run.con.sql(WINDOWS.format(offset=offset)).fetchall()
    spans = {}
    for inc in _incidents(run):
        spans.setdefault(inc["component"], []).append((_ts(inc["start"]), _ts(inc["end"])))
    checked = 0
    for component, w, n, p95, err in rows:
        overlaps = any(w < e and w + timedelta(minutes=10) > s for s, e in spans.get(component, []))
        if n < 20 or overlaps:
            continue
        checked += 1
        assert p95 < 1500, (component, w, n, p95)
        assert err < 0.08, (component, w, n, err)
    assert checked > 1000


def _incident(run: Run, kind: str) -> dict:
    return next(i for i in _incidents(run) if i["kind"] == kind)


def test_latency_spike_p95_above_3000_for_30_minutes(run: Run) -> None:
    inc = _incident(run, "latency_spike")
    rows = run.con.execute(
        """
        select time_bucket(interval 10 minute, ts) as w, quantile_cont(latency_ms, 0.95)
        from requests where component = ? and ts >= ? and ts < ?
        group by w having w >= ? and w + interval 10 minute <= ? order by w
        """,
        [inc["component"], _ts(inc["start"]), _ts(inc["end"]), _ts(inc["start"]), _ts(inc["end"])],
    ).fetchall()
    assert len(rows) >= 3
    assert all(p95 > 3000 for _, p95 in rows), rows


def test_error_storm_5xx_share_at_least_25_percent_for_20_minutes(run: Run) -> None:
    inc = _incident(run, "error_storm")
    rows = run.con.execute(
        """
        select time_bucket(interval 10 minute, ts) as w, avg((status >= 500)::int), count(*)
        from requests where component = ? and ts >= ? and ts < ?
        group by w having w >= ? and w + interval 10 minute <= ? order by w
        """,
        [inc["component"], _ts(inc["start"]), _ts(inc["end"]), _ts(inc["start"]), _ts(inc["end"])],
    ).fetchall()
    assert len(rows) >= 2
    assert all(rate >= 0.25 for _, rate, _ in rows), rows


def test_capacity_saturation_cpu_on_both_hosts_for_two_hours(run: Run) -> None:
    inc = _incident(run, "capacity_saturation")
    start, end = _ts(inc["start"]), _ts(inc["end"])
    hot = run.con.execute(
        """
        select ts, count(*) filter (where value >= 0.92) as hot_hosts
        from metrics where name = 'synmon_cpu_utilization_ratio' and host like ? || '-%'
          and ts >= ? and ts < ?
        group by ts order by ts
        """,
        [inc["component"], start, end],
    ).fetchall()
    assert all(n == 2 for _, n in hot)
    assert (hot[-1][0] - hot[0][0]).total_seconds() >= 2 * 3600
    outside_max = run.con.execute(
        """
        select max(value) from metrics where name = 'synmon_cpu_utilization_ratio'
          and not (host like ? || '-%' and ts >= ? and ts < ?)
        """,
        [inc["component"], start, end],
    ).fetchone()[0]
    assert outside_max < 0.92
    inside, before = run.con.execute(
        """
        select median(latency_ms) filter (where ts >= ? and ts < ?),
               median(latency_ms) filter (where ts >= ? - interval 1 day
                                          and ts < ? - interval 1 day)
        from requests where component = ?
        """,
        [start, end, start, end, inc["component"]],
    ).fetchone()
    assert inside > 1.3 * before


def test_quality_regression_follows_a_deploy_and_lasts_two_days(run: Run) -> None:
    inc = _incident(run, "quality_regression")
    start, end = _ts(inc["start"]), _ts(inc["end"])
    deploys = run.con.execute(
        "select ts, version from events where event = 'deploy' and component = ? and ts = ?",
        ["quality_assurance", start],
    ).fetchall()
    assert len(deploys) == 1 and deploys[0][1]
    baseline = run.con.execute(
        """
        select avg(quality_score) from events where event = 'quality_score' and domain = ?
          and ts >= ? - interval 7 day and ts < ?
        """,
        [inc["domain"], start, start],
    ).fetchone()[0]
    daily = run.con.execute(
        """
        select floor(epoch(ts - ?::timestamp) / 86400) as d, avg(quality_score)
        from events where event = 'quality_score' and domain = ? and ts >= ? and ts < ?
        group by d order by d
        """,
        [start, inc["domain"], start, end],
    ).fetchall()
    low_days = [d for d, mean in daily if baseline - mean >= 0.15]
    assert len(low_days) >= 2, (baseline, daily)
    assert (end - start).total_seconds() >= 2 * 86400


def test_labels_file_lists_the_four_incidents(run: Run) -> None:
    labels = _incidents(run)
    assert sorted(i["kind"] for i in labels) == sorted(KINDS)
    keys = {"id", "kind", "component", "domain", "start", "end", "description", "signal"}
    for inc in labels:
        assert set(inc) == keys
        assert _ts(inc["start"]) < _ts(inc["end"])
        assert inc["description"] and inc["signal"]
        assert (inc["domain"] is None) == (inc["kind"] != "quality_regression")
    assert len({i["id"] for i in labels}) == 4
    short = [i["component"] for i in labels if i["kind"] != "quality_regression"]
    assert len(set(short)) == 3


@pytest.mark.parametrize("seed", range(40))
def test_incident_placement(seed: int) -> None:
    end_ms = int(datetime(2026, 11, 27, 10, 30, tzinfo=UTC).timestamp() * 1000) + seed * 3_600_000
    start_ms = end_ms - 90 * DAY_MS
    incidents = schedule(seed, start_ms, end_ms)
    assert [i.kind for i in sorted(incidents, key=lambda i: i.kind)] == sorted(KINDS)
    assert all(i.start_ms >= start_ms + 14 * DAY_MS and i.end_ms <= end_ms for i in incidents)
    assert any(i.start_ms >= end_ms - 7 * DAY_MS for i in incidents)
    for i in incidents:
        if i.kind != "quality_regression":
            hour = (i.start_ms % DAY_MS) / 3_600_000
            assert 9 <= hour < 17
        else:
            assert i.end_ms - i.start_ms >= 2 * DAY_MS
