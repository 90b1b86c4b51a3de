"""Incident jobs and marts: `acknowledge_incident` and `resolve_incident` (launchpad jobs with
config), and the `incident_marts` asset that snapshots the incidents in data/ops.sqlite into the
warehouse tables `rpt_incidents` and `rpt_incident_metrics_weekly`, then renders the post-incident
report (`data/reports/incidents/<id>.{pdf,html}`) of every resolved incident that has none yet.
The lifecycle is in sensors/incidents.py (tables and reads: sensors/incident_store.py);
`build_incident_marts` and `render_postmortems` are the plain functions the asset and the
resolve job call."""

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from assets.resources import SynmonData

_SRC = """create temp table src (
    incident_id bigint, title varchar, severity varchar, component varchar, status varchar,
    opened_at double, acknowledged_at double, acknowledged_by varchar, resolved_at double,
    resolved_by varchar, alerts bigint, pages bigint, level bigint, oncall varchar)"""

_INCIDENTS = """create or replace table rpt_incidents as
with src_ts as (
    select
        * exclude (opened_at, acknowledged_at, resolved_at),
        make_timestamp(cast(opened_at * 1e6 as bigint)) as opened_at,
        make_timestamp(cast(acknowledged_at * 1e6 as bigint)) as acknowledged_at,
        make_timestamp(cast(resolved_at * 1e6 as bigint)) as resolved_at,
        acknowledged_at - opened_at as time_to_acknowledge_s,
        resolved_at - opened_at as time_to_resolve_s,
    from src
)
select
    incident_id, title, severity, component, status, opened_at, acknowledged_at,
    acknowledged_by, resolved_at, resolved_by, time_to_acknowledge_s, time_to_resolve_s,
    alerts, pages, level, oncall,
from src_ts
order by incident_id"""

_WEEKLY = """create or replace table rpt_incident_metrics_weekly as
select
    strftime(opened_at, '%G-W%V') as iso_week,
    cast(date_trunc('week', opened_at) as date) as week_start,
    severity,
    count(*) as incidents,
    count(acknowledged_at) as acknowledged,
    count(resolved_at) as resolved,
    avg(time_to_acknowledge_s) as mtta_mean_s,
    median(time_to_acknowledge_s) as mtta_median_s,
    quantile_cont(time_to_acknowledge_s, 0.9) as mtta_p90_s,
    avg(time_to_resolve_s) as mttr_mean_s,
    median(time_to_resolve_s) as mttr_median_s,
    quantile_cont(time_to_resolve_s, 0.9) as mttr_p90_s,
from rpt_incidents
group by all
order by week_start, severity"""


def build_incident_marts(ops_db: Path, warehouse: Path) -> dict[str, int]:
    """Rebuild both incident tables from the ops store; returns row counts by table. An ops
    store without incidents gives empty tables."""
    import duckdb

    from sensors.incident_store import ensure_schema

    conn = sqlite3.connect(ops_db, timeout=30)
    try:
        ensure_schema(conn)
        rows = conn.execute(
            "select i.id, i.title, i.severity, i.component, i.status, i.opened_at,"
            " i.acknowledged_at, i.acknowledged_by, i.resolved_at, i.resolved_by,"
            " (select count(*) from incident_alerts a where a.incident_id = i.id),"
            " (select count(*) from incident_events e where e.incident_id = i.id"
            "  and e.kind in ('paged', 'escalated')),"
            " case when i.level >= 0 then i.level + 1 end,"
            " (select e.detail from incident_events e where e.incident_id = i.id"
            "  and e.kind in ('paged', 'escalated') order by e.id desc limit 1)"
            " from incidents i order by i.id"
        ).fetchall()
    finally:
        conn.close()
    rows = [(*r[:-1], _targets(r[-1])) for r in rows]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        return write_incident_marts(con, rows)


def write_incident_marts(con: Any, rows: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """(Re)create both tables on the DuckDB connection `con` from incident rows: id, title,
    severity, component, status, opened_at, acknowledged_at, acknowledged_by, resolved_at,
    resolved_by (times in epoch seconds), alerts, pages, level (1-based, None if never paged),
    oncall (who the last page went to); returns row counts by table."""
    con.execute(_SRC)
    if rows:
        con.executemany(f"insert into src values ({', '.join('?' * 14)})", list(rows))
    con.execute(_INCIDENTS)
    con.execute(_WEEKLY)
    con.execute("drop table src")
    return {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("rpt_incidents", "rpt_incident_metrics_weekly")
    }


def _targets(page_detail: str | None) -> str | None:
    """Who the incident's latest page went to, from that timeline event's detail."""
    return None if page_detail is None else ", ".join(json.loads(page_detail).get("targets", []))


def render_postmortems(
    ops_db: Path, warehouse: Path, reports: Path, ids: list[int] | None = None, limit: int = 20
) -> list[Path]:
    """Render the post-incident report of each incident in `ids`, or else of the newest
    resolved incidents (at most `limit`) that have no PDF yet; returns the PDFs written."""
    from reports.postmortem import postmortem_paths, render_postmortem
    from sensors.incident_store import incident_detail, list_incidents
    from sensors.ops_store import OpsStore

    with OpsStore(ops_db) as store:
        if ids is None:
            resolved = list_incidents(store.conn, "resolved", limit=10_000)
            ids = [i.id for i in resolved if not postmortem_paths(reports, i.id)[0].exists()]
        details = [incident_detail(store.conn, i) for i in ids[:limit]]
    return [render_postmortem(d, reports, warehouse).pdf_path for d in details]


@dg.asset(group_name="incidents", kinds={"python", "duckdb", "sqlite"}, pool="warehouse")
def incident_marts(context: dg.AssetExecutionContext, data: SynmonData) -> dg.MaterializeResult:
    """Incident marts from data/ops.sqlite: `rpt_incidents` (one row per incident: severity,
    component, opened/acknowledged/resolved times, time to acknowledge and to resolve in
    seconds, the escalation level last paged and who it paged) and
    `rpt_incident_metrics_weekly` (one row per ISO week of opening and severity: MTTA and MTTR
    as mean, median and p90; the mean alone misleads). Then renders the post-incident report of
    each resolved incident without one (data/reports/incidents/<id>.pdf)."""
    import duckdb

    paths = data.paths
    counts = build_incident_marts(paths.ops_db, paths.warehouse)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        table = con.execute(
            "select iso_week, severity, incidents, round(mtta_median_s), round(mtta_p90_s),"
            " round(mttr_median_s), round(mttr_p90_s) from rpt_incident_metrics_weekly"
            " order by week_start desc limit 8"
        ).fetchall()
    lines = ["| week | severity | n | MTTA p50 s | MTTA p90 s | MTTR p50 s | MTTR p90 s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in table]
    pdfs = render_postmortems(paths.ops_db, paths.warehouse, paths.reports)
    context.log.info(f"incident marts: {counts}; post-incident reports rendered: {len(pdfs)}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": counts["rpt_incidents"],
            "weekly_rows": counts["rpt_incident_metrics_weekly"],
            "recent_weeks": dg.MetadataValue.md("\n".join(lines)),
            "postmortems_rendered": dg.MetadataValue.json([str(p) for p in pdfs]),
        }
    )


class IncidentChange(dg.Config):
    """Which incident, who does it and why (shown on the incident's timeline)."""

    incident_id: int
    note: str = ""
    who: str = "dagster-ui"


@dg.op
def acknowledge_incident_op(
    context: dg.OpExecutionContext, config: IncidentChange, data: SynmonData
) -> None:
    from sensors.incidents import acknowledge
    from sensors.ops_store import OpsStore

    with OpsStore(data.paths.ops_db) as store:
        inc = acknowledge(store.conn, config.incident_id, by=config.who, note=config.note,
                          now=time.time())  # fmt: skip
    context.log.info(f"incident #{inc.id} acknowledged by {inc.acknowledged_by}")


@dg.op
def resolve_incident_op(
    context: dg.OpExecutionContext, config: IncidentChange, data: SynmonData
) -> None:
    import duckdb

    from sensors.incidents import resolve
    from sensors.ops_store import OpsStore

    paths = data.paths
    with OpsStore(paths.ops_db) as store:
        inc = resolve(store.conn, config.incident_id, by=config.who, note=config.note,
                      now=time.time())  # fmt: skip
    context.log.info(f"incident #{inc.id} resolved by {inc.resolved_by}")
    try:
        (pdf,) = render_postmortems(paths.ops_db, paths.warehouse, paths.reports, [inc.id])
    except duckdb.IOException as exc:  # a writer holds the warehouse: incident_marts renders it
        context.log.warning(f"post-incident report of #{inc.id} deferred: {exc}")
        return
    context.log.info(f"post-incident report: {pdf}")


@dg.job(
    description="Acknowledge an incident (stops its escalation). Config: incident_id, note, who."
)
def acknowledge_incident() -> None:
    acknowledge_incident_op()


@dg.job(
    description="Resolve an incident and render its post-incident report "
    "(data/reports/incidents/<id>.pdf). Config: incident_id, note, who."
)
def resolve_incident() -> None:
    resolve_incident_op()


INCIDENT_ASSETS: list[dg.AssetsDefinition] = [incident_marts]
INCIDENT_JOBS: list[dg.JobDefinition] = [acknowledge_incident, resolve_incident]
