"""The collection spec (`config/collection.yaml`): what Fluent Bit collects on a host.

One pydantic model per block. `load_spec` turns every problem (YAML syntax, unknown field, bad port
or duration) into a `SpecError` whose lines name the file, the key path, what was found and what is
allowed, so the CLI prints them instead of a traceback.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

_PATTERNS = {
    r"^[1-9]\d*[smh]?$": "a duration: seconds, or a number with s, m or h (15s, 1m)",
    r"^[1-9]\d*[KMG]?$": "a size: bytes, or a number with K, M or G (50M)",
    r"^[a-z][a-z0-9_-]*$": "a name of lowercase letters, digits, _ and - (api_gateway)",
}
Duration = Annotated[str, Field(pattern=r"^[1-9]\d*[smh]?$")]
Size = Annotated[str, Field(pattern=r"^[1-9]\d*[KMG]?$")]
Port = Annotated[int, Field(ge=1, le=65535)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LogSource(_Block):
    """Log files of a component and what they hold."""

    path: list[str] = Field(min_length=1)
    format: Literal["json", "access"] = "json"
    stream: Literal["requests", "events", "logs", "access"] | None = None
    read_from_head: bool = False

    @field_validator("path", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _stream_fits_format(self) -> LogSource:
        if self.stream is None:
            self.stream = "access" if self.format == "access" else "requests"
        if (self.format == "access") != (self.stream == "access"):
            raise ValueError(
                f"format {self.format!r} cannot feed stream {self.stream!r}; access logs go to "
                "stream 'access', JSON logs to 'requests', 'events' or 'logs'"
            )
        return self


def endpoint(url: str) -> tuple[str, int, str]:
    """Host, port and path of a Prometheus endpoint URL such as `http://127.0.0.1:9102/metrics`."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None or not 1 <= port <= 65535:
        raise ValueError("expected a URL like http://HOST:PORT/metrics with a port 1-65535")
    return parts.hostname, port, parts.path or "/metrics"


def _check_endpoint(url: str) -> str:
    endpoint(url)
    return url


Endpoint = Annotated[str, AfterValidator(_check_endpoint)]


class Component(_Block):
    """One platform component: its logs and its Prometheus endpoints."""

    logs: list[LogSource] = []
    metrics_endpoints: list[Endpoint] = []
    scrape_interval: Duration = "15s"


class NodeMetrics(_Block):
    """Host metrics from Fluent Bit's node_exporter_metrics input."""

    enabled: bool = True
    scrape_interval: Duration = "15s"
    collectors: list[str] = ["cpu", "meminfo", "diskstats", "filesystem", "loadavg", "netdev"]
    component: Name | None = None


class Otlp(_Block):
    """An OTLP/HTTP receiver (Fluent Bit's opentelemetry input)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: Port = 4318


class Buffering(_Block):
    """Where and how much Fluent Bit buffers before writing the landing zone."""

    storage_path: str | None = None
    type: Literal["filesystem", "memory"] = "filesystem"
    mem_buf_limit: Size = "50M"
    total_limit_size: Size = "1G"
    max_chunks_up: int = Field(default=128, ge=1)


class CollectionSpec(_Block):
    """Everything `synmon fluentbit render` needs to write one host's Fluent Bit config."""

    landing_dir: str | None = None
    hostname: str | None = None
    flush_seconds: float = Field(default=1.0, gt=0, le=60)
    log_level: Literal["error", "warn", "info", "debug"] = "info"
    components: dict[Name, Component] = Field(min_length=1)
    node_metrics: NodeMetrics = NodeMetrics()
    otlp: Otlp = Otlp()
    buffering: Buffering = Buffering()


class SpecError(ValueError):
    """A collection spec that cannot be used; `problems` holds one readable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _fields_at(model: Any, loc: tuple[int | str, ...]) -> list[str]:
    """Field names allowed at `loc` under `model` (walks models, dicts and lists)."""
    current: Any = model
    for part in loc:
        while True:
            origin = typing.get_origin(current)
            if origin is Annotated:
                current = typing.get_args(current)[0]
            elif origin in (typing.Union, types.UnionType):
                current = next(a for a in typing.get_args(current) if a is not type(None))
            else:
                break
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info else None
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        if current is None:
            return []
    return (
        list(current.model_fields)
        if isinstance(current, type) and issubclass(current, BaseModel)
        else []
    )


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(source: str, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
        found = repr(err["input"])[:80]
        where = _path(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(_fields_at(CollectionSpec, loc[:-1]))
            lines.append(f"{source}: {where}: unknown field (found {found}); allowed: {allowed}")
        elif err["type"] == "missing":
            lines.append(f"{source}: {where}: required field is missing")
        elif err["type"] == "string_pattern_mismatch":
            wanted = _PATTERNS.get(str((err.get("ctx") or {}).get("pattern")), "another value")
            if loc and loc[-1] == "[key]":
                where, found = _path(loc[:-1]), repr(err["input"])
                lines.append(f"{source}: {where}: bad name {found}; allowed: {wanted}")
            else:
                lines.append(f"{source}: {where}: expected {wanted}, found {found}")
        else:
            msg = re.sub(r"^Value error, ", "", err["msg"])
            lines.append(f"{source}: {where}: {msg} (found {found})")
    return lines


def parse_spec(data: Any, source: str = "<spec>") -> CollectionSpec:
    """Validate already-loaded spec data; raises `SpecError`."""
    if not isinstance(data, dict):
        raise SpecError([f"{source}: expected a mapping of spec fields at the top level"])
    try:
        return CollectionSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_describe(source, exc)) from None


def load_spec(path: str | Path) -> CollectionSpec:
    """Read and validate a collection spec file; raises `SpecError`."""
    source = str(path)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SpecError([f"{source}: cannot read spec: {exc.strerror or exc}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise SpecError([f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}"]) from None
    return parse_spec(data, source)
