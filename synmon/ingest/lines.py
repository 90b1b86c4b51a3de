"""Single lines of new content, found by the line ends the pre-scan noted (`NewContent.line_ends`).

The fast reader gives rows, not text; where a row needs its line again (to be parsed by the careful
reader, or checked for a JSON boolean), these read just those lines, a span of nearby lines at a
time with `pread` (not `mmap`: mapped pages would count in the process's resident memory).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

from synmon.ingest.content import NewContent

_SPAN = 1 << 20  # most bytes read at once to serve several wanted lines
_GAP = 16 << 10  # a wider gap between wanted lines starts a new read
_SPLIT = 50_000  # from this many rows, boolean_lines checks two halves on two threads


def _spans(
    content: NewContent, rows: Sequence[int] | Any
) -> Iterator[tuple[bytes, int, Any, Any, Any]]:
    """(bytes, their offset, rows, line starts, line stops) per span of nearby wanted lines, for
    the 0-based `rows` (ascending) of `content`; starts and stops are offsets in the file."""
    import numpy as np

    wanted = np.asarray(rows, dtype=np.int64)
    if not len(wanted):
        return
    ends = content.line_ends
    stops = ends[wanted]
    starts = ends[np.maximum(wanted - 1, 0)] + 1
    starts[wanted == 0] = 0 if content.copied else content.start
    # A span ends where a gap wider than _GAP follows a line, or past _SPAN bytes from where the
    # run of close lines began.
    new_run = np.concatenate([[True], starts[1:] - stops[:-1] > _GAP])
    run_start = np.maximum.accumulate(np.where(new_run, starts, 0))
    chunk = (starts - run_start) // _SPAN
    cut = new_run | np.concatenate([[False], chunk[1:] != chunk[:-1]])
    bounds = [*np.flatnonzero(cut).tolist(), len(wanted)]
    with content.read_path.open("rb") as src:
        fd = src.fileno()
        for i, j in pairwise(bounds):
            lo = int(starts[i])
            block = os.pread(fd, int(stops[j - 1]) - lo, lo)
            yield block, lo, wanted[i:j], starts[i:j], stops[i:j]


def _span_lines(
    block: bytes, lo: int, rows: Any, starts: Any, stops: Any
) -> Iterator[tuple[int, bytes]]:
    """(row, its line) for each wanted line of one span from `_spans`."""
    for row, a, b in zip(rows.tolist(), starts.tolist(), stops.tolist(), strict=True):
        yield row, block[a - lo : b - lo]


def _doubtful(line: bytes, value: re.Pattern[bytes]) -> bool:
    """Whether a line may give `read_json` a boolean as a number (see `boolean_lines`)."""
    maybe = b"true" in line or b"false" in line
    return b"\\" in line or (maybe and value.search(line) is not None)


def pick_lines(content: NewContent, rows: Sequence[int] | Any, out_path: Path) -> int:
    """Write the new lines at 0-based `rows` (ascending) of `content` to `out_path` as
    `<line number>\\x01<line>` lines, for a reader to parse just those; how many were written.

    Clean and prepared content never holds \\x01, so it separates the two fields safely."""
    written = 0
    with out_path.open("wb") as out:
        for span in _spans(content, rows):
            for row, line in _span_lines(*span):
                out.write(b"%d\x01%b\n" % (content.first_line + row, line))
                written += 1
    return written


def boolean_lines(content: NewContent, rows: Sequence[int] | Any, keys: Iterable[str]) -> list[int]:
    """Of the 0-based `rows` (ascending), those whose line may hold a JSON `true` or `false` as
    the value of one of `keys` (any case, as `read_json` may match keys), or holds a backslash
    (a key could be spelt with escapes). A typed `read_json` reads such a value as 1 or 0.

    Where many wanted lines fill a span, numpy finds every colon followed (after at most one blank)
    by `t` or `f`, or by two blanks, and only lines holding one, or a backslash, are searched with
    the regex; where they are sparse, each line is looked at on its own. Many rows are checked in
    two halves on two threads (numpy and `pread` release the GIL)."""
    import numpy as np

    names = b"|".join(re.escape(k.encode()) for k in keys)
    value = re.compile(rb'"(?:' + names + rb')"\s*:\s*(?:true|false)', re.IGNORECASE)
    wanted = np.asarray(rows, dtype=np.int64)
    if len(wanted) < _SPLIT:
        return _booleans(content, wanted, value)
    half = len(wanted) // 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = pool.map(_booleans, [content] * 2, (wanted[:half], wanted[half:]), [value] * 2)
        return [row for part in parts for row in part]


def _booleans(content: NewContent, rows: Any, value: re.Pattern[bytes]) -> list[int]:
    import numpy as np

    doubted: list[int] = []
    for block, lo, picked, starts, stops in _spans(content, rows):
        if len(picked) < 64 or int((stops - starts).sum()) * 4 < len(block):  # line by line
            spanned = _span_lines(block, lo, picked, starts, stops)
            doubted += [row for row, line in spanned if _doubtful(line, value)]
            continue
        # A span ends with a line's last byte, `}` in any line read_json took: no colon there.
        data = np.frombuffer(block, np.uint8)
        colon = np.flatnonzero(data[:-2] == 58)
        after, then = data[colon + 1], data[colon + 2]
        blank = (after == 32) | (after == 9)
        letter = (after == 116) | (after == 102)
        later = (then == 116) | (then == 102) | (then == 32) | (then == 9)
        suspects = colon[letter | (blank & later)]
        if b"\\" in block:
            suspects = np.concatenate([suspects, np.flatnonzero(data == 92)])
        if not len(suspects):
            continue
        lines = np.unique(np.searchsorted(stops - lo, suspects, side="left"))
        for k in lines[lines < len(picked)].tolist():
            if _doubtful(block[int(starts[k]) - lo : int(stops[k]) - lo], value):
                doubted.append(int(picked[k]))
    return doubted
