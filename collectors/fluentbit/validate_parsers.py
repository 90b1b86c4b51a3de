"""Checks of the `parsers` and `multiline_parsers` sections of a Fluent Bit config."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from collectors.fluentbit.issues import CheckerBase, hint, pairs
from collectors.fluentbit.values import regex_problem, value_problem


class ParserChecks(CheckerBase):
    """Parser and multiline parser definitions: keys, required keys, regexes, rule states."""

    # -- parsers -----------------------------------------------------------------------------
    def check_definition(self, f: str, node: Node, path: str, rules: dict[str, Any]) -> dict:
        """Keys and values of one parser or multiline parser; returns {key: (text, node)}."""
        seen: dict[str, tuple[str, Node]] = {}
        if not isinstance(node, MappingNode):
            self.add(f, path, node, "expected a mapping")
            return seen
        keys: dict[str, str] = rules["keys"]
        for key, knode, value in pairs(node):
            kl, kpath = key.lower(), f"{path}.{key}"
            if kl not in keys:
                msg = f"unknown key{hint(key, list(keys))}; allowed: {', '.join(keys)}"
                self.add(f, kpath, knode, msg)
            elif keys[kl] == "rules":
                seen[kl] = ("", value)
            else:
                for text, vnode in self.scalars(f, kpath, value)[:1]:
                    seen[kl] = (text, vnode)
                    if "${" not in text and (problem := value_problem(keys[kl], text, self.schema)):
                        self.add(f, kpath, vnode, problem)
        for req in rules["required"]:
            if req not in seen:
                self.add(f, path, node, f"missing required key {req!r}")
        return seen

    def check_parsers(self, f: str, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.add(f, "parsers", node, "expected a list of parsers")
            return
        for i, item in enumerate(node.value):
            seen = self.check_definition(f, item, f"parsers[{i}]", self.schema.core["parser"])
            if "name" in seen:
                self.parsers.add(seen["name"][0])
            if seen.get("format", ("",))[0].lower() == "regex" and "regex" not in seen:
                self.add(f, f"parsers[{i}]", item, "missing required key 'regex' for format regex")

    def check_multiline(self, f: str, node: Node) -> None:
        if not isinstance(node, SequenceNode):
            self.add(f, "multiline_parsers", node, "expected a list of multiline parsers")
            return
        rules = self.schema.core["multiline_parser"]
        for i, item in enumerate(node.value):
            path = f"multiline_parsers[{i}]"
            seen = self.check_definition(f, item, path, rules)
            if "name" in seen:
                self.multiline.add(seen["name"][0])
            if seen.get("type", ("",))[0].lower() == "regex":
                self.check_rules(f, seen.get("rules", ("", None))[1], f"{path}.rules", item)

    def check_rules(self, f: str, node: Node | None, path: str, parent: Node) -> None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.add(f, path, node or parent, "a regex multiline parser needs a list of rules")
            return
        states: list[str] = []
        nexts: list[tuple[str, Node, str]] = []
        for i, rule in enumerate(node.value):
            rpath, got = f"{path}[{i}]", {k.lower(): v for k, _, v in pairs(rule)}
            for req in self.schema.core["multiline_parser"]["rule_keys"]:
                if not isinstance(got.get(req), ScalarNode):
                    self.add(f, rpath, rule, f"missing required key {req!r} in multiline rule")
            if isinstance(got.get("state"), ScalarNode):
                states.append(self.text(got["state"]))
            if isinstance(got.get("regex"), ScalarNode):
                pattern = self.text(got["regex"]).strip()
                if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
                    pattern = pattern[1:-1]
                if problem := regex_problem(pattern):
                    self.add(f, f"{rpath}.regex", got["regex"], problem)
            if isinstance(got.get("next_state"), ScalarNode):
                nexts.append(
                    (f"{rpath}.next_state", got["next_state"], self.text(got["next_state"]))
                )
        if states and states[0] != "start_state":
            self.add(f, f"{path}[0].state", node, "the first rule's state must be 'start_state'")
        for npath, nnode, state in nexts:
            if state not in states:
                self.add(f, npath, nnode, f"next_state {state!r} is no rule's state")
