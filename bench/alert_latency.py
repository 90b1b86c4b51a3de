"""Alert latency on the real Dagster stack: landing file written -> webhook notification received.

Starts `dagster code-server` (orchestration.definitions) and `dagster-daemon` on 127.0.0.1 with a
temporary DAGSTER_HOME (config/dagster.yaml) and SYNMON_DATA_DIR, and a webhook receiver
(http.server). config/channels.yaml is read from the repo's config directory, which nothing
overrides yet, so the code server loads a generated file that points `sensors.alerts.CONFIG_DIR`
at a temporary copy of config/ whose channels.yaml routes everything to that webhook. Then drops
N request dumps (10 minutes of data time each, some with an error storm) at random intervals and
prints one JSON line of latencies, lost and duplicated notifications, and the CPU the sensors add
over the same stack without them during idle seconds. Every wait is bounded; every process
started here is killed at the end.

    .venv/bin/python bench/alert_latency.py [--dumps 30] [--idle 60] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DUMP_MINUTES = 10
COMPONENTS = ("api_gateway", "dspy_optimizer", "domain_validator")
CLK_TCK = os.sysconf("SC_CLK_TCK")

CHANNELS = """
delivery: {timeout: 5s, max_attempts: 12, backoff_base: 1s, backoff_cap: 30s}
receivers:
  - name: file
    file: {filename: alerts.jsonl}
  - name: bench-webhook
    webhook: {url_env: SYNMON_BENCH_WEBHOOK_URL}
route:
  receiver: bench-webhook
  group_by: [alertname, component]
  group_wait: 0s
  group_interval: 0s
  repeat_interval: 4h
  routes: []
"""


class Receiver(BaseHTTPRequestHandler):
    """Records (receive time, body) of every POST; answers 200."""

    received: ClassVar[list[tuple[float, dict]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((time.time(), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dump_lines(start: datetime, breach: str | None) -> str:
    """10 requests per minute per component; the `breach` component gets 60% 503s."""
    out = []
    for m in range(DUMP_MINUTES):
        for comp in COMPONENTS:
            for i in range(10):
                ts = start + timedelta(minutes=m, seconds=6 * i)
                status = 503 if comp == breach and i % 5 < 3 else 200
                out.append(json.dumps({
                    "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "request_id": f"{ts:%H%M%S}{i}",
                    "trace_id": "t", "component": comp, "endpoint": "/v1/generate",
                    "method": "POST", "status": status, "latency_ms": 180.0 + 7 * i,
                    "domain": "science", "user_id": f"u{i}", "tokens_in": 10, "tokens_out": 50,
                    "cost_usd": 0.001, "host": f"{comp}-0",
                }))  # fmt: skip
    return "\n".join(out) + "\n"


def tree_ticks(roots: list[int]) -> int:
    """CPU ticks (user + system, reaped children included) of `roots` and their descendants."""
    stats: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    tree, frontier = set(), [r for r in roots if r in stats]
    while frontier:
        pid = frontier.pop()
        tree.add(pid)
        frontier += [p for p, (ppid, _) in stats.items() if ppid == pid and p not in tree]
    return sum(stats[p][1] for p in tree)


def cpu_percent(roots: list[int], seconds: float) -> float:
    before, t0 = tree_ticks(roots), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (tree_ticks(roots) - before) / CLK_TCK / (time.monotonic() - t0)


def wait_for(check, timeout: float, what: str, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def runs_in_flight(home: Path) -> int:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        statuses = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
                    dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                    dg.DagsterRunStatus.CANCELING]  # fmt: skip
        return instance.get_runs_count(dg.RunsFilter(statuses=statuses))


def alert_key(a: dict) -> tuple:
    """One notification of one alert: the webhook repeats none of these unless it duplicates."""
    labels = a["labels"]
    return (labels.get("alertname"), labels.get("component"), a["status"], a["startsAt"])


def receipts(got: list) -> list[tuple[float, tuple, tuple | None]]:
    """(time, key, implied key) per alert received. The Alertmanager body shows the newest state
    of each alert of a batch, so a resolved alert whose firing went out in the same tick also
    delivers its firing notification (`implied`)."""
    out = []
    for at, body in got:
        for a in body.get("alerts", []):
            key = alert_key(a)
            implied = (*key[:2], "firing", key[3]) if key[2] == "resolved" else None
            out.append((at, key, implied))
    return out


def score(written: list[float], t0: datetime, expected: set[tuple], got: list) -> dict:
    """Latency of each expected notification (first receipt - the write time of the dump whose
    data completed it), lost, duplicates (a notification received again) and unexpected ones."""
    first: dict[tuple, float] = {}
    duplicates = unexpected = collapsed = 0
    for at, key, implied in receipts(got):
        if key in first:
            duplicates += 1
            continue
        first[key] = at
        if key not in expected:
            unexpected += 1
        if implied is not None and implied not in first:
            first[implied] = at
            collapsed += 1
    latency = []
    for alertname, comp, status, starts in expected & set(first):
        event = datetime.fromisoformat(starts.replace("Z", "+00:00"))
        event += timedelta(minutes=DUMP_MINUTES) if status == "resolved" else timedelta()
        latency.append(first[(alertname, comp, status, starts)] - written[dump_of(t0, event)])
    lat = sorted(latency)

    def pct(q: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None

    return {"n": len(lat), "p50_s": pct(0.5), "p95_s": pct(0.95),
            "max_s": round(lat[-1], 2) if lat else None, "lost": len(expected - set(first)),
            "duplicates": duplicates, "unexpected": unexpected,
            "firing_sent_as_resolved": collapsed}  # fmt: skip


def dump_of(t0: datetime, event: datetime) -> int:
    return int((event - t0).total_seconds() // (DUMP_MINUTES * 60))


def expected_keys(t0: datetime, breaches: list[int]) -> set[tuple]:
    """Firing 8 min into a breach dump (pending at +3m, for 5m); resolved at +18m."""
    keys = set()
    for i in breaches:
        start = t0 + timedelta(minutes=DUMP_MINUTES * i + 8)
        starts = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        comp = COMPONENTS[i % 3]
        keys |= {("HighErrorRate", comp, status, starts) for status in ("firing", "resolved")}
    return keys


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dumps", type=int, default=30)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of each idle CPU sample")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from orchestration.dbt import prepare_manifest
    from sensors.receivers_config import load_channels_config
    from synmon.settings import Paths

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="synmon-latency-"))
    data, home, config = tmp / "data", tmp / "dagster_home", tmp / "config"
    shutil.copytree(REPO / "config", config)
    (config / "channels.yaml").write_text(CHANNELS)
    load_channels_config(config / "channels.yaml")
    home.mkdir()
    shutil.copyfile(REPO / "config" / "dagster.yaml", home / "dagster.yaml")
    defs_file = tmp / "bench_defs.py"
    defs_file.write_text(
        "from pathlib import Path\nimport sensors.alerts\n"
        f"sensors.alerts.CONFIG_DIR = Path({str(config)!r})\n"
        "from orchestration.definitions import defs  # noqa: E402,F401\n"
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "SYNMON_DATA_DIR": str(data),
           "SYNMON_BENCH_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/alerts",
           "PYTHONPATH": str(REPO)}  # fmt: skip
    os.environ["DAGSTER_HOME"] = str(home)
    clock = time.monotonic()
    prepare_manifest(Paths(data))
    print(f"manifest ready in {time.monotonic() - clock:.1f} s; stack in {tmp}", file=sys.stderr)
    grpc = ["--grpc-host", "127.0.0.1", "--grpc-port", str(port)]
    procs: list[subprocess.Popen] = []
    try:
        server_cmd = [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1",
                      "-p", str(port), "-f", str(defs_file), "-d", str(REPO),
                      "--location-name", "synmon"]  # fmt: skip
        procs.append(start(server_cmd, env, tmp / "code-server.log"))
        procs.append(start([str(BIN / "dagster-daemon"), "run", *grpc], env, tmp / "daemon.log"))
        clock = time.monotonic()
        wait_for(lambda: (data / "ops.sqlite").exists(), 240, "the first alert sensor tick")
        print(f"stack up, alert sensor ticking after {time.monotonic() - clock:.1f} s",
              file=sys.stderr)  # fmt: skip

        t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
        candidates = list(range(1, args.dumps - 1))
        breaches: list[int] = []
        for i in rng.sample(candidates, len(candidates)):
            if len(breaches) < max(1, args.dumps // 5) and not {i - 1, i + 1} & set(breaches):
                breaches.append(i)
        landing = data / "landing" / "requests"
        landing.mkdir(parents=True, exist_ok=True)
        written: list[float] = []
        for i in range(args.dumps):
            time.sleep(rng.uniform(0.5, 5.0))
            breach = COMPONENTS[i % 3] if i in breaches else None
            part = landing / f".dump-{i:03d}.jsonl"
            part.write_text(dump_lines(t0 + timedelta(minutes=DUMP_MINUTES * i), breach))
            part.rename(landing / f"dump-{i:03d}.jsonl")
            written.append(time.time())
        expected = expected_keys(t0, sorted(breaches))
        wanted = lambda: {  # noqa: E731
            k for _, key, implied in receipts(list(Receiver.received)) for k in (key, implied)
        } >= expected  # fmt: skip
        try:
            wait_for(wanted, 60, "every expected notification")
        except TimeoutError as exc:
            print(exc, file=sys.stderr)
        time.sleep(10)  # late duplicates would arrive now
        result = score(written, t0, expected, list(Receiver.received))

        try:  # idle means no run either; on a busy machine some may still be going
            wait_for(lambda: runs_in_flight(home) == 0, 300, "the ingest runs", every=3)
        except TimeoutError as exc:
            print(exc, file=sys.stderr)
        result["runs_in_flight_at_idle"] = runs_in_flight(home)
        roots = [p.pid for p in procs]
        with_sensors = cpu_percent(roots, args.idle)
        for name in ("alert_sensor", "landing_sensor"):
            subprocess.run([str(BIN / "dagster"), "sensor", "stop", name, *grpc], env=env,
                           cwd=REPO, capture_output=True, timeout=120, check=True)  # fmt: skip
        time.sleep(5)
        without = cpu_percent(roots, args.idle)
        result.update({
            "dumps": args.dumps, "breaching_dumps": len(breaches),
            "idle_cpu_with_sensors_pct": round(with_sensors, 2),
            "idle_cpu_without_pct": round(without, 2),
            "sensors_cpu_pct_of_core": round(with_sensors - without, 2),
        })  # fmt: skip
        print(json.dumps(result))
        return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1
    finally:
        for proc in reversed(procs):
            stop(proc)
        server.shutdown()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
