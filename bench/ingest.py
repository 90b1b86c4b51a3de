"""Ingest speed: synmon's request ingest against bare DuckDB and pandas on the same file.

Generates N request lines (default 2M) in the Fluent Bit `plain` shape with DuckDB, then times, in
one process: `synmon.ingest.ingest_landing` (typing, validation, quarantine, manifest, partitioned
Parquet), bare DuckDB `read_json` straight to one Parquet file (the floor), and pandas `read_json`
then `to_parquet`. Prints rows/s, wall and CPU seconds (all threads) for each, the load average,
and the ratios issue 3 sets goals for (>= 0.8x DuckDB, >= 5x pandas).

synmon and bare DuckDB run `--rounds` times (default 3), alternately, each synmon round into an
empty lake; the ratio is of the two medians. This machine's speed drifts by a tenth or more within
a minute, so one run of each compares two different machines as often as two programs.

`--zeros N` makes every Nth line's tokens and cost 0 (numbers a JSON boolean would also read as).

`--memory-lines N` instead generates an N-line file and runs synmon's ingest of it alone in a fresh
subprocess, printing that process's peak RSS (goal < 2 GB at 5M lines), apart from the generator.

Run: `.venv/bin/python bench/ingest.py [--lines N] [--rounds N] [--zeros N] [--skip-pandas]
[--memory-lines N]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def generate(path: Path, lines: int, zeros: int = 0) -> None:
    """`zeros` N > 0: every Nth line has no tokens and no cost (0, as a cached or failed request
    has), so a number 0 or 1 is common, as in much real telemetry."""
    import duckdb

    none = f"i % {zeros} = 0" if zeros else "false"
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT
            strftime(TIMESTAMP '2026-08-01' + to_milliseconds(i * 1300), '%Y-%m-%dT%H:%M:%S.%gZ')
              AS ts,
            'r-' || i AS request_id, md5(i::VARCHAR) AS trace_id,
            ['api_gateway', 'dspy_optimizer', 'marl_coordinator'][1 + i % 3] AS component,
            ['/v1/generate', '/v1/validate', '/v1/score'][1 + i % 3 // 2] AS endpoint,
            'POST' AS method, CASE WHEN i % 97 = 0 THEN 503 ELSE 200 END AS status,
            round(5 + (hash(i) % 100000) / 100.0, 2) AS latency_ms,
            'science' AS domain, 'u-' || (i % 5000) AS user_id,
            CASE WHEN {none} THEN 0 ELSE i % 900 END::INTEGER AS tokens_in,
            CASE WHEN {none} THEN 0 ELSE i % 1800 END::INTEGER AS tokens_out,
            CASE WHEN {none} THEN 0 ELSE round((i % 1000) / 100000.0, 5) END AS cost_usd,
            'api_gateway-0' AS host
          FROM range({lines}) t(i)
        ) TO '{path}' (FORMAT json)
        """
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, rows: int, fn) -> float:  # type: ignore[no-untyped-def]
    """Rows/s by wall time; CPU seconds (all threads) too, the steadier figure on a shared box."""
    start, cpu = time.perf_counter(), _cpu()
    fn()
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    rate = rows / seconds
    print(f"{label:<28} {seconds:8.2f} s {rate:12,.0f} rows/s   cpu {cpu:7.2f} s")
    return rate


_CHILD = """
import resource, sys, time
from pathlib import Path
from synmon.ingest import ingest_landing
root = Path(sys.argv[1])
start = time.perf_counter()
report = ingest_landing(root / "landing", root / "lake", ["requests"])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(report.to_json()["total"], f"{time.perf_counter() - start:.2f} s wall,",
      f"{usage.ru_utime + usage.ru_stime:.2f} CPU-s")
"""


def memory(lines: int) -> int:
    """Peak RSS of a fresh process that ingests an N-line file (the generator runs here)."""
    with tempfile.TemporaryDirectory(prefix="synmon-bench-mem-") as tmp:
        root = Path(tmp)
        src = root / "landing" / "requests" / "requests-bench.jsonl"
        src.parent.mkdir(parents=True)
        generate(src, lines)
        print(f"{lines:,} request lines, {src.stat().st_size / 1e6:,.0f} MB; load {_load()}")
        repo = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": repo}
        done = subprocess.run([sys.executable, "-c", _CHILD, tmp], env=env, check=False)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"synmon ingest peak RSS: {peak:,.0f} MB (goal < 2,048 MB)")
        return done.returncode


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--zeros", type=int, default=0, metavar="N")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--memory-lines", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.memory_lines:
        return memory(args.memory_lines)

    import duckdb

    from synmon.ingest import ingest_landing

    with tempfile.TemporaryDirectory(prefix="synmon-bench-") as tmp:
        root = Path(tmp)
        src = root / "landing" / "requests" / "requests-bench.jsonl"
        src.parent.mkdir(parents=True)
        generate(src, args.lines, args.zeros)
        os.sync()  # both readers meet a settled file, not one still being written back
        mb = src.stat().st_size / 1e6
        print(f"{args.lines:,} request lines, {mb:,.0f} MB; load {_load()}")

        def synmon() -> None:
            shutil.rmtree(root / "lake", ignore_errors=True)
            report = ingest_landing(root / "landing", root / "lake", ["requests"])
            assert report.streams["requests"].loaded == args.lines, report.to_json()["total"]

        def bare() -> None:
            duckdb.connect().execute(
                f"COPY (SELECT * FROM read_json('{src}')) TO '{root / 'bare.parquet'}'"
                " (FORMAT parquet, COMPRESSION zstd)"
            )

        def pandas_ingest() -> None:
            import pandas as pd

            frame = pd.read_json(src, lines=True)
            frame["ts"] = pd.to_datetime(frame["ts"], format="ISO8601", utc=True)
            frame.to_parquet(root / "pandas.parquet")

        ours_runs, floor_runs = [], []
        for n in range(1, args.rounds + 1):
            ours_runs.append(timed(f"synmon ingest, round {n}", args.lines, synmon))
            floor_runs.append(timed(f"duckdb read_json->parquet, {n}", args.lines, bare))
        ours, floor = statistics.median(ours_runs), statistics.median(floor_runs)
        print(f"medians: synmon {ours:,.0f} rows/s, duckdb {floor:,.0f} rows/s")
        misplaced = duckdb.execute(  # the generator's request_id is r-<line - 1>
            f"SELECT count(*) FROM '{root / 'lake' / 'requests'}/*/*.parquet'"
            " WHERE request_id <> 'r-' || (_line - 1)"
        ).fetchone()
        assert misplaced == (0,), f"{misplaced} rows with a wrong _line"
        print(f"synmon / duckdb: {ours / floor:.2f}x (goal >= 0.8x)")
        if not args.skip_pandas:
            slow = timed("pandas read_json->parquet", args.lines, pandas_ingest)
            print(f"synmon / pandas: {ours / slow:.1f}x (goal >= 5x)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process: {peak:,.0f} MB; load {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
