"""`synmon incidents list|show|ack|resolve` on a temporary data directory."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sensors.incidents import record_alerts
from sensors.oncall import load_oncall_config
from sensors.ops_store import OpsStore
from synmon.commands import incidents
from synmon.settings import CONFIG_DIR

from .test_dagster import _firing


def run(capsys, data: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="synmon")
    parser.add_argument("--data-dir")
    incidents.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--data-dir", str(data), *argv])
    return args.func(args), capsys.readouterr().out


def test_list_show_ack_resolve(tmp_path: Path, capsys):
    data = tmp_path / "data"
    with OpsStore(data / "ops.sqlite") as store:
        record_alerts(store.conn, [_firing(time.time())],
                      load_oncall_config(CONFIG_DIR / "oncall.yaml"), time.time())  # fmt: skip
    code, out = run(capsys, data, "incidents", "list", "--json")
    assert code == 0 and [i["status"] for i in json.loads(out)] == ["open"]
    code, out = run(capsys, data, "incidents", "ack", "1", "--note", "on it", "--by", "bob")
    assert code == 0 and "acknowledged" in out
    code, out = run(capsys, data, "incidents", "resolve", "1", "--note", "done", "--json")
    assert code == 0 and json.loads(out)["status"] == "resolved"
    code, out = run(capsys, data, "incidents", "resolve", "1")
    assert code == 1 and "already resolved" in out
    code, out = run(capsys, data, "incidents", "show", "1", "--json")
    shown = json.loads(out)
    assert [e["kind"] for e in shown["timeline"]] == [
        "opened", "alert_firing", "acknowledged", "resolved"]  # fmt: skip
    assert shown["timeline"][2]["note"] == "on it" and shown["alerts"][0]["fingerprint"] == "f1"
    code, out = run(capsys, data, "incidents", "show", "1")
    assert code == 0 and "timeline:" in out and "on it" in out
    assert run(capsys, data, "incidents", "show", "7")[0] == 1
    code, out = run(capsys, data, "incidents", "list", "--status", "active")
    assert code == 0 and "(no incidents)" in out
