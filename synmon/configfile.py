"""Reading and validating synmon's YAML configuration files, one way for all of them.

Every config file (alerts, channels, on-call, SLOs, capacity, reports) is a pydantic model; errors
name the file, the key path (`groups[0].rules[1].threshold`) and what was expected, all problems at
once. Callers pass their own exception class so each file keeps its own error type.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def key_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a config key path: `groups[0].rules[1].for`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not part.startswith(("function-", "value_error")):
            path += f".{part}" if path else part
    return path or "(top level)"


def describe(err: Any) -> str:
    """One pydantic error as `expected ..., got ...` in words a person reads."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        msg = msg.removeprefix("Input should be ")
    elif err["type"] == "missing":
        msg = "a value (the key is required)"
    elif err["type"] == "string_pattern_mismatch":
        msg = f"text matching {err['ctx']['pattern']}"
    elif err["type"] == "extra_forbidden":
        msg = "no such key (unknown key)"
    got = err.get("input")
    if err["type"] != "missing" and isinstance(got, str | int | float | bool) and "got" not in msg:
        msg += f", got {got!r}"
    return f"expected {msg}"


def _no_cross_checks(_: Any) -> list[str]:
    return []


def validate_model(
    model: type[M],
    data: Any,
    source: str,
    error: type[Exception],
    cross_checks: Callable[[M], list[str]] = _no_cross_checks,
) -> M:
    """Validate parsed YAML against `model`, then its cross-field rules; `error` lists every
    problem as `source: key.path: expected ...`."""
    try:
        config = model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {key_path(e['loc'])}: {describe(e)}" for e in exc.errors()]
        raise error("\n".join(lines)) from None
    problems = cross_checks(config)
    if problems:
        raise error("\n".join(f"{source}: {p}" for p in problems))
    return config


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """A YAML file's content; unreadable files and YAML syntax errors raise `error`."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(f"{path}: (YAML): expected valid YAML ({exc})") from None
    except OSError as exc:
        raise error(f"{path}: (file): expected a readable file ({exc})") from None


def load_model(
    path: Path,
    model: type[M],
    error: type[Exception],
    cross_checks: Callable[[M], list[str]] = _no_cross_checks,
) -> M:
    """Read `path` and validate it as `model`; an empty file is an empty mapping."""
    return validate_model(model, read_yaml(path, error) or {}, str(path), error, cross_checks)
