"""Keeping the landing zone bounded: fully consumed, settled files move to `landing/_consumed/`.

Fluent Bit's `file` output cannot rotate, but it opens its file at every flush ("ab+") and closes
it after the write (plugins/out_file, cb_file_flush), so a file moved aside between flushes is
simply created again at the next one. A file moves when its manifest says every byte was
consumed, it has not changed since that run, and it has not been written for `settle_seconds`
(two flush intervals). The move keeps the path below the stream (`_consumed/<stream>/<path>`),
and the manifest starts a new generation, so the re-created file is read from its first byte
into new output names: nothing is lost and nothing counted twice. If the file grew while it was
being moved, it is moved back (when Fluent Bit has not already re-created it).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from synmon.ingest import lake as lk
from synmon.ingest.content import is_gzip

CONSUMED_DIR = "_consumed"


def _free(dest: Path) -> Path:
    n, candidate = 0, dest
    while candidate.exists():
        n += 1
        candidate = dest.with_name(f"{dest.name}.{n}")
    return candidate


def archive_consumed(
    landing: Path, lake: Path, stream: str, files: list[Path], settle_seconds: float
) -> list[str]:
    """Move the settled, fully consumed `files` of `stream` aside; their landing-relative paths."""
    moved: list[str] = []
    now = time.time()
    for path in files:
        rel = path.relative_to(landing).as_posix()
        within = path.relative_to(landing / stream).as_posix()
        slug = lk.source_slug(within)
        if not lk.manifest_path(lake, stream, slug).exists():
            continue
        man = lk.load_manifest(lake, stream, slug, rel)
        st = path.stat()
        unchanged = man.size == st.st_size and man.mtime_ns == st.st_mtime_ns
        complete = is_gzip(path) or man.bytes_consumed == st.st_size
        if man.error or not unchanged or not complete or now - st.st_mtime < settle_seconds:
            continue
        dest = _free(landing / CONSUMED_DIR / stream / within)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, dest)
        after = dest.stat()
        if after.st_size != st.st_size or after.st_mtime_ns != st.st_mtime_ns:
            try:  # written to while moving: put it back unless the writer already re-created it
                os.link(dest, path)
                dest.unlink()
                continue
            except FileExistsError:
                man.history.append(f"{_stamp()} archived while growing; tail left in {dest}")
        man.history.append(f"{_stamp()} archived to {dest.relative_to(landing).as_posix()}")
        man.generation += 1
        man.sha256, man.bytes_consumed, man.lines_consumed = "", 0, 0
        man.size, man.mtime_ns = -1, -1
        man.note = "archived; a re-created file starts a new generation"
        lk.save_manifest(lake, slug, man)
        moved.append(rel)
    return moved


def _stamp() -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
