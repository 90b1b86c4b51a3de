"""The broken-input corpus of tests/test_ingest/test_broken_corpus.py, one builder per stream.

Every file is a list of records marked by the rule they follow, `G` (loads) or `B` (quarantined),
or `UNREADABLE` (binary, broken gzip: no record, a reason in the manifest). The rules are those of
docs/ingest.md; nothing here runs the code under test.
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.test_ingest.test_new_formats import APACHE2

G, B = True, False
UNREADABLE = "unreadable"
BOM = b"\xef\xbb\xbf"
NOW = datetime.now(UTC).replace(tzinfo=None)
TS = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
EPOCH = (NOW - timedelta(hours=3) - datetime(1970, 1, 1)).total_seconds()
NANOS = str(int(EPOCH * 1e9))
DROP = object()
Case = tuple[str, str, bytes, list[bool] | str]


def rec(base: dict[str, Any], **over: Any) -> bytes:
    doc = {k: v for k, v in {**base, **over}.items() if v is not DROP}
    return json.dumps(doc).encode()


def req(**over: Any) -> bytes:
    base = {"ts": TS, "component": "api", "endpoint": "/v1/x", "status": 200, "latency_ms": 12.5,
            "tokens_in": 10, "cost_usd": 0.001, "host": "c-0"}  # fmt: skip
    return rec(base, **over)


def event(**over: Any) -> bytes:
    return rec({"ts": TS, "event": "validation_result", "passed": True, "accuracy": 0.9}, **over)


def log(**over: Any) -> bytes:
    return rec({"ts": TS, "level": "INFO", "component": "api", "message": "ok"}, **over)


def lines(*records: bytes, end: bytes = b"\n") -> bytes:
    return b"".join(r + end for r in records)


def _requests() -> list[Case]:
    good = req()
    fb = b'app.req: [%.3f, %s]' % (EPOCH, req(ts=DROP))  # fmt: skip
    deep = b"[" * 3000 + b"]" * 3000
    return [
        ("requests", "empty.jsonl", b"", []),
        ("requests", "blank.jsonl", b"\n\n\n", []),
        ("requests", "spaces.jsonl", b"  \n\t\n \t \n", []),
        ("requests", "bom.jsonl", BOM + lines(good, good), [G, G]),
        ("requests", "crlf.jsonl", lines(good, good, b"", end=b"\r\n"), [G, G]),
        ("requests", "lone-cr.jsonl", good + b"\r" + good + b"\n" + good + b"\n", [B, G]),
        ("requests", "cr-only.jsonl", good + b"\r" + good + b"\r", []),  # no newline: waits
        (
            "requests",
            "bad-utf8.jsonl",
            lines(good, req(endpoint="/x").replace(b"/x", b"/\xff"), good),
            [G, B, G],
        ),
        (
            "requests",
            "nul-mid.jsonl",
            lines(*[good] * 100, good[:30] + b"\x00" + good[30:], good),
            [G] * 100 + [B, G],
        ),
        ("requests", "binary.bin", random.Random(1).randbytes(4096), UNREADABLE),
        ("requests", "truncated.jsonl.gz", gzip.compress(lines(*[good] * 500))[:300], UNREADABLE),
        ("requests", "corrupt.gz", b"\x1f\x8b\x08\x00" + b"not deflate data" * 10, UNREADABLE),
        (
            "requests",
            "growing.jsonl.gz",
            gzip.compress(lines(good, good, good) + good[:40]),
            [G, G, G, B],
        ),
        (
            "requests",
            "huge.jsonl",
            lines(req(blob="x" * 10_000_000), b"y" * 100_000, good),
            [G, B, G],
        ),
        (
            "requests",
            "deep.jsonl",
            lines(req(extra=json.loads(b"[" * 200 + b"]" * 200)), deep),
            [G, B],
        ),
        (
            "requests",
            "shapes.jsonl",
            lines(b"[1, 2]", b"42", b'"text"', b"null", b"true", b"{}"),
            [B] * 6,
        ),
        (
            "requests",
            "nan.jsonl",
            lines(
                good.replace(b"12.5", b"NaN"),
                good.replace(b"12.5", b"Infinity"),
                good.replace(b"0.001", b"-Infinity"),
                good.replace(b"200", b"NaN"),
            ),
            [B] * 4,
        ),
        (
            "requests",
            "numbers.jsonl",
            lines(
                req(status=" 200 "),
                req(status="2e2"),
                req(status=200.0),
                req(tokens_in=None),
                req(latency_ms="1e3"),
                req(status="1e3"),
                req(status="0x10"),
                req(status=""),
                req(status=None),
                req(tokens_in=""),
                req(status=99999999999999999999),
                req(tokens_in=3_000_000_000),
                good.replace(b"12.5", b"1e400"),
                req(status=200.5),
                req(latency_ms="fast"),
                req(latency_ms=-1),
                req(status=DROP),
            ),
            [G] * 5 + [B] * 12,
        ),
        (
            "requests",
            "times.jsonl",
            lines(
                req(ts=(NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+02:00")),
                req(ts=f"{EPOCH:.3f}"),
                req(ts=EPOCH),
                req(ts=(NOW + timedelta(hours=12)).isoformat() + "Z"),
                req(ts=int(EPOCH * 1000)),  # epoch milliseconds: the contract says seconds
                req(ts="1999-12-31T23:59:59Z"),
                req(ts=(NOW + timedelta(days=2)).isoformat() + "Z"),
                req(ts="2026-13-01T00:00:00Z"),
                req(ts=""),
                req(ts="yesterday"),
            ),
            [G] * 4 + [B] * 6,
        ),
        (
            "requests",
            "fluent-bit.log",
            lines(
                fb,
                b'{"date": %.3f, %s' % (EPOCH, req(ts=DROP)[1:]),
                fb.replace(b"app.req:", b"app.req"),
                fb.replace(b"[%.3f" % EPOCH, b"[abc"),
                fb[:-1],
                b"app.req: [%.3f, {not json}]" % EPOCH,
            ),
            [G, G, B, B, B, B],
        ),
    ]


def _other_json() -> list[Case]:
    return [
        ("events", "empty.jsonl", b"", []),
        (
            "events",
            "mixed.jsonl",
            BOM
            + lines(
                event(),
                event(passed="yes"),
                event(accuracy=1.5),
                event(accuracy="NaN"),
                rec({"ts": TS, "event": "user_feedback", "satisfaction": 0}),
                event(event=DROP),
                rec({"ts": TS, "event": "deploy", "version": "1.2"}),
            ),
            [G, B, B, B, B, B, G],
        ),
        (
            "logs",
            "mixed.jsonl",
            lines(
                log(),
                b"[1]",
                log(message="caf\xe9").replace(b"\\u00e9", b"\xe9"),
                log(ts=DROP),
                b"app.log: [%.3f, %s]" % (EPOCH, log(ts=DROP)),
                log(fields={"deep": [[[[1]]]]}),
            ),
            [G, B, B, B, G, G],
        ),
    ]


def access() -> tuple[list[Case], list[bool]]:
    stamp = (NOW - timedelta(hours=1)).strftime("%d/%b/%Y:%H:%M:%S +0000").encode()
    good = b'10.0.0.1 - bob [%s] "GET /a?b=1 HTTP/1.1" 200 512 "-" "curl/8"' % stamp
    raw = [
        good,
        b'10.0.0.1 - - [%s] "GET /a HTTP/1.1" 200' % stamp,  # no size
        b'10.0.0.1 - - [%s] "GET /a HTTP/1.1 200 512' % stamp,  # unclosed quote
        b'10.0.0.1 - - [%s] "GET /a HTTP/1.1" 200 512 "ref"' % stamp,  # referer, no agent
        b'10.0.0.1 - - [32/Oct/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5',  # no such day
        b'10.0.0.1 - - [01/Jan/1999:10:00:00 +0000] "GET / HTTP/1.1" 200 5',
        b'10.0.0.1 - - [01/Jan/2099:10:00:00 +0000] "GET / HTTP/1.1" 200 5',
        b'10.0.0.1 - - [%s] "GET / HTTP/1.1" abc -' % stamp,  # the regex takes any code text
    ]
    expected = [_apache_ok(line.decode()) for line in raw]
    records = [
        json.dumps(
            {
                "host": "1.2.3.4",
                "method": "GET",
                "path": "/",
                "code": "200",
                "size": "5",
                "time": stamp.decode(),
            }
        ).encode(),
        json.dumps({"log": good.decode()}).encode(),
        json.dumps({"log": "garbage"}).encode(),
    ]
    data = lines(*raw[:4], end=b"\r\n") + lines(*raw[4:], b"", b"  ", *records)
    return [
        ("access", "access.log", data, [*expected, G, G, B]),
        ("access", "empty.log", b"", []),
    ], expected


def _apache_ok(line: str) -> bool:
    m = APACHE2.match(line)
    if not m:
        return False
    try:
        t = datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return False
    return datetime(2000, 1, 1, tzinfo=UTC) <= t <= datetime.now(UTC) + timedelta(days=1)


def _prometheus() -> list[Case]:
    ms = int(EPOCH * 1000)
    page = [
        (b"# HELP up Whether the target is up.", None),
        (b"# TYPE up gauge", None),
        (b'up{host="a"} 1 %d' % ms, G),
        (b'up{host="b" 1 %d' % ms, B),  # unclosed label set
        (b'up{host="c"} abc', B),
        (b'up{host="d"} 1 99999999999999', B),  # year 5138
        (b'up{host="e"} 1 1000', B),  # 1970
        (b'up{host="f"} NaN %d' % ms, G),
        (b"", None),
        (b'up{host="g"} +Inf', G),
    ]
    om = (b"# TYPE jobs counter\n# UNIT jobs_seconds seconds\n"
          b"jobs_total 3 %.3f\njobs_created %.3f %.3f\n") % (EPOCH, EPOCH - 60, EPOCH)  # fmt: skip
    return [
        (
            "metrics",
            "page.prom",
            lines(*(p for p, _ in page)),
            [k for _, k in page if k is not None],
        ),
        ("metrics", "om.txt", om + b"# EOF\n", [G, G]),
        ("metrics", "om-no-eof.txt", om, [G, G]),
        ("metrics", "blank.prom", b"\n \n", []),
        ("metrics", "binary.prom", b"\x00\x01" * 100, UNREADABLE),
        ("metrics", "unfinished.prom", b'up{host="a"} 1 %d\nup{host="b"} 1' % ms, [G]),
    ]


def gauge(name: Any, points: list[Any]) -> dict[str, Any]:
    return {"name": name, "gauge": {"dataPoints": points}}


def metrics_doc(*metrics: Any, resource: Any = None) -> dict[str, Any]:
    res = {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]}
    return {"resourceMetrics": [{"resource": resource if resource is not None else res,
                                 "scopeMetrics": [{"metrics": list(metrics)}]}]}  # fmt: skip


def _otlp_metrics() -> list[Case]:
    point = {"timeUnixNano": NANOS, "asInt": "5"}
    hist = {"name": "h", "histogram": {"aggregationTemporality": 1, "dataPoints": [
        {"timeUnixNano": NANOS, "bucketCounts": ["1", "2"], "explicitBounds": [1.0], "sum": 3,
         "count": "3"},
        {"timeUnixNano": NANOS, "bucketCounts": ["1"], "explicitBounds": [1.0, 2.0], "count": 1},
    ]}}  # fmt: skip
    docs = [
        (
            metrics_doc(
                gauge(
                    "g",
                    [
                        point,
                        {"asInt": 1},
                        {"timeUnixNano": NANOS, "asDouble": "x"},
                        {"timeUnixNano": "1e18", "asInt": 1},
                        7,
                    ],
                )
            ),
            [G, B, B, B, B],
        ),
        (metrics_doc(hist), [G] * 4 + [B]),
        (metrics_doc(gauge("", [point, point]), {"name": "s", "sum": 5}, "m"), [B, B, B, B]),
        (metrics_doc(gauge("g", [point]), resource={"attributes": 3}), [B]),
        ({"resourceMetrics": "x"}, [B]),
        ({"resourceMetrics": [{"scopeMetrics": 5}]}, [B]),
        ([1], [B]),
    ]
    text = lines(*(json.dumps(d).encode() for d, _ in docs), b"{broken")
    pretty = json.dumps(metrics_doc(gauge("g", [point, point])), indent=2).encode()
    return [
        ("metrics", "otlp.jsonl", text, [k for _, ks in docs for k in ks] + [B]),
        ("metrics", "sdk-post.json", pretty, [G, G]),  # one document, no trailing newline
    ]


def span(**over: Any) -> dict[str, Any]:
    base = {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
            "name": "op", "startTimeUnixNano": NANOS, "endTimeUnixNano": int(NANOS) + 10**6,
            "status": {"code": 2}}  # fmt: skip
    return {k: v for k, v in {**base, **over}.items() if v is not DROP}


def _traces() -> list[Case]:
    spans = [
        (span(), G), (span(parentSpanId="eee19b7ec3c1b175"), G), (span(traceId="xyz"), B),
        (span(spanId="abcd"), B), (span(traceId=5), B), (span(startTimeUnixNano=DROP), B),
        (span(endTimeUnixNano=NANOS[:-3]), B), (span(status="x"), B),
        (span(status={"code": "abc"}), B), ("span", B),
    ]  # fmt: skip
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [s for s, _ in spans]}]}]}
    odd = [{"resourceSpans": "x"}, {"resourceSpans": [{"scopeSpans": 5}]}, {"foo": 1}, [1]]
    text = lines(json.dumps(doc).encode(), *(json.dumps(d).encode() for d in odd), b"{not json")
    last = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span()]}]}]}).encode()
    return [
        ("traces", "otelcol.jsonl", text + last, [k for _, k in spans] + [B] * 5 + [G]),
        ("traces", "empty.json", b"", []),
    ]


def corpus() -> list[Case]:
    return [*_requests(), *_other_json(), *access()[0], *_prometheus(), *_otlp_metrics(),
            *_traces()]  # fmt: skip
