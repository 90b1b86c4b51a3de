"""The alert tick end to end through channels.yaml routing: landing data in, an Alertmanager
webhook consumer and the file receiver out, a receiver outage in between; and the tick's
delivery path stays free of heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sensors.alerts import run_alert_tick
from sensors.channels import RetryPolicy
from sensors.receivers_config import build_delivery, parse_channels_config
from synmon.settings import REPO_ROOT, Paths

from .channel_servers import Answer, http_receiver, refused_url
from .helpers import notifications, request_lines, with_incident, write_lines


def _config(**route):
    hook = {"receiver": "hook", "matchers": ['severity="critical"'], "continue": True, **route}
    receivers = [
        {"name": "file", "file": {}},
        {"name": "hook", "send_resolved": False, "webhook": {"url_env": "HOOK_URL"}},
    ]
    root = {"receiver": "file", "group_by": ["alertname", "component"], "group_wait": "0s",
            "group_interval": "0s", "routes": [hook, {"receiver": "file"}]}  # fmt: skip
    return parse_channels_config({"receivers": receivers, "route": root})


def test_tick_routes_critical_alerts_to_the_webhook(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    storm = with_incident("error_storm", "domain_validator", 20, 50)
    write_lines(paths.landing / "requests/a.jsonl", request_lines(range(90), storm))
    with http_receiver(Answer(503, {"Retry-After": "1"})) as (url, rec):
        d = build_delivery(_config(), paths.notifications, env={"HOOK_URL": url})
        first = run_alert_tick(paths, {}, channels=d.channels, routing=d.routing, now=0.0)
        # the file got firing and resolved; the webhook wants no resolved and answered 503 once
        assert [n["status"] for n in notifications(paths.data)] == ["firing", "resolved"]
        assert (first.delivery.delivered, first.delivery.retrying) == (2, 1)
        again = run_alert_tick(paths, first.cursor, channels=d.channels, routing=d.routing,
                               now=10.0)  # after the backoff  # fmt: skip
        assert again.delivery.delivered == 1
    assert len(rec.requests) == 2 and rec.bodies[0] == rec.bodies[1]
    body = rec.bodies[1]
    assert body["status"] == "firing" and body["receiver"] == "hook"
    assert body["groupLabels"] == {"alertname": "HighErrorRate", "component": "domain_validator"}
    assert [a["labels"]["severity"] for a in body["alerts"]] == ["critical"]


def test_tick_survives_a_receiver_that_is_down(tmp_path: Path):
    paths = Paths(tmp_path / "data")
    storm = with_incident("error_storm", "api_gateway", 20, 50)
    write_lines(paths.landing / "requests/a.jsonl", request_lines(range(90), storm))
    d = build_delivery(_config(), paths.notifications, env={"HOOK_URL": refused_url()})
    policy = RetryPolicy(max_attempts=3, backoff_base=1, backoff_cap=1)
    result = run_alert_tick(paths, {}, channels=d.channels, routing=d.routing, policy=policy,
                            now=0.0)  # fmt: skip
    assert (result.delivery.delivered, result.delivery.retrying) == (2, 1)
    for t in (5.0, 10.0):
        result = run_alert_tick(paths, result.cursor, channels=d.channels, routing=d.routing,
                                policy=policy, now=t)  # fmt: skip
    assert result.delivery.dead == 1
    assert len(notifications(paths.data)) == 2  # the file receiver was not held up


def test_delivery_path_imports_nothing_heavy():
    code = (
        "import sys; import sensors.channels, sensors.routing, sensors.receivers_config,"
        " sensors.receivers_http, sensors.receivers_email, sensors.ops_store;"
        " heavy = {'dagster', 'pandas', 'duckdb', 'prophet', 'great_expectations', 'dbt',"
        " 'weasyprint', 'matplotlib', 'requests', 'httpx'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"
