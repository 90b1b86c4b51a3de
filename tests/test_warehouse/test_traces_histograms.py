"""The trace latency and histogram marts from real ingest, recomputed independently; dbt docs.

One module-scoped warehouse: OTLP traces, a Prometheus histogram dump and the upstream OTLP
metrics example go through `synmon.ingest.ingest_landing` into a temporary lake, then one
`dbt build` of the whole project and one `dbt docs generate`, both with their target and log
paths in the temporary directory so the repository is never written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synmon.ingest import ingest_landing
from synmon.settings import DBT_PROJECT_DIR, Paths
from tests.test_warehouse import otel_lake as ol
from tests.test_warehouse.conftest import frame

pytestmark = pytest.mark.slow

QUANTILES = (0.5, 0.9, 0.95, 0.99)
EST = [f"p{round(q * 100)}_est" for q in QUANTILES]


@dataclass(frozen=True)
class Built:
    paths: Paths
    target: Path
    traces: ol.Traces
    histograms: pd.DataFrame
    build: subprocess.CompletedProcess[str]
    docs: subprocess.CompletedProcess[str]


def dbt(paths: Paths, target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter's dbt CLI on the project, with `dbt_env(paths)` and a private target."""
    from orchestration.dbt import dbt_env

    env = {**os.environ, **dbt_env(paths), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [str(Path(sys.executable).parent / "dbt"), *args,
           "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(target), "--log-path", str(target / "logs")]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    paths = Paths.from_env(tmp_path_factory.mktemp("otel"))
    traces = ol.write_traces(paths.landing)
    histograms = ol.write_histograms(paths.landing)
    ol.write_otlp_sample_pair(paths.landing)
    report = ingest_landing(paths.landing, paths.lake, ["traces", "metrics"])
    assert report.streams["traces"].quarantined == 0
    assert report.streams["traces"].loaded == len(traces.spans)
    assert report.streams["metrics"].quarantined == 0
    target = paths.data / "dbt_target"
    build = dbt(paths, target, "build")
    # docs generate writes its own run_results.json into the same target.
    (target / "run_results.json").rename(target / "build_results.json")
    docs = dbt(paths, target, "docs", "generate")
    return Built(paths, target, traces, histograms, build, docs)


def test_whole_project_builds(built: Built) -> None:
    results = json.loads((built.target / "build_results.json").read_text())["results"]
    status = {r["unique_id"]: r["status"] for r in results}
    failed = {u.split(".")[2] for u, s in status.items() if s not in ("success", "pass")}
    assert not failed, built.build.stdout[-4000:]
    for name in ("stg_lake__spans", "rpt_trace_latency_hourly", "rpt_metric_histogram_hourly"):
        assert status[f"model.synmon.{name}"] == "success"
    unit = [u for u in status if u.startswith("unit_test.synmon.rpt_") and "histogram" in u]
    assert len(unit) == 2 and all(status[u] == "pass" for u in unit)


def test_every_dbt_unit_test_runs_and_passes(built: Built) -> None:
    """Production builds leave the unit tests out (synmon/dbtenv.py BUILD_ARGS): here, in `make
    test`, the plain `dbt build` runs every unit test of the project, and each passes."""
    from synmon.dbtenv import BUILD_ARGS

    assert "unit_test" in BUILD_ARGS
    manifest = json.loads((built.target / "manifest.json").read_text())
    declared = set(manifest["unit_tests"])
    results = json.loads((built.target / "build_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(declared) >= 7 and set(ran) == declared, declared ^ set(ran)
    assert set(ran.values()) == {"pass"}, ran


def test_trace_latency_matches_numpy(built: Built) -> None:
    spans = built.traces.spans.assign(hour=built.traces.spans["ts"].dt.floor("h"))
    got = frame(built.paths, "select * from rpt_trace_latency_hourly")
    got = got.set_index(["component", "operation", "hour"]).sort_index()
    groups = spans.groupby(["component", "operation", "hour"])
    assert len(got) == groups.ngroups
    assert set(got.index.get_level_values("component")) == {
        "api_gateway", "content_generator", "domain_validator", "unknown_service",
    }  # fmt: skip
    for key, g in groups:
        row = got.loc[key]
        d = g["duration_ms"].to_numpy()
        assert row["spans"] == len(g)
        assert row["error_spans"] == g["is_error"].sum()
        assert row["error_rate"] == pytest.approx(g["is_error"].mean(), rel=1e-12)
        want = [d.mean(), *np.percentile(d, [50, 90, 95, 99]), d.max()]
        cols = ["duration_avg_ms", "duration_p50_ms", "duration_p90_ms", "duration_p95_ms",
                "duration_p99_ms", "duration_max_ms"]  # fmt: skip
        np.testing.assert_allclose(row[cols].to_numpy(float), want, rtol=1e-9)


def _histogram_rows(built: Built, metric: str) -> pd.DataFrame:
    sql = f"""
        select b.*, json_extract_string(b.labels, '$.host') as label_host
        from rpt_metric_histogram_buckets_hourly b where metric = '{metric}'
    """
    return frame(built.paths, sql)


def test_bucket_increases_handle_resets(built: Built) -> None:
    want = ol.bucket_increases(built.histograms).set_index(["host", "hour", "upper_bound"])
    got = _histogram_rows(built, ol.HISTOGRAM)
    got = got.drop(columns="host").rename(columns={"label_host": "host"})
    got = got.set_index(["host", "hour", "upper_bound"]).sort_index()
    assert len(got) == len(want)
    assert set(got["labels"].map(json.loads).map(frozenset)) == {frozenset({"host", "component"})}
    joined = got.join(want, rsuffix="_want")
    np.testing.assert_array_equal(joined["bucket_increase"], joined["bucket_increase_want"])
    # The restart must not produce a negative increase, and it shows as a smaller hour.
    assert (got["bucket_increase"] >= 0).all()


def test_quantile_estimates_match_prometheus(built: Built) -> None:
    inc = ol.bucket_increases(built.histograms)
    got = frame(
        built.paths,
        f"select json_extract_string(labels, '$.host') as host, * exclude (host) "
        f"from rpt_metric_histogram_hourly where metric = '{ol.HISTOGRAM}'",
    ).set_index(["host", "hour"])
    groups = inc.groupby(["host", "hour"])
    assert len(got) == groups.ngroups == len(ol.HOSTS) * 5  # hours 00 to 04; 00:00 has no step
    for key, g in groups:
        buckets = list(zip(g["upper_bound"], g["bucket_increase"], strict=True))
        row = got.loc[key]
        assert row["observations"] == g.loc[np.isinf(g["upper_bound"]), "bucket_increase"].sum()
        assert row["buckets"] == len(ol.BOUNDS)
        want = [ol.bucket_quantile(q, buckets) for q in QUANTILES]
        np.testing.assert_allclose(row[EST].to_numpy(float), want, rtol=1e-12)


def test_upstream_otlp_example_histograms(built: Built) -> None:
    got = frame(
        built.paths,
        "select * from rpt_metric_histogram_hourly where metric like 'my.%' order by metric, hour",
    ).set_index(["metric", "hour"])
    assert sorted(set(got.index.get_level_values("metric"))) == [
        "my.exponential.histogram", "my.histogram",
    ]  # fmt: skip
    assert set(got["component"]) == {"my.service"}
    example, later = pd.Timestamp("2018-12-13 14:00:00"), pd.Timestamp("2018-12-13 15:00:00")
    # Delta temporality: each export's cumulative-`le` counts are that interval's increase, the
    # example's own too (14:51), with no difference to the previous export and no reset logic.
    want = {
        ("my.histogram", example): [(1.0, 1.0), (np.inf, 2.0)],
        ("my.histogram", later): [(1.0, 4.0), (np.inf, 7.0)],
        ("my.exponential.histogram", example): [(0.0, 1.0), (4.0, 1.0), (8.0, 3.0), (np.inf, 3.0)],
        ("my.exponential.histogram", later): [(0.0, 2.0), (4.0, 3.0), (8.0, 7.0), (np.inf, 7.0)],
    }
    assert sorted(got.index) == sorted(want)
    for key, buckets in want.items():
        row = got.loc[key]
        assert row["observations"] == buckets[-1][1]
        want_est = [ol.bucket_quantile(q, buckets) for q in QUANTILES]
        np.testing.assert_allclose(row[EST].to_numpy(float), want_est, rtol=1e-12)
    assert got.loc[("my.histogram", later), "p50_est"] == pytest.approx(3.5 / 4)


def test_docs_generate_lists_every_mart(built: Built) -> None:
    assert built.docs.returncode == 0, built.docs.stdout[-4000:]
    catalog = json.loads((built.target / "catalog.json").read_text())
    manifest = json.loads((built.target / "manifest.json").read_text())
    tables = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral"
    }
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {"rpt_trace_latency_hourly", "rpt_metric_histogram_hourly",
            "rpt_metric_histogram_buckets_hourly", "stg_lake__spans",
            "rpt_performance_hourly"} <= tables  # fmt: skip
    assert tables <= documented
    columns = catalog["nodes"]["model.synmon.rpt_metric_histogram_hourly"]["columns"]
    assert {*EST, "observations"} <= set(columns)
    for name in ("rpt_trace_latency_hourly", "rpt_metric_histogram_hourly"):
        node = manifest["nodes"][f"model.synmon.{name}"]
        assert "One row per" in node["description"]
    assert (built.target / "index.html").exists()
