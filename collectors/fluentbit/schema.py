"""The Fluent Bit key schema kept as data (`schema_<version>.json`) and lookups over it.

The `plugins` and `global_options` parts come from the plugin schema real Fluent Bit dumps with
`fluent-bit -J` (regenerate with `python -m collectors.fluentbit.build_schema`); the `core` part
(service keys, keys Fluent Bit handles generically, enums, parser keys) is read from its sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "4.2.8"
HERE = Path(__file__).resolve().parent

#: plural section name -> the singular used in messages ("unknown key for input 'tail'")
SINGULAR = {
    "inputs": "input",
    "filters": "filter",
    "outputs": "output",
    "processors": "processor",
    "customs": "custom",
}


@dataclass(frozen=True)
class KeySpec:
    """What the schema says about one key of one plugin."""

    type: str
    origin: str  # "plugin", "global" or "generic"


@dataclass(frozen=True)
class Schema:
    """One Fluent Bit version's plugins, keys and value rules."""

    version: str
    plugins: dict[str, dict[str, Any]]
    global_options: dict[str, dict[str, str]]
    core: dict[str, Any]

    def plugin(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.plugins.get(kind, {}).get(name.lower())

    def plugin_names(self, kind: str) -> list[str]:
        return sorted(self.plugins.get(kind, {}))

    def key(self, kind: str, name: str, key: str) -> KeySpec | None:
        """The type of `key` on plugin `name` of `kind`, or None when Fluent Bit rejects it."""
        plugin = self.plugin(kind, name)
        if plugin is None:
            return None
        k = key.lower()
        options: dict[str, str] = plugin["options"]
        if k in options:
            # -J types every port as a plain integer; a TCP port has a range
            return KeySpec("port" if k == "port" else options[k], "plugin")
        for opt, typ in options.items():
            if typ == "prefixed string" and k.startswith(opt) and len(k) > len(opt):
                return KeySpec("string", "plugin")
        generic = self.core["generic_keys"]
        if k in generic.get(kind, {}):
            return KeySpec(generic[kind][k], "generic")
        if k in self.global_options.get(kind, {}):
            return KeySpec(self.global_options[kind][k], "global")
        if k in generic["all"]:
            return KeySpec(generic["all"][k], "generic")
        return None

    def plugin_keys(self, kind: str, name: str) -> list[str]:
        plugin = self.plugin(kind, name)
        return list(plugin["options"]) if plugin else []

    def generic_keys(self, kind: str) -> list[str]:
        generic = self.core["generic_keys"]
        keys = list(self.global_options.get(kind, {})) + list(generic.get(kind, {}))
        return sorted(set(keys) | set(generic["all"]))

    def enum(self, key: str) -> list[str] | None:
        return self.core["enums"].get(key)


@lru_cache(maxsize=4)
def load_schema(version: str = SCHEMA_VERSION) -> Schema:
    """Load `schema_<version>.json` from this package."""
    raw = json.loads((HERE / f"schema_{version}.json").read_text())
    return Schema(
        version=raw["fluent_bit_version"],
        plugins=raw["plugins"],
        global_options=raw["global_options"],
        core=raw["core"],
    )
