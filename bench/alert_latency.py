"""Alert latency on the real Dagster stack: landing file written -> webhook notification received.

Starts `dagster code-server` (orchestration.definitions) and `dagster-daemon` on 127.0.0.1 with a
temporary DAGSTER_HOME (config/dagster.yaml), SYNMON_DATA_DIR and SYNMON_CONFIG_DIR (a copy of
config/ whose channels.yaml routes everything to a local webhook receiver, http.server).

1. Idle CPU, before any data: the code server and daemon process trees (CPU ticks from
   /proc/<pid>/stat, reaped children included) over `--idle` seconds, first on a copy of the
   Definitions without sensors, then (restarted) with them (`--sensors`: all, or some by name);
   the difference is what our sensors add.
2. Latency: drops `--dumps` request dumps (10 minutes of data time each, one in three with an
   error storm) at random 0.5-5 s intervals and prints one JSON line: latency from each dump's
   write to the first receipt of the notification it completes (nearest-rank percentiles), lost
   and duplicated notifications, and the idle CPU figures.

Every wait is bounded; every process started here (and every descendant) is killed at the end.

    .venv/bin/python bench/alert_latency.py [--dumps 30] [--idle 60] [--seed 7] [--keep]
        [--sensors alert_sensor,landing_sensor]
"""

from __future__ import annotations

import argparse
import json
import math
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


SUBSET = """
import dagster as dg


def subset() -> dg.Definitions:  # one Definitions at module scope, so not `full` there
    from orchestration.definitions import defs as full

    return dg.Definitions(assets=full.assets, asset_checks=full.asset_checks, jobs=full.jobs,
                          schedules=full.schedules, resources=full.resources,
                          sensors=[s for s in full.sensors or [] if s.name in {names!r}])


defs = subset()
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


def proc_stats() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, CPU ticks: user + system + reaped children's, start time) from /proc."""
    stats: dict[int, tuple[int, int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]), int(fields[19]))
    return stats


def tree(roots: list[int], stats: dict[int, tuple[int, int, int]]) -> set[int]:
    """`roots` and all their descendants alive in `stats`."""
    found, frontier = set(), [r for r in roots if r in stats]
    while frontier:
        pid = frontier.pop()
        found.add(pid)
        frontier += [p for p, (ppid, *_) in stats.items() if ppid == pid and p not in found]
    return found


def tree_ticks(roots: list[int]) -> int:
    """CPU ticks (user + system, reaped children included) of `roots` and their descendants."""
    stats = proc_stats()
    return sum(stats[p][1] for p in tree(roots, stats))


def cpu_percent(roots: dict[str, int], seconds: float) -> dict[str, float]:
    """% of one core used by each root's process tree (and all of them) over `seconds`."""
    before, t0 = {k: tree_ticks([p]) for k, p in roots.items()}, time.monotonic()
    time.sleep(seconds)
    took = time.monotonic() - t0
    out = {k: 100.0 * (tree_ticks([p]) - before[k]) / CLK_TCK / took for k, p in roots.items()}
    return {**{k: round(v, 2) for k, v in out.items()}, "total": round(sum(out.values()), 2)}


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
    # One webhook body holds one state per alert: a batch that resolved an episode and then
    # fired and resolved the next one of the same labels shows only the newer episode.
    superseded = 0
    for alertname, comp, status, starts in sorted(expected - set(first)):
        later = [at for (a, c, _, s), at in first.items()
                 if (a, c) == (alertname, comp) and s > starts]  # fmt: skip
        if status == "resolved" and later:
            first[(alertname, comp, status, starts)] = min(later)
            superseded += 1
    latency = []
    for alertname, comp, status, starts in expected & set(first):
        event = datetime.fromisoformat(starts.replace("Z", "+00:00"))
        event += timedelta(minutes=DUMP_MINUTES) if status == "resolved" else timedelta()
        latency.append(first[(alertname, comp, status, starts)] - written[dump_of(t0, event)])
    lat = sorted(latency)

    def pct(q: float) -> float | None:  # nearest rank: the smallest value >= q of them
        return round(lat[max(0, math.ceil(q * len(lat)) - 1)], 2) if lat else None

    return {"n": len(lat), "p50_s": pct(0.5), "p95_s": pct(0.95),
            "max_s": round(lat[-1], 2) if lat else None, "lost": len(expected - set(first)),
            "duplicates": duplicates, "unexpected": unexpected,
            "firing_sent_as_resolved": collapsed,
            "resolved_superseded_in_batch": superseded}  # fmt: skip


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


def start_stack(code: list[str], env: dict, tmp: Path, tag: str) -> list[subprocess.Popen]:
    """`dagster code-server start` on `code` (-m module or -f file) and `dagster-daemon run`
    against it on a free port of 127.0.0.1; logs in `tmp`/<process>-`tag`.log."""
    port = free_port()
    server_cmd = [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1",
                  "-p", str(port), *code, "-d", str(REPO), "--location-name", "synmon"]  # fmt: skip
    daemon_cmd = [str(BIN / "dagster-daemon"), "run", "--grpc-host", "127.0.0.1",
                  "--grpc-port", str(port)]  # fmt: skip
    return [start(server_cmd, env, tmp / f"code-server-{tag}.log"),
            start(daemon_cmd, env, tmp / f"daemon-{tag}.log")]  # fmt: skip


def log_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop_all(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL whatever of their trees (as seen before) lives on:
    run workers and step processes may have left the group."""
    stats = proc_stats()
    family = {p: stats[p][2] for p in tree([p.pid for p in procs], stats)}
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    alive = proc_stats()
    for pid, started in family.items():
        if pid in alive and alive[pid][2] == started:  # the same process, not a reused pid
            os.kill(pid, signal.SIGKILL)


def drop_dumps(landing: Path, t0: datetime, count: int, rng: random.Random) -> tuple:
    """Write `count` dumps at random intervals; (write times, breaching dump indexes)."""
    candidates = list(range(1, count - 1))
    breaches: list[int] = []
    for i in rng.sample(candidates, len(candidates)):
        if len(breaches) < max(1, count // 3) and not {i - 1, i + 1} & set(breaches):
            breaches.append(i)
    landing.mkdir(parents=True, exist_ok=True)
    written: list[float] = []
    for i in range(count):
        time.sleep(rng.uniform(0.5, 5.0))
        breach = COMPONENTS[i % 3] if i in breaches else None
        part = landing / f".dump-{i:03d}.jsonl"
        part.write_text(dump_lines(t0 + timedelta(minutes=DUMP_MINUTES * i), breach))
        part.rename(landing / f"dump-{i:03d}.jsonl")
        written.append(time.time())
    return written, sorted(breaches)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dumps", type=int, default=30)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of each idle CPU sample")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--sensors", default="all", help="comma-separated sensors of the 'with' stack")
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
    (tmp / "without_sensors.py").write_text(SUBSET.format(names=set()))
    with_code = ["-m", "orchestration.definitions"]
    if args.sensors != "all":
        (tmp / "some_sensors.py").write_text(SUBSET.format(names=set(args.sensors.split(","))))
        with_code = ["-f", str(tmp / "some_sensors.py")]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "DAGSTER_HOME": str(home), "SYNMON_DATA_DIR": str(data),
           "SYNMON_CONFIG_DIR": str(config), "PYTHONPATH": str(REPO),
           "SYNMON_BENCH_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/alerts"}  # fmt: skip
    os.environ["DAGSTER_HOME"] = str(home)
    clock = time.monotonic()
    prepare_manifest(Paths(data))
    print(f"manifest ready in {time.monotonic() - clock:.1f} s; stack in {tmp}", file=sys.stderr)
    procs: list[subprocess.Popen] = []
    try:
        # The same stack twice: first on a copy of the Definitions without any sensor, then on
        # orchestration.definitions itself; idle CPU of each, before any data lands.
        procs = start_stack(["-f", str(tmp / "without_sensors.py")], env, tmp, "without")
        wait_for(lambda: "Started Dagster code server" in log_text(tmp / "code-server-without.log"),
                 300, "the code server without sensors")  # fmt: skip
        if "Traceback" in log_text(tmp / "code-server-without.log"):
            raise RuntimeError(f"the code server without sensors failed: see {tmp}")
        time.sleep(15)  # the daemon's start-up (imports, workspace load) is not idle CPU
        without = cpu_percent({"code_server": procs[0].pid, "daemon": procs[1].pid}, args.idle)
        stop_all(procs)
        procs = start_stack(with_code, env, tmp, "with")
        clock = time.monotonic()
        wait_for(lambda: (data / "ops.sqlite").exists(), 300, "the first alert sensor tick")
        print(f"stack up, alert sensor ticking after {time.monotonic() - clock:.1f} s",
              file=sys.stderr)  # fmt: skip
        time.sleep(10)
        with_sensors = cpu_percent({"code_server": procs[0].pid, "daemon": procs[1].pid}, args.idle)
        print(f"idle CPU % of a core without sensors {without}, with {with_sensors}",
              file=sys.stderr)  # fmt: skip

        t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
        written, breaches = drop_dumps(data / "landing" / "requests", t0, args.dumps, rng)
        expected = expected_keys(t0, breaches)
        wanted = lambda: score(written, t0, expected, list(Receiver.received))["lost"] == 0  # noqa: E731
        try:
            wait_for(wanted, 60, "every expected notification")
        except TimeoutError as exc:
            print(exc, file=sys.stderr)
        time.sleep(10)  # late duplicates would arrive now
        result = score(written, t0, expected, list(Receiver.received))
        result.update({
            "dumps": args.dumps, "breaching_dumps": len(breaches),
            "runs_in_flight_at_end": runs_in_flight(home),
            "idle_cpu_without_sensors_pct": without, "idle_cpu_with_sensors_pct": with_sensors,
            "sensors_cpu_pct_of_core": round(with_sensors["total"] - without["total"], 2),
        })  # fmt: skip
        print(json.dumps(result))
        return 0 if result["lost"] == 0 and result["duplicates"] == 0 else 1
    finally:
        stop_all(procs)
        server.shutdown()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
