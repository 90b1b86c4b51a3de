"""Routing tree, grouping timing, inhibition and silences as tables of cases; channels.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors.receivers_config import (
    ChannelConfigError,
    MissingSecret,
    build_delivery,
    load_channels_config,
    missing_secrets,
    parse_channels_config,
    routing_of,
)
from sensors.routing import (
    InhibitRule,
    LabelMatcher,
    Route,
    Silence,
    flush_at,
    group_key,
    group_labels,
    inhibited,
    match_routes,
    silenced_by,
)
from synmon.settings import CONFIG_DIR

from .channel_servers import batch, note

TREE = {
    "receivers": [{"name": n, "file": {"filename": f"{n}.jsonl"}}
                  for n in ("default", "pager", "slack", "db-team", "gw")],
    "route": {
        "receiver": "default",
        "group_by": ["alertname"],
        "group_wait": "30s",
        "routes": [
            {"receiver": "pager", "matchers": ['severity=~"critical|high"'], "continue": True,
             "group_wait": "0s"},
            {"receiver": "slack", "matchers": ["team=platform"], "routes": [
                {"receiver": "gw", "matchers": ["component=api_gateway"]},
            ]},
            {"receiver": "db-team", "matchers": ['component=~"domain_.*"']},
        ],
    },
}  # fmt: skip


def _config(**overrides):
    return parse_channels_config({**TREE, **overrides}, "channels.yaml")


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"severity": "warning"}, ["default"]),
        ({"severity": "critical"}, ["pager"]),  # a matching child, even with continue, wins
        ({"severity": "high", "team": "platform"}, ["pager", "slack"]),
        ({"severity": "critical", "team": "platform", "component": "api_gateway"},
         ["pager", "gw"]),
        ({"team": "platform", "component": "domain_validator"}, ["slack"]),  # first match wins
        ({"component": "domain_validator"}, ["db-team"]),
        ({"component": "xdomain_validator"}, ["default"]),  # regex is anchored
        ({"severity": "critical", "component": "domain_validator"}, ["pager", "db-team"]),
    ],
)  # fmt: skip
def test_routing_tree(labels: dict, receivers: list[str]):
    root = routing_of(_config()).root
    assert [r.receiver for r in match_routes(root, labels)] == receivers


def test_settings_are_inherited_down_the_tree():
    root = routing_of(_config()).root
    pager, slack, _ = root.routes
    assert (pager.group_wait, slack.group_wait, slack.routes[0].group_wait) == (0, 30, 30)
    assert slack.routes[0].group_by == ("alertname",)
    assert root.group_interval == 300 and root.repeat_interval == 4 * 3600


@pytest.mark.parametrize(
    ("raw", "labels", "matches"),
    [
        ("component=api_gateway", {"component": "api_gateway"}, True),
        ('component="api_gateway"', {"component": "api_gateway"}, True),
        ("component!=api_gateway", {"component": "api_gateway"}, False),
        ("component!=api_gateway", {}, True),
        ('severity=~"warning|info"', {"severity": "info"}, True),
        ('severity=~"warn"', {"severity": "warning"}, False),
        ('severity!~"crit.*"', {"severity": "critical"}, False),
        ('team=""', {}, True),  # a missing label is the empty string
    ],
)
def test_matchers(raw: str, labels: dict, matches: bool):
    assert LabelMatcher.parse(raw).matches(labels) is matches


@pytest.mark.parametrize("raw", ["component", "=x", 'a=~"("', "1abc=x"])
def test_bad_matchers_are_refused(raw: str):
    with pytest.raises(ValueError):
        LabelMatcher.parse(raw)


CRIT_MUTES_WARN = InhibitRule(
    (LabelMatcher.parse("severity=critical"),),
    (LabelMatcher.parse('severity=~"warning|info"'),),
    ("component",),
)


@pytest.mark.parametrize(
    ("target", "firing", "muted"),
    [
        ({"severity": "warning", "component": "a"}, [{"severity": "critical", "component": "a"}],
         True),
        ({"severity": "info", "component": "a"}, [{"severity": "critical", "component": "a"}],
         True),
        ({"severity": "warning", "component": "a"}, [{"severity": "critical", "component": "b"}],
         False),
        ({"severity": "warning", "component": "a"}, [{"severity": "high", "component": "a"}],
         False),
        ({"severity": "critical", "component": "a"}, [{"severity": "critical", "component": "a"}],
         False),
        ({"severity": "warning", "component": "a"}, [], False),
    ],
)  # fmt: skip
def test_inhibition(target: dict, firing: list[dict], muted: bool):
    assert inhibited(target, firing, [CRIT_MUTES_WARN]) is muted


SILENCES = [
    Silence("s1", (LabelMatcher.parse("component=api_gateway"),), 100, 200, "deploy"),
    Silence("s2", (LabelMatcher.parse("severity=info"), LabelMatcher.parse("team=ml")), 0, 1e9),
]


@pytest.mark.parametrize(
    ("now", "labels", "silenced"),
    [
        (150, {"component": "api_gateway", "severity": "high"}, "s1"),
        (150, {"component": "dspy_optimizer"}, None),
        (99, {"component": "api_gateway"}, None),  # before it starts
        (200, {"component": "api_gateway"}, None),  # ended
        (150, {"severity": "info", "team": "ml"}, "s2"),
        (150, {"severity": "info", "team": "platform"}, None),  # all matchers must match
    ],
)
def test_silences(now: float, labels: dict, silenced: str | None):
    assert silenced_by(labels, SILENCES, now) == silenced


@pytest.mark.parametrize(
    ("first", "last_flush", "expected"),
    [(100, None, 130), (100, 0, 300), (400, 0, 400), (100, 90, 390)],
)
def test_flush_at(first: float, last_flush: float | None, expected: float):
    assert flush_at(Route("r", group_wait=30, group_interval=300), first, last_flush) == expected


def test_group_keys():
    route = Route("r", group_by=("alertname", "component"))
    labels = {"alertname": "A", "component": "c", "host": "h"}
    assert group_labels(route, labels) == {"alertname": "A", "component": "c"}
    assert group_labels(Route("r", group_by=("...",)), labels) == labels
    assert group_key(route, labels) != group_key(route, {**labels, "component": "d"})
    assert group_key(route, labels) == group_key(route, {**labels, "host": "other"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"route": {"receiver": "nobody"}}, "no 'nobody'"),
        ({"route": {}}, "route.receiver: expected the root route to name a receiver"),
        ({"route": {"receiver": "default", "matchers": ["bad"]}}, "route.matchers"),
        ({"route": {"receiver": "default", "group_wait": "soon"}}, "route.group_wait"),
        ({"receivers": [{"name": "default"}]}, "receivers[0]: expected exactly one of"),
        ({"receivers": [{"name": "default", "slack": {"url": "https://hooks"}}]},
         "receivers[0].slack.url: expected no such key"),
        ({"delivery": {"max_attempts": 0}}, "delivery.max_attempts"),
        ({"time_intervals": [{"name": "x", "time_intervals": [{"weekdays": ["sun"]}]}]},
         "time_intervals[0].time_intervals[0].weekdays[0]: expected weekday names"),
        ({"route": {**TREE["route"], "routes": [{"receiver": "pager",
                                                 "mute_time_intervals": ["nights"]}]}},
         "route.routes[0].mute_time_intervals[0]: expected the name of an interval"),
    ],
)  # fmt: skip
def test_config_errors_name_the_key(change: dict, message: str):
    with pytest.raises(ChannelConfigError) as err:
        _config(**change)
    assert "channels.yaml: " in str(err.value) and message in str(err.value)


def test_shipped_config_is_valid_and_works_without_secrets(tmp_path: Path):
    config = load_channels_config(CONFIG_DIR / "channels.yaml")
    assert missing_secrets(config, {}) == {}  # only the file receiver is routed
    delivery = build_delivery(config, tmp_path, env={})
    assert delivery.routing.receivers_for(note()) == ["file"]
    assert delivery.policy.min_retry_seconds() > 600
    assert delivery.routing.inhibit_rules
    hours = delivery.routing.time_intervals["business-hours"]
    assert [i.location for i in hours] == ["Europe/Berlin"]


def test_secrets_come_from_the_environment_only(tmp_path: Path):
    data = {
        "receivers": [{"name": "chat", "slack": {"url_env": "TEST_SLACK_URL"}}],
        "route": {"receiver": "chat"},
    }
    config = parse_channels_config(data)
    assert missing_secrets(config, {}) == {"chat": ["TEST_SLACK_URL"]}
    (absent,) = build_delivery(config, tmp_path, env={}).channels
    assert isinstance(absent, MissingSecret)
    result = absent.send(batch(note()))
    assert result.retryable and result.detail.endswith("TEST_SLACK_URL")
    (present,) = build_delivery(config, tmp_path, env={"TEST_SLACK_URL": "http://x"}).channels
    assert type(present).__name__ == "SlackReceiver" and "http://x" not in repr(present)


def test_send_resolved_false_skips_resolved_notifications():
    data = {
        "receivers": [{"name": "f", "send_resolved": False, "file": {}}],
        "route": {"receiver": "f"},
    }
    routing = routing_of(parse_channels_config(data))
    assert routing.receivers_for(note()) == ["f"]
    assert routing.receivers_for(note(status="resolved")) == []
