"""Render a Fluent Bit 4.2 YAML config from a collection spec.

Every log record gets `component` (modify `add`, so a value the application wrote wins) and `host`
(the sysinfo filter's machine hostname, or the spec's `hostname`); scraped metrics get the same
two labels through `labels` processors. Each stream is written by an out_file into
`<landing>/<stream>/` in a shape `synmon ingest` reads (see `landing_files`). out_file reopens
its file at every flush (fopen "ab+" ... fclose in cb_file_flush, v4.2), so a consumed file that
ingest moves aside is recreated at the next flush: that is how the landing zone stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from collectors.fluentbit.schema import SCHEMA_VERSION
from collectors.fluentbit.spec import CollectionSpec, endpoint

LOG_STREAMS = ("requests", "events", "logs", "access")
JSON_PARSER = "synmon_json"


@dataclass(frozen=True)
class LandingFile:
    """One file the rendered config writes into the landing zone."""

    stream: str
    path: str
    shape: str
    source: str


def _tail(spec: CollectionSpec, component: str, i: int, storage: str) -> dict[str, Any]:
    src = spec.components[component].logs[i]
    entry: dict[str, Any] = {
        "name": "tail",
        "alias": f"tail.{src.stream}.{component}.{i}",
        "tag": f"{src.stream}.{component}",
        "path": ",".join(src.path),
    }
    if src.format == "json":
        entry["parser"] = JSON_PARSER
    entry |= {
        "db": f"{storage}/tail.{src.stream}.{component}.{i}.db",
        "read_from_head": src.read_from_head,
        "skip_long_lines": True,
        "refresh_interval": 10,
    }
    return entry | _buffer(spec)


def _buffer(spec: CollectionSpec) -> dict[str, Any]:
    if spec.buffering.type == "filesystem":
        return {"storage.type": "filesystem"}
    return {"storage.type": "memory", "mem_buf_limit": spec.buffering.mem_buf_limit}


def _labels(component: str | None, hostname: str | None) -> dict[str, Any]:
    inserts = [f"component {component}"] if component else []
    inserts += [f"host {hostname}"] if hostname else []
    if not inserts:
        return {}
    return {"processors": {"metrics": [{"name": "labels", "insert": ins} for ins in inserts]}}


def _output(match: str, folder: Path, file: str, spec: CollectionSpec, **fmt: Any) -> dict:
    entry: dict[str, Any] = {
        "name": "file",
        "match": match,
        "path": str(folder),
        "file": file,
        **fmt,
        "mkdir": True,
        "retry_limit": "no_limits",
    }
    if spec.buffering.type == "filesystem":
        entry["storage.total_limit_size"] = spec.buffering.total_limit_size
    return entry


def landing_files(spec: CollectionSpec, landing_dir: str | Path) -> list[LandingFile]:
    """The files a config rendered from `spec` writes, their stream and what each line holds."""
    land = Path(landing_dir)
    out: list[LandingFile] = []
    for name, comp in spec.components.items():
        for stream in sorted({src.stream or "requests" for src in comp.logs}):
            if stream == "access":
                shape = "raw access log lines (combined log format), as tailed"
                path = land / stream / f"fluentbit-{name}.log"
            else:
                shape = "out_file format plain: one JSON object per line, plus component and host"
                path = land / stream / f"fluentbit-{name}.jsonl"
            out.append(LandingFile(stream, str(path), shape, f"tail of {name}'s {stream} logs"))
        if comp.metrics_endpoints:
            shape = "out_file metrics text: '<RFC3339 ts> name{labels} = value' per scrape"
            path = land / "metrics" / f"fluentbit-{name}.txt"
            out.append(LandingFile("metrics", str(path), shape, f"prometheus_scrape of {name}"))
    if spec.node_metrics.enabled:
        shape = "out_file metrics text: '<RFC3339 ts> name{labels} = value' per scrape"
        path = land / "metrics" / "fluentbit-node.txt"
        out.append(LandingFile("metrics", str(path), shape, "node_exporter_metrics"))
    if spec.otlp.enabled:
        out.append(
            LandingFile(
                "logs",
                str(land / "logs" / "fluentbit-otlp.jsonl"),
                "out_file format plain: the OTLP log body per line, plus host",
                "opentelemetry input, /v1/logs",
            )
        )
        out.append(
            LandingFile(
                "metrics",
                str(land / "metrics" / "fluentbit-otlp.txt"),
                "out_file metrics text: '<RFC3339 ts> name{labels} = value'",
                "opentelemetry input, /v1/metrics",
            )
        )
    return out


def render_config(
    spec: CollectionSpec, landing_dir: str | Path, storage_path: str | Path
) -> dict[str, Any]:
    """The Fluent Bit config as a mapping (service, parsers, pipeline)."""
    land = Path(spec.landing_dir or landing_dir)
    storage = str(spec.buffering.storage_path or storage_path)
    inputs: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    host = spec.hostname
    for name, comp in spec.components.items():
        for i in range(len(comp.logs)):
            inputs.append(_tail(spec, name, i, storage))
        streams = sorted({src.stream or "requests" for src in comp.logs})
        if streams:
            filters.append(
                {
                    "name": "modify",
                    "match_regex": rf"^({'|'.join(streams)})\.{name}$",
                    "add": f"component {name}",
                }
            )
        for stream in streams:
            if stream == "access":
                fmt = {"format": "template", "template": "{log}"}
                outputs.append(
                    _output(f"access.{name}", land / stream, f"fluentbit-{name}.log", spec, **fmt)
                )
            else:
                outputs.append(
                    _output(
                        f"{stream}.{name}",
                        land / stream,
                        f"fluentbit-{name}.jsonl",
                        spec,
                        format="plain",
                    )
                )
        for j, url in enumerate(comp.metrics_endpoints):
            ep_host, ep_port, ep_path = endpoint(url)
            scrape: dict[str, Any] = {
                "name": "prometheus_scrape",
                "alias": f"scrape.{name}.{j}",
                "tag": f"metrics.{name}",
                "host": ep_host,
                "port": ep_port,
                "metrics_path": ep_path,
                "scrape_interval": comp.scrape_interval,
            }
            inputs.append(scrape | _buffer(spec) | _labels(name, host))
        if comp.metrics_endpoints:
            outputs.append(
                _output(f"metrics.{name}", land / "metrics", f"fluentbit-{name}.txt", spec)
            )
    nm = spec.node_metrics
    if nm.enabled:
        node: dict[str, Any] = {
            "name": "node_exporter_metrics",
            "tag": "metrics.node",
            "scrape_interval": nm.scrape_interval,
            "metrics": ",".join(nm.collectors),
        }
        inputs.append(node | _buffer(spec) | _labels(nm.component, host))
        outputs.append(_output("metrics.node", land / "metrics", "fluentbit-node.txt", spec))
    if spec.otlp.enabled:
        otlp = {"name": "opentelemetry", "tag": "otlp", "listen": spec.otlp.listen}
        inputs.append(otlp | {"port": spec.otlp.port, "tag_from_uri": True} | _buffer(spec))
        outputs.append(
            _output("v1_logs", land / "logs", "fluentbit-otlp.jsonl", spec, format="plain")
        )
        outputs.append(_output("v1_metrics", land / "metrics", "fluentbit-otlp.txt", spec))
    log_tags = rf"^(({'|'.join(LOG_STREAMS)})\..+|v1_logs)$"
    if host:
        filters.append({"name": "modify", "match_regex": log_tags, "add": f"host {host}"})
    else:
        filters.append({"name": "sysinfo", "match_regex": log_tags, "hostname_key": "host"})
    service: dict[str, Any] = {
        "flush": spec.flush_seconds,
        "grace": 5,
        "log_level": spec.log_level,
        "http_server": False,
        "storage.path": storage,
        "storage.sync": "normal",
        "storage.checksum": False,
        "storage.max_chunks_up": spec.buffering.max_chunks_up,
    }
    config: dict[str, Any] = {"service": service}
    if any(src.format == "json" for comp in spec.components.values() for src in comp.logs):
        config["parsers"] = [{"name": JSON_PARSER, "format": "json"}]
    config["pipeline"] = {"inputs": inputs, "filters": filters, "outputs": outputs}
    return config


def render_yaml(
    spec: CollectionSpec, landing_dir: str | Path, storage_path: str | Path, source: str = ""
) -> str:
    """The Fluent Bit config as YAML text, with a header saying where it came from."""
    header = (
        f"# Fluent Bit {SCHEMA_VERSION} config rendered by `synmon fluentbit render`"
        + (f" from {source}" if source else "")
        + ".\n# Do not edit: change the spec and render again.\n"
    )
    body = yaml.safe_dump(
        render_config(spec, landing_dir, storage_path), sort_keys=False, width=100
    )
    return header + body
