"""One simulated run shared by the collector tests: 28 days at 40% traffic, written once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from collectors.simulate import GenerateSummary, generate

END = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)


@dataclass
class Run:
    landing: Path
    summary: GenerateSummary
    con: duckdb.DuckDBPyConnection


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    landing = tmp_path_factory.mktemp("sim") / "landing"
    summary = generate(landing, days=28, end=END, seed=11, scale=0.4)
    con = duckdb.connect()
    con.execute(
        f"""
        create view requests as
        select * replace (strptime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') as ts)
        from read_json('{landing}/requests/*.jsonl', format = 'newline_delimited',
            columns = {{ts: 'varchar', request_id: 'varchar', trace_id: 'varchar',
                component: 'varchar', endpoint: 'varchar', method: 'varchar',
                status: 'integer', latency_ms: 'double', domain: 'varchar', user_id: 'varchar',
                tokens_in: 'integer', tokens_out: 'integer', cost_usd: 'double',
                host: 'varchar'}});
        create view events as
        select * replace (strptime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') as ts)
        from read_json('{landing}/events/*.jsonl', format = 'newline_delimited',
            columns = {{ts: 'varchar', event: 'varchar', component: 'varchar',
                domain: 'varchar', user_id: 'varchar', quality_score: 'double',
                version: 'varchar', satisfaction: 'integer', passed: 'boolean'}});
        create view metric_lines as
        select string_split(line, ' ') as f
        from read_csv('{landing}/metrics/*.prom', delim = '\t', header = false, quote = '',
            escape = '', columns = {{line: 'varchar'}})
        where not starts_with(line, '#');
        create view metrics as
        select regexp_extract(f[1], '^([a-z_]+)\{{', 1) as name,
               regexp_extract(f[1], 'host="([^"]+)"', 1) as host,
               f[2]::double as value, make_timestamp(f[3]::bigint * 1000) as ts
        from metric_lines;
        """
    )
    return Run(landing, summary, con)
