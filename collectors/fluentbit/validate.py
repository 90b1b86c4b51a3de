"""Validate any Fluent Bit YAML config against the key schema of one Fluent Bit version.

Checks what real Fluent Bit 4.2.8 rejects (YAML syntax, unknown sections, plugin names, keys, bad
parser and multiline definitions, missing includes, `flush: 0`) and what it lets through silently or
only notices at run time (unknown keys, bad booleans, sizes, times and enum values, parser
references that resolve to nothing, unknown service keys and top-level sections). The file is read
as Fluent Bit reads it: every scalar is a string and `${VAR}` takes its value from the `env` section
(a value that still holds `${...}` is left unchecked: it comes from the process environment).
"""

from __future__ import annotations

import fnmatch
import glob
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from collectors.fluentbit.issues import Issue, hint, pairs
from collectors.fluentbit.schema import SINGULAR, Schema, load_schema
from collectors.fluentbit.validate_parsers import ParserChecks
from collectors.fluentbit.values import value_problem

__all__ = ["Issue", "validate_file", "validate_text"]

_NAME_LINE = re.compile(r"^\s*-?\s*name\s*[:=]?\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class _Checker(ParserChecks):
    """All checks of one config and the files it includes."""

    # -- files and sections ------------------------------------------------------------------
    def check_text(self, text: str, f: str, base: Path) -> None:
        try:
            root = yaml.compose(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
            col = f" (column {mark.column + 1})" if mark is not None else ""
            self.issues.append(Issue(f, "", f"invalid YAML{col}: {problem}", line))
            return
        if root is None:
            return
        if not isinstance(root, MappingNode):
            self.add(
                f, "", root, "the top level must be a mapping of sections (service, pipeline...)"
            )
            return
        sections = self.schema.core["top_level_sections"]
        for key, _, value in pairs(root):
            if key.lower() == "env":
                for name, _, v in pairs(value):
                    if isinstance(v, ScalarNode):
                        self.env[name] = str(v.value)
        for key, knode, value in pairs(root):
            k = key.lower()
            if k == "service":
                self.check_service(f, value, base)
            elif k == "pipeline":
                self.check_pipeline(f, value)
            elif k == "parsers":
                self.check_parsers(f, value)
            elif k == "multiline_parsers":
                self.check_multiline(f, value)
            elif k == "includes":
                self.check_includes(f, value, base)
            elif k == "customs":
                self.check_list(f, "customs", value, "customs")
            elif k == "env":
                if not isinstance(value, MappingNode):
                    self.add(f, "env", value, "expected a mapping of variable names to values")
            elif k not in sections:
                self.add(
                    f,
                    key,
                    knode,
                    f"unknown top-level section{hint(key, sections)}; "
                    f"allowed: {', '.join(sections)}",
                )

    def check_file(self, path: Path, display: str) -> None:
        self.seen.add(path.resolve())
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            self.issues.append(Issue(display, "", f"cannot read file: {exc}"))
            return
        self.check_text(text, display, path.parent)

    def check_includes(self, f: str, node: Node, base: Path) -> None:
        for i, (value, vnode) in enumerate(self.scalars(f, "includes", node)):
            matches = sorted(glob.glob(str(base / value))) if "*" in value else [str(base / value)]
            found = [Path(m) for m in matches if Path(m).is_file()]
            if not found:
                self.add(f, f"includes[{i}]", vnode, f"included file not found: {value!r}")
            for inc in found:
                if inc.resolve() not in self.seen:
                    self.check_file(inc, str(Path(f).parent / inc.relative_to(base)))

    def check_service(self, f: str, node: Node, base: Path) -> None:
        if not isinstance(node, MappingNode):
            self.add(f, "service", node, "expected a mapping of service keys")
            return
        keys: dict[str, str] = self.schema.core["service"]
        for key, knode, value in pairs(node):
            path = f"service.{key}"
            typ = keys.get(key.lower())
            if typ is None:
                allowed = ", ".join(keys)
                near = hint(key, list(keys))
                self.add(f, path, knode, f"unknown service key{near}; allowed: {allowed}")
                continue
            for text, vnode in self.scalars(f, path, value):
                if "${" not in text and (problem := value_problem(typ, text, self.schema)):
                    self.add(f, path, vnode, problem)
                if key.lower() == "parsers_file":
                    self.load_parsers_file(f, base, text)

    def load_parsers_file(self, f: str, base: Path, name: str) -> None:
        target = base / name
        try:
            self.parsers.update(_NAME_LINE.findall(target.read_text()))
        except OSError:
            self.parser_files_unreadable.append(name)

    def check_pipeline(self, f: str, node: Node) -> None:
        if not isinstance(node, MappingNode):
            self.add(f, "pipeline", node, "expected a mapping with inputs, filters and outputs")
            return
        allowed = self.schema.core["pipeline_sections"]
        for key, knode, value in pairs(node):
            if key.lower() not in allowed:
                msg = f"unknown pipeline section{hint(key, allowed)}; allowed: {', '.join(allowed)}"
                self.add(f, f"pipeline.{key}", knode, msg)
                continue
            self.check_list(f, key.lower(), value, f"pipeline.{key}")

    def check_list(self, f: str, kind: str, node: Node, path: str) -> None:
        if not isinstance(node, SequenceNode):
            self.add(f, path, node, f"expected a list of {kind}")
            return
        for i, item in enumerate(node.value):
            self.check_plugin(f, kind, item, f"{path}[{i}]")

    # -- plugins -----------------------------------------------------------------------------
    def check_plugin(self, f: str, kind: str, node: Node, path: str, in_proc: bool = False) -> None:
        one = SINGULAR[kind]
        if not isinstance(node, MappingNode):
            self.add(f, path, node, f"expected a mapping with the {one}'s 'name' and keys")
            return
        entries = pairs(node)
        name_node = next((v for k, _, v in entries if k.lower() == "name"), None)
        if name_node is None or not isinstance(name_node, ScalarNode) or not name_node.value:
            self.add(f, path, node, f"missing required key 'name' (the {one} plugin)")
            return
        name = self.text(name_node).lower()
        look = kind
        if in_proc and self.schema.plugin("processors", name) is None:
            look = "filters" if self.schema.plugin("filters", name) else kind
        if self.schema.plugin(look, name) is None:
            names = self.schema.plugin_names(kind) + (
                self.schema.plugin_names("filters") if in_proc else []
            )
            if not names:
                msg = (
                    f"unknown {one} plugin {name!r}: this Fluent Bit {self.schema.version} build "
                    "has no custom plugins (its --dry-run crashes on this config)"
                )
            else:
                msg = (
                    f"unknown {one} plugin {name!r}{hint(name, names)}; allowed: {', '.join(names)}"
                )
            self.add(f, f"{path}.name", name_node, msg)
            return
        self.check_keys(f, kind, look, name, entries, path, in_proc)

    def check_keys(
        self, f: str, kind: str, look: str, name: str, entries: list, path: str, in_proc: bool
    ) -> None:
        core = self.schema.core
        present = {k.lower() for k, _, _ in entries}
        one = SINGULAR[kind]
        ref_keys = core["parser_reference_keys"].get(f"{look}.{name}", [])
        ml_keys = core["multiline_reference_keys"].get(f"{look}.{name}", [])
        for key, knode, value in entries:
            kl, kpath = key.lower(), f"{path}.{key}"
            spec = self.schema.key(look, name, key)
            if kl == "name":
                continue
            if spec is None:
                own = self.schema.plugin_keys(look, name)
                generic = [g for g in self.schema.generic_keys(look) if g != "name"]
                near = hint(key, own + generic)
                self.add(
                    f,
                    kpath,
                    knode,
                    f"unknown key for {one} {name!r}{near}; allowed: {', '.join(own) or '(none)'}"
                    f"; generic {SINGULAR[look]} keys: {', '.join(generic)}",
                )
                continue
            if spec.type == "processors":
                self.check_processors(f, value, kpath)
                continue
            if kl == "routes":
                self.uses_routes = True
            if spec.type in ("any", "variant"):
                continue
            if spec.type == "deprecated":
                self.add(f, kpath, knode, f"deprecated key for {one} {name!r}", "warning")
                continue
            enum = self.schema.enum(f"{look}.{name}.{kl}")
            for text, vnode in self.scalars(f, kpath, value):
                if "${" in text:
                    continue
                if enum is not None and text.lower() not in enum:
                    self.add(f, kpath, vnode, f"invalid value {text!r}; allowed: {', '.join(enum)}")
                elif enum is None and (problem := value_problem(spec.type, text, self.schema)):
                    self.add(f, kpath, vnode, problem)
                if any(fnmatch.fnmatch(kl, pattern) for pattern in ref_keys):
                    self.refs.append((f, kpath, vnode, text, "parser"))
                if kl in ml_keys:
                    for part in text.split(","):
                        self.refs.append((f, kpath, vnode, part.strip(), "multiline parser"))
        for req in core["required_keys"].get(f"{look}.{name}", []):
            if req not in present:
                self.add(f, path, None, f"missing required key {req!r} for {one} {name!r}")
        if (
            kind in ("outputs", "filters")
            and not in_proc
            and not present & {"match", "match_regex"}
        ):
            self.no_match.append((f, path, entries[0][1], one))

    def check_processors(self, f: str, node: Node, path: str) -> None:
        signals = self.schema.core["processor_signals"]
        if not isinstance(node, MappingNode):
            self.add(
                f, path, node, f"expected a mapping of {', '.join(signals)} to processor lists"
            )
            return
        for key, knode, value in pairs(node):
            if key.lower() not in signals:
                msg = f"unknown processor signal {key!r}; allowed: {', '.join(signals)}"
                self.add(f, f"{path}.{key}", knode, msg)
            elif not isinstance(value, SequenceNode):
                self.add(f, f"{path}.{key}", value, "expected a list of processors")
            else:
                for i, item in enumerate(value.value):
                    self.check_plugin(f, "processors", item, f"{path}.{key}[{i}]", in_proc=True)

    # -- cross-file checks -------------------------------------------------------------------
    def finish(self) -> None:
        builtin = self.schema.core["multiline_parser"]["builtin"]
        for f, path, node, name, what in self.refs:
            known = self.parsers if what == "parser" else self.multiline | set(builtin)
            if "${" in name or name in known:
                continue
            if what == "parser" and self.parser_files_unreadable:
                msg = f"parser {name!r} not defined here (parsers_file not readable to check)"
                self.add(f, path, node, msg, "warning")
                continue
            defined = ", ".join(sorted(known)) or "none"
            self.add(f, path, node, f"{what} {name!r} is not defined; defined: {defined}")
        if not self.uses_routes:
            for f, path, node, one in self.no_match:
                self.add(
                    f, path, node, f"missing 'match' or 'match_regex': this {one} gets no records"
                )


def validate_text(
    text: str, name: str = "<config>", base_dir: Path | None = None, schema: Schema | None = None
) -> list[Issue]:
    """Issues in a Fluent Bit YAML config given as text (includes resolve against `base_dir`)."""
    checker = _Checker(schema or load_schema())
    checker.check_text(text, name, base_dir or Path.cwd())
    checker.finish()
    return checker.issues


def validate_file(path: str | Path, schema: Schema | None = None) -> list[Issue]:
    """Issues in the Fluent Bit YAML config at `path` and the files it includes."""
    checker = _Checker(schema or load_schema())
    checker.check_file(Path(path), str(path))
    checker.finish()
    return checker.issues
