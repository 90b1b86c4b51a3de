"""What one ingest run did, per stream and per file, and its `synmon ingest --json` form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FileResult:
    """Counts for one landing file in one run. records_in = loaded + quarantined, always."""

    records_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    error: str | None = None
    note: str = ""
    reader: str = ""  # "read_json" (plain JSON objects, the fast path) or "lines" (any shape)


@dataclass
class StreamReport:
    """One stream's part of a run: the files it read and the date partitions it wrote."""

    per_file: dict[str, FileResult] = field(default_factory=dict)
    partitions: set[str] = field(default_factory=set)
    archived: list[str] = field(default_factory=list)  # moved to landing/_consumed/ this run

    @property
    def files(self) -> int:
        return len(self.per_file)

    @property
    def records_in(self) -> int:
        return sum(r.records_in for r in self.per_file.values())

    @property
    def loaded(self) -> int:
        return sum(r.loaded for r in self.per_file.values())

    @property
    def quarantined(self) -> int:
        return sum(r.quarantined for r in self.per_file.values())

    @property
    def errors(self) -> dict[str, str]:
        return {p: r.error for p, r in self.per_file.items() if r.error}

    def counts(self) -> dict[str, int]:
        return {
            "files": self.files,
            "records_in": self.records_in,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
        }


@dataclass
class IngestReport:
    """A whole run: `streams[name]` for every stream asked for, even when nothing was new."""

    streams: dict[str, StreamReport] = field(default_factory=dict)

    def total(self) -> dict[str, int]:
        keys = ("files", "records_in", "loaded", "quarantined")
        return {k: sum(s.counts()[k] for s in self.streams.values()) for k in keys}

    @property
    def reconciled(self) -> bool:
        return all(
            r.records_in == r.loaded + r.quarantined
            for s in self.streams.values()
            for r in s.per_file.values()
        )

    def to_json(self) -> dict[str, Any]:
        """The `synmon ingest --json` document of issue 3."""
        return {
            "streams": {
                name: {
                    **s.counts(),
                    "per_file": {
                        path: {
                            "records_in": r.records_in,
                            "loaded": r.loaded,
                            "quarantined": r.quarantined,
                        }
                        for path, r in sorted(s.per_file.items())
                    },
                }
                for name, s in self.streams.items()
            },
            "total": self.total(),
        }
