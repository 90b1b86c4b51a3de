"""Vectorised text assembly for the simulator: many lines at once, without a per-record loop.

Each line is laid out as a fixed-width row of bytes in a numpy matrix. Fields come from lookup
tables (one row per possible value, padded with NUL bytes) picked by an index array; the NUL
padding is dropped when the matrix is flattened. Formatting a day of requests this way costs a few
table lookups per field instead of a `json.dumps` call per record.

Lines whose fields vary in width can instead be joined from Arrow string columns (`strings`,
`fixed_strings`, `join_lines`): Arrow's C++ kernels concatenate them element-wise into one buffer,
with no padding to strip (about twice as fast as the matrix, and they release the GIL).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.integer]
ByteTable = npt.NDArray[np.uint8]


def table(values: list[str] | tuple[str, ...], prefix: str = "", suffix: str = "") -> ByteTable:
    """A lookup table: row i holds `prefix + values[i] + suffix` as UTF-8, NUL padded."""
    encoded = [(prefix + v + suffix).encode() for v in values]
    width = max(len(e) for e in encoded)
    return np.array(encoded, dtype=f"S{width}").view(np.uint8).reshape(len(encoded), width)


def _digit_tables() -> tuple[ByteTable, ByteTable]:
    full = table([f"{i:03d}" for i in range(1000)])
    lead = table([f"{i:>3d}" for i in range(1000)])
    lead[lead == ord(" ")] = 0
    return full, lead


DIGITS3, DIGITS3_LEAD = _digit_tables()
NULL3 = np.zeros((1, 3), dtype=np.uint8)
FRACTION2 = table([f".{i:02d}" for i in range(100)])
FRACTION3 = table([f".{i:03d}" for i in range(1000)])
DIGIT2 = table([f"{i:02d}" for i in range(100)])


class LineBuilder:
    """Assembles `n` lines from literal text, table lookups and integers; see the module doc."""

    def __init__(self, n: int) -> None:
        self.n = n
        # (kind, width, payload): "lit" bytes, "take" (table, index), "block" matrix, "hex" bytes
        self._parts: list[tuple[str, int, object]] = []

    def lit(self, text: str) -> LineBuilder:
        """The same text on every line."""
        data = np.frombuffer(text.encode(), dtype=np.uint8)
        self._parts.append(("lit", len(data), data))
        return self

    def take(self, tab: ByteTable, idx: IntArray) -> LineBuilder:
        """Row `idx[i]` of `tab` on line i."""
        self._parts.append(("take", int(tab.shape[1]), (tab, np.asarray(idx))))
        return self

    def block(self, rows: npt.NDArray[np.uint8]) -> LineBuilder:
        """A ready (n, width) byte matrix, NUL padded (e.g. fields that differ per line kind)."""
        self._parts.append(("block", int(rows.shape[1]), rows))
        return self

    def integer(self, values: IntArray, groups: int = 2) -> LineBuilder:
        """Non-negative integers below max(100000, 1000**groups), in decimal."""
        x = np.asarray(values, dtype=np.int64)
        if x.size == 0 or int(x.max()) < 100_000:
            return self.take(_int5(), x)
        higher_nonzero = np.zeros(self.n, dtype=bool)
        for g in range(groups - 1, -1, -1):
            group = (x // 1000**g) % 1000
            if g == 0:
                self.block(np.where(higher_nonzero[:, None], DIGITS3[group], DIGITS3_LEAD[group]))
            else:
                leading = np.where((group > 0)[:, None], DIGITS3_LEAD[group], NULL3)
                self.block(np.where(higher_nonzero[:, None], DIGITS3[group], leading))
                higher_nonzero |= group > 0
        return self

    def decimal(self, values: npt.NDArray[np.floating], places: int = 2) -> LineBuilder:
        """Non-negative numbers below 1e9 with 2, 3 or 6 decimal places (trailing zeros kept)."""
        scale = 10**places
        scaled = np.rint(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
        self.integer(scaled // scale, groups=3)
        fraction = scaled % scale
        if places == 2:
            return self.take(FRACTION2, fraction)
        if places == 3:
            return self.take(FRACTION3, fraction)
        if places != 6:
            raise ValueError(f"places must be 2, 3 or 6, not {places}")
        return self.take(FRACTION3, fraction // 1000).take(DIGITS3, fraction % 1000)

    def hex_id(self, random_bytes: npt.NDArray[np.uint8]) -> LineBuilder:
        """Lower-case hex of an (n, k) byte matrix: 2k characters per line."""
        self._parts.append(("hex", 2 * int(random_bytes.shape[1]), random_bytes))
        return self

    def matrix(self) -> npt.NDArray[np.uint8]:
        """The (n, width) NUL-padded byte matrix of all parts."""
        out = np.empty((self.n, sum(w for _, w, _ in self._parts)), dtype=np.uint8)
        col = 0
        for kind, width, payload in self._parts:
            dest = out[:, col : col + width]
            if kind == "take":
                tab, idx = payload  # type: ignore[misc]
                np.take(tab, idx, axis=0, out=dest, mode="wrap")
            elif kind == "hex":
                dest.view(np.uint16)[:] = _HEX_PAIRS[np.asarray(payload)]
            else:
                dest[:] = payload
            col += width
        return out

    def build(self) -> bytes:
        """The lines as one bytes object (NUL padding removed)."""
        return compact(self.matrix())


_HEX_PAIRS = np.array([f"{i:02x}".encode() for i in range(256)]).view(np.uint16)


@cache
def _int5() -> ByteTable:
    return table([str(i) for i in range(100_000)])


@cache
def _clock_tables() -> tuple[ByteTable, ByteTable]:
    minutes = table([f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440)])
    seconds = table([f"{ms // 1000:02d}.{ms % 1000:03d}" for ms in range(60_000)])
    return minutes, seconds


@cache
def zero_padded(rows: int, width: int) -> ByteTable:
    """Row i holds i with leading zeros to `width` digits (for ids like u-000123)."""
    return table([f"{i:0{width}d}" for i in range(rows)])


def clock(builder: LineBuilder, ms_of_day: IntArray) -> LineBuilder:
    """HH:MM:SS.mmm of a millisecond-of-day array."""
    minutes, seconds = _clock_tables()
    return builder.take(minutes, ms_of_day // 60_000).take(seconds, ms_of_day % 60_000)


def compact(rows: npt.NDArray[np.uint8]) -> bytes:
    """Flatten a NUL-padded byte matrix into text."""
    return rows.tobytes().translate(None, b"\0")


def row_lengths(rows: npt.NDArray[np.uint8]) -> IntArray:
    """Bytes per row once the NUL padding is dropped (to split compacted text by rows)."""
    return np.count_nonzero(rows, axis=1)


def strings(values: list[str] | tuple[str, ...]) -> pa.LargeStringArray:
    """A lookup table of Arrow strings (rows picked by `pick`)."""
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), data)


def fixed_strings(rows: npt.NDArray[np.uint8]) -> pa.LargeStringArray:
    """An (n, width) byte matrix without NUL padding as n strings, sharing its memory."""
    n, width = rows.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    data = np.ascontiguousarray(rows)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def pick(tab: pa.LargeStringArray, idx: IntArray) -> pa.LargeStringArray:
    """Row `idx[i]` of `tab` on line i."""
    return pc.take(tab, _int64(idx))


def decimal_strings(values: IntArray) -> pa.LargeStringArray:
    """Integers in decimal, as strings."""
    return pc.cast(_int64(values), pa.large_string())


def join_lines(pieces: list[pa.LargeStringArray | str], n: int) -> pa.Buffer:
    """Concatenate the pieces row by row (a str is the same on every row) into one buffer."""
    rows = [p if not isinstance(p, str) else _repeat(p, n) for p in pieces]
    joined = pc.binary_join_element_wise(*rows, _repeat("", n))
    if n == 0:
        return pa.py_buffer(b"")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    first, last = int(offsets[joined.offset]), int(offsets[joined.offset + n])
    return joined.buffers()[2].slice(first, last - first)


# Arrow arrays and scalars are built from buffers: `pa.array` and `pa.scalar` import pandas
# (about 1 CPU second) to check whether their argument is a pandas object.
def _int64(values: IntArray) -> pa.Int64Array:
    x = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(x), [None, pa.py_buffer(x)])


def _repeat(text: str, n: int) -> pa.LargeStringArray:
    data = np.frombuffer(text.encode(), dtype=np.uint8)
    return fixed_strings(np.broadcast_to(data, (n, len(data))))
