"""The bytes of one landing file that are new since the last run.

Owns everything byte-level: opening plain or gzip content (by magic number, not by name), checking
that the already-consumed prefix is unchanged (sha256), finding the complete lines past the consumed
offset (a trailing line without its newline waits, except at the end of a finished gzip stream;
with `keep_tail` it is handed over for the reader to decide), and handing DuckDB a file it can
read as one VARCHAR column per line (a UTF-8 byte order mark at the start is left out of it).
Clean content is passed as is; dirty blocks are cleaned into a copy (`cleaning`). The pass
holds the GIL only for its cheap checks (hashlib and numpy release it), so it can run in a
thread beside a DuckDB query over the same file.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from synmon.ingest.cleaning import BOM, is_clean, normalized, utf8_span

CHUNK = 8 << 20
BINARY_PROBE = 8192


class Unreadable(Exception):
    """The file cannot be read at all (binary content, truncated or corrupt gzip)."""


@dataclass(frozen=True)
class NewContent:
    """The complete lines of a file past its consumed offset, ready for a reader."""

    read_path: Path  # what the line reader opens: the source itself or a prepared copy
    first_line: int  # 1-based line number of the first new line
    n_lines: int  # complete new lines (the reader must ignore any line after them)
    start: int  # content byte offset where the new lines begin
    end: int  # content byte offset just past the last complete line
    sha256: str  # of content bytes [0, end)
    restarted: bool  # the consumed prefix had changed, so the file was read from the start
    note: str
    partial: bool = False  # a trailing line without its newline was left for the next run
    copied: bool = False  # read_path is a prepared copy holding exactly the new lines
    tail: int = 0  # bytes of an unterminated last line included in [start, end) (`keep_tail`)
    bom: bool = False  # the content starts with a UTF-8 byte order mark (left out of the copy)
    # numpy int64, one per new line: where in read_path the line ends (its newline's offset)
    line_ends: Any = None


def _newlines(block: bytes | memoryview) -> Any:
    """Offsets of the newlines in a block (numpy: bytes.count alone costs more than hashing)."""
    import numpy as np

    return np.flatnonzero(np.frombuffer(block, np.uint8) == 10)


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_content(path: Path) -> BinaryIO:
    """The file's content bytes: gunzipped when it starts with the gzip magic number."""
    return gzip.open(path, "rb") if is_gzip(path) else path.open("rb")  # type: ignore[return-value]


def _chunks(path: Path) -> Iterator[bytes]:
    try:
        with open_content(path) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    except EOFError as exc:
        raise Unreadable(f"truncated gzip: {exc}") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise Unreadable(f"corrupt gzip: {exc}") from exc


class _Restart(Exception):
    """The consumed prefix is gone or different: the file must be read from the start."""


def read_new(
    path: Path,
    tmp_dir: Path,
    *,
    offset: int = 0,
    lines_before: int = 0,
    prefix_sha256: str | None = None,
    keep_tail: bool = False,
) -> NewContent:
    """Hash, count and (when needed) copy the complete lines of `path` past `offset`.

    Raises Unreadable for binary or broken-gzip files. When the prefix [0, offset) no longer
    matches `prefix_sha256`, the whole file is read again from the start (`restarted`). With
    `keep_tail`, an unterminated last line is included (`tail` bytes) for the reader to take or
    give back (OTLP documents are often saved without a trailing newline).
    """
    compressed = is_gzip(path)
    final = compressed or keep_tail
    try:
        for sanitize in (False, True):
            result = _scan(path, tmp_dir, offset, lines_before, prefix_sha256, final, sanitize)
            if result is not None:
                return result
    except _Restart as why:
        for sanitize in (False, True):
            result = _scan(path, tmp_dir, 0, 0, None, final, sanitize)
            if result is not None:
                return NewContent(
                    **{**result.__dict__, "restarted": True, "note": f"{why}; re-read"}
                )
    raise AssertionError("unreachable: a sanitizing scan always returns")


class _Sink:
    """Hash, count, check and (when copying) write the complete lines of one scan, noting where
    each line ends in the file the reader will open (the copy, else the source)."""

    def __init__(self, out: BinaryIO | None, end: int, hasher: Any) -> None:
        self.out, self.end, self.hasher, self.n_lines = out, end, hasher, 0
        self.at = 0 if out is not None else end  # bytes of the reader's file so far
        self.ends: list[Any] = []

    def emit(self, data: bytes | memoryview, where: Any = None) -> int:
        """Note the line ends of `data`, the reader's next bytes (`where`: its newlines' offsets,
        when known); its line count."""
        where = _newlines(data) if where is None else where
        if len(where):
            self.ends.append(where + self.at)
        self.at += len(data)
        return len(where)

    def block(self, block: bytes, strip_bom: bool = False) -> bool:
        """One block of whole lines; False when it is dirty and there is no copy to clean into."""
        self.hasher.update(block)
        self.end += len(block)
        out_block = block[len(BOM) :] if strip_bom else block
        if is_clean(block):
            self.n_lines += self.emit(out_block)
            if self.out is not None:
                self.out.write(out_block)
            return True
        if self.out is None:
            return False
        cleaned = normalized(out_block)
        self.n_lines += block.count(b"\n")
        self.emit(cleaned)
        self.out.write(cleaned)
        return True

    def span(self, chunk: bytes, lo: int, hi: int) -> bool:
        """`chunk[lo:hi]` (whole lines), checked in place: a slice of 8 MiB costs a copy.

        One numpy pass finds every byte below 14: the newlines, and any CR or NUL/SOH/STX that
        makes the span dirty (four `bytes.find` passes cost more)."""
        import numpy as np

        view = memoryview(chunk)[lo:hi]
        data = np.frombuffer(view, np.uint8)
        low = np.flatnonzero(data < 14)
        kinds = data[low]
        if np.any((kinds <= 2) | (kinds == 13)) or not utf8_span(chunk, lo, hi):
            return self.block(chunk[lo:hi])
        self.hasher.update(view)
        self.end += hi - lo
        self.n_lines += self.emit(view, low[kinds == 10])
        if self.out is not None:
            self.out.write(view)
        return True

    def line_ends(self) -> Any:
        import numpy as np

        return np.concatenate(self.ends) if self.ends else np.zeros(0, np.int64)


def _scan(
    path: Path,
    tmp_dir: Path,
    offset: int,
    lines_before: int,
    prefix_sha256: str | None,
    final: bool,
    sanitize: bool,
) -> NewContent | None:
    """One pass; returns None when it met a dirty block without a copy to sanitize into.

    `final`: the bytes after the last newline are a last line (a finished gzip stream, or
    `keep_tail`), not a line still being written. Each chunk is taken as the line that straddles
    it and the previous one (a small block) and the whole lines after it, checked in place."""
    compressed = is_gzip(path)
    copy = sanitize or compressed or offset > 0
    tmp_dir.mkdir(parents=True, exist_ok=True)
    out_path = tmp_dir / f"{path.name}.{offset}.lines"
    hasher = hashlib.sha256()
    pos = 0
    pending = b""
    checked = offset == 0
    bom = False
    out = out_path.open("wb") if copy else None
    sink = _Sink(out, offset, hasher)
    try:
        for chunk in _chunks(path):
            if pos == 0 and offset == 0:
                if b"\x00" in chunk[:BINARY_PROBE]:
                    raise Unreadable("binary content (NUL bytes in the first 8 KiB)")
                bom = chunk.startswith(BOM)
                if bom and out is None:
                    return None  # DuckDB must not see the mark: read a copy without it
            if not checked:
                take = chunk[: offset - pos]
                hasher.update(take)
                pos += len(take)
                chunk = chunk[len(take) :]
                if pos < offset:
                    continue
                if hasher.hexdigest() != prefix_sha256:
                    raise _Restart("content changed before the consumed offset")
                checked = True
            pos += len(chunk)
            head = chunk.find(b"\n") + 1
            if not head:
                pending += chunk
                continue
            first_block = bom and sink.end == 0
            if not sink.block(pending + chunk[:head], strip_bom=first_block):
                return None
            cut = chunk.rfind(b"\n") + 1
            if cut > head and not sink.span(chunk, head, cut):
                return None
            pending = chunk[cut:]
        if not checked:
            raise _Restart("file shrank below the consumed offset")
        tail = len(pending) if final and pending else 0
        if tail:
            hasher.update(pending)
            sink.end += len(pending)
            sink.n_lines += 1
            if bom and sink.end == len(pending):
                pending = pending[len(BOM) :]
            block = pending + b"\n"
            if out is not None:
                block = block if is_clean(block) else normalized(block)
                out.write(block)
            sink.emit(block)  # without a copy the line ends at the end of the file
            pending = b""
    finally:
        if out is not None:
            out.close()
    return NewContent(
        read_path=out_path if copy else path,
        first_line=lines_before + 1,
        n_lines=sink.n_lines,
        start=offset,
        end=sink.end,
        sha256=hasher.hexdigest(),
        restarted=False,
        note="",
        partial=bool(pending),
        copied=copy,
        tail=0 if compressed else tail,
        bom=bom,
        line_ends=sink.line_ends(),
    )
