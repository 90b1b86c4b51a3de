"""`synmon incidents`: list, show, acknowledge and resolve incidents in <data>/ops.sqlite, and
render one's post-incident report.

A thin layer over sensors/incidents.py (the same functions the Dagster jobs call) and
reports/postmortem.py. `show` prints the incident, its alerts and its timeline; `report` writes
`<data>/reports/incidents/<id>.{pdf,html}`; `--json` everywhere prints machine-readable output.
Exit code 1 when the incident does not exist or the change does not apply.
"""

from __future__ import annotations

import argparse
import getpass
import json
import time
from typing import Any

from synmon.settings import Paths


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "incidents",
        help="list, show, acknowledge and resolve incidents",
        description="Incidents opened by critical and high alerts (config/oncall.yaml), kept in "
        "<data>/ops.sqlite with their timeline.",
    )
    actions = p.add_subparsers(dest="incidents_command", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="incidents, newest first")
    ls.add_argument("--status", choices=("active", "open", "acknowledged", "resolved"))
    ls.add_argument("--limit", type=int, default=50, help="at most N incidents (default 50)")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.set_defaults(func=_list)
    show = actions.add_parser("show", help="one incident with its alerts and timeline")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print a JSON object")
    show.set_defaults(func=_show)
    rep = actions.add_parser(
        "report", help="render the post-incident report (PDF and HTML) of one incident"
    )
    rep.add_argument("id", type=int)
    rep.add_argument("--json", action="store_true", help="print the paths as JSON")
    rep.set_defaults(func=_report)
    for name, verb in (("ack", "acknowledge (stops escalation)"), ("resolve", "resolve")):
        act = actions.add_parser(name, help=f"{verb} an incident")
        act.add_argument("id", type=int)
        act.add_argument("--note", default="", help="shown on the timeline")
        act.add_argument("--by", default="", help="who (default $USER)")
        act.add_argument("--json", action="store_true", help="print the incident as JSON")
        act.set_defaults(func=_change, action=name)


def _store(args: argparse.Namespace) -> Any:
    from sensors.ops_store import OpsStore

    return OpsStore(Paths.from_env(getattr(args, "data_dir", None)).ops_db)


def _line(inc: dict[str, Any]) -> str:
    return (
        f"#{inc['id']:<5} {inc['status']:<12} {inc['severity']:<8} {inc['opened_at'] or '':<20}"
        f" {inc['acknowledged_by'] or '-':<12} {inc['title']}"
    )


def _list(args: argparse.Namespace) -> int:
    from sensors.incident_store import list_incidents

    with _store(args) as store:
        rows = [i.as_dict() for i in list_incidents(store.conn, args.status, args.limit)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':<6} {'status':<12} {'severity':<8} {'opened (UTC)':<20} {'ack by':<12} title")
    for inc in rows:
        print(_line(inc))
    if not rows:
        print("(no incidents)")
    return 0


def _show(args: argparse.Namespace) -> int:
    from sensors.incident_store import IncidentError, incident_detail

    with _store(args) as store:
        try:
            out = incident_detail(store.conn, args.id)
        except IncidentError as exc:
            print(f"error: {exc}")
            return 1
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(_line(out))
    print(f"component: {out['component']}  labels: {out['labels']}  policy: {out['policy']}")
    print(f"acknowledged: {out['acknowledged_at'] or '-'}  resolved: {out['resolved_at'] or '-'}")
    print("alerts:")
    for a in out["alerts"]:
        print(f"  {a['status']:<9} {a['alertname']} {a['starts_at']} .. {a['ends_at'] or ''}")
    print("timeline:")
    for e in out["timeline"]:
        extra = {k: v for k, v in e.items() if k not in ("at", "kind", "actor")}
        print(f"  {e['at']}  {e['kind']:<14} {e['actor']:<12} {json.dumps(extra)}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from reports.postmortem import render_postmortem
    from sensors.incident_store import IncidentError, incident_detail

    paths = Paths.from_env(getattr(args, "data_dir", None))
    with _store(args) as store:
        try:
            detail = incident_detail(store.conn, args.id)
        except IncidentError as exc:
            print(f"error: {exc}")
            return 1
    result = render_postmortem(detail, paths.reports, paths.warehouse)
    out = {"incident": result.incident_id, "status": detail["status"],
           "pdf": str(result.pdf_path), "html": str(result.html_path), "pages": result.pages,
           "metrics_from": result.metrics_table}  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"post-incident report of #{result.incident_id} ({result.pages} pages)")
        print(f"  pdf   {result.pdf_path}\n  html  {result.html_path}")
        if result.metrics_table is None:
            print("  (no performance rollup covers the incident window: metrics not shown)")
    return 0


def _change(args: argparse.Namespace) -> int:
    from sensors.incident_store import IncidentError
    from sensors.incidents import acknowledge, resolve

    change = acknowledge if args.action == "ack" else resolve
    who = args.by or getpass.getuser()
    with _store(args) as store:
        try:
            inc = change(store.conn, args.id, by=who, note=args.note, now=time.time())
        except IncidentError as exc:
            print(f"error: {exc}")
            return 1
    if args.json:
        print(json.dumps(inc.as_dict(), indent=2))
    else:
        print(f"incident #{inc.id} is now {inc.status} ({who})")
    return 0
