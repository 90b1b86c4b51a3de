"""The outbox against real receivers on 127.0.0.1: at-least-once, dedup, retries with backoff and
Retry-After, no retry on 4xx, dead letters, an outage drill, silences, inhibition and grouping."""

from __future__ import annotations

from pathlib import Path

from sensors.channels import RetryPolicy, deliver_due
from sensors.ops_store import OpsStore
from sensors.receivers_http import PagerDutyReceiver, WebhookReceiver
from sensors.routing import InhibitRule, LabelMatcher, Route, Routing, Silence
from sensors.rules import Instance, State

from .channel_servers import Answer, http_receiver, note, refused_url

FAST = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_cap=4.0)


def enqueue(store: OpsStore, notes, receivers, *, now: float = 0.0, firing=()) -> int:
    instances = [Instance("r", f"fp{i}", labels, State.FIRING) for i, labels in enumerate(firing)]
    return store.commit_tick(
        stream="requests", last_step=None, offsets={}, instances=instances,
        notifications=notes, receivers=receivers, buffer=None, now=now,
    )  # fmt: skip


def test_5xx_is_retried_with_backoff_until_delivered(tmp_path: Path):
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver(
        Answer(500), Answer(502)
    ) as (url, rec):  # fmt: skip
        hook = WebhookReceiver("hook", url, timeout=2)
        enqueue(store, [note()], ["hook"])
        first = deliver_due(store, [hook], now=0.0, policy=FAST)
        assert (first.retrying, store.outbox_counts()) == (1, {"pending": 1})
        (row,) = store.outbox_rows()
        assert 0.5 <= row["next_attempt_at"] <= 1.0 and row["last_error"].startswith("HTTP 500")
        assert deliver_due(store, [hook], now=0.0, policy=FAST).retrying == 0  # not due yet
        deliver_due(store, [hook], now=10.0, policy=FAST)
        (row,) = store.outbox_rows()
        assert 11 <= row["next_attempt_at"] <= 12.0  # the second retry waits 1..2 s
        last = deliver_due(store, [hook], now=20.0, policy=FAST)
        assert last.delivered == 1 and store.outbox_counts() == {"delivered": 1}
        assert len(rec.requests) == 3
        assert deliver_due(store, [hook], now=99.0, policy=FAST).delivered == 0  # sent once


def test_429_honours_retry_after(tmp_path: Path):
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver(
        Answer(429, {"Retry-After": "30"})
    ) as (url, _):  # fmt: skip
        enqueue(store, [note()], ["hook"], now=100.0)
        deliver_due(store, [WebhookReceiver("hook", url)], now=100.0, policy=FAST)
        (row,) = store.outbox_rows()
    assert row["state"] == "pending" and row["next_attempt_at"] >= 130.0


def test_4xx_is_dead_lettered_at_once(tmp_path: Path):
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver(Answer(400)) as (url, rec):
        enqueue(store, [note()], ["hook"])
        result = deliver_due(store, [WebhookReceiver("hook", url)], now=0.0, policy=FAST)
        assert result.dead == 1 and len(rec.requests) == 1
        (row,) = store.outbox_rows(state="dead")
    assert row["attempts"] == 1 and row["last_error"].startswith("HTTP 400")
    assert row["alertname"] == "HighErrorRate" and row["labels"]["component"] == "api_gateway"


def test_timeouts_exhaust_attempts_then_dead_letter_and_requeue(tmp_path: Path):
    policy = RetryPolicy(max_attempts=2, backoff_base=1.0, backoff_cap=1.0)
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver(
        Answer(200, hang=1.0), Answer(200, hang=1.0)
    ) as (url, _):  # fmt: skip
        hook = WebhookReceiver("hook", url, timeout=0.2)
        enqueue(store, [note()], ["hook"])
        assert deliver_due(store, [hook], now=0.0, policy=policy).retrying == 1
        assert deliver_due(store, [hook], now=5.0, policy=policy).dead == 1
        (row,) = store.outbox_rows()
        assert (row["state"], row["attempts"]) == ("dead", 2)
        assert row["last_error"] == "timeout after 0.2s"
        assert store.requeue_dead(now=6.0) == 1
        assert deliver_due(store, [hook], now=6.0, policy=policy).delivered == 1


def test_outage_drill_loses_nothing_and_pages_nobody_twice(tmp_path: Path):
    """PagerDuty refuses connections for ten minutes, then comes back."""
    notes = [note(component=c) for c in ("api_gateway", "dspy_optimizer", "domain_validator")]
    policy = RetryPolicy()  # the shipped defaults
    assert policy.min_retry_seconds() > 600
    with OpsStore(tmp_path / "ops.sqlite") as store:
        assert enqueue(store, notes, ["pd"]) == 3
        assert enqueue(store, notes, ["pd"], now=1.0) == 0  # the same notifications again
        down = PagerDutyReceiver("pd", "KEY", url=refused_url(), timeout=1)
        for t in range(0, 600, 5):  # the sensor ticks every 5 s
            deliver_due(store, [down], now=float(t), policy=policy)
        assert store.outbox_counts() == {"pending": 3}
        with http_receiver() as (url, rec):
            up = PagerDutyReceiver("pd", "KEY", url=url, timeout=2)
            for t in range(600, 1300, 5):
                deliver_due(store, [up], now=float(t), policy=policy)
        assert store.outbox_counts() == {"delivered": 3}
    keys = [b["dedup_key"] for b in rec.bodies]
    assert sorted(keys) == sorted(n["fingerprint"] for n in notes)


def test_routing_sends_each_alert_only_where_it_matches(tmp_path: Path):
    routing = Routing(
        Route("file", group_wait=0, group_interval=0, routes=(
            Route("pd", (LabelMatcher.parse('severity="critical"'),), continue_=True,
                  group_wait=0, group_interval=0),
            Route("hook", group_wait=0, group_interval=0),
        ))
    )  # fmt: skip
    critical, warning = note(), note("Slow", severity="warning")
    with OpsStore(tmp_path / "ops.sqlite") as store:
        enqueue(store, [critical, warning], routing.receivers_for)
        rows = {(r["alertname"], r["receiver"]) for r in store.outbox_rows()}
    assert rows == {("HighErrorRate", "pd"), ("HighErrorRate", "hook"), ("Slow", "hook")}


def test_silence_mutes_firing_and_its_resolved_until_expired(tmp_path: Path):
    silence = Silence("s1", (LabelMatcher.parse("component=api_gateway"),), 0.0, 7200.0, "deploy")
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver() as (url, rec):
        hook = WebhookReceiver("hook", url)
        store.add_silence(silence, now=0.0)
        enqueue(store, [note(), note(component="dspy_optimizer")], ["hook"], now=10.0)
        result = deliver_due(store, [hook], now=10.0)
        assert (result.suppressed, result.delivered) == (1, 1)
        enqueue(store, [note(status="resolved")], ["hook"], now=8000.0)  # after the silence
        assert deliver_due(store, [hook], now=8000.0).suppressed == 1
        assert store.expire_silence("s1", now=9000.0) is False  # already over
        enqueue(store, [note(starts_at="2026-03-02T00:00:00Z")], ["hook"], now=9000.0)
        assert deliver_due(store, [hook], now=9000.0).delivered == 1
        states = sorted(r["state"] for r in store.outbox_rows())
    assert states == ["delivered", "delivered", "silenced", "silenced"]
    assert len(rec.requests) == 2


def test_critical_inhibits_warnings_on_the_same_component(tmp_path: Path):
    rule = InhibitRule(
        (LabelMatcher.parse('severity="critical"'),),
        (LabelMatcher.parse('severity="warning"'),),
        ("component",),
    )
    routing = Routing(Route("hook", group_by=("...",), group_wait=0, group_interval=0), (rule,))
    critical = note()
    same = note("Slow", severity="warning")
    other = note("Slow", severity="warning", component="dspy_optimizer")
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver() as (url, rec):
        enqueue(store, [critical, same, other], ["hook"], firing=[critical["labels"]])
        result = deliver_due(store, [WebhookReceiver("hook", url)], now=0.0, routing=routing)
        assert (result.delivered, result.suppressed) == (2, 1)
        (muted,) = store.outbox_rows(state="inhibited")
    assert muted["alertname"] == "Slow" and muted["labels"]["component"] == "api_gateway"
    sent = {(a["labels"]["alertname"], a["labels"]["component"]) for b in rec.bodies
            for a in b["alerts"]}  # fmt: skip
    assert sent == {("HighErrorRate", "api_gateway"), ("Slow", "dspy_optimizer")}


def test_group_wait_then_group_interval_batch_notifications(tmp_path: Path):
    route = Route("hook", group_by=("alertname",), group_wait=30, group_interval=300)
    routing = Routing(route)
    with OpsStore(tmp_path / "ops.sqlite") as store, http_receiver() as (url, rec):
        hook = WebhookReceiver("hook", url)
        enqueue(store, [note(component="a")], ["hook"], now=0.0)
        assert deliver_due(store, [hook], now=0.0, routing=routing).waiting == 1
        enqueue(store, [note(component="b")], ["hook"], now=20.0)
        assert deliver_due(store, [hook], now=30.0, routing=routing).delivered == 2
        enqueue(store, [note(component="a", status="resolved")], ["hook"], now=40.0)
        assert deliver_due(store, [hook], now=100.0, routing=routing).waiting == 1
        assert deliver_due(store, [hook], now=330.0, routing=routing).delivered == 1
    first, second = rec.bodies
    assert [a["labels"]["component"] for a in first["alerts"]] == ["a", "b"]
    assert first["groupLabels"] == {"alertname": "HighErrorRate"}
    assert [(a["labels"]["component"], a["status"]) for a in second["alerts"]] == [
        ("a", "resolved")
    ]
