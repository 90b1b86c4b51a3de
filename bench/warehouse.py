"""Warehouse speed: a full `dbt build` over N requests, then the build after one new day lands.

    .venv/bin/python bench/warehouse.py                       # 10M requests over 30 days, +1M day
    .venv/bin/python bench/warehouse.py --requests 1000000 --new-day 100000 --days 10

The lake is written straight with DuckDB (same layout and types as ingest, docs/architecture.md),
so the figures are dbt's alone. The marts are full rebuilds (no incremental models yet), so the
"new day" figure is a full build over N + the new day. Goals on the 2-core machine: 60 s / 15 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COMPONENTS = "['api_gateway','dspy_optimizer','marl_coordinator','domain_validator',"
COMPONENTS += "'quality_assurance','reasoning_tracer']"
DOMAINS = "['science','technology','reading','engineering','arts','mathematics']"


def write_day(lake: Path, day: int, per_day: int, start: str = "2026-01-01") -> None:
    """One day of `per_day` requests as one Parquet file under lake/requests/date=.../."""
    import duckdb

    con = duckdb.connect()
    date = con.execute(f"select cast(date '{start}' + {day} as varchar)").fetchone()[0]  # type: ignore[index]
    folder = lake / "requests" / f"date={date}"
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""
        copy (
            select
                cast(date '{date}' + to_milliseconds(cast(random() * 86400000 as bigint))
                    as timestamp) as ts,
                'r{day}-' || i as request_id, md5(i::varchar) as trace_id,
                {COMPONENTS}[1 + i % 6] as component,
                '/e' || (i % 13) as endpoint, 'POST' as method,
                cast(case when random() < 0.01 then 503 when random() < 0.03 then 404 else 200 end
                    as integer) as status,
                exp(5 + random() * 2) as latency_ms, {DOMAINS}[1 + (i // 7) % 6] as domain,
                'u-' || cast(floor(random() * 50000) as integer) as user_id,
                cast(random() * 500 as integer) as tokens_in,
                cast(random() * 2000 as integer) as tokens_out,
                random() * 0.02 as cost_usd, 'collector-0' as host,
                'requests/requests-{date}.jsonl' as _source, i as _line
            from range({per_day}) t(i)
        ) to '{folder}/bench-0-{per_day}.parquet' (format parquet)
        """
    )
    con.close()


def dbt_build(data_dir: Path, target: Path, command: str = "build") -> float:
    from orchestration.dbt import dbt_env
    from synmon.settings import Paths

    env = {**os.environ, **dbt_env(Paths.from_env(data_dir))}
    dbt = Path(sys.executable).parent / "dbt"
    started = time.perf_counter()
    subprocess.run(
        [str(dbt), command, "--quiet", "--target-path", str(target), "--log-path", str(target)],
        cwd=REPO / "dbt_project", env=env, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--new-day", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="synmon-bench-wh-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        for day in range(args.days):
            write_day(data / "lake", day, args.requests // args.days)
        print(f"lake: {args.requests:,} requests in {time.perf_counter() - started:.1f} s")
        target = data / "target"
        dbt_build(data, target, "parse")  # so both timed builds reuse the partial parse
        full = dbt_build(data, target)
        print(f"full dbt build, {args.requests:,} requests: {full:.1f} s (goal 60 s)")
        write_day(data / "lake", args.days, args.new_day)
        day = dbt_build(data, target)
        print(f"dbt build after one new day of {args.new_day:,}: {day:.1f} s (goal 15 s)")


if __name__ == "__main__":
    main()
