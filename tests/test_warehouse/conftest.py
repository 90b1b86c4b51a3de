"""The warehouse built once for the test_warehouse package: a small lake, one real dbt build."""

from __future__ import annotations

import os

import dagster as dg
import pandas as pd
import pytest

from assets.resources import SynmonData
from synmon.settings import Paths
from synmon.warehouse import query
from tests.test_warehouse.lake import Lake, build_lake


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Paths, Lake, dg.ExecuteInProcessResult]:
    """One real `dbt build` (via dg.materialize) shared by the module: dbt costs ~10 s a run."""
    paths = Paths.from_env(tmp_path_factory.mktemp("data"))
    lake = build_lake(paths.data, n_events=4000)
    from orchestration.dbt import dbt_resource, load_dbt_assets, prepare_manifest

    prepare_manifest(paths)
    before = dict(os.environ)
    result = dg.materialize(
        [load_dbt_assets()],
        resources={"dbt": dbt_resource(), "data": SynmonData(data_dir=str(paths.data))},
    )
    assert dict(os.environ) == before, "the dbt env must not leak out of the asset"
    return paths, lake, result


def frame(paths: Paths, sql: str) -> pd.DataFrame:
    columns, rows = query(paths.warehouse, sql)
    return pd.DataFrame(rows, columns=columns)
