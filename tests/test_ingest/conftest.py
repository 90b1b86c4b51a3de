"""Fixtures for ingestion tests: a landing zone and lake per test, and readers of the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from synmon.ingest import IngestReport, ingest_landing

FLUENT_BIT = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "fluent-bit"


@pytest.fixture
def zone(tmp_path: Path) -> Zone:
    return Zone(tmp_path / "landing", tmp_path / "lake")


class Zone:
    """A landing zone and a lake under tmp_path, with helpers to write files and read results."""

    def __init__(self, landing: Path, lake: Path) -> None:
        self.landing, self.lake = landing, lake

    def write(self, stream: str, name: str, data: str | bytes) -> Path:
        path = self.landing / stream / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def append(self, stream: str, name: str, data: str) -> None:
        with (self.landing / stream / name).open("ab") as fh:
            fh.write(data.encode())

    def ingest(self, *streams: str) -> IngestReport:
        report = ingest_landing(self.landing, self.lake, list(streams) or None)
        assert report.reconciled
        return report

    def ingest_archive(self) -> IngestReport:
        report = ingest_landing(self.landing, self.lake, None, archive=True, settle_seconds=2.0)
        assert report.reconciled
        return report

    def rows(self, dataset: str, order: str = "_source, _line") -> list[dict[str, Any]]:
        files = sorted((self.lake / dataset).glob("date=*/*.parquet"))
        return self._query(files, order)

    def quarantine(self, stream: str) -> list[dict[str, Any]]:
        files = sorted((self.lake / "_quarantine" / stream).glob("*.parquet"))
        return self._query(files, "file, line")

    @staticmethod
    def _query(files: list[Path], order: str) -> list[dict[str, Any]]:
        if not files:
            return []
        listing = ", ".join(f"'{p}'" for p in files)
        con = duckdb.connect()
        cur = con.execute(
            f"SELECT * FROM read_parquet([{listing}], hive_partitioning=false) ORDER BY {order}"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def lake_files(self) -> list[str]:
        return sorted(
            p.relative_to(self.lake).as_posix()
            for p in self.lake.rglob("*.parquet")
            if "_tmp" not in p.parts
        )
