"""`synmon alerts check|outbox|silence` on a temporary data directory."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from sensors.channels import RetryPolicy, deliver_due
from sensors.ops_store import OpsStore
from sensors.receivers_http import WebhookReceiver
from synmon.commands import alerts

from .channel_servers import Answer, http_receiver, note


def run(capsys, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="synmon")
    parser.add_argument("--data-dir")
    alerts.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code = args.func(args)
    return code, capsys.readouterr().out


def test_check_accepts_the_shipped_config(capsys):
    code, out = run(capsys, "alerts", "check")
    assert code == 0 and out.startswith("ok: 2 rule(s), 3 intelligence rule(s), 5 receiver(s)")


def test_check_names_the_bad_key_and_unset_secrets(tmp_path: Path, capsys, monkeypatch):
    bad = tmp_path / "channels.yaml"
    bad.write_text("receivers: [{name: x, file: {}}]\nroute: {receiver: x, group_wait: soon}\n")
    code, out = run(capsys, "alerts", "check", "--channels", str(bad))
    assert code == 1 and f"{bad}: route.group_wait: expected a duration" in out
    bad.write_text(
        "receivers: [{name: s, slack: {url_env: SYNMON_TEST_URL}}]\nroute: {receiver: s}\n"
    )
    monkeypatch.delenv("SYNMON_TEST_URL", raising=False)
    code, out = run(capsys, "alerts", "check", "--channels", str(bad))
    assert code == 1 and "SYNMON_TEST_URL are not set" in out
    monkeypatch.setenv("SYNMON_TEST_URL", "https://hooks.example/T/B/topsecret")
    code, out = run(capsys, "alerts", "check", "--channels", str(bad), "--json")
    assert code == 0 and json.loads(out)["errors"] == [] and "topsecret" not in out


def test_silence_add_list_expire(tmp_path: Path, capsys):
    data = str(tmp_path / "data")
    code, out = run(capsys, "--data-dir", data, "alerts", "silence", "--match",
                    "component=api_gateway", "--match", 'severity=~"warning|info"',
                    "--for", "2h", "--comment", "deploy", "--json")  # fmt: skip
    assert code == 0
    created = json.loads(out)
    assert created["matchers"] == ['component="api_gateway"', 'severity=~"warning|info"']
    code, out = run(capsys, "--data-dir", data, "alerts", "silence", "list", "--json")
    assert [s["id"] for s in json.loads(out)] == [created["id"]]
    assert json.loads(out)[0]["state"] == "active"
    code, out = run(capsys, "--data-dir", data, "alerts", "silence", "expire", created["id"])
    assert code == 0
    code, out = run(capsys, "--data-dir", data, "alerts", "silence", "list")
    assert out.strip() == "no silences"
    code, out = run(capsys, "--data-dir", data, "alerts", "silence", "list", "--all", "--json")
    assert json.loads(out)[0]["state"] == "expired"
    assert run(capsys, "--data-dir", data, "alerts", "silence", "expire", "nope")[0] == 1


@pytest.mark.parametrize("argv", [["--match", "component=x"], ["--comment", "why"],
                                  ["--match", "bad", "--comment", "x"]])  # fmt: skip
def test_silence_needs_matchers_and_a_comment(tmp_path: Path, capsys, argv):
    code, out = run(capsys, "--data-dir", str(tmp_path), "alerts", "silence", *argv)
    assert code == 2 and out.startswith("error:")


def test_outbox_lists_dead_letters_and_requeues_them(tmp_path: Path, capsys):
    data = tmp_path / "data"
    with OpsStore(data / "ops.sqlite") as store, http_receiver(Answer(410)) as (url, _):
        store.commit_tick(
            stream="requests", last_step=None, offsets={}, instances=[],
            notifications=[note()], receivers=["hook"], buffer=None, now=0.0,
        )  # fmt: skip
        deliver_due(store, [WebhookReceiver("hook", url)], now=0.0, policy=RetryPolicy())
    code, out = run(capsys, "--data-dir", str(data), "alerts", "outbox", "--state", "dead")
    assert code == 0 and out.splitlines()[0] == "dead: 1"
    assert "dead      hook" in out and "last error: HTTP 410" in out
    code, out = run(capsys, "--data-dir", str(data), "alerts", "outbox", "--json")
    (row,) = json.loads(out)
    assert (row["state"], row["receiver"], row["status"]) == ("dead", "hook", "firing")
    code, out = run(capsys, "--data-dir", str(data), "alerts", "outbox", "--requeue-dead")
    assert "requeued 1 dead letter(s)" in out and "pending: 1" in out
