"""The alert rules file, config/alerts.yaml: its schema, loading and validation.

Every error names the file, the key path (`groups[0].rules[1].threshold`) and what was expected,
so a typo never reaches the sensor. Durations are Prometheus strings (`90s`, `10m`, `1h30m`);
filters are Prometheus label matchers (`endpoint=~"/v1/.*"`). Dagster-free: the CLI and the sensor
share it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from synmon.configfile import (
    read_yaml,
    validate_model,
)

LABEL_COLUMNS = ("component", "endpoint", "method", "domain", "host", "status")
NUMERIC_FIELDS = ("latency_ms", "tokens_in", "tokens_out", "cost_usd")
STREAMS = ("requests",)
SEVERITIES = ("critical", "high", "warning", "info")
COMPARISONS = (">", ">=", "<", "<=", "==", "!=")

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_MATCHER = re.compile(r'^\s*([a-z_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')
_AGGREGATION = re.compile(r"^(count|rate|avg|min|max|sum|error_rate|p(\d{1,2}(?:\.\d+)?))$")


class AlertConfigError(ValueError):
    """A config file that does not validate; the message lists file, key path and expectation."""


def parse_duration(raw: Any) -> int:
    """Seconds in a Prometheus duration string (`1h30m`), or in a bare non-negative integer."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    match = _DURATION.match(str(raw).strip()) if isinstance(raw, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"a duration such as 30s, 10m, 1h30m (got {raw!r})")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


Duration = Annotated[int, BeforeValidator(parse_duration)]


class Matcher(BaseModel):
    """One label matcher: `label op "value"` with op one of =, !=, =~, !~ (regex fully anchored)."""

    label: str
    op: Literal["=", "!=", "=~", "!~"]
    value: str

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        match = _MATCHER.match(raw)
        if not match:
            raise ValueError('a matcher such as component="api_gateway" or endpoint=~"/v1/.*"')
        label, op, value = match.groups()
        return {"label": label, "op": op, "value": value.replace('\\"', '"')}

    @model_validator(mode="after")
    def _check(self) -> Matcher:
        if self.label not in LABEL_COLUMNS:
            raise ValueError(f"a label among {', '.join(LABEL_COLUMNS)} (got {self.label!r})")
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"a valid regular expression ({exc})") from None
        return self


class Expr(BaseModel):
    """What a rule measures: an aggregation of one stream over a sliding window, per label set."""

    model_config = ConfigDict(extra="forbid")

    stream: Literal["requests"] = "requests"
    aggregation: str
    field: str = "latency_ms"
    window: Duration
    by: list[str] = Field(default_factory=list)
    filters: list[Matcher] = Field(default_factory=list)

    @field_validator("aggregation")
    @classmethod
    def _aggregation(cls, value: str) -> str:
        if not _AGGREGATION.match(value):
            raise ValueError("one of count, rate, avg, min, max, sum, error_rate, p50..p99")
        return value

    @field_validator("field")
    @classmethod
    def _field(cls, value: str) -> str:
        if value not in NUMERIC_FIELDS:
            raise ValueError(f"one of {', '.join(NUMERIC_FIELDS)}")
        return value

    @field_validator("by")
    @classmethod
    def _by(cls, value: list[str]) -> list[str]:
        bad = [label for label in value if label not in LABEL_COLUMNS]
        if bad:
            raise ValueError(f"labels among {', '.join(LABEL_COLUMNS)} (not {', '.join(bad)})")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("a positive duration")
        return value

    @property
    def quantile(self) -> float | None:
        """The quantile (0..1) of a pNN aggregation, else None."""
        match = _AGGREGATION.match(self.aggregation)
        return float(match.group(2)) / 100 if match and match.group(2) else None


def _templates_compile(value: dict[str, str]) -> dict[str, str]:
    env = SandboxedEnvironment()
    for key, text in value.items():
        try:
            env.parse(text)
        except TemplateSyntaxError as exc:
            raise ValueError(f"templates that parse ({key}: {exc.message})") from None
    return value


# Annotation templates (summary, description, runbook_url), checked to parse at load.
Annotations = Annotated[dict[str, str], AfterValidator(_templates_compile)]


class Rule(BaseModel):
    """One alerting rule: expression, comparison, timing, and what its alerts carry."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    expr: Expr
    comparison: Literal[">", ">=", "<", "<=", "==", "!="]
    threshold: float
    min_requests: int = Field(default=1, ge=1)
    for_: Duration = Field(default=0, alias="for")
    keep_firing_for: Duration = 0
    no_data: Literal["ok", "keep_state"] = "ok"
    severity: Literal["critical", "high", "warning", "info"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict)


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    rules: list[Rule]


class Evaluation(BaseModel):
    """How often rules are evaluated (in data time) and how much landing data one tick may read."""

    model_config = ConfigDict(extra="forbid")

    interval: Duration = Field(default=60, gt=0)
    max_tick_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)


class IntelRule(BaseModel):
    """A rule on the intelligence tables (capacity_plan, anomalies), evaluated when they change.

    `capacity`: fires per resource and component whose forecast (`bound: forecast`) or upper bound
    (`bound: upper`) crosses its limit within `within_days` days. `anomaly`: fires per series with
    an anomaly scored at least `min_score` within the last `lookback`. The value is the days left
    or the highest score; it resolves when the condition no longer holds.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    source: Literal["capacity", "anomaly"]
    within_days: int = Field(default=14, ge=0, le=366)
    bound: Literal["forecast", "upper"] = "forecast"
    min_score: float = Field(default=0.7, gt=0, le=1)  # the detector scores 0..1
    lookback: Duration = 6 * 3600
    severity: Literal["critical", "high", "warning", "info"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict)

    @property
    def threshold(self) -> float:
        """What annotations see as `threshold`: days for capacity rules, a score for anomalies."""
        return float(self.within_days) if self.source == "capacity" else self.min_score


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluation: Evaluation = Field(default_factory=Evaluation)
    groups: list[Group]
    intelligence: list[IntelRule] = Field(default_factory=list)

    @property
    def rules(self) -> list[Rule]:
        return [rule for group in self.groups for rule in group.rules]

    @property
    def max_window(self) -> int:
        return max((rule.expr.window for rule in self.rules), default=0)


def _cross_checks(config: AlertsConfig) -> list[str]:
    """Checks that span fields: unique rule names, durations on the evaluation grid."""
    problems = []
    step = config.evaluation.interval
    names: set[str] = set()
    for g, group in enumerate(config.groups):
        for r, rule in enumerate(group.rules):
            where = f"groups[{g}].rules[{r}]"
            if rule.name in names:
                problems.append(
                    f"{where}.name: expected a name no other rule has (got {rule.name!r})"
                )
            names.add(rule.name)
            for key, seconds in (
                ("expr.window", rule.expr.window),
                ("for", rule.for_),
                ("keep_firing_for", rule.keep_firing_for),
            ):
                if seconds % step:
                    problems.append(
                        f"{where}.{key}: expected a multiple of evaluation.interval ({step}s), "
                        f"got {seconds}s"
                    )
    return problems


def parse_alerts_config(data: Any, source: str = "<memory>") -> AlertsConfig:
    """Validate already-parsed YAML; AlertConfigError lists `source: key.path: expected ...`."""
    return validate_model(AlertsConfig, data, source, AlertConfigError, _cross_checks)


def load_alerts_config(path: str | Path) -> AlertsConfig:
    """Read and validate an alerts.yaml file."""
    path = Path(path)
    return parse_alerts_config(read_yaml(path, AlertConfigError), str(path))
