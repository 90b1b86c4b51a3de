"""`synmon alerts`: validate the alerting config, inspect the outbox, manage silences.

`check` validates config/alerts.yaml and config/channels.yaml without running anything; `outbox`
lists notifications per receiver with their delivery state (dead letters included) and can
requeue dead letters; `silence` creates, lists and expires silences in the ops store. Secrets are
never printed: `check` names missing environment variables, never values.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synmon.settings import Paths, config_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "alerts",
        help="check alert config, show the notification outbox, manage silences",
        description="Alert rules (config/alerts.yaml), routing and receivers "
        "(config/channels.yaml), the notification outbox and silences in <data>/ops.sqlite.",
    )
    actions = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)

    check = actions.add_parser("check", help="validate alerts.yaml and channels.yaml")
    check.add_argument("--alerts", type=Path, default=config_dir() / "alerts.yaml")
    check.add_argument("--channels", type=Path, default=config_dir() / "channels.yaml")
    check.add_argument("--json", action="store_true", help="print a JSON object")
    check.set_defaults(func=_check)

    outbox = actions.add_parser("outbox", help="notifications per receiver and their state")
    outbox.add_argument(
        "--state", choices=("pending", "delivered", "dead", "silenced", "inhibited")
    )
    outbox.add_argument("--limit", type=int, default=50, help="at most N entries (default 50)")
    outbox.add_argument(
        "--requeue-dead", action="store_true", help="retry dead letters from now on"
    )
    outbox.add_argument("--json", action="store_true", help="print a JSON array")
    outbox.set_defaults(func=_outbox)

    silence = actions.add_parser(
        "silence",
        help="add (default), list or expire silences",
        description="synmon alerts silence --match component=api_gateway --for 2h --comment "
        "'deploy'; synmon alerts silence list; synmon alerts silence expire ID",
    )
    silence.add_argument("action", nargs="?", choices=("add", "list", "expire"), default="add")
    silence.add_argument("id", nargs="?", help="silence id (for expire)")
    silence.add_argument(
        "--match", action="append", default=[], metavar="MATCHER",
        help='label matcher, repeatable: component=api_gateway, severity=~"warning|info"',
    )  # fmt: skip
    silence.add_argument("--for", dest="duration", default="2h", help="duration (default 2h)")
    silence.add_argument("--comment", default="", help="why (required to add)")
    silence.add_argument("--author", default="", help="who (default $USER)")
    silence.add_argument("--all", action="store_true", help="list expired silences too")
    silence.add_argument("--json", action="store_true", help="print JSON")
    silence.set_defaults(func=_silence)

    test = actions.add_parser(
        "test",
        help="evaluate one rule on stored data at a time and say why it would (not) fire",
        description="synmon alerts test HighErrorRate --at 2026-03-01T10:30:00Z: the rule's value "
        "per label set over its window ending at TIME (rounded down to the evaluation step), the "
        "threshold, and the state the alert sensor would reach there, with the reason.",
    )
    test.add_argument("rule", help="rule name (see synmon alerts check)")
    test.add_argument(
        "--at", required=True, metavar="TIME",
        help="ISO 8601 time (UTC unless an offset is given), epoch seconds or now",
    )  # fmt: skip
    test.add_argument(
        "--source", choices=("landing", "buffer"), default="landing",
        help="landing requests files (default) or the ops store's row buffer",
    )  # fmt: skip
    test.add_argument("--alerts", type=Path, default=config_dir() / "alerts.yaml")
    test.add_argument("--json", action="store_true", help="print a JSON object")
    test.set_defaults(func=_test)


def _check(args: argparse.Namespace) -> int:
    import os

    from sensors.alert_config import AlertConfigError, load_alerts_config
    from sensors.receivers_config import (
        ChannelConfigError,
        build_delivery,
        load_channels_config,
        missing_secrets,
    )

    errors: list[str] = []
    report: dict[str, Any] = {"alerts": str(args.alerts), "channels": str(args.channels)}
    try:
        alerts = load_alerts_config(args.alerts)
        report["rules"] = [r.name for r in alerts.rules]
        report["intelligence_rules"] = [r.name for r in alerts.intelligence]
    except AlertConfigError as exc:
        errors += str(exc).splitlines()
    try:
        config = load_channels_config(args.channels)
        delivery = build_delivery(config, Path("."), env={})
        report["receivers"] = [r.name for r in config.receivers]
        report["min_retry_seconds"] = delivery.policy.min_retry_seconds()
        report["time_intervals"] = {  # name -> whether it holds now
            name: any(i.contains(time.time()) for i in intervals)
            for name, intervals in delivery.routing.time_intervals.items()
        }
        for name, variables in missing_secrets(config, os.environ).items():
            errors.append(f"{args.channels}: receiver {name!r} is routed but the environment "
                          f"variable(s) {', '.join(variables)} are not set")  # fmt: skip
    except ChannelConfigError as exc:
        errors += str(exc).splitlines()
    report["errors"] = errors
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in errors:
            print(line)
        if not errors:
            print(
                f"ok: {len(report['rules'])} rule(s), {len(report['intelligence_rules'])}"
                f" intelligence rule(s), {len(report['receivers'])} receiver(s); "
                f"retries last at least {report['min_retry_seconds'] / 60:.0f} min "
                "before a dead letter"
            )
            for name, now in report["time_intervals"].items():
                print(f"time interval {name}: {'in effect' if now else 'not in effect'} now")
    return 1 if errors else 0


def _test(args: argparse.Namespace) -> int:
    from sensors.alert_config import AlertConfigError, load_alerts_config
    from synmon.commands.alerts_explain import explain_rule, parse_time, render_text

    paths = Paths.from_env(args.data_dir)
    try:
        at = parse_time(args.at)
        config = load_alerts_config(args.alerts)
    except (ValueError, AlertConfigError) as exc:
        print(f"error: {exc}" if not isinstance(exc, AlertConfigError) else exc)
        return 2
    buffer: list[tuple] = []
    if args.source == "buffer" and paths.ops_db.exists():
        from sensors.ops_store import OpsStore

        with OpsStore(paths.ops_db) as store:
            buffer = store.buffer_rows()
    landing = paths.landing / "requests" if args.source == "landing" else None
    try:
        result = explain_rule(config, args.rule, at, landing=landing, buffer=buffer)
    except KeyError as exc:
        print(f"error: {exc.args[0]}")
        return 2
    print(json.dumps(result.as_dict(), indent=2) if args.json else render_text(result))
    return 0


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _outbox(args: argparse.Namespace) -> int:
    from sensors.ops_store import OpsStore

    paths = Paths.from_env(args.data_dir)
    with OpsStore(paths.ops_db) as store:
        if args.requeue_dead:
            print(f"requeued {store.requeue_dead(time.time())} dead letter(s)")
        rows = store.outbox_rows(args.state, args.limit)
        counts = store.outbox_counts()
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "the outbox is empty")
    for r in rows:
        labels = " ".join(f"{k}={v}" for k, v in sorted(r["labels"].items())
                          if k not in ("alertname", "severity"))  # fmt: skip
        line = (f"{r['state']:<9} {r['receiver']:<14} {r['status']:<8} {r['alertname']} {labels}"
                f"  attempts={r['attempts']}")  # fmt: skip
        if r["state"] == "pending":
            line += f" next={_when(r['next_attempt_at'])}"
        if r["last_error"]:
            line += f"\n          last error: {r['last_error']}"
        print(line)
    return 0


def _silence(args: argparse.Namespace) -> int:
    import getpass

    from sensors.alert_config import parse_duration
    from sensors.ops_store import OpsStore
    from sensors.routing import LabelMatcher, Silence

    now = time.time()
    paths = Paths.from_env(args.data_dir)
    with OpsStore(paths.ops_db) as store:
        if args.action == "expire":
            if not args.id:
                print("error: give the id of the silence to expire")
                return 2
            if not store.expire_silence(args.id, now):
                print(f"error: no active silence {args.id!r}")
                return 1
            print(f"expired {args.id}")
            return 0
        if args.action == "list":
            silences = store.silences(None if args.all else now)
            docs = [_silence_doc(s, now) for s in silences]
            if args.json:
                print(json.dumps(docs, indent=2))
            for d in [] if args.json else docs:
                matchers = " ".join(d["matchers"])
                print(f"{d['id']}  {d['state']:<7} until {d['ends_at']}  {matchers}  "
                      f"by {d['created_by']}: {d['comment']}")  # fmt: skip
            if not docs and not args.json:
                print("no silences")
            return 0
        try:
            matchers = tuple(LabelMatcher.parse(m) for m in args.match)
            seconds = parse_duration(args.duration)
        except ValueError as exc:
            print(f"error: expected {exc}")
            return 2
        if not matchers or not args.comment or seconds <= 0:
            print("error: a silence needs --match, a positive --for and a --comment")
            return 2
        author = args.author or getpass.getuser()
        silence = Silence(uuid.uuid4().hex[:12], matchers, now, now + seconds, args.comment, author)
        store.add_silence(silence, now)
    doc = _silence_doc(silence, now)
    print(
        json.dumps(doc, indent=2) if args.json else f"silenced until {doc['ends_at']}: {doc['id']}"
    )
    return 0


def _silence_doc(s: Any, now: float) -> dict[str, Any]:
    state = "active" if s.active(now) else ("pending" if s.starts_at > now else "expired")
    return {"id": s.id, "state": state, "matchers": [str(m) for m in s.matchers],
            "starts_at": _when(s.starts_at), "ends_at": _when(s.ends_at),
            "comment": s.comment, "created_by": s.created_by}  # fmt: skip
