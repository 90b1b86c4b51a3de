"""The issue 4 marts recomputed from the lake's frames with pandas and numpy, and the SLO config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synmon.slos import SloConfigError, load_slos
from tests.test_warehouse.conftest import frame

pytestmark = pytest.mark.slow

PCTS = (50, 75, 90, 95, 99)
KEY = ["component", "endpoint", "domain"]


def _rollup(req: pd.DataFrame, window: pd.Series, seconds: int) -> pd.DataFrame:
    rows = []
    for key, g in req.assign(w=window).groupby([*KEY, "w"], dropna=False):
        lat = g["latency_ms"].to_numpy()
        server, client = int((g["status"] >= 500).sum()), int(g["status"].between(400, 499).sum())
        rows.append(
            (*key, len(g), server, client, server / len(g), len(g) / seconds, lat.mean(),
             *np.percentile(lat, PCTS), lat.max())
        )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("mart", "freq", "seconds"),
    [("rpt_performance_1m", "1min", 60), ("rpt_performance_5m", "5min", 300),
     ("rpt_performance_15m", "15min", 900), ("rpt_performance_daily", "D", 86400)],
)  # fmt: skip
def test_performance_rollups_match_numpy(built: Any, mart: str, freq: str, seconds: int) -> None:
    paths, lake, _ = built
    req = lake.requests
    want = _rollup(req, req["ts"].dt.floor(freq), seconds).sort_values([0, 1, 2, 3])
    window = "day" if mart.endswith("daily") else "ts_window"
    got = frame(paths, f"select * from {mart} order by component, endpoint, domain, {window}")
    assert list(got.columns) == [
        *KEY, window, "requests", "server_errors", "client_errors", "error_rate",
        "throughput_rps", "latency_avg_ms", *(f"latency_p{p}_ms" for p in PCTS), "latency_max_ms",
    ]  # fmt: skip
    assert len(got) == len(want)
    np.testing.assert_array_equal(got.iloc[:, 4:7].to_numpy(), want.iloc[:, 4:7].to_numpy())
    np.testing.assert_allclose(
        got.iloc[:, 7:].to_numpy(float), want.iloc[:, 7:].to_numpy(float), rtol=1e-9
    )


def test_business_daily_active_users_and_content(built: Any) -> None:
    paths, lake, _ = built
    req, events = lake.requests, lake.events
    got = frame(paths, "select * from rpt_business_daily order by day")
    days = pd.to_datetime(req["ts"]).dt.normalize()
    for row in got.itertuples():
        day = pd.Timestamp(row.day)
        users = req["user_id"]
        assert row.dau == users[days == day].nunique()
        assert row.wau == users[(days > day - pd.Timedelta(days=7)) & (days <= day)].nunique()
        assert row.mau == users[(days > day - pd.Timedelta(days=30)) & (days <= day)].nunique()
        assert row.api_requests == (days == day).sum()
        content = (events["event"] == "content_generated") & (events["ts"].dt.normalize() == day)
        assert row.content_generated == content.sum()
        assert row.revenue_impact_usd == pytest.approx(content.sum() * 0.05)
    assert len(got) == 3


def test_quality_daily_matches_pandas(built: Any) -> None:
    paths, lake, _ = built
    ev = lake.events.assign(day=lake.events["ts"].dt.date)
    got = frame(paths, "select * from rpt_quality_daily").set_index(["day", "domain", "component"])
    val = ev[ev["event"] == "validation_result"]
    for key, g in val.groupby(["day", "domain", "component"]):
        row = got.loc[key]
        assert row["accuracy_rate"] == pytest.approx(g["accuracy"].mean(), rel=1e-12)
        assert row["validation_success_rate"] == pytest.approx(g["passed"].astype(bool).mean())
        assert row["false_positive_rate"] == pytest.approx(g["false_positive"].astype(bool).mean())
    fb = ev[ev["event"] == "user_feedback"]
    for key, g in fb.groupby(["day", "domain", "component"]):
        assert got.loc[key, "user_satisfaction"] == pytest.approx(g["satisfaction"].mean())
    quality_days = ev[ev["event"].isin(["validation_result", "quality_score", "user_feedback"])]
    assert len(got) == quality_days.groupby(["day", "domain", "component"]).ngroups


def test_cost_daily_matches_pandas(built: Any) -> None:
    paths, lake, _ = built
    req = lake.requests.assign(day=lake.requests["ts"].dt.date)
    req["tokens"] = req["tokens_in"] + req["tokens_out"]
    want = req.groupby(["day", "component", "domain"]).agg(
        requests=("request_id", "size"), tokens=("tokens", "sum"), cost_usd=("cost_usd", "sum")
    )
    got = frame(paths, "select * from rpt_cost_daily").set_index(["day", "component", "domain"])
    got = got.loc[want.index]
    np.testing.assert_array_equal(got[["requests", "tokens"]], want[["requests", "tokens"]])
    np.testing.assert_allclose(got["cost_usd"], want["cost_usd"], rtol=1e-9)
    np.testing.assert_allclose(got["cost_per_1k_tokens"], want["cost_usd"] * 1000 / want["tokens"])


def test_retention_weekly_matches_pandas(built: Any) -> None:
    paths, lake, _ = built
    req = lake.requests
    week = (req["ts"].dt.normalize() - pd.to_timedelta(req["ts"].dt.weekday, unit="D")).dt.date
    cohort = week.groupby(req["user_id"]).transform("min")
    offset = ((pd.to_datetime(week) - pd.to_datetime(cohort)).dt.days // 7).rename("off")
    users = pd.DataFrame({"user": req["user_id"], "cohort": cohort, "off": offset})
    retained = users.drop_duplicates().groupby(["cohort", "off"]).size()
    got = frame(paths, "select * from rpt_retention_weekly").set_index(
        ["cohort_week", "week_offset"]
    )
    assert got.loc[retained.index, "retained_users"].tolist() == retained.tolist()
    assert (got.xs(0, level="week_offset")["retention_rate"] == 1.0).all()


def test_slo_daily_matches_pandas(built: Any) -> None:
    paths, lake, _ = built
    req = lake.requests.assign(day=lake.requests["ts"].dt.normalize())
    got = frame(paths, "select * from rpt_slo_daily where slo = 'availability'")
    assert set(got["component"]) == set(req["component"])
    for row in got.itertuples():
        comp = req[req["component"] == row.component]
        bad = comp["status"] >= 500
        day = pd.Timestamp(row.day)
        objective = 0.999 if row.component == "api_gateway" else 0.995
        assert row.objective == objective
        window = (comp["day"] <= day) & (comp["day"] > day - pd.Timedelta(days=30))
        assert row.attainment == pytest.approx(1 - bad[window].mean(), rel=1e-12)
        budget = 1 - bad[window].mean() / (1 - objective)
        assert row.error_budget_remaining == pytest.approx(budget, rel=1e-9)
        for name, hours in (("1h", 1), ("6h", 6), ("24h", 24), ("3d", 72)):
            end = day + pd.Timedelta(days=1)
            inside = (comp["ts"] >= end - pd.Timedelta(hours=hours)) & (comp["ts"] < end)
            want = bad[inside].mean() / (1 - objective) if inside.any() else None
            assert getattr(row, f"burn_rate_{name}") == pytest.approx(want, rel=1e-9)


def test_resources_1m_rates_handle_resets(built: Any) -> None:
    paths, lake, _ = built
    m = lake.metrics[lake.metrics["name"] == "node_network_receive_bytes_total"].sort_values("ts")
    rates = []
    for _, s in m.groupby("labels"):
        v, t = s["value"].to_numpy(), s["ts"].to_numpy()
        inc = np.where(v[1:] >= v[:-1], v[1:] - v[:-1], v[1:])
        secs = (t[1:] - t[:-1]) / np.timedelta64(1, "s")
        rates.append(pd.DataFrame({"host": s["host"].iloc[0], "ts": t[1:], "rate": inc / secs}))
    want = pd.concat(rates).groupby(["host", "ts"])["rate"].sum()
    got = frame(
        paths,
        "select host, ts_window, network_receive_bytes_per_second as rate from rpt_resources_1m "
        "where network_receive_bytes_per_second is not null",
    ).set_index(["host", "ts_window"])["rate"]
    assert len(got) == len(want) == 2 * (5 * 4 - 1)
    np.testing.assert_allclose(got.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-12)
    assert (got >= 0).all()


def test_load_slos_flattens_and_validates(tmp_path: Path) -> None:
    from synmon.settings import CONFIG_DIR

    shipped = load_slos(CONFIG_DIR / "slos.yaml")
    assert {(s["component"], s["slo"]) for s in shipped} >= {("*", "availability")}
    path = tmp_path / "slos.yaml"
    path.write_text(
        "window_days: 7\ndefaults:\n  - {name: avail, kind: availability, objective: 0.99}\n"
        "components:\n  api:\n    - {name: fast, kind: latency, objective: 0.9, threshold_ms: 50}\n"
    )
    assert load_slos(path) == [
        {"component": "*", "slo": "avail", "kind": "availability", "objective": 0.99,
         "threshold_ms": None, "window_days": 7},
        {"component": "api", "slo": "fast", "kind": "latency", "objective": 0.9,
         "threshold_ms": 50.0, "window_days": 7},
    ]  # fmt: skip
    bad = {
        "defaults: [{name: a, kind: latency, objective: 0.9}]": r"defaults\[0\]\.threshold_ms",
        "defaults: [{name: a, kind: uptime, objective: 0.9}]": r"defaults\[0\]\.kind",
        "defaults: [{name: a, kind: availability, objective: 99.5}]": r"objective: expected",
        "components: {x: [{name: a, kind: availability, objective: 0.9, foo: 1}]}": r"x\[0\]",
        "window_days: 0": "window_days",
    }
    for text, match in bad.items():
        path.write_text(text)
        with pytest.raises(SloConfigError, match=match) as err:
            load_slos(path)
        assert str(path) in str(err.value)


def test_partial_lake_reads_missing_dataset_as_empty(tmp_path: Path) -> None:
    import dagster as dg

    from assets.resources import SynmonData
    from orchestration.dbt import dbt_resource, load_dbt_assets, prepare_manifest
    from synmon.settings import Paths
    from synmon.warehouse import query
    from tests.test_warehouse.lake import build_lake

    paths = Paths.from_env(tmp_path)
    build_lake(paths.data, n_requests=50)  # no events dataset
    prepare_manifest(paths)
    result = dg.materialize(
        [load_dbt_assets()],
        selection=["stg_lake__events", "rpt_quality_daily"],
        resources={"dbt": dbt_resource(), "data": SynmonData(data_dir=str(paths.data))},
    )
    assert result.success
    columns, rows = query(paths.warehouse, "select passed, accuracy from stg_lake__events")
    assert (columns, rows) == (["passed", "accuracy"], [])
    assert query(paths.warehouse, "select count(*) from rpt_quality_daily")[1] == [(0,)]
