"""Alertmanager parity of grouping, catch-ups and dead letters, as tables of cases on an injected
clock against real receivers on 127.0.0.1: a changed group's flush carries the whole group to
Slack, email and webhook (PagerDuty and the file get only the news) and restarts the repeat
clock; a replayed tick sends nothing twice; a silence or inhibition that ends is caught up at the
next flush; a dead-lettered notification is tried again at a later flush, and an alert shown in
a group flush is not sent again."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from sensors.channels import Channel, DeliverySummary, FileChannel, RetryPolicy, deliver_due
from sensors.ops_store import OpsStore
from sensors.receivers_email import EmailReceiver
from sensors.receivers_http import PagerDutyReceiver, SlackReceiver, WebhookReceiver
from sensors.routing import InhibitRule, LabelMatcher, Route, Routing, Silence, next_flush_at
from sensors.rules import Instance, State

from .channel_servers import Answer, http_receiver, note, refused_url

STARTS = "2026-03-01T00:20:00Z"  # note()'s starts_at: every alert here fired then
T0 = datetime.fromisoformat(STARTS.replace("Z", "+00:00")).timestamp()
POLICY = RetryPolicy(max_attempts=1, backoff_base=1.0, backoff_cap=60.0)  # dead at the 1st error


def alert(component: str, status: str = "firing", name: str = "HighErrorRate", **kw) -> dict:
    return note(name, status, component=component, **kw)


class Ops:
    """An ops store, routing and receivers; times are seconds after T0."""

    def __init__(self, path: Path, routing: Routing, channels: list[Channel]):
        self.store, self.routing, self.channels = OpsStore(path), routing, channels

    def commit(self, t: float, *notes: dict) -> None:
        insts = [
            Instance(n["alertname"], n["fingerprint"], n["labels"],
                     State.FIRING if n["status"] == "firing" else State.RESOLVED, fired_at=int(T0))
            for n in notes
        ]  # fmt: skip
        self.store.commit_tick(stream="requests", last_step=None, offsets={}, instances=insts,
                               notifications=notes, receivers=self.routing.receivers_for,
                               buffer=None, now=T0 + t)  # fmt: skip

    def deliver(self, t: float) -> DeliverySummary:
        return deliver_due(self.store, self.channels, now=T0 + t, routing=self.routing,
                           policy=POLICY)  # fmt: skip

    def attempts(self, t: float, alertname: str | None = None) -> list[str]:
        """`<kind> ok|failed` per delivery attempt at `t`: kind is `firing`, `resolved` or the
        re-send's kind (`repeat`, `retry`, `unsilenced`, ..., `group` for an alert shown)."""
        rows = self.store.conn.execute(
            "select d.dedup_key, d.ok from deliveries d join notifications n using (dedup_key)"
            " where d.attempted_at = ? and (? is null or n.rule = ?) order by d.id",
            (T0 + t, alertname, alertname),
        ).fetchall()
        return [f"{_kind(key)} {'ok' if ok else 'failed'}" for key, ok in rows]


def _kind(key: str) -> str:  # fp:firing:<startsAt>[:<kind>@<time>]
    return key.rsplit("@", 1)[0].rsplit(":", 1)[1] if "@" in key else key.split(":")[1]


def _component(text: str) -> str:  # "HighErrorRate on a" -> "a"
    return text.rsplit(" ", 1)[-1]


@contextmanager
def receiver(kind: str, tmp_path: Path, fps: dict[str, str]) -> Iterator[tuple[Channel, Callable]]:
    """A real receiver of `kind` and a reader of what it got: one list of (component, status)
    per message (PagerDuty: per event; file: per line)."""
    if kind == "file":
        path = tmp_path / "n" / "alerts.jsonl"

        def lines() -> list:
            text = path.read_text() if path.exists() else ""
            return [[(json.loads(x)["labels"]["component"], json.loads(x)["status"])]
                    for x in text.splitlines()]  # fmt: skip

        yield FileChannel(path.parent, name="r"), lines
        return
    if kind == "email":
        inbox: list = []

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:
                inbox.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 OK"

        port = int(refused_url().split(":")[2].split("/")[0])
        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            chan = EmailReceiver("r", host="127.0.0.1", port=port, sender="a@x", to=["b@x"],
                                 security="none")  # fmt: skip

            def mails() -> list:
                out = []
                for m in inbox:
                    text = m.get_body(("plain",)).get_content()
                    out.append([(_component(line.split("  ", 1)[1]), line.split()[0].lower())
                                for line in text.splitlines()
                                if line.startswith(("FIRING  ", "RESOLVED  "))])  # fmt: skip
                return out

            yield chan, mails
        finally:
            controller.stop()
        return
    with http_receiver() as (url, rec):
        if kind == "webhook":
            chan: Channel = WebhookReceiver("r", url)
            read = lambda: [[(a["labels"]["component"], a["status"]) for a in b["alerts"]]  # noqa: E731
                            for b in rec.bodies]  # fmt: skip
        elif kind == "slack":
            chan = SlackReceiver("r", url)
            read = lambda: [[(_component(x.split(": ", 1)[1]), x.split(":")[0])  # noqa: E731
                             for x in b["text"].splitlines()[1:]] for b in rec.bodies]  # fmt: skip
        else:
            chan = PagerDutyReceiver("r", "rk", url=url)
            status = {"trigger": "firing", "resolve": "resolved"}
            read = lambda: [[(fps[b["dedup_key"]], status[b["event_action"]])]  # noqa: E731
                            for b in rec.bodies]  # fmt: skip
        yield chan, read


A, B = ("a", "firing"), ("b", "firing")
A_RESOLVED = ("a", "resolved")
WHOLE_GROUP = [[A], [A, B], [B, A_RESOLVED], [B]]  # unchanged firing alerts first
NEWS_ONLY = [[A], [B], [A_RESOLVED], [B]]


@pytest.mark.parametrize(
    ("kind", "messages"),
    [("webhook", WHOLE_GROUP), ("slack", WHOLE_GROUP), ("email", WHOLE_GROUP),
     ("pagerduty", NEWS_ONLY), ("file", NEWS_ONLY)],
)  # fmt: skip
def test_a_changed_group_flush_carries_the_whole_group(tmp_path: Path, kind: str, messages):
    route = Route("r", group_by=("alertname",), group_wait=0, group_interval=300,
                  repeat_interval=3600)  # fmt: skip
    fps = {alert(c)["fingerprint"]: c for c in "ab"}
    with receiver(kind, tmp_path, fps) as (chan, read):
        ops = Ops(tmp_path / "ops.sqlite", Routing(route), [chan])
        steps = [(0, [alert("a")], 1), (400, [alert("b")], 1),
                 (500, [alert("a", "resolved")], 0), (700, [], 1), (3600, [], 0), (4000, [], 0),
                 (4299, [], 0), (4300, [], 1)]  # fmt: skip
        for t, notes, delivered in steps:
            if notes:
                ops.commit(t, *notes)
            assert ops.deliver(t).delivered == delivered, t
            assert ops.deliver(t).delivered == 0, t  # a replayed tick sends nothing twice
        got = read()
        # the flush at 700 restarted the repeat clock: b repeats at 700 + 1h, not 0 or 400 + 1h
        assert ops.attempts(4300) == ["repeat ok"]
        shown = [(r["labels"]["component"], r["dedup_key"].split(":group@")[1], r["state"])
                 for r in ops.store.outbox_rows() if ":group@" in r["dedup_key"]]  # fmt: skip
        ops.store.close()
    assert got == messages
    # the alerts each flush showed beside its news are on record (a at 400 s, b at 700 s)
    assert sorted(shown) == [("a", "2026-03-01T00:26:40Z", "delivered"),
                             ("b", "2026-03-01T00:31:40Z", "delivered")]  # fmt: skip


INHIBIT = InhibitRule((LabelMatcher.parse('severity="critical"'),),
                      (LabelMatcher.parse('severity="warning"'),), ("component",))  # fmt: skip
TARGET = alert("a", name="Slow", severity="warning")
SOURCE = alert("a", name="Down")


@pytest.mark.parametrize(
    ("silence", "source_resolves", "ticks"),
    [
        # silenced from the first notification on, alone in its group: sent when the silence ends
        ((0, 1000), None, [(0, []), (999, []), (1000, ["unsilenced ok"]), (1300, []),
                           (4600, ["repeat ok"])]),
        # inhibited by a critical alert on its component until that resolves
        (None, 600, [(0, []), (599, []), (600, ["uninhibited ok"]), (900, [])]),
        # notified before the silence: nothing new when it ends, the repeat comes on time
        ((100, 1000), None, [(0, ["firing ok"]), (1000, []), (3599, []), (3600, ["repeat ok"])]),
        # silenced over its repeat: the repeat goes at the first flush after the silence
        ((3000, 5000), None, [(0, ["firing ok"]), (3600, []), (4999, []), (5000, ["repeat ok"]),
                              (8599, []), (8600, ["repeat ok"])]),
    ],
)  # fmt: skip
def test_silence_or_inhibition_that_ends_is_caught_up_at_the_next_flush(
    tmp_path: Path, silence, source_resolves, ticks
):
    route = Route("r", group_by=("alertname",), group_wait=0, group_interval=300,
                  repeat_interval=3600)  # fmt: skip
    ops = Ops(tmp_path / "ops.sqlite", Routing(route, (INHIBIT,)),
              [FileChannel(tmp_path / "n", name="r")])  # fmt: skip
    if silence:
        start, end = silence
        matchers = (LabelMatcher.parse("alertname=Slow"),)
        ops.store.add_silence(Silence("s1", matchers, T0 + start, T0 + end), now=T0)
    ops.commit(0, TARGET, *([SOURCE] if source_resolves else []))
    for t, expected in ticks:
        if source_resolves == t:
            ops.commit(t, alert("a", "resolved", name="Down"))
        ops.deliver(t)
        ops.deliver(t)  # replayed
        assert ops.attempts(t, "Slow") == expected, t
    reasons = [json.loads(x).get("notify_reason") for x in
               (tmp_path / "n" / "alerts.jsonl").read_text().splitlines()
               if json.loads(x)["alertname"] == "Slow"]  # fmt: skip
    ops.store.close()
    assert reasons[0] in (None, "silence ended", "inhibition ended")


@pytest.mark.parametrize(
    ("group_interval", "answers", "ticks"),
    [
        # a repeat refused with a 4xx: tried again at the first flush >= 5 min after (not 4h)
        (300, [200, 400], [(0, ["firing ok"]), (3600, ["repeat failed"]), (3899, []),
                           (3900, ["retry ok"]), (7499, []), (7500, ["repeat ok"])]),
        # the first notification dead-lettered: the group never flushed, so 5 min later
        (300, [400], [(0, ["firing failed"]), (299, []), (300, ["retry ok"]), (600, [])]),
        # a 0s group_interval waits backoff_cap (60 s), not one tick, after a final 4xx
        (0, [400, 400], [(0, ["firing failed"]), (5, []), (60, ["retry failed"]), (119, []),
                         (120, ["retry ok"]), (125, [])]),
        # a receiver that keeps failing: one retry per flush, each dead-lettered on its own
        (300, [200, 500, 500, 500], [(0, ["firing ok"]), (3600, ["repeat failed"]),
                                     (3900, ["retry failed"]), (4200, ["retry failed"]),
                                     (4500, ["retry ok"])]),
    ],
)  # fmt: skip
def test_dead_letter_is_retried_at_a_later_flush(tmp_path: Path, group_interval, answers, ticks):
    route = Route("r", group_by=("alertname",), group_wait=0, group_interval=group_interval,
                  repeat_interval=3600)  # fmt: skip
    with http_receiver(*(Answer(s) for s in answers)) as (url, _):
        ops = Ops(tmp_path / "ops.sqlite", Routing(route), [WebhookReceiver("r", url)])
        ops.commit(0, alert("a"))
        for t, expected in ticks:
            ops.deliver(t)
            ops.deliver(t)  # replayed
            assert ops.attempts(t) == expected, t
        dead = len(ops.store.outbox_rows(state="dead"))
        ops.store.close()
    assert dead == sum(e.endswith("failed") for _, exp in ticks for e in exp)


def test_an_alert_shown_in_a_group_flush_is_not_retried_or_caught_up(tmp_path: Path):
    route = Route("r", group_by=("alertname",), group_wait=0, group_interval=300,
                  repeat_interval=3600)  # fmt: skip
    with http_receiver(Answer(400)) as (url, rec):
        ops = Ops(tmp_path / "ops.sqlite", Routing(route), [WebhookReceiver("r", url)])
        ops.commit(0, alert("a"))
        assert ops.deliver(0).dead == 1
        ops.commit(100, alert("b"))
        assert ops.deliver(100).delivered == 1
        assert ops.attempts(100) == ["firing ok", "group ok"]  # b, and a shown beside it
        for t in (300, 400, 3699):  # a's retry would have been due at 400
            assert ops.deliver(t).delivered == 0
        assert ops.deliver(3700).delivered == 2  # both repeat, one message
        ops.store.close()
    got = [sorted(a["labels"]["component"] for a in b["alerts"]) for b in rec.bodies]
    assert got == [["a"], ["a", "b"], ["a", "b"]]


def test_receivers_sharing_a_re_send_key_each_get_it(tmp_path: Path):
    """Two receivers with the same timing compute the same repeat key; each gets its repeat."""
    leaves = tuple(Route(n, continue_=True, group_by=("alertname",), group_wait=0,
                         group_interval=300, repeat_interval=3600) for n in ("x", "y"))  # fmt: skip
    routing = Routing(Route("x", routes=leaves))
    chans: list[Channel] = [FileChannel(tmp_path / "n", name=n, filename=f"{n}.jsonl")
                            for n in ("x", "y")]  # fmt: skip
    ops = Ops(tmp_path / "ops.sqlite", routing, chans)
    ops.commit(0, alert("a"))
    assert ops.deliver(0).delivered == 2
    assert ops.deliver(3600).delivered == 2
    ops.store.close()
    for n in ("x", "y"):
        lines = (tmp_path / "n" / f"{n}.jsonl").read_text().splitlines()
        assert [json.loads(x).get("notify_reason") for x in lines] == [
            None, "repeat interval elapsed"]  # fmt: skip


@pytest.mark.parametrize(
    ("interval", "last", "after", "due"),
    [
        (300, 0, 3600, 3600),  # on a flush
        (300, 0, 3601, 3900),  # else the next one
        (300, 0, 10, 300),  # never sooner than one interval after the last flush
        (300, None, 10, 10),  # no flush yet: any tick
        (0, 100, 50, 50),  # 0s: any tick
    ],
)
def test_next_flush_at(interval: float, last: float | None, after: float, due: float):
    assert next_flush_at(Route("r", group_interval=interval), last, after) == due
