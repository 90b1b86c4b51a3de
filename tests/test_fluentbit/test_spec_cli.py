"""Collection spec errors and the `synmon fluentbit` commands, run in-process through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from collectors.fluentbit import SpecError, load_spec
from synmon.cli import main

GOOD = "components:\n  api_gateway:\n    logs:\n      - path: /var/log/a.log\n"

SPEC_ERRORS = [
    (
        "unknown component field",
        "components:\n  api_gateway:\n    logz: []\n",
        "components.api_gateway.logz: unknown field (found []); allowed: logs, metrics_endpoints",
    ),
    (
        "bad OTLP port",
        GOOD + "otlp:\n  enabled: true\n  port: 99999\n",
        "otlp.port: Input should be less than or equal to 65535 (found 99999)",
    ),
    (
        "endpoint without a port",
        "components:\n  api_gateway:\n    metrics_endpoints: [http://127.0.0.1/metrics]\n",
        "components.api_gateway.metrics_endpoints[0]: expected a URL like http://HOST:PORT/metrics",
    ),
    (
        "bad duration",
        GOOD + "node_metrics:\n  scrape_interval: soon\n",
        "node_metrics.scrape_interval: expected a duration",
    ),
    (
        "bad component name",
        "components:\n  Api Gateway: {}\n",
        "components.Api Gateway: bad name 'Api Gateway'",
    ),
    (
        "access log into requests",
        "components:\n  gw:\n    logs:\n      - {path: /a, format: access, stream: requests}\n",
        "components.gw.logs[0]: format 'access' cannot feed stream 'requests'",
    ),
    ("no components", "landing_dir: /x\n", "components: required field is missing"),
    ("yaml syntax", "components: [\n", "invalid YAML"),
    ("not a mapping", "- a\n", "expected a mapping of spec fields"),
]


@pytest.mark.parametrize(("case", "text", "message"), SPEC_ERRORS, ids=[s[0] for s in SPEC_ERRORS])
def test_spec_error_names_file_path_and_value(
    case: str, text: str, message: str, tmp_path: Path
) -> None:
    spec = tmp_path / "collection.yaml"
    spec.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    assert any(p.startswith(f"{spec}") and message in p for p in info.value.problems), (
        info.value.problems
    )


def test_render_reports_spec_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "collection.yaml"
    spec.write_text("components:\n  api_gateway:\n    logz: []\n")
    assert main(["fluentbit", "render", "--spec", str(spec)]) == 1
    err = capsys.readouterr().err
    assert "components.api_gateway.logz: unknown field" in err and "Traceback" not in err


def test_render_writes_a_valid_config_under_the_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "collection.yaml"
    spec.write_text(GOOD)
    out = tmp_path / "fb" / "fluent-bit.yaml"
    data = tmp_path / "data"
    assert (
        main(
            ["--data-dir", str(data), "fluentbit", "render", "--spec", str(spec), "--out", str(out)]
        )
        == 0
    )
    config = yaml.safe_load(out.read_text())
    assert config["service"]["storage.path"] == str(data / "fluent-bit")
    paths = {o["path"] for o in config["pipeline"]["outputs"]}
    assert paths == {str(data / "landing" / "requests"), str(data / "landing" / "metrics")}
    assert main(["fluentbit", "validate", str(out)]) == 0
    assert not data.exists()


def test_validate_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline:\n  inputs:\n    - name: tail\n      path: /a\n      pathx: /b\n")
    assert main(["fluentbit", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:5: error: pipeline.inputs[0].pathx: unknown key for input 'tail'" in out
    assert main(["fluentbit", "validate", "--json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["fluent_bit_version"] == "4.2.8"
    assert [e["path"] for e in report["errors"]] == ["pipeline.inputs[0].pathx"]
    assert main(["fluentbit", "validate", "--json", str(tmp_path / "none.yaml")]) == 1
