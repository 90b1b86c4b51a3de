"""Table tests of the validator: one small config per rule, the key path and message it reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.fluentbit import validate_file, validate_text

OUT = "  outputs:\n    - name: stdout\n      match: '*'\n"


def _cfg(inputs: str, extra: str = "", outputs: str = OUT) -> str:
    return f"service:\n  flush: 1\n{extra}pipeline:\n  inputs:\n{inputs}{outputs}"


# (case, config text, expected key path, text the message must contain)
BAD = [
    (
        "unknown tail key",
        _cfg("    - name: tail\n      path: /a\n      pathx: /b\n"),
        "pipeline.inputs[0].pathx",
        "unknown key for input 'tail' (did you mean 'path'?); allowed: path, exclude_path",
    ),
    (
        "port out of range",
        _cfg("    - name: opentelemetry\n      port: 70000\n"),
        "pipeline.inputs[0].port",
        "invalid port '70000'",
    ),
    (
        "integer",
        _cfg("    - name: dummy\n      samples: three\n"),
        "pipeline.inputs[0].samples",
        "invalid integer 'three'",
    ),
    (
        "time with a bad suffix",
        _cfg("    - name: fluentbit_metrics\n      scrape_interval: 5 minutes\n"),
        "pipeline.inputs[0].scrape_interval",
        "invalid time '5 minutes'",
    ),
    (
        "size",
        _cfg("    - name: dummy\n      mem_buf_limit: 5 megs\n"),
        "pipeline.inputs[0].mem_buf_limit",
        "invalid size '5 megs'",
    ),
    (
        "storage.type enum",
        _cfg("    - name: dummy\n      storage.type: disk\n"),
        "pipeline.inputs[0].storage.type",
        "allowed: filesystem, memory, memrb",
    ),
    (
        "stdout format enum",
        _cfg(
            "    - name: dummy\n",
            outputs="  outputs:\n    - name: stdout\n      match: '*'\n      format: yaml\n",
        ),
        "pipeline.outputs[0].format",
        "allowed: msgpack, json, json_lines, json_stream",
    ),
    (
        "required tail path",
        _cfg("    - name: tail\n      tag: x\n"),
        "pipeline.inputs[0]",
        "missing required key 'path' for input 'tail'",
    ),
    (
        "too few record_modifier values",
        _cfg("    - name: dummy\n", "").replace(
            "  outputs:",
            "  filters:\n    - name: record_modifier\n      match: '*'\n"
            "      record: lonely\n  outputs:",
        ),
        "pipeline.filters[0].record",
        "needs at least 2 space-separated values",
    ),
    (
        "output without match",
        _cfg("    - name: dummy\n", outputs="  outputs:\n    - name: stdout\n"),
        "pipeline.outputs[0]",
        "missing 'match' or 'match_regex'",
    ),
    (
        "undefined multiline parser",
        _cfg("    - name: tail\n      path: /a\n      multiline.parser: docker, nope\n"),
        "pipeline.inputs[0].multiline.parser",
        "multiline parser 'nope' is not defined",
    ),
    (
        "undefined parser in the parser filter",
        _cfg("    - name: dummy\n")
        .replace(
            "  outputs:",
            "  filters:\n    - name: parser\n      match: '*'\n      key_name: log\n"
            "      parser: [p1, missing]\n  outputs:",
        )
        .replace("service:", "parsers:\n  - name: p1\n    format: json\nservice:"),
        "pipeline.filters[0].parser",
        "parser 'missing' is not defined; defined: p1",
    ),
    (
        "processor signal",
        _cfg("    - name: dummy\n      processors:\n        log:\n          - name: sql\n"),
        "pipeline.inputs[0].processors.log",
        "unknown processor signal 'log'",
    ),
    (
        "parser types",
        "parsers:\n  - name: p\n    format: regex\n    regex: '^(?<a>.*)$'\n    types: a:number\n",
        "parsers[0].types",
        "invalid type entry 'a:number'",
    ),
    (
        "regex parser without regex",
        "parsers:\n  - name: p\n    format: regex\n",
        "parsers[0]",
        "missing required key 'regex' for format regex",
    ),
    (
        "multiline next_state to nowhere",
        "multiline_parsers:\n  - name: m\n    type: regex\n    rules:\n"
        "      - {state: start_state, regex: '/^a/', next_state: elsewhere}\n",
        "multiline_parsers[0].rules[0].next_state",
        "next_state 'elsewhere' is no rule's state",
    ),
    (
        "log_level enum",
        "service:\n  log_level: verbose\n",
        "service.log_level",
        "allowed: off, error, warn",
    ),
    (
        "env value still checked",
        "env:\n  FLUSH: soon\nservice:\n  flush: ${FLUSH}\n",
        "service.flush",
        "invalid number 'soon'",
    ),
    (
        "top level is a list",
        "- service\n",
        "",
        "the top level must be a mapping",
    ),
]


@pytest.mark.parametrize(("case", "text", "path", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_is_reported(case: str, text: str, path: str, message: str) -> None:
    errors = [i for i in validate_text(text, "c.yaml") if i.severity == "error"]
    assert [e.path for e in errors] == [path], errors
    assert message in errors[0].message
    assert errors[0].file == "c.yaml"


GOOD = [
    (
        "mixed-case keys and plugin names",
        _cfg("    - Name: Tail\n      Path: /a\n      Read_From_Head: On\n"),
    ),
    ("unset env var is left to run time", _cfg("    - name: tail\n      path: ${LOG_DIR}/a.log\n")),
    (
        "repeated values as a list",
        _cfg("    - name: dummy\n").replace(
            "  outputs:",
            "  filters:\n    - name: modify\n      match: '*'\n      add: [a 1, b 2]\n  outputs:",
        ),
    ),
    (
        "filters as processors",
        _cfg(
            "    - name: dummy\n      processors:\n        logs:\n"
            "          - name: grep\n            regex: log x\n"
        ),
    ),
    (
        "prefixed tail parser keys",
        _cfg("    - name: tail\n      path: /a\n      parser_1: p\n").replace(
            "service:", "parsers:\n  - name: p\n    format: logfmt\nservice:"
        ),
    ),
    (
        "net keys on networked outputs",
        _cfg(
            "    - name: dummy\n",
            outputs="  outputs:\n"
            "    - name: http\n      match: '*'\n      net.keepalive: off\n"
            "      tls: on\n      workers: 2\n",
        ),
    ),
]


@pytest.mark.parametrize(("case", "text"), GOOD, ids=[g[0] for g in GOOD])
def test_good_config_passes(case: str, text: str) -> None:
    assert [i for i in validate_text(text, "c.yaml") if i.severity == "error"] == []


def test_line_numbers_point_at_the_key() -> None:
    text = _cfg("    - name: tail\n      path: /a\n      pathx: /b\n")
    (issue,) = validate_text(text, "c.yaml")
    assert text.splitlines()[issue.line - 1].strip().startswith("pathx:")
    assert str(issue).startswith(f"c.yaml:{issue.line}: error: pipeline.inputs[0].pathx: ")


def test_deprecated_key_is_a_warning() -> None:
    text = (
        _cfg("    - name: dummy\n")
        .replace(
            "  outputs:",
            "  filters:\n    - name: parser\n      match: '*'\n      key_name: log\n"
            "      parser: p\n      unescape_key: on\n  outputs:",
        )
        .replace("service:", "parsers:\n  - name: p\n    format: json\nservice:")
    )
    (issue,) = validate_text(text, "c.yaml")
    assert issue.severity == "warning" and issue.path == "pipeline.filters[0].unescape_key"


def test_includes_resolve_beside_the_file_and_are_checked(tmp_path: Path) -> None:
    (tmp_path / "parsers.yaml").write_text("parsers:\n  - name: inc\n    format: json\n")
    (tmp_path / "bad.yaml").write_text("service:\n  flush: 0\n")
    main = tmp_path / "main.yaml"
    main.write_text(
        "includes:\n  - parsers.yaml\n  - bad.yaml\n"
        + _cfg("    - name: tail\n      path: /a\n      parser: inc\n").split(
            "service:\n  flush: 1\n"
        )[1]
    )
    issues = validate_file(main)
    assert [(Path(i.file).name, i.path) for i in issues] == [("bad.yaml", "service.flush")]


def test_parsers_file_names_count_as_defined(tmp_path: Path) -> None:
    (tmp_path / "parsers.conf").write_text("[PARSER]\n    Name   apache2\n    Format regex\n")
    main = tmp_path / "main.yaml"
    main.write_text(
        _cfg("    - name: tail\n      path: /a\n      parser: apache2\n").replace(
            "  flush: 1\n", "  flush: 1\n  parsers_file: parsers.conf\n"
        )
    )
    assert validate_file(main) == []


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    (issue,) = validate_file(tmp_path / "missing.yaml")
    assert issue.severity == "error" and "cannot read file" in issue.message
