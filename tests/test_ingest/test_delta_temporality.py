"""OTLP delta temporality from the real upstream example, through ingest and the dbt rate models.

The upstream `metrics.json` is all delta (`aggregationTemporality: 1`). It lands with the next
delta export of the same series and a Prometheus counter that restarts; the lake keeps each
sample's temporality, and `int_counter_rates` / `rpt_metric_histogram_buckets_hourly` must take a
delta point's value as its increase while the Prometheus series keeps rate()'s reset logic.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from synmon.ingest import ingest_landing
from synmon.settings import Paths
from tests.test_warehouse import otel_lake as ol
from tests.test_warehouse.conftest import frame
from tests.test_warehouse.test_traces_histograms import dbt

pytestmark = pytest.mark.slow
PROM = "synmon_jobs_total"
PROM_VALUES = (10.0, 25.0, 4.0, 9.0)  # a restart before the third scrape


def _land(landing: Path) -> dict:
    if not ol.OTLP_SAMPLE.exists():
        pytest.skip(f"real sample not found: {ol.OTLP_SAMPLE}")
    raw = ol.OTLP_SAMPLE.read_text()
    sample = json.loads(raw)
    later = copy.deepcopy(sample)
    for metric in later["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]:
        kind = next(k for k in ("sum", "gauge", "histogram", "exponentialHistogram") if k in metric)
        for point in metric[kind]["dataPoints"]:
            point["timeUnixNano"] = str(int(point["timeUnixNano"]) + 30 * 60 * 10**9)
            if kind == "sum":
                point["asDouble"] = 7
    folder = landing / "metrics"
    folder.mkdir(parents=True)
    (folder / "otel-sample.json").write_text(raw.rstrip("\n"))  # as POSTed: no final newline
    (folder / "otel-later.jsonl").write_text(json.dumps(later) + "\n")
    t0 = pd.Timestamp("2018-12-13 14:00:00").value // 10**6
    prom = [f"# TYPE {PROM} counter"]
    prom += [f'{PROM}{{host="h-0"}} {v} {t0 + k * 600_000}' for k, v in enumerate(PROM_VALUES)]
    (folder / "jobs.prom").write_text("\n".join(prom) + "\n")
    return sample


def test_delta_points_are_their_own_increase(tmp_path: Path) -> None:
    paths = Paths.from_env(tmp_path)
    sample = _land(paths.landing)
    report = ingest_landing(paths.landing, paths.lake, ["metrics"])
    assert report.streams["metrics"].quarantined == 0
    lake = pd.read_parquet(paths.lake / "metrics")
    kinds = {m["name"]: next(k for k in m if k not in ("name", "unit", "description"))
             for m in sample["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]}  # fmt: skip
    for name, kind in kinds.items():
        got = set(lake.loc[lake["name"].str.startswith(name + "_") | (lake["name"] == name),
                           "temporality"].fillna("NULL"))  # fmt: skip
        assert got == ({"NULL"} if kind == "gauge" else {"delta"}), name
    assert lake.loc[lake["name"] == PROM, "temporality"].isna().all()

    models = ("stg_lake__metrics", "int_counter_rates", "rpt_metric_histogram_buckets_hourly")
    build = dbt(paths, paths.data / "dbt_target", "build", "--select", *models)
    assert build.returncode == 0, build.stdout[-3000:]
    rates = frame(paths, "select metric, ts, increase, interval_seconds, rate_per_second"
                         " from int_counter_rates order by metric, ts")  # fmt: skip
    counter = rates[rates["metric"] == "my.counter"]
    assert counter["increase"].tolist() == [5.0, 7.0]  # not 7 - 5: each delta is its own count
    assert counter["interval_seconds"].tolist()[1] == 1800.0
    assert counter["rate_per_second"].tolist()[1] == pytest.approx(7 / 1800)
    jobs = rates[rates["metric"] == PROM]
    assert jobs["increase"].tolist() == [15.0, 4.0, 5.0]  # cumulative: differences, reset from 0

    buckets = frame(paths, "select metric, hour, upper_bound, bucket_increase from"
                           " rpt_metric_histogram_buckets_hourly where metric = 'my.histogram'"
                           " order by hour, upper_bound")  # fmt: skip
    hours = buckets["hour"].dt.hour.tolist()
    assert hours == [14, 14, 15, 15]  # the example's own hour counts; no point is dropped
    assert buckets["bucket_increase"].tolist() == [1.0, 2.0, 1.0, 2.0]
