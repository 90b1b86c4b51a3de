"""Host resource metrics that follow the simulated load, written as Prometheus text exposition.

Every hour each of the 12 hosts is scraped; a scrape at T reports the hour before T.
One file per UTC day (`metrics-YYYY-MM-DD.prom`) holds that day's scrapes, each family once
with its # HELP and # TYPE lines, samples carrying millisecond timestamps (format 0.0.4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from collectors import sim_platform as P
from collectors.sim_incidents import Incident
from collectors.sim_requests import DayRequests
from collectors.sim_text import LineBuilder, compact, row_lengths, table

FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("synmon_cpu_utilization_ratio", "gauge", "Share of the host's CPU time in use (0-1)."),
    ("synmon_memory_utilization_ratio", "gauge", "Share of the host's memory in use (0-1)."),
    ("synmon_disk_utilization_ratio", "gauge", "Share of the data volume in use (0-1)."),
    ("synmon_inflight_requests", "gauge", "Mean requests in flight since the last scrape."),
    ("node_network_receive_bytes_total", "counter", "Network bytes received."),
    ("node_network_transmit_bytes_total", "counter", "Network bytes transmitted."),
    ("process_cpu_seconds_total", "counter", "CPU seconds used by the service process."),
)
CPU_SATURATED = 0.92
CPU_NORMAL_MAX = 0.85
FILE_MS = P.DAY_MS  # one exposition dump per day: per-file cost dominates ingest of small files


class MetricsAccumulator:
    """Sums per (scrape, host) of the load the requests put on each host."""

    def __init__(self, start_ms: int, end_ms: int) -> None:
        first = -(-start_ms // P.SCRAPE_MS) * P.SCRAPE_MS
        self.scrape_ms = np.arange(first, end_ms, P.SCRAPE_MS, dtype=np.int64)
        shape = (len(self.scrape_ms), len(P.HOSTS))
        self.count = np.zeros(shape)
        self.latency = np.zeros(shape)
        self.tokens_in = np.zeros(shape)
        self.tokens_out = np.zeros(shape)

    def add(self, day: DayRequests) -> None:
        k = np.searchsorted(self.scrape_ms, day.ts_ms, side="right")
        k = np.minimum(k, len(self.scrape_ms) - 1)
        flat = k * len(P.HOSTS) + day.host
        size = self.count.size
        self.count.flat[:] += np.bincount(flat, minlength=size)
        self.latency.flat[:] += np.bincount(flat, weights=day.latency_ms, minlength=size)
        self.tokens_in.flat[:] += np.bincount(flat, weights=day.tokens_in, minlength=size)
        self.tokens_out.flat[:] += np.bincount(flat, weights=day.tokens_out, minlength=size)

    def values(
        self, rng: np.random.Generator, incidents: list[Incident]
    ) -> list[npt.NDArray[np.float64]]:
        """One (scrapes, hosts) array per family, in FAMILIES order."""
        n, hosts = self.count.shape
        comp_of_host = np.arange(hosts) // 2
        busy = np.zeros_like(self.count)
        for c in range(hosts // 2):
            cols = comp_of_host == c
            ref = max(float(np.quantile(self.count[:, cols], 0.995)), 1.0)
            busy[:, cols] = np.minimum(self.count[:, cols] / ref, 1.1)
        cpu = np.clip(0.08 + 0.6 * busy + rng.normal(0, 0.015, busy.shape), 0.02, CPU_NORMAL_MAX)
        for inc in incidents:
            if inc.kind == "capacity_saturation":
                rows = inc.covers(self.scrape_ms)
                cols = comp_of_host == P.component_index(inc.component)
                cpu[np.ix_(rows, cols)] = rng.uniform(0.93, 0.995, (int(rows.sum()), 2))
        days = (self.scrape_ms - self.scrape_ms[0])[:, None] / P.DAY_MS
        phase = rng.uniform(0, 2 * np.pi, hosts)
        memory = (
            0.35
            + rng.uniform(0, 0.1, hosts)
            + 0.15 * busy
            + 0.05 * np.sin(2 * np.pi * days / 7 + phase)
            + rng.normal(0, 0.01, busy.shape)
        )
        disk = 0.25 + rng.uniform(0, 0.1, hosts) + 0.25 * days / 90 + rng.normal(0, 0.002, (n, 1))
        mean_latency_s = np.divide(self.latency, np.maximum(self.count, 1)) / 1000
        inflight = self.count / (P.SCRAPE_MS / 1000) * mean_latency_s
        rx = self.count * 1800 + self.tokens_in * 4 + rng.integers(150_000, 220_000, busy.shape)
        tx = self.count * 2600 + self.tokens_out * 4 + rng.integers(120_000, 180_000, busy.shape)
        cpu_seconds = cpu * (P.SCRAPE_MS / 1000) * 2
        return [
            cpu,
            np.clip(memory, 0.05, 0.95),
            np.clip(disk, 0.05, 0.95),
            inflight,
            rng.integers(10**8, 10**9, hosts) + np.cumsum(rx, axis=0),
            rng.integers(10**8, 10**9, hosts) + np.cumsum(tx, axis=0),
            rng.uniform(1e4, 1e5, hosts) + np.cumsum(cpu_seconds, axis=0),
        ]


def write_metrics(
    folder: Path, acc: MetricsAccumulator, values: list[npt.NDArray[np.float64]]
) -> tuple[int, int, int]:
    """Write the daily files; returns (samples, files, bytes)."""
    n, hosts = values[0].shape
    hour = acc.scrape_ms // FILE_MS
    # rows ordered by hour, host, scrape: each hour's samples of a family are one slice
    k_idx = np.repeat(np.arange(n), hosts)
    h_idx = np.tile(np.arange(hosts), n)
    order = np.lexsort((k_idx, h_idx, hour[k_idx]))
    k_idx, h_idx = k_idx[order], h_idx[order]
    row_hour = hour[k_idx]
    hours, hour_first = np.unique(row_hour, return_index=True)
    bounds = np.append(hour_first, len(row_hour))
    ts_table = table([f" {t}\n" for t in acc.scrape_ms.tolist()])

    blocks: list[tuple[bytes, npt.NDArray[np.int64]]] = []
    for (name, kind, _), vals in zip(FAMILIES, values, strict=True):
        labels = table([f'{name}{{host="{h}",component="{h[:-2]}"}} ' for h in P.HOSTS])
        b = LineBuilder(len(k_idx)).take(labels, h_idx)
        v = vals[k_idx, h_idx]
        if kind == "counter" and name.startswith("node_"):
            b.integer(np.rint(v).astype(np.int64), groups=5)
        elif kind == "counter":
            b.decimal(v, 2)
        else:
            b.decimal(v, 3)
        rows = b.take(ts_table, k_idx).matrix()
        offsets = np.concatenate([[0], np.cumsum(row_lengths(rows))])
        blocks.append((compact(rows), offsets[bounds]))

    folder.mkdir(parents=True, exist_ok=True)
    headers = [f"# HELP {n} {h}\n# TYPE {n} {k}\n".encode() for n, k, h in FAMILIES]
    total_bytes = 0
    for i, h in enumerate(hours.tolist()):
        parts = []
        for header, (text, cut) in zip(headers, blocks, strict=True):
            parts += [header, text[cut[i] : cut[i + 1]]]
        data = b"".join(parts)
        stamp = np.datetime64(h * FILE_MS, "ms").astype("datetime64[D]").item()
        target = folder / f"metrics-{stamp:%Y-%m-%d}.prom"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        total_bytes += len(data)
    return n * hosts * len(FAMILIES), len(hours), total_bytes
