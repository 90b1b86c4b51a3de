"""Golden-file tests of rendered Fluent Bit configs, and the renderer's promises about them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from collectors.fluentbit import landing_files, load_spec, render_yaml, validate_text
from synmon.settings import CONFIG_DIR

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
LANDING, STORAGE = "/var/lib/synmon/data/landing", "/var/lib/synmon/data/fluent-bit"
SPECS = {
    "minimal": HERE / "specs" / "minimal.yaml",
    "full": HERE / "specs" / "full.yaml",
    "collection": CONFIG_DIR / "collection.yaml",
}


def _render(name: str) -> str:
    return render_yaml(load_spec(SPECS[name]), LANDING, STORAGE, source=f"{name}.yaml")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_rendered_config_matches_golden(name: str) -> None:
    actual = _render(name)
    golden = GOLDEN / f"{name}.yaml"
    side = GOLDEN / f"{name}.actual.yaml"
    if golden.exists() and golden.read_text() == actual:
        side.unlink(missing_ok=True)
        return
    side.write_text(actual)
    pytest.fail(f"rendered config differs from {golden}; actual output written to {side}")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_rendered_config_validates(name: str) -> None:
    issues = validate_text(_render(name), f"{name}.yaml")
    assert issues == []


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_output_file_is_a_listed_landing_file(name: str) -> None:
    spec = load_spec(SPECS[name])
    config = yaml.safe_load(_render(name))
    written = {f"{o['path']}/{o['file']}" for o in config["pipeline"]["outputs"]}
    listed = {f.path for f in landing_files(spec, spec.landing_dir or LANDING)}
    assert written == listed
    landing = Path(spec.landing_dir or LANDING)
    streams = {Path(p).relative_to(landing).parts[0] for p in written}
    assert streams <= {"requests", "events", "logs", "access", "metrics"}


def test_every_log_record_gets_component_and_host() -> None:
    config = yaml.safe_load(_render("collection"))
    inputs, filters = config["pipeline"]["inputs"], config["pipeline"]["filters"]
    for tail in (i for i in inputs if i["name"] == "tail"):
        comp = tail["tag"].split(".", 1)[1]
        adds = [
            f
            for f in filters
            if f["name"] == "modify"
            and re.match(f["match_regex"], tail["tag"])
            and f["add"] == f"component {comp}"
        ]
        hosts = [
            f for f in filters if f["name"] == "sysinfo" and re.match(f["match_regex"], tail["tag"])
        ]
        assert len(adds) == 1 and len(hosts) == 1, tail["tag"]
    outputs = config["pipeline"]["outputs"]
    assert all(o["mkdir"] is True for o in outputs)


def test_hostname_labels_metrics_and_replaces_sysinfo() -> None:
    config = yaml.safe_load(_render("full"))
    filters = config["pipeline"]["filters"]
    assert not [f for f in filters if f["name"] == "sysinfo"]
    assert {"name": "modify", "match_regex": filters[-1]["match_regex"], "add": "host web-01"} in (
        filters
    )
    scrape = next(i for i in config["pipeline"]["inputs"] if i["name"] == "prometheus_scrape")
    inserts = [p["insert"] for p in scrape["processors"]["metrics"]]
    assert inserts == ["component api_gateway", "host web-01"]


def test_docs_show_the_current_rendered_example() -> None:
    doc = (CONFIG_DIR.parent / "docs" / "collection.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    expected = render_yaml(
        load_spec(SPECS["collection"]), LANDING, STORAGE, source="config/collection.yaml"
    )
    assert example == expected
