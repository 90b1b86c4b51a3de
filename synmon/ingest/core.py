"""One ingest pass over the landing zone: find what is new, load it, account for every record.

`ingest_landing` walks `landing/<stream>/` for each stream, skips files whose size and mtime match
their manifest, reads only complete lines past the consumed offset, writes typed Parquet and
quarantine per byte range, and commits each file's manifest last. One pass holds an exclusive lock
on the lake so the sensor's run and a CLI run cannot interleave.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from synmon.filelock import file_lock
from synmon.ingest import lake as lk
from synmon.ingest.access import COLUMNS as ACCESS_COLUMNS
from synmon.ingest.access import access_sql
from synmon.ingest.archive import archive_consumed
from synmon.ingest.content import Unreadable, read_new
from synmon.ingest.jsonload import FastRead, load_json, load_parsed, start_fast
from synmon.ingest.pyload import Consumed, load_metrics, load_spans
from synmon.ingest.report import FileResult, IngestReport, StreamReport
from synmon.ingest.schemas import JSON_STREAMS

SUPPORTED_STREAMS: tuple[str, ...] = (*JSON_STREAMS, "access", "metrics", "traces")
DEFAULT_STREAMS: tuple[str, ...] = SUPPORTED_STREAMS
DATASETS: dict[str, str] = {
    **{s: spec.dataset for s, spec in JSON_STREAMS.items()},
    "access": "access",
    "metrics": "metrics",
    "traces": "spans",
}


def landing_files(landing: Path, stream: str) -> list[Path]:
    """Every regular, non-hidden file under `landing/<stream>/`, sorted."""
    root = landing / stream
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return sorted(found)


def _connect(lake: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"SET temp_directory = '{lake / lk.TMP_DIR / 'duckdb'}'")
    con.execute("SET memory_limit = '1500MB'")
    con.execute("SET enable_progress_bar = false")
    return con


def ingest_landing(
    landing: Path,
    lake: Path,
    streams: Sequence[str] | None = None,
    *,
    archive: bool = False,
    settle_seconds: float = 2.0,
) -> IngestReport:
    """Ingest everything new in `landing/<stream>/` into the lake; see docs/architecture.md.

    With `archive`, files fully consumed and unchanged for `settle_seconds` (two Fluent Bit flush
    intervals by default) move to `landing/_consumed/<stream>/` after the pass.
    """
    landing, lake = Path(landing), Path(lake)
    names = tuple(streams) if streams else DEFAULT_STREAMS
    unknown = [s for s in names if s not in SUPPORTED_STREAMS]
    if unknown:
        raise ValueError(f"unsupported streams {unknown}; supported: {list(SUPPORTED_STREAMS)}")
    report = IngestReport({s: StreamReport() for s in names})
    lake.mkdir(parents=True, exist_ok=True)
    with file_lock(lake / lk.MANIFEST_DIR / ".ingest.lock"):
        # Scratch files of a killed run: nobody else writes here while we hold the lock.
        shutil.rmtree(lake / lk.TMP_DIR, ignore_errors=True)
        run_tmp = lake / lk.TMP_DIR / f"run-{os.getpid()}"
        con = _connect(lake)
        try:
            for stream in names:
                for path in landing_files(landing, stream):
                    _ingest_file(con, landing, lake, stream, path, report.streams[stream], run_tmp)
                if archive:
                    report.streams[stream].archived = archive_consumed(
                        landing, lake, stream, landing_files(landing, stream), settle_seconds
                    )
        finally:
            con.close()
            shutil.rmtree(run_tmp, ignore_errors=True)
    return report


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    lake: Path,
    stream: str,
    path: Path,
    out: StreamReport,
    run_tmp: Path,
) -> None:
    rel = path.relative_to(landing).as_posix()
    within = path.relative_to(landing / stream).as_posix()
    base_slug = lk.source_slug(within)
    man = lk.load_manifest(lake, stream, base_slug, rel)
    st = path.stat()
    if st.st_size == man.size and st.st_mtime_ns == man.mtime_ns:
        return
    result = FileResult()
    out.per_file[rel] = result
    # The fast read of a whole JSON file runs beside the Python pre-scan; load_json checks it.
    fast = start_fast(con, stream, path, man.bytes_consumed)
    try:
        _load_file(con, landing, lake, stream, path, man, st, result, out, run_tmp, fast)
    except Exception as exc:  # one file's failure must not stop the run
        _failed(lake, stream, rel, base_slug, result, exc)
    finally:
        if fast is not None:
            fast.close()


def _failed(
    lake: Path, stream: str, rel: str, slug: str, result: FileResult, exc: Exception
) -> None:
    """Record a file the reader failed on: nothing of this pass stays in the lake, its manifest
    names the error, and the next run tries it again."""
    man = lk.load_manifest(lake, stream, slug, rel)
    for generation in {0, man.generation}:
        name = slug if generation == 0 else f"{slug}.g{generation}"
        lk.remove_uncommitted(lake, DATASETS[stream], stream, name, man.bytes_consumed)
    result.records_in = result.loaded = result.quarantined = 0
    result.error = f"ingest failed on this file ({type(exc).__name__}: {str(exc)[:300]})"
    man.error, man.note = result.error, result.error
    lk.save_manifest(lake, slug, man)


def _load_file(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    lake: Path,
    stream: str,
    path: Path,
    man: lk.Manifest,
    st: os.stat_result,
    result: FileResult,
    out: StreamReport,
    run_tmp: Path,
    fast: FastRead | None,
) -> None:
    rel = path.relative_to(landing).as_posix()
    base_slug = lk.source_slug(path.relative_to(landing / stream).as_posix())
    try:
        content = read_new(
            path,
            run_tmp,
            offset=man.bytes_consumed,
            lines_before=man.lines_consumed,
            prefix_sha256=man.sha256 or None,
            keep_tail=stream in ("metrics", "traces"),
        )
    except (Unreadable, OSError) as exc:
        result.error = str(exc)
        man.error, man.size, man.mtime_ns = result.error, st.st_size, st.st_mtime_ns
        man.note = f"unreadable: {exc}"
        lk.save_manifest(lake, base_slug, man)
        return
    if content.restarted:
        man.generation += 1
        man.history.append(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {content.note}")
        result.note = content.note
    slug = base_slug if man.generation == 0 else f"{base_slug}.g{man.generation}"
    dataset = DATASETS[stream]
    lk.remove_uncommitted(lake, dataset, stream, slug, content.start)
    name = f"{slug}-{content.start}-{content.end}"
    consumed: Consumed | None = None
    if content.n_lines:
        if stream == "metrics":
            consumed = load_metrics(con, path, content, rel, lake, name, result, out)
        elif stream == "traces":
            consumed = load_spans(con, path, content, rel, lake, name, result, out)
        elif stream == "access":
            sql = access_sql(content, rel, datetime.now(UTC).replace(tzinfo=None))
            good, bad = load_parsed(
                con, sql, "access", "access", [*ACCESS_COLUMNS], lake, name, out
            )
            result.records_in, result.loaded, result.quarantined = good + bad, good, bad
            result.reader = "lines"
        else:
            load_json(con, stream, content, rel, lake, slug, result, out, fast)
    man.sha256, man.bytes_consumed = content.sha256, content.end
    man.lines_consumed = content.first_line - 1 + content.n_lines
    if consumed is not None:  # an unfinished last line or document waits for the next run
        man.sha256, man.bytes_consumed = consumed.sha256, consumed.end
        man.lines_consumed = content.first_line - 1 + consumed.lines
    man.records_in += result.records_in
    man.loaded += result.loaded
    man.quarantined += result.quarantined
    man.size, man.mtime_ns, man.error = st.st_size, st.st_mtime_ns, None
    man.note = content.note or man.note
    lk.save_manifest(lake, base_slug, man)
    if content.read_path != path:
        content.read_path.unlink(missing_ok=True)
