"""Simulator throughput: generate the default 90 days into a temporary directory and print
records per second per stream and in total (wall clock, files written included).

    .venv/bin/python bench/generate.py [--days 90] [--scale 1.0] [--seed 42]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from collectors.simulate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="synmon-bench-"))
    try:
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        summary = generate(root / "landing", days=args.days, seed=args.seed, scale=args.scale)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"synmon generate: {args.days} days, scale {args.scale}, seed {args.seed}")
    print(f"{'stream':<10}{'records':>12}{'files':>8}{'MB':>9}{'seconds':>9}{'records/s':>12}")
    for name, s in summary.streams.items():
        print(
            f"{name:<10}{s.records:>12,}{s.files:>8,}{s.bytes / 1e6:>9.1f}"
            f"{s.seconds:>9.2f}{s.records_per_second:>12,.0f}"
        )
    total = summary.total_records
    print(f"{'total':<10}{total:>12,}{'':>8}{'':>9}{wall:>9.2f}{total / wall:>12,.0f}")
    req = summary.streams["requests"].records
    print(f"request records per second, end to end (all streams' time): {req / wall:,.0f}")
    print(f"request records per CPU second (all threads): {req / cpu:,.0f}")
    print(f"cpu seconds {cpu:.2f}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def _cpu_seconds() -> float:
    """User + system CPU of this process (all its threads) and any finished children."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
