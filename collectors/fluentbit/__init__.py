"""Fluent Bit configs for synmon: the collection spec, the renderer and the validator.

`load_spec` reads `config/collection.yaml`, `render_yaml` turns it into a Fluent Bit 4.2 YAML config
that writes the landing zone, and `validate_file` checks any Fluent Bit YAML config against the key
schema of Fluent Bit 4.2.8 (`schema_4.2.8.json`, derived from what the real binary dumps).
Names load lazily, so validating a config does not pay for pydantic (the spec models).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Issue": "issues",
    "LandingFile": "render",
    "landing_files": "render",
    "render_config": "render",
    "render_yaml": "render",
    "SCHEMA_VERSION": "schema",
    "load_schema": "schema",
    "CollectionSpec": "spec",
    "SpecError": "spec",
    "load_spec": "spec",
    "parse_spec": "spec",
    "validate_file": "validate",
    "validate_text": "validate",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
