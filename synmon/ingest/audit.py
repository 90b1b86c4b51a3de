"""Reading back what ingestion wrote: reconciliation of counts and the quarantine listing.

`reconcile` checks, per stream, that every manifest says records_in = loaded + quarantined and
that the rows really in the lake and in quarantine match the manifests' totals. `list_quarantine`
returns quarantined records (newest first) and the files that could not be read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from synmon.ingest.core import DATASETS
from synmon.ingest.lake import QUARANTINE_DIR, read_manifests


@dataclass
class Reconciliation:
    """Counts from the manifests against rows found on disk for one stream."""

    stream: str
    files: int = 0
    records_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    lake_rows: int = 0
    quarantine_rows: int = 0
    unbalanced_files: list[str] = field(default_factory=list)
    unreadable_files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced_files
            and self.records_in == self.loaded + self.quarantined
            and self.lake_rows == self.loaded
            and self.quarantine_rows == self.quarantined
        )


def _count(pattern: Path) -> int:
    if not any(pattern.parent.parent.glob(f"{pattern.parent.name}/{pattern.name}")):
        return 0
    con = duckdb.connect()
    try:
        row = con.execute(
            f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning=false)"
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def reconcile(lake: Path, stream: str) -> Reconciliation:
    result = Reconciliation(stream=stream)
    for man in read_manifests(lake, stream):
        result.files += 1
        result.records_in += man["records_in"]
        result.loaded += man["loaded"]
        result.quarantined += man["quarantined"]
        if man["records_in"] != man["loaded"] + man["quarantined"]:
            result.unbalanced_files.append(man["path"])
        if man.get("error"):
            result.unreadable_files[man["path"]] = man["error"]
    result.lake_rows = _count(lake / DATASETS[stream] / "date=*" / "*.parquet")
    result.quarantine_rows = _count(lake / QUARANTINE_DIR / stream / "*.parquet")
    return result


def list_quarantine(lake: Path, stream: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Quarantined records (`stream`, `file`, `line`, `reason`, `raw`, `ingested_at`)."""
    streams = [stream] if stream else sorted(DATASETS)
    files = [p for s in streams for p in sorted((lake / QUARANTINE_DIR / s).glob("*.parquet"))]
    if not files:
        return []
    con = duckdb.connect()
    try:
        listing = ", ".join(f"'{p}'" for p in files)
        cur = con.execute(
            f"SELECT stream, file, line, reason, raw, ingested_at FROM read_parquet([{listing}])"
            " ORDER BY ingested_at DESC, file, line LIMIT ?",
            [limit],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def unreadable_files(lake: Path, stream: str | None = None) -> dict[str, str]:
    """Landing files that could not be read at all, with the reason."""
    streams = [stream] if stream else sorted(DATASETS)
    return {m["path"]: m["error"] for s in streams for m in read_manifests(lake, s) if m["error"]}
