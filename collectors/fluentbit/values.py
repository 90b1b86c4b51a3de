"""Value rules of Fluent Bit config keys: what each schema type accepts, as Fluent Bit parses it.

Booleans follow `flb_utils_bool`, times `flb_utils_time_to_seconds` (a number with an optional
s/m/h/d suffix), sizes `flb_utils_size_to_bytes` (a number with an optional K/M/G suffix, KB/KiB
spellings too). Fluent Bit itself accepts some bad values silently (a time of `soon` becomes 0):
these rules reject them.
"""

from __future__ import annotations

import re

from collectors.fluentbit.schema import Schema

BOOLEANS = ("true", "false", "on", "off", "yes", "no")
_INT = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TIME = re.compile(r"^\d+(\.\d+)?[smhd]?$", re.IGNORECASE)
_SIZE = re.compile(r"^\d+(\.\d+)?\s*([kmg](i?b)?|b)?$", re.IGNORECASE)
_OFFSET = re.compile(r"^[+-]\d{2}:?\d{2}$")
_MIN_TOKENS = re.compile(r"space delimited strings \(minimum (\d+)\)")
_ONIG_NAMED = re.compile(r"\(\?<(?![=!])")


def onig_to_python(pattern: str) -> str:
    """Rewrite the Onigmo (Ruby) regex syntax Fluent Bit uses into Python `re` syntax."""
    out = _ONIG_NAMED.sub("(?P<", pattern)
    return out.replace(r"\z", r"\Z").replace(r"\h", "[0-9a-fA-F]")


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` does not compile, or None."""
    try:
        re.compile(onig_to_python(pattern))
    except re.error as exc:
        return f"invalid regex {pattern!r}: {exc}"
    return None


def _enum_problem(value: str, allowed: list[str], what: str) -> str | None:
    if value.lower() in (a.lower() for a in allowed):
        return None
    return f"invalid {what} {value!r}; allowed: {', '.join(allowed)}"


def value_problem(typ: str, value: str, schema: Schema) -> str | None:
    """What is wrong with `value` for a key of schema type `typ`, or None when it is fine."""
    v = value.strip()
    core = schema.core
    if typ == "boolean":
        if v.lower() not in BOOLEANS:
            return f"invalid boolean {value!r}; allowed: {', '.join(BOOLEANS)}"
    elif typ == "integer":
        if not _INT.match(v):
            return f"invalid integer {value!r}"
    elif typ in ("double", "positive_double"):
        if not _DOUBLE.match(v):
            return f"invalid number {value!r}"
        if typ == "positive_double" and float(v) <= 0:
            return f"must be greater than 0, found {value!r}"
    elif typ == "port":
        if not _INT.match(v) or not 0 <= int(v) <= 65535:
            return f"invalid port {value!r}; allowed: an integer 0-65535"
    elif typ == "time":
        if not _TIME.match(v):
            return f"invalid time {value!r}; allowed: seconds with an optional s, m, h or d suffix"
    elif typ in ("size", "size_or_off"):
        if typ == "size_or_off" and v.lower() in ("off", "false", "no"):
            return None
        if not _SIZE.match(v):
            return f"invalid size {value!r}; allowed: bytes with an optional K, M or G suffix"
    elif typ == "retry_limit":
        if v.lower() in ("no_limits", "false", "off", "no_retries"):
            return None
        if not _INT.match(v) or int(v) <= 0:
            return (
                f"invalid retry_limit {value!r}; allowed: a positive integer, no_limits, no_retries"
            )
    elif typ in ("log_level", "storage_type", "storage_sync"):
        return _enum_problem(v, core["enums"][typ], typ.replace("_", " "))
    elif typ == "parser_format":
        return _enum_problem(v, core["parser"]["formats"], "parser format")
    elif typ == "multiline_type":
        return _enum_problem(v, core["multiline_parser"]["types"], "multiline parser type")
    elif typ == "regex":
        return regex_problem(value)
    elif typ == "time_offset":
        if not _OFFSET.match(v):
            return f"invalid UTC offset {value!r}; allowed: like +0200 or -06:00"
    elif typ == "parser_types":
        allowed = core["parser"]["value_types"]
        for item in v.split():
            field, _, kind = item.partition(":")
            if not field or kind not in allowed:
                return f"invalid type entry {item!r}; allowed: <key>:<{'|'.join(allowed)}>"
    elif m := _MIN_TOKENS.match(typ):
        need = int(m.group(1))
        if len(v.split()) < need:
            return f"needs at least {need} space-separated values, found {value!r}"
    return None
