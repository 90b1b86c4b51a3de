"""The routing and receivers file, config/channels.yaml: schema, validation, and building it.

`load_channels_config` validates (errors name the file, key path and expectation, like
alerts.yaml); `build_delivery` turns it into receivers, a `Routing` and a `RetryPolicy`. Secrets
(webhook URLs, routing keys, the SMTP password) are named by environment variable in the file and
read when the delivery is built, never at import time; a missing one makes that receiver fail
(retryably, so setting the variable later still delivers) and `missing_secrets` reports it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sensors.alert_config import Duration
from sensors.channels import Batch, Channel, DeliveryResult, FileChannel, RetryPolicy
from sensors.routing import InhibitRule, LabelMatcher, Route, Routing
from sensors.time_intervals import NamedIntervalSpec, build_intervals, interval_problems
from synmon.configfile import read_yaml, validate_model


class ChannelConfigError(ValueError):
    """channels.yaml does not validate; the message lists file, key path and expectation."""


def _matchers(value: list[str]) -> list[str]:
    for raw in value:
        LabelMatcher.parse(raw)
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FileSpec(_Strict):
    filename: str = "alerts.jsonl"


class SlackSpec(_Strict):
    url_env: str
    channel: str | None = None


class WebhookSpec(_Strict):
    url_env: str
    external_url: str = ""


class PagerDutySpec(_Strict):
    routing_key_env: str
    url: str = "https://events.pagerduty.com/v2/enqueue"


class EmailSpec(_Strict):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)


class ReceiverSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    send_resolved: bool = True
    file: FileSpec | None = None
    slack: SlackSpec | None = None
    webhook: WebhookSpec | None = None
    pagerduty: PagerDutySpec | None = None
    email: EmailSpec | None = None

    def kinds(self) -> list[str]:
        return [k for k in ("file", "slack", "webhook", "pagerduty", "email") if getattr(self, k)]


class RouteSpec(_Strict):
    receiver: str | None = None
    matchers: list[str] = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    mute_time_intervals: list[str] = Field(default_factory=list)
    active_time_intervals: list[str] = Field(default_factory=list)
    routes: list[RouteSpec] = Field(default_factory=list)

    _check = field_validator("matchers")(_matchers)


class InhibitSpec(_Strict):
    source_matchers: list[str] = Field(min_length=1)
    target_matchers: list[str] = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)

    _check = field_validator("source_matchers", "target_matchers")(_matchers)


class DeliverySpec(_Strict):
    timeout: Duration = 10
    max_attempts: int = Field(default=12, ge=1)
    backoff_base: Duration = 5
    backoff_cap: Duration = 300


class ChannelsConfig(_Strict):
    delivery: DeliverySpec = Field(default_factory=DeliverySpec)
    receivers: list[ReceiverSpec] = Field(min_length=1)
    route: RouteSpec
    inhibit_rules: list[InhibitSpec] = Field(default_factory=list)
    time_intervals: list[NamedIntervalSpec] = Field(default_factory=list)


def _route(spec: RouteSpec, parent: Route | None) -> Route:
    base = parent or Route(receiver="")
    node = Route(
        receiver=spec.receiver or base.receiver,
        matchers=tuple(LabelMatcher.parse(m) for m in spec.matchers),
        continue_=spec.continue_,
        group_by=tuple(spec.group_by) if spec.group_by is not None else base.group_by,
        group_wait=base.group_wait if spec.group_wait is None else spec.group_wait,
        group_interval=base.group_interval if spec.group_interval is None else spec.group_interval,
        repeat_interval=base.repeat_interval if spec.repeat_interval is None
        else spec.repeat_interval,
        mute_time_intervals=tuple(spec.mute_time_intervals),
        active_time_intervals=tuple(spec.active_time_intervals),
    )  # fmt: skip
    children = tuple(_route(child, node) for child in spec.routes)
    return Route(**{**node.__dict__, "routes": children})


def _receivers_used(route: Route) -> set[str]:
    return {route.receiver}.union(*(_receivers_used(r) for r in route.routes))


def _cross_checks(config: ChannelsConfig) -> list[str]:
    problems = []
    names = [r.name for r in config.receivers]
    for i, spec in enumerate(config.receivers):
        if len(spec.kinds()) != 1:
            problems.append(
                f"receivers[{i}]: expected exactly one of file, slack, webhook, pagerduty, email"
            )
        if names.count(spec.name) > 1:
            problems.append(f"receivers[{i}].name: expected a unique name (got {spec.name!r})")
    if not config.route.receiver:
        problems.append("route.receiver: expected the root route to name a receiver")
    for name in sorted(_receivers_used(routing_of(config).root) - set(names) - {""}):
        problems.append(f"route: expected receivers defined under receivers (no {name!r})")
    return problems + _interval_checks(config)


def _route_specs(spec: RouteSpec, where: str) -> list[tuple[str, RouteSpec]]:
    found = [(where, spec)]
    for i, child in enumerate(spec.routes):
        found += _route_specs(child, f"{where}.routes[{i}]")
    return found


def _interval_checks(config: ChannelsConfig) -> list[str]:
    routes = _route_specs(config.route, "route")
    problems = [f"{where}.repeat_interval: expected a duration above 0s"
                for where, spec in routes if spec.repeat_interval == 0]  # fmt: skip
    uses = [(w, s.mute_time_intervals, s.active_time_intervals) for w, s in routes]
    return problems + interval_problems([t.name for t in config.time_intervals], uses)


def parse_channels_config(data: Any, source: str = "<memory>") -> ChannelsConfig:
    return validate_model(ChannelsConfig, data, source, ChannelConfigError, _cross_checks)


_CACHE: dict[Path, tuple[tuple[int, int], ChannelsConfig]] = {}


def load_channels_config(path: str | Path) -> ChannelsConfig:
    """Read and validate channels.yaml; an unchanged file (same mtime and size) is not re-read,
    so the sensor pays for parsing only when someone edits it."""
    path = Path(path)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    cached = _CACHE.get(path)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    config = _load(path)
    if stamp is not None:
        _CACHE[path] = (stamp, config)
    return config


def _load(path: Path) -> ChannelsConfig:
    return parse_channels_config(read_yaml(path, ChannelConfigError), str(path))


def routing_of(config: ChannelsConfig) -> Routing:
    inhibit = tuple(
        InhibitRule(
            tuple(LabelMatcher.parse(m) for m in spec.source_matchers),
            tuple(LabelMatcher.parse(m) for m in spec.target_matchers),
            tuple(spec.equal),
        )
        for spec in config.inhibit_rules
    )
    no_resolved = frozenset(r.name for r in config.receivers if not r.send_resolved)
    intervals = build_intervals(config.time_intervals)
    return Routing(_route(config.route, None), inhibit, no_resolved, intervals)


def _secret_envs(spec: ReceiverSpec) -> list[str]:
    envs = [
        spec.slack and spec.slack.url_env,
        spec.webhook and spec.webhook.url_env,
        spec.pagerduty and spec.pagerduty.routing_key_env,
        spec.email and spec.email.password_env,
    ]
    return [e for e in envs if e]


def missing_secrets(config: ChannelsConfig, env: Mapping[str, str]) -> dict[str, list[str]]:
    """Receivers used by the routing tree whose secret variables are unset: name -> variables."""
    used = _receivers_used(routing_of(config).root)
    out = {}
    for spec in config.receivers:
        missing = [e for e in _secret_envs(spec) if not env.get(e)]
        if spec.name in used and missing:
            out[spec.name] = missing
    return out


class MissingSecret:
    """Stands in for a receiver whose secret is unset: every attempt fails, retryably."""

    def __init__(self, name: str, variables: list[str]) -> None:
        self.name, self.variables = name, variables

    def send(self, batch: Batch) -> DeliveryResult:
        unset = ", ".join(self.variables)
        return DeliveryResult(False, f"environment variable(s) not set: {unset}", retryable=True)


def build_receiver(spec: ReceiverSpec, notifications_dir: Path, env: Mapping[str, str],
                   timeout: float) -> Channel:  # fmt: skip
    from sensors import receivers_email, receivers_http

    missing = [e for e in _secret_envs(spec) if not env.get(e)]
    if missing:
        return MissingSecret(spec.name, missing)
    if spec.file:
        return FileChannel(notifications_dir, name=spec.name, filename=spec.file.filename)
    if spec.slack:
        return receivers_http.SlackReceiver(
            spec.name, env[spec.slack.url_env], channel=spec.slack.channel, timeout=timeout
        )
    if spec.webhook:
        return receivers_http.WebhookReceiver(
            spec.name, env[spec.webhook.url_env], external_url=spec.webhook.external_url,
            timeout=timeout,
        )  # fmt: skip
    if spec.pagerduty:
        return receivers_http.PagerDutyReceiver(
            spec.name, env[spec.pagerduty.routing_key_env], url=spec.pagerduty.url,
            timeout=timeout,
        )  # fmt: skip
    mail = spec.email
    assert mail is not None
    return receivers_email.EmailReceiver(
        spec.name, host=mail.host, port=mail.port, sender=mail.sender, to=mail.to,
        security=mail.security, username=mail.username,
        password=env.get(mail.password_env) if mail.password_env else None, timeout=timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    """Everything `deliver_due` needs: receivers, the routing tree and the retry policy."""

    channels: list[Channel]
    routing: Routing
    policy: RetryPolicy


def build_delivery(
    config: ChannelsConfig, notifications_dir: Path, env: Mapping[str, str] | None = None
) -> Delivery:
    """Receivers (secrets read now from `env`, default os.environ), routing, retry policy."""
    env = os.environ if env is None else env
    d = config.delivery
    channels = [build_receiver(s, notifications_dir, env, d.timeout) for s in config.receivers]
    policy = RetryPolicy(d.max_attempts, float(d.backoff_base), float(d.backoff_cap))
    return Delivery(channels, routing_of(config), policy)
