import copy
from pathlib import Path

import pytest
import yaml

from sensors.alert_config import AlertConfigError, load_alerts_config, parse_duration
from synmon.settings import CONFIG_DIR

REPO_CONFIG = CONFIG_DIR / "alerts.yaml"


def test_repo_config_loads():
    config = load_alerts_config(REPO_CONFIG)
    by_name = {r.name: r for r in config.rules}
    latency, errors = by_name["HighLatencyP95"], by_name["HighErrorRate"]
    assert (latency.expr.quantile, latency.threshold, latency.for_) == (0.95, 2500, 600)
    assert (errors.expr.aggregation, errors.threshold, errors.for_) == ("error_rate", 0.15, 300)
    assert config.evaluation.interval == 60
    assert config.max_window == 600


@pytest.mark.parametrize(
    ("raw", "seconds"), [("90s", 90), ("10m", 600), ("1h30m", 5400), ("1d", 86400), (0, 0)]
)
def test_durations(raw, seconds):
    assert parse_duration(raw) == seconds


def _rule0(data):
    return data["groups"][0]["rules"][0]


CASES = [
    (lambda d: _rule0(d).update(threshold="lots"), "groups[0].rules[0].threshold", "valid number"),
    (lambda d: _rule0(d).update({"for": "10 minutes"}), "groups[0].rules[0].for", "duration"),
    (lambda d: _rule0(d)["expr"].update(aggregation="p999"), "rules[0].expr.aggregation", "p50"),
    (lambda d: _rule0(d)["expr"].update(by=["colour"]), "rules[0].expr.by", "component"),
    (lambda d: _rule0(d)["expr"].update(filters=["component=api"]), "expr.filters[0]", "matcher"),
    (lambda d: _rule0(d).update(severity="urgent"), "rules[0].severity", "'critical'"),
    (lambda d: _rule0(d).update(treshold=1), "rules[0].treshold", "no such key"),
    (lambda d: _rule0(d).pop("comparison"), "rules[0].comparison", "required"),
    (lambda d: _rule0(d)["expr"].update(window="90s"), "rules[0].expr.window", "multiple of"),
    (
        lambda d: d["groups"][0]["rules"][1].update(name="HighLatencyP95"),
        "rules[1].name",
        "no other",
    ),
    (
        lambda d: _rule0(d)["annotations"].update(summary="{{ value "),
        "rules[0].annotations",
        "templates that parse",
    ),
]


@pytest.mark.parametrize(("mutate", "key_path", "expected"), CASES)
def test_errors_name_file_key_path_and_expectation(tmp_path: Path, mutate, key_path, expected):
    data = copy.deepcopy(yaml.safe_load(REPO_CONFIG.read_text()))
    mutate(data)
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(AlertConfigError) as err:
        load_alerts_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert key_path in message
    assert expected in message


def test_yaml_syntax_error_names_file(tmp_path: Path):
    path = tmp_path / "alerts.yaml"
    path.write_text("groups: [\n")
    with pytest.raises(AlertConfigError, match="expected valid YAML"):
        load_alerts_config(path)
