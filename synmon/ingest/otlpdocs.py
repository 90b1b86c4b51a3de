"""Cutting the new bytes of an OTLP/JSON landing file into request documents, and what waits.

Two layouts exist. An OTel Collector's file exporter writes one request per line (line mode): each
non-blank line is one document, and a last line without its newline is taken when it parses as a
complete JSON document (an SDK's POST body saved without a trailing newline), else it waits for
the writer. An SDK export saved pretty-printed starts with a line holding only `{` (document mode):
documents are read one after another wherever their lines end; a document that runs out of text
(a file still being written) waits, from its first line, for the next run; a document that is
broken before its end is one rejected record, from its first line to the next line holding only
`}` (where a pretty-printer closes it). A finished gzip stream never waits: what is left is
rejected. The structure helpers (`leaves`, `attributes`) read the resource and scope levels of
a request and reject a level that is not the shape OTLP defines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


class BadPoint(ValueError):
    """A data point, span or level that cannot become rows; the message is the reason."""


Reject = tuple[int, str, str]


@dataclass(frozen=True)
class Doc:
    """One document's first line, its parsed value (None when it is not valid JSON), its text
    and, for a rejected one, why."""

    line: int
    value: Any | None
    raw: str
    reason: str = ""


def _readable(segment: str) -> str:
    """Text for json and for humans: undecodable bytes (kept as surrogates) become U+FFFD."""
    return segment.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _incomplete(text: str, start: int, err: json.JSONDecodeError) -> bool:
    """Whether the document at `start` failed only because the text ends inside it."""
    rest = text.rstrip(_WS)
    if err.pos >= len(rest):
        return True
    # A string still being written: its opening quote is on the last line.
    return err.msg.startswith("Unterminated string") and "\n" not in rest[err.pos :]


def split(text: str, first_line: int, final: bool) -> tuple[list[Doc], int]:
    """(documents, characters of `text` consumed); `text` is the new content decoded with
    `surrogateescape`, `first_line` the line number of its first character."""
    head = next((ln.strip(_WS) for ln in text.split("\n") if ln.strip(_WS)), "")
    if head in ("{", "["):
        return _documents(text, first_line, final)
    return _lines(text, first_line, final)


def _lines(text: str, first_line: int, final: bool) -> tuple[list[Doc], int]:
    docs: list[Doc] = []
    pos = 0
    for i, line in enumerate(text.split("\n")):
        end = pos + len(line)
        complete = end < len(text)  # a newline follows
        if line.strip(_WS):
            readable = _readable(line)
            try:
                docs.append(Doc(first_line + i, json.loads(readable), readable))
            except ValueError as exc:
                if not complete and not final:
                    return docs, pos  # the writer has not finished this line
                docs.append(Doc(first_line + i, None, readable, f"not valid JSON: {exc}"))
        pos = end + 1
    return docs, len(text)


def _documents(text: str, first_line: int, final: bool) -> tuple[list[Doc], int]:
    docs: list[Doc] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        if pos >= len(text):
            return docs, len(text)
        line = first_line + text.count("\n", 0, pos)
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            if not final and _incomplete(text, pos, err):
                line_start = text.rfind("\n", 0, pos) + 1
                return docs, line_start
            end = _bad_end(text, pos)
            where = f"line {first_line + text.count(chr(10), 0, err.pos)}"
            reason = f"not valid JSON: {err.msg} ({where})"
            docs.append(Doc(line, None, _readable(text[pos:end]), reason))
            pos = end
            continue
        docs.append(Doc(line, value, _readable(text[pos:end])))
        pos = end


def _bad_end(text: str, pos: int) -> int:
    """Where a broken document starting at `pos` ends: after the next line holding only `}` or
    `]` when its first line holds only `{` or `[`, else at the end of its first line."""
    eol = text.find("\n", pos)
    first = text[pos : len(text) if eol < 0 else eol].strip(_WS)
    if eol < 0:
        return len(text)
    if first not in ("{", "["):
        return eol + 1
    closer = "\n" + ("}" if first == "{" else "]")
    at = eol
    while (at := text.find(closer, at)) >= 0:
        after = at + len(closer)
        nl = text.find("\n", after)
        stop = len(text) if nl < 0 else nl
        if not text[after:stop].strip(_WS):
            return stop if nl < 0 else nl + 1
        at = after
    return len(text)


def any_value(v: Any) -> Any:
    """An OTLP AnyValue as a plain Python value."""
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "boolValue" in v:
        return v["boolValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "arrayValue" in v:
        return [any_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in v:
        return attributes((v["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attributes(kvs: Any) -> dict[str, Any]:
    """OTLP KeyValue list as a dict; a list that is not one raises BadPoint."""
    if kvs is None:
        return {}
    if not isinstance(kvs, list) or not all(isinstance(kv, dict) for kv in kvs):
        raise BadPoint(f"attributes: {shown(kvs)} is not a list of key-value objects")
    return {str(kv["key"]): any_value(kv.get("value")) for kv in kvs if "key" in kv}


def shown(v: Any) -> str:
    return repr(v)[:40]


def as_object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPoint(f"{key}: {shown(value)} is not an object")
    return value


def as_list(parent: dict[str, Any], key: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPoint(f"{key}: {shown(value)} is not a list")
    return value


def leaves(
    doc: Any, line: int, top: str, scopes: str, items: str
) -> tuple[list[tuple[dict[str, Any], Any]], list[Reject]]:
    """(resource attributes, item) pairs of one request; a resource or scope that cannot be
    read is one reject (its items cannot be counted)."""
    kind = "metrics" if top == "resourceMetrics" else "traces"
    if not isinstance(doc, dict) or top not in doc:
        return [], [(line, f"not an OTLP {kind} request (no {top})", json.dumps(doc)[:65536])]
    try:
        resources = as_list(doc, top)
    except BadPoint as exc:
        return [], [(line, str(exc), json.dumps(doc)[:65536])]
    out: list[tuple[dict[str, Any], Any]] = []
    rejects: list[Reject] = []
    for rs in resources:
        try:
            if not isinstance(rs, dict):
                raise BadPoint(f"{shown(rs)} is not an object")
            resource = attributes(as_object(rs, "resource").get("attributes"))
            scope_list = as_list(rs, scopes)
        except (BadPoint, ValueError, TypeError) as exc:
            rejects.append((line, f"{top}[]: {exc}", json.dumps(rs)[:65536]))
            continue
        for ss in scope_list:
            if isinstance(ss, dict) and isinstance(ss.get(items, []), list):
                out.extend((resource, item) for item in ss.get(items) or [])
            else:
                why = (
                    f"{shown(ss)} is not an object"
                    if not isinstance(ss, dict)
                    else (f"{items}: {shown(ss.get(items))} is not a list")
                )
                rejects.append((line, f"{scopes}[]: {why}", json.dumps(ss)[:65536]))
    return out, rejects
