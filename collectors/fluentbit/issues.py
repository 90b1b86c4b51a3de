"""What the Fluent Bit config validator reports (`Issue`) and the state its checks share.

The YAML is composed into nodes with PyYAML's BaseLoader, as Fluent Bit reads it: every scalar a
string, and every node knowing its line, so each issue names file, line and key path.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from collectors.fluentbit.schema import Schema

ENV_REF = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Issue:
    """One finding: the file, the key path in it, and what is wrong."""

    file: str
    path: str
    message: str
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        loc = self.file if self.line is None else f"{self.file}:{self.line}"
        where = f"{self.path}: " if self.path else ""
        return f"{loc}: {self.severity}: {where}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def pairs(node: Node) -> list[tuple[str, Node, Node]]:
    return [(str(k.value), k, v) for k, v in node.value] if isinstance(node, MappingNode) else []


@dataclass
class CheckerBase:
    """Findings, definitions and references collected while checking one config."""

    schema: Schema
    issues: list[Issue] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    parsers: set[str] = field(default_factory=set)
    multiline: set[str] = field(default_factory=set)
    parser_files_unreadable: list[str] = field(default_factory=list)
    refs: list[tuple[str, str, Node, str, str]] = field(default_factory=list)
    no_match: list[tuple[str, str, Node, str]] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    uses_routes: bool = False

    def add(self, file: str, path: str, node: Node | None, msg: str, sev: str = "error") -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.issues.append(Issue(file, path, msg, line, sev))

    def text(self, node: Node) -> str:
        return ENV_REF.sub(lambda m: self.env.get(m.group(1), m.group(0)), str(node.value))

    def scalars(self, f: str, path: str, node: Node) -> list[tuple[str, Node]]:
        """A key's values: one scalar, or a list of scalars (a key Fluent Bit repeats)."""
        if isinstance(node, ScalarNode):
            return [(self.text(node), node)]
        if isinstance(node, SequenceNode) and all(isinstance(n, ScalarNode) for n in node.value):
            return [(self.text(n), n) for n in node.value]
        self.add(f, path, node, "expected a value or a list of values, found a mapping")
        return []
