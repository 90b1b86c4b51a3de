"""Regenerate the plugin part of the Fluent Bit key schema from what the real binary dumps.

`fluent-bit -J` (`--help-json`) prints every compiled-in plugin with its keys and their types. This
module condenses that dump into `schema_<version>.json` beside it: per plugin kind and name, the key
names (lowercase, as Fluent Bit compares them case-insensitively) with their schema type. The
hand-kept `core` part of the existing file (service keys, generic keys, enums, parser keys, read
from Fluent Bit's sources) is carried over unchanged.

Run: `python -m collectors.fluentbit.build_schema DUMP.json [--out FILE]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

KINDS = ("customs", "inputs", "processors", "filters", "outputs")
HERE = Path(__file__).resolve().parent


def condense(dump: dict[str, Any]) -> dict[str, Any]:
    """The `plugins` and `global_options` parts of the schema from a `fluent-bit -J` dump."""
    plugins: dict[str, dict[str, Any]] = {}
    global_options: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        plugins[kind] = {}
        for plugin in dump.get(kind, []):
            props = plugin.get("properties", {})
            options: dict[str, str] = {}
            for group in ("options", "networking", "network_tls"):
                for opt in props.get(group, []):
                    options[opt["name"].lower()] = opt["type"]
            plugins[kind][plugin["name"]] = {
                "description": plugin.get("description", ""),
                "networked": "networking" in props or "network_tls" in props,
                "options": options,
            }
            if props.get("global_options") and kind not in global_options:
                global_options[kind] = {
                    o["name"].lower(): o["type"] for o in props["global_options"]
                }
    return {"plugins": plugins, "global_options": global_options}


def build(dump_path: Path, out_path: Path) -> dict[str, Any]:
    """Write the schema for the dump's Fluent Bit version, keeping `core` from `out_path`."""
    dump = json.loads(dump_path.read_text())
    version = dump["fluent-bit"]["version"]
    core = json.loads(out_path.read_text())["core"] if out_path.exists() else {}
    schema = {
        "fluent_bit_version": version,
        "source": (
            f"plugins and global_options: `fluent-bit -J` of Fluent Bit v{version} "
            f"({dump_path.name}); core: hand-kept from the v{version} sources "
            "(src/flb_config.c, flb_input.c, flb_output.c, flb_parser.c, plugin init code)"
        ),
        **condense(dump),
        "core": core,
    }
    out_path.write_text(json.dumps(schema, indent=1, sort_keys=False) + "\n")
    return schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="output of `fluent-bit -J`")
    parser.add_argument("--out", type=Path, help="schema file (default: schema_<version>.json)")
    args = parser.parse_args(argv)
    version = json.loads(args.dump.read_text())["fluent-bit"]["version"]
    out = args.out or HERE / f"schema_{version}.json"
    build(args.dump, out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
