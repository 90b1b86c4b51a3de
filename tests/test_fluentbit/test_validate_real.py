"""The validator against every config in the shared Fluent Bit material, whose validation/ folder
records what real Fluent Bit 4.2.8 did with each: we must reject all it rejects (at --dry-run or at
start) and also the bad configs it lets through; we must accept every config it runs."""

from __future__ import annotations

import re

import pytest

from collectors.fluentbit import validate_file
from synmon.settings import REPO_ROOT

MATERIAL = REPO_ROOT.parent / "shared" / "data" / "real" / "fluent-bit"
CONFIGS = MATERIAL / "configs"

# file -> (what real Fluent Bit 4.2.8 did, key path our first error must name; None = accept)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "00-minimal-valid.yaml": ("runs", None),
    "a-tail-json.yaml": ("runs", None),
    "b-metrics.yaml": ("runs", None),
    "c-dummy-formats.yaml": ("runs", None),
    "d-otlp-loopback.yaml": ("runs", None),
    "ok-18-generic-output-keys.yaml": ("runs", None),
    "ok-19-env-includes-multiline.yaml": ("runs", None),
    "inc-parsers.yaml": ("included by ok-19", None),
    "bad-01-unknown-input-plugin.yaml": ("dry-run rejects", "pipeline.inputs[0].name"),
    "bad-02-unknown-output-plugin.yaml": ("dry-run rejects", "pipeline.outputs[0].name"),
    "bad-03-unknown-key-tail.yaml": ("start rejects", "pipeline.inputs[0].pathx"),
    "bad-04-unknown-key-file-output.yaml": ("start rejects", "pipeline.outputs[0].formatt"),
    "bad-05-bad-value-file-format.yaml": ("start rejects", "pipeline.outputs[0].format"),
    "bad-06-unknown-service-key.yaml": ("ignores silently", "service.flushh"),
    "bad-07-unknown-top-level-section.yaml": ("ignores silently", "pipelinez"),
    "bad-08-yaml-syntax.yaml": ("dry-run rejects", ""),
    "bad-09-missing-name.yaml": ("dry-run rejects", "pipeline.inputs[0]"),
    "bad-10-unknown-parser-format.yaml": ("dry-run rejects", "parsers[0].format"),
    "bad-11-tail-references-undefined-parser.yaml": ("logs and runs", "pipeline.inputs[0].parser"),
    "bad-12-bad-regex-parser.yaml": ("dry-run rejects", "parsers[0].regex"),
    "bad-13-unknown-pipeline-subsection.yaml": ("dry-run rejects", "pipeline.outputz"),
    "bad-14-unknown-processor-plugin.yaml": (
        "dry-run rejects",
        "pipeline.inputs[0].processors.logs[0].name",
    ),
    "bad-15-bad-filter-key.yaml": ("start rejects", "pipeline.filters[0].addd"),
    "bad-16-bad-service-value.yaml": ("dry-run rejects", "service.flush"),
    "bad-17-bad-processor-key.yaml": (
        "start rejects",
        "pipeline.inputs[0].processors.logs[0].keyy",
    ),
    "bad-20-include-missing.yaml": ("dry-run rejects", "includes[0]"),
    "bad-21-multiline-bad-rule.yaml": ("dry-run rejects", "multiline_parsers[0].rules[0]"),
    "bad-22-unknown-custom-plugin.yaml": ("dry-run crashes", "customs[0].name"),
    "bad-23-bad-bool-and-size.yaml": ("start rejects", "pipeline.inputs[0].read_from_head"),
    "bad-24-bad-size.yaml": ("start rejects", "pipeline.inputs[0].buffer_chunk_size"),
    "bad-25-bad-time.yaml": ("accepts silently", "pipeline.inputs[0].scrape_interval"),
}

pytestmark = pytest.mark.skipif(not CONFIGS.is_dir(), reason=f"no shared material at {MATERIAL}")


def test_every_shared_config_has_an_expectation() -> None:
    assert sorted(p.name for p in CONFIGS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict_matches_real_fluent_bit(name: str) -> None:
    _, path = EXPECTED[name]
    errors = [i for i in validate_file(CONFIGS / name) if i.severity == "error"]
    if path is None:
        assert errors == []
    else:
        assert errors, f"{name} should be rejected"
        assert errors[0].path == path
        assert errors[0].file.endswith(name) and errors[0].line


def _transcript_verdicts() -> dict[str, str]:
    """What the validation transcripts say real Fluent Bit did: 'rejects' or 'accepts'."""
    verdicts: dict[str, str] = {}
    current = None
    for txt in sorted((MATERIAL / "validation").glob("*.txt")):
        for line in txt.read_text().splitlines():
            if m := re.search(r"cfg/([\w.-]+\.yaml)", line):
                if line.startswith("=") or line.startswith("---"):
                    current = m.group(1)
            elif current and (m := re.match(r"(?:dry-run )?rc=(\d+)|exit_code=(\d+)", line)):
                code = int(m.group(1) or m.group(2))
                if code != 0:
                    verdicts[current] = "rejects"
                else:
                    verdicts.setdefault(current, "accepts")
    return verdicts


def test_table_agrees_with_the_transcripts() -> None:
    for name, verdict in _transcript_verdicts().items():
        did = EXPECTED[name][0]
        rejected = "rejects" in did or "crashes" in did
        assert rejected == (verdict == "rejects"), (name, did, verdict)
