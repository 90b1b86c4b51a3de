"""The dbt wiring: the synmon dbt project, the environment dbt needs, and its Dagster assets.

dbt reads two absolute paths from the environment (dbt_project/profiles.yml and the lake source),
`SYNMON_WAREHOUSE` and `SYNMON_LAKE`, and the SLOs of config/slos.yaml as JSON in `SYNMON_SLOS`;
`dbt_env(paths)` (synmon/dbtenv.py) gives all three for a data directory.

`@dbt_assets` reads `dbt_project/target/manifest.json` when it is built, so the manifest must exist
first: call `prepare_manifest()` (it runs `dbt parse` only when the manifest is missing or older
than the project's files). Importing this module never runs dbt outside `dagster dev`; the asset
definition `synmon_dbt_assets` is built on first access, so `prepare_manifest` stays importable
before there is a manifest.
"""

import contextlib
import functools
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from assets.resources import SynmonData
from synmon.dbtenv import BUILD_ARGS, dbt_env
from synmon.settings import DBT_PROJECT_DIR, Paths

# Inputs of `dbt parse`: when any is newer than the manifest, the manifest is stale.
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")

synmon_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT = synmon_project  # the name orchestration/definitions.py imports


@contextlib.contextmanager
def dbt_environ(paths: Paths) -> Iterator[dict[str, str]]:
    """Set `dbt_env(paths)` in os.environ while dbt runs, and restore it afterwards.

    DbtCliResource passes os.environ to its subprocess and has no per-call env (the dagster-dbt
    maintainers point to setting os.environ around the call). The venv's bin directory goes first
    on PATH so `dbt` resolves to this interpreter's dbt even when the venv is not activated.
    """
    overrides = dbt_env(paths)
    overrides["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield overrides
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _PROJECT_INPUTS:
        path = project.project_dir / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def prepare_manifest(paths: Paths | None = None) -> Path:
    """Run `dbt parse` (dagster-dbt's preparer) when the manifest is missing or stale.

    `paths` defaults to `Paths.from_env()`; parsing with the data directory that later builds use
    lets those builds reuse dbt's partial parse. Returns the manifest's path.
    """
    if _manifest_is_stale(synmon_project):
        with dbt_environ(paths or Paths.from_env()):
            synmon_project.preparer.prepare(synmon_project)
    return synmon_project.manifest_path


def prepare_if_dev() -> None:
    """Under `dagster dev` only, re-parse on every code reload (dagster-dbt's prepare_if_dev)."""
    if synmon_project.preparer.using_dagster_dev():
        with dbt_environ(Paths.from_env()):
            synmon_project.prepare_if_dev()


class SynmonDbtTranslator(DagsterDbtTranslator):
    """Keys dbt models by name (the default) and groups them by their top folder under models/."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        # fqn is [project, <folder>, ..., <name>] for models, seeds and snapshots.
        if dbt_resource_props.get("resource_type") != "source" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


def dbt_translator() -> SynmonDbtTranslator:
    """The translator, with dbt tests loaded as asset checks on the models they test."""
    return SynmonDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class SynmonDbtCliResource(DbtCliResource):
    """DbtCliResource without its in-process dbt adapter.

    Before starting the dbt subprocess, `DbtCliResource.cli` imports dbt and loads the project and
    profile in the run's own process (~5 CPU-s measured here) for a DuckDB adapter it uses only in
    `fetch_row_counts()` and `fetch_column_metadata()`. We call neither (row counts and column
    schemas come from `_with_table_metadata` once dbt has released the warehouse), so we skip it.
    """

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    """The `dbt` resource for `Definitions`, running this interpreter's dbt."""
    executable = Path(sys.executable).parent / "dbt"
    return SynmonDbtCliResource(
        project_dir=synmon_project,
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )


@functools.cache
def load_dbt_assets() -> dg.AssetsDefinition:
    """The dbt models and tests as Dagster assets and checks; needs the manifest (see above)."""

    @dbt_assets(
        manifest=synmon_project.manifest_path,
        project=synmon_project,
        dagster_dbt_translator=dbt_translator(),
        pool="warehouse",
    )
    def synmon_dbt_assets(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, data: SynmonData
    ) -> Iterator[Any]:
        """`dbt build` (BUILD_ARGS) of the warehouse: lake sources -> staging views -> marts."""
        paths = data.paths
        paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with dbt_environ(paths):
            # Buffered: metadata is read once dbt has exited and released the warehouse file.
            # One target folder per data directory, reused run after run: dagster-dbt's default
            # is a new folder per invocation under the project's target/ (they piled up, one per
            # run), and a reused folder keeps dbt's partial parse from the previous run.
            invocation = dbt.cli(
                list(BUILD_ARGS),
                context=context,
                raise_on_error=False,
                target_path=paths.data / "dbt_target",
            )
            events = list(invocation.stream())
        yield from _with_table_metadata(context, events, paths.warehouse)
        if not invocation.is_successful():
            raise invocation.get_error() or dg.Failure("dbt build failed")

    return synmon_dbt_assets


def _with_table_metadata(
    context: dg.AssetExecutionContext, events: list[Any], warehouse: Path
) -> Iterator[Any]:
    """Add row count and column schema to the outputs of table models.

    dagster-dbt's fetch_row_counts/fetch_column_metadata query the warehouse from this process
    while dbt still holds DuckDB's write lock; measured here they more than doubled a build.
    """
    from synmon.warehouse import table_metadata

    tables = table_metadata(warehouse)
    for event in events:
        if isinstance(event, dg.Output):
            name = context.asset_key_for_output(event.output_name).path[-1]
            if name in tables:
                rows, columns = tables[name]
                schema = dg.TableSchema(columns=[dg.TableColumn(c, t) for c, t in columns])
                event = event.with_metadata(
                    {
                        **event.metadata,
                        "dagster/row_count": dg.MetadataValue.int(rows),
                        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
                    }
                )
        yield event


def __getattr__(name: str) -> Any:
    # `from orchestration.dbt import synmon_dbt_assets` builds the definition on first use.
    if name == "synmon_dbt_assets":
        return load_dbt_assets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


prepare_if_dev()
