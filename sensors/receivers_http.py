"""HTTP receivers: Slack incoming webhook, PagerDuty Events API v2, Alertmanager-style webhook.

Each builds its JSON body from a `Batch` (pure functions, tested on their own) and posts it with
the standard library. The outcome is classified for the outbox: 2xx delivered; 429 and 5xx,
timeouts and connection errors retryable (429 and 503 honour `Retry-After`); any other 4xx is
final. URLs and routing keys are secrets: they come from the environment and never appear in a
result's detail (which the outbox stores and `synmon alerts outbox` prints).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime
from typing import Any

from sensors.channels import Batch, DeliveryResult

USER_AGENT = "synmon-alerts/1"
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
PAGERDUTY_SEVERITY = {"critical": "critical", "high": "error", "warning": "warning", "info": "info"}


def _retry_after(raw: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        import time

        return max(0.0, parsedate_to_datetime(raw).timestamp() - (now or time.time()))
    except (TypeError, ValueError):
        return None


def post_json(
    url: str, body: Any, *, timeout: float, secrets: tuple[str, ...] = ()
) -> DeliveryResult:
    """POST `body` as JSON and classify the outcome; the detail never contains `secrets`."""
    data = json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read(65536)
            return DeliveryResult(True, f"HTTP {resp.status}")
    except urllib.error.HTTPError as exc:
        status = exc.code
        text = exc.read(300).decode("utf-8", "replace").strip() if exc.fp else ""
        detail = _redact(f"HTTP {status}: {text}" if text else f"HTTP {status}", secrets)
        if status == 429 or status >= 500:
            wait = _retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            return DeliveryResult(False, detail, retryable=True, retry_after=wait)
        return DeliveryResult(False, detail, retryable=False)
    except TimeoutError:
        return DeliveryResult(False, f"timeout after {timeout:g}s", retryable=True)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return DeliveryResult(False, f"timeout after {timeout:g}s", retryable=True)
        why = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        return DeliveryResult(False, _redact(f"connection error: {why}", secrets), retryable=True)
    except (OSError, ValueError) as exc:  # reset mid-response, malformed URL
        return DeliveryResult(
            False, _redact(f"{type(exc).__name__}: {exc}", secrets), retryable=True
        )


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def mrkdwn_escape(text: Any) -> str:
    """Slack's control characters: & < > become entities (so `<!channel>` cannot ping)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _title(batch: Batch) -> str:
    alerts = batch.latest
    firing = sum(1 for a in alerts if a["status"] == "firing")
    count = firing if batch.status == "firing" else len(alerts)
    names = ", ".join(dict.fromkeys(a["alertname"] for a in alerts))
    return f"[{batch.status.upper()}:{count}] {names}"


def slack_message(batch: Batch, *, channel: str | None = None) -> dict[str, Any]:
    """A Block Kit message (header, one section per alert) with a plain `text` fallback."""
    alerts = batch.latest
    title = _title(batch)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    ]
    lines = []
    for a in alerts[:40]:  # Slack allows 50 blocks per message
        summary = a["annotations"].get("summary") or a["alertname"]
        labels = ", ".join(f"{k}={v}" for k, v in sorted(a["labels"].items()))
        icon = ":red_circle:" if a["status"] == "firing" else ":large_green_circle:"
        text = f"{icon} *{mrkdwn_escape(summary)}*\n`{mrkdwn_escape(labels)}`"
        if a["annotations"].get("runbook_url"):
            text += f"\nRunbook: {mrkdwn_escape(a['annotations']['runbook_url'])}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        lines.append(f"{a['status']}: {mrkdwn_escape(summary)}")
    if len(alerts) > 40:
        more = f"... and {len(alerts) - 40} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    body: dict[str, Any] = {"text": "\n".join([title, *lines])[:3000], "blocks": blocks}
    if channel:
        body["channel"] = channel
    return body


def pagerduty_events(batch: Batch, routing_key: str, *, source: str = "synmon") -> list[dict]:
    """One Events API v2 event per alert: trigger or resolve, `dedup_key` = the fingerprint."""
    events = []
    for a in batch.notifications:
        event: dict[str, Any] = {
            "routing_key": routing_key,
            "event_action": "trigger" if a["status"] == "firing" else "resolve",
            "dedup_key": a["fingerprint"],
        }
        if a["status"] == "firing":
            summary = a["annotations"].get("summary") or a["alertname"]
            event["payload"] = {
                "summary": str(summary)[:1024],
                "source": a["labels"].get("host") or source,
                "severity": PAGERDUTY_SEVERITY.get(a["severity"], "error"),
                "timestamp": a["starts_at"],
                "component": a["labels"].get("component"),
                "group": a["labels"].get("team"),
                "class": a["alertname"],
                "custom_details": {
                    "labels": a["labels"], "annotations": a["annotations"], "value": a["value"]
                },
            }  # fmt: skip
            if a["annotations"].get("runbook_url"):
                event["links"] = [{"href": a["annotations"]["runbook_url"], "text": "Runbook"}]
        events.append(event)
    return events


ZERO_TIME = "0001-01-01T00:00:00Z"


def alertmanager_body(batch: Batch, *, external_url: str = "") -> dict[str, Any]:
    """The Alertmanager webhook payload, version 4."""
    alerts = batch.latest
    common = batch.common_labels
    annotations = [a["annotations"] for a in alerts]
    common_ann = {
        k: v for k, v in (annotations[0] if annotations else {}).items()
        if all(x.get(k) == v for x in annotations)
    }  # fmt: skip
    return {
        "version": "4",
        "groupKey": f"{batch.receiver}:{batch.group_key}",
        "truncatedAlerts": 0,
        "status": batch.status,
        "receiver": batch.receiver,
        "groupLabels": batch.group_labels,
        "commonLabels": common,
        "commonAnnotations": common_ann,
        "externalURL": external_url,
        "alerts": [
            {
                "status": a["status"],
                "labels": a["labels"],
                "annotations": a["annotations"],
                "startsAt": a["starts_at"],
                "endsAt": a["ends_at"] or ZERO_TIME,
                "generatorURL": "",
                "fingerprint": a["fingerprint"],
            }
            for a in alerts
        ],
    }


class SlackReceiver:
    def __init__(self, name: str, url: str, *, channel: str | None = None, timeout: float = 10):
        self.name, self._url, self.channel, self.timeout = name, url, channel, timeout

    def send(self, batch: Batch) -> DeliveryResult:
        body = slack_message(batch, channel=self.channel)
        return post_json(self._url, body, timeout=self.timeout, secrets=(self._url,))


class WebhookReceiver:
    def __init__(self, name: str, url: str, *, external_url: str = "", timeout: float = 10):
        self.name, self._url, self.external_url, self.timeout = name, url, external_url, timeout

    def send(self, batch: Batch) -> DeliveryResult:
        body = alertmanager_body(batch, external_url=self.external_url)
        return post_json(self._url, body, timeout=self.timeout, secrets=(self._url,))


class PagerDutyReceiver:
    """Sends events one by one; a failure stops the batch (PagerDuty dedups the re-sent ones)."""

    def __init__(self, name: str, routing_key: str, *, url: str = PAGERDUTY_URL, timeout=10.0):
        self.name, self._key, self.url, self.timeout = name, routing_key, url, timeout

    def send(self, batch: Batch) -> DeliveryResult:
        events = pagerduty_events(batch, self._key)
        for event in events:
            result = post_json(self.url, event, timeout=self.timeout, secrets=(self._key,))
            if not result.ok:
                return result
        return DeliveryResult(True, f"{len(events)} event(s) accepted")
