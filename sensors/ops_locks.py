"""File locks beside the ops store (data/ops.sqlite): the daemon ticks sensors in parallel threads
and a timed-out alert tick can still run beside its successor, so delivery and evaluation are
serialised with `flock` on `<ops_db>.deliver.lock` and `<ops_db>.eval.lock`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from synmon.filelock import file_lock


def delivery_lock(ops_db: str | Path) -> AbstractContextManager[None]:
    """Serialise outbox delivery across sensors (the daemon ticks sensors in parallel threads):
    an exclusive lock on `<ops_db>.deliver.lock` for the length of the block."""
    return file_lock(Path(f"{ops_db}.deliver.lock"))


def evaluation_lock(ops_db: str | Path) -> AbstractContextManager[None]:
    """Serialise alert evaluations (read offsets and state, evaluate, commit): an exclusive lock
    on `<ops_db>.eval.lock`. Two evaluations from the same state would each be correct, but the
    one committing last could write back older instance states; this happens when a watching
    tick overruns the daemon's gRPC timeout and the next tick starts while it still runs."""
    return file_lock(Path(f"{ops_db}.eval.lock"))
