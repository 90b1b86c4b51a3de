"""Slack, PagerDuty and webhook receivers against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from sensors.receivers_http import (
    PagerDutyReceiver,
    SlackReceiver,
    WebhookReceiver,
    mrkdwn_escape,
    post_json,
)

from .channel_servers import Answer, batch, http_receiver, note, refused_url


def test_slack_block_kit_with_fallback_and_escaped_labels():
    hostile = note(component="<!channel> & <@U123>")
    hostile["annotations"]["summary"] = "ping <!here> now"
    with http_receiver() as (url, rec):
        result = SlackReceiver("slack", f"{url}/hooks/T0/B0/secret").send(batch(hostile))
    assert result.ok and "secret" not in result.detail
    body = rec.bodies[0]
    assert body["text"].startswith("[FIRING:1] HighErrorRate")
    assert [b["type"] for b in body["blocks"]] == ["header", "section"]
    section = body["blocks"][1]["text"]["text"]
    assert "<!channel>" not in section and "<!here>" not in section and "<@U123>" not in section
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in section
    assert "&lt;!here&gt;" in body["text"]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a & b", "a &amp; b"), ("<!channel>", "&lt;!channel&gt;"), ("x > y < z", "x &gt; y &lt; z"),
     ("plain", "plain"), ("&lt;", "&amp;lt;")],
)  # fmt: skip
def test_mrkdwn_escape(raw: str, escaped: str):
    assert mrkdwn_escape(raw) == escaped


@pytest.mark.parametrize(
    ("severity", "mapped"),
    [("critical", "critical"), ("high", "error"), ("warning", "warning"), ("info", "info")],
)
def test_pagerduty_trigger_then_resolve_with_fingerprint_dedup_key(severity: str, mapped: str):
    firing = note(severity=severity)
    resolved = note(severity=severity, status="resolved")
    with http_receiver(Answer(202), Answer(202)) as (url, rec):
        result = PagerDutyReceiver("pd", "R0UTINGKEY", url=f"{url}/v2/enqueue").send(
            batch(firing, resolved)
        )
    assert result.ok and "R0UTINGKEY" not in result.detail
    trigger, resolve = rec.bodies
    assert [r["path"] for r in rec.requests] == ["/v2/enqueue"] * 2
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"] == firing["fingerprint"]
    assert trigger["routing_key"] == "R0UTINGKEY"
    assert trigger["payload"]["severity"] == mapped
    assert trigger["payload"]["custom_details"]["labels"]["component"] == "api_gateway"
    assert "payload" not in resolve


def test_pagerduty_stops_at_the_first_failure():
    with http_receiver(Answer(202), Answer(500)) as (url, rec):
        result = PagerDutyReceiver("pd", "K", url=url).send(
            batch(note(), note("Other"), note("Third"))
        )
    assert not result.ok and result.retryable and len(rec.requests) == 2


def test_webhook_sends_the_alertmanager_v4_body():
    a, b = note(component="api_gateway"), note(component="dspy_optimizer", status="resolved")
    with http_receiver() as (url, rec):
        result = WebhookReceiver("hook", url, external_url="http://synmon").send(batch(a, b))
    assert result.ok
    body = rec.bodies[0]
    assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] == "r"
    assert body["groupLabels"] == {"alertname": "HighErrorRate"}
    assert body["commonLabels"] == {"alertname": "HighErrorRate", "severity": "critical"}
    assert body["externalURL"] == "http://synmon" and body["truncatedAlerts"] == 0
    alerts = {x["labels"]["component"]: x for x in body["alerts"]}
    assert alerts["api_gateway"]["endsAt"] == "0001-01-01T00:00:00Z"
    assert alerts["dspy_optimizer"]["endsAt"] == "2026-03-01T00:40:00Z"
    assert alerts["dspy_optimizer"]["status"] == "resolved"
    assert {"startsAt", "fingerprint", "annotations", "generatorURL"} <= set(alerts["api_gateway"])


def test_webhook_shows_the_latest_state_of_each_alert():
    with http_receiver() as (url, rec):
        WebhookReceiver("hook", url).send(batch(note(), note(status="resolved")))
    body = rec.bodies[0]
    assert body["status"] == "resolved" and [a["status"] for a in body["alerts"]] == ["resolved"]


@pytest.mark.parametrize(
    ("answer", "retryable", "retry_after", "detail"),
    [
        (Answer(500), True, None, "HTTP 500"),
        (Answer(503, {"Retry-After": "12"}), True, 12.0, "HTTP 503"),
        (Answer(429, {"Retry-After": "7"}), True, 7.0, "HTTP 429"),
        (Answer(429), True, None, "HTTP 429"),
        (Answer(400), False, None, "HTTP 400"),
        (Answer(404), False, None, "HTTP 404"),
        (Answer(403), False, None, "HTTP 403"),
        (Answer(200, hang=1.5), True, None, "timeout after 0.3s"),
    ],
)
def test_failures_are_classified(answer: Answer, retryable: bool, retry_after, detail: str):
    with http_receiver(answer) as (url, _):
        result = post_json(
            f"{url}/T/B/s3cret", {"x": 1}, timeout=0.3, secrets=(f"{url}/T/B/s3cret",)
        )
    assert not result.ok
    assert (result.retryable, result.retry_after) == (retryable, retry_after)
    assert result.detail.startswith(detail) and "s3cret" not in result.detail


def test_retry_after_as_http_date():
    with http_receiver(Answer(429, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})) as (url, _):
        result = post_json(url, {}, timeout=2)
    assert result.retryable and result.retry_after > 3600


def test_refused_connection_is_retryable_and_hides_the_url():
    url = refused_url() + "/hooks/SECRET-TOKEN"
    result = SlackReceiver("slack", url, timeout=1).send(batch(note()))
    assert not result.ok and result.retryable
    assert result.detail.startswith("connection error") and "SECRET-TOKEN" not in result.detail
