"""Warehouse speed: a full `dbt build` over N requests, then the incremental build for a new day.

    .venv/bin/python bench/warehouse.py                       # 10M requests over 30 days, +1M day
    .venv/bin/python bench/warehouse.py --requests 1000000 --new-day 100000 --days 10

The lake is written straight with DuckDB in the ingest layout and types (docs/architecture.md):
one COPY partitioned by date, the simulator's endpoints and latency shapes, requests in time order
as ingest writes them; users from a pool of 60k with a skew (a few heavy users, ~58k a day). So
the figures are dbt's alone. Prints wall and CPU seconds of each build,
the load average, and the slowest nodes from dbt's JSON log events. Each build is the production
`dbt build` (synmon/dbtenv.py BUILD_ARGS, what the Dagster asset runs). Goals on the 2-core
machine: full build 60 s, one new day 15 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from synmon.dbtenv import BUILD_ARGS  # noqa: E402  (light: no dbt, no Dagster)

START = "2026-01-01"


def _endpoint_sql() -> dict[str, str]:
    """The simulator's endpoints as DuckDB SQL: a CASE picking one by share, and lists by index."""
    from collectors import sim_platform as P

    picks, cumulative = [], 0.0
    for i, e in enumerate(P.ENDPOINTS[:-1]):
        cumulative += P.COMPONENT_SHARE[e.component] * e.share
        picks.append(f"when pick < {cumulative:.6f} then {i + 1}")
    pick = f"case {' '.join(picks)} else {len(P.ENDPOINTS)} end"

    def listed(values: list[object]) -> str:
        return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values) + "]"

    return {
        "pick": pick,
        "component": listed([e.component for e in P.ENDPOINTS]),
        "endpoint": listed([e.path for e in P.ENDPOINTS]),
        "method": listed([e.method for e in P.ENDPOINTS]),
        "median": listed([e.median_ms for e in P.ENDPOINTS]),
        "sigma": listed([e.sigma for e in P.ENDPOINTS]),
        "has_domain": listed([str(e.has_domain).lower() for e in P.ENDPOINTS]).replace("'", ""),
    }


def write_days(lake: Path, first_day: int, days: int, per_day: int) -> float:
    """`days` days of `per_day` requests each under lake/requests/date=.../; returns seconds."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    domains = "['science','technology','reading','engineering','arts','mathematics']"
    spacing_ms = 86_400_000 / per_day
    (lake / "requests").mkdir(parents=True, exist_ok=True)
    e = _endpoint_sql()
    # No join and no sort: DuckDB keeps insertion order, so each day's file is in time order.
    con.execute(
        f"""
        copy (
            with draws as (
                select
                    i,
                    date '{START}' + cast({first_day} + i // {per_day} as integer) as day,
                    i % {per_day} as n,
                    random() as pick, random() as u1, random() as u2, random() as u3
                from range({days * per_day}) t(i)
            ),
            picked as (select *, {e["pick"]} as ep from draws)
            select
                cast(day + to_milliseconds(cast(n * {spacing_ms} as bigint)) as timestamp) as ts,
                'r-' || i || '-{first_day}' as request_id,
                'tr-' || i || '-{first_day}' as trace_id,
                {e["component"]}[ep] as component,
                {e["endpoint"]}[ep] as endpoint,
                {e["method"]}[ep] as method,
                cast(case when u3 < 0.004 then 503 when u3 < 0.024 then 429 else 200 end
                    as integer) as status,
                round({e["median"]}[ep]
                    * exp({e["sigma"]}[ep] * sqrt(-2 * ln(1 - u1)) * cos(2 * pi() * u2)), 3)
                    as latency_ms,
                case when {e["has_domain"]}[ep]
                    then {domains}[1 + cast(floor(u3 * 6000) as integer) % 6] end as domain,
                'u-' || cast(floor(u2 * u2 * 60000) as integer) as user_id,
                cast(floor(u1 * 900) as integer) as tokens_in,
                cast(floor(u2 * 1200) as integer) as tokens_out,
                round(u3 * 0.02, 6) as cost_usd,
                'collector-0' as host,
                'requests/requests-' || day || '.jsonl' as _source,
                n + 1 as _line,
                day as date
            from picked
        ) to '{lake / "requests"}' (
            format parquet, partition_by (date), filename_pattern 'bench-{first_day}-{{i}}',
            overwrite_or_ignore
        )
        """
    )
    con.close()
    return time.perf_counter() - started


def dbt(data_dir: Path, target: Path, *args: str) -> tuple[float, float, list[dict[str, Any]]]:
    """Run dbt in a subprocess as Dagster does (JSON log events on stdout, read as they come);
    returns its wall and CPU (user + system) seconds and its log events."""
    from synmon.dbtenv import dbt_env
    from synmon.settings import Paths

    env = {**os.environ, **dbt_env(Paths.from_env(data_dir)), "DBT_LOG_FORMAT": "json"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "dbt"), *args,
         "--target-path", str(target), "--log-path", str(target)],
        cwd=REPO / "dbt_project", env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    events = [json.loads(line) for line in process.stdout if line.startswith("{")]
    if process.wait() != 0:
        errors = [e["info"]["msg"] for e in events if e["info"]["level"] == "error"]
        raise SystemExit(f"dbt {' '.join(args)} failed: " + "\n".join(errors[-5:]))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, events


def results(events: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """(unique_id, execution seconds) of every node that ran, from its result event (info level:
    LogModelResult, LogTestResult, ...; dbt's NodeFinished is debug level)."""
    done = [e["data"] for e in events if "node_info" in e["data"] and "execution_time" in e["data"]]
    return [(d["node_info"]["unique_id"], d["execution_time"]) for d in done]


def partial_parse(events: list[dict[str, Any]]) -> str:
    """Whether dbt reused its partial parse (it logs a reason at info level when it cannot)."""
    said = [e["info"]["msg"] for e in events if "artial" in e["info"]["name"]]
    return "; ".join(said) or "partial parse reused"


def node_seconds(events: list[dict[str, Any]]) -> str:
    """Node-seconds by kind (models, data tests, unit tests) and how many nodes ran."""
    kinds: dict[str, float] = {}
    for unique_id, seconds in results(events):
        kind = unique_id.split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    total = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in sorted(kinds.items()))
    return f"{total} ({len(results(events))} nodes)"


def slowest(events: list[dict[str, Any]], n: int = 8) -> str:
    """The n slowest nodes of a dbt invocation."""
    top = sorted(results(events), key=lambda r: r[1], reverse=True)[:n]
    return ", ".join(f"{unique_id.split('.')[2]} {seconds:.1f}" for unique_id, seconds in top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000_000)
    parser.add_argument("--new-day", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="synmon-bench-wh-") as tmp:
        data = args.keep or Path(tmp)
        lake, target = data / "lake", data / "target"
        took = write_days(lake, 0, args.days, args.requests // args.days)
        print(f"lake: {args.requests:,} requests over {args.days} days in {took:.1f} s")
        dbt(data, target, "parse")  # so both timed builds reuse the partial parse
        load = os.getloadavg()[0]
        wall, cpu, events = dbt(data, target, *BUILD_ARGS)
        print(f"full dbt build, {args.requests:,} requests: {wall:.1f} s wall, {cpu:.1f} s CPU, "
              f"load {load:.1f} (goal 60 s)")  # fmt: skip
        print(f"  slowest: {slowest(events)}")
        print(f"  node-seconds: {node_seconds(events)}")
        write_days(lake, args.days, 1, args.new_day)
        load = os.getloadavg()[0]
        wall, cpu, events = dbt(data, target, *BUILD_ARGS)
        print(f"dbt build after one new day of {args.new_day:,}: {wall:.1f} s wall, {cpu:.1f} s "
              f"CPU, load {load:.1f} (goal 15 s)")  # fmt: skip
        print(f"  slowest: {slowest(events)}")
        print(f"  node-seconds: {node_seconds(events)}; {partial_parse(events)}")
        # dbt's fixed cost: start, partial parse, an empty selection (no hook, no SQL).
        wall, cpu, events = dbt(data, target, *BUILD_ARGS, "--select", "tag:no_such_tag")
        print(f"dbt build of nothing (startup and parse): {wall:.1f} s wall, {cpu:.1f} s CPU; "
              f"{partial_parse(events)}; load {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
