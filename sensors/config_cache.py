"""Config files parsed once and again only when they change: the sensor ticks read alerts.yaml,
channels.yaml and oncall.yaml every few seconds, and parsing YAML was most of an idle tick's CPU."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_PARSED: dict[tuple[str, str], tuple[tuple[int, int, int], Any]] = {}


def load_cached(path: Path, loader: Callable[[Path], T]) -> T:
    """`loader(path)`, parsed again only when the file was replaced or changed (inode, mtime,
    size). Parsing alerts, channels and on-call YAML was most of an idle tick's CPU."""
    try:
        st = path.stat()
    except OSError:
        return loader(path)  # the loader's own error names the file
    stamp, key = (st.st_ino, st.st_mtime_ns, st.st_size), (str(path), loader.__qualname__)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = loader(path)
    _PARSED[key] = (stamp, value)
    return value
