"""File locks beside the ops store (data/ops.sqlite): the daemon ticks sensors in parallel threads
and a timed-out alert tick can still run beside its successor, so delivery and evaluation are
serialised with `flock` on `<ops_db>.deliver.lock` and `<ops_db>.eval.lock`."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def delivery_lock(ops_db: str | Path) -> AbstractContextManager[None]:
    """Serialise outbox delivery across sensors (the daemon ticks sensors in parallel threads):
    an exclusive lock on `<ops_db>.deliver.lock` for the length of the block."""
    return _file_lock(Path(f"{ops_db}.deliver.lock"))


def evaluation_lock(ops_db: str | Path) -> AbstractContextManager[None]:
    """Serialise alert evaluations (read offsets and state, evaluate, commit): an exclusive lock
    on `<ops_db>.eval.lock`. Two evaluations from the same state would each be correct, but the
    one committing last could write back older instance states; this happens when a watching
    tick overruns the daemon's gRPC timeout and the next tick starts while it still runs."""
    return _file_lock(Path(f"{ops_db}.eval.lock"))
