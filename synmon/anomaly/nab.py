"""The Numenta Anomaly Benchmark's scoring, re-implemented with numpy.

Owns the arithmetic of NAB v1.1 (numenta/NAB `nab/scorer.py`, `nab/sweeper.py`, `nab/runner.py`):
anomaly windows, the scaled sigmoid, the probationary period, the three cost profiles, the corpus
threshold sweep that picks one threshold per profile, and normalisation between the null detector
(never fires, score 0) and the perfect one (fires on the first row of every window, score 100).
Detections are rows whose anomaly score is >= the threshold; only the first detection in a window
counts, and a detection outside every window costs more the farther it lies past the last window.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PROBATION_FRACTION = 0.15
# NAB starts its sweep above every possible score, where nothing is detected (the null detector).
SWEEP_START = 1.1


@dataclass(frozen=True)
class CostMatrix:
    """Weights of a NAB profile (the TN weight is unused by NAB, so it is not kept)."""

    tp: float
    fp: float
    fn: float


PROFILES: dict[str, CostMatrix] = {
    "standard": CostMatrix(tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": CostMatrix(tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": CostMatrix(tp=1.0, fp=0.11, fn=2.0),
}


@dataclass(frozen=True)
class LabelledSeries:
    """One NAB file: its timestamps (datetime64 or any ordered values) and anomaly windows."""

    name: str
    timestamps: np.ndarray
    windows: Sequence[tuple[object, object]]


@dataclass(frozen=True)
class FileScore:
    """The raw NAB score of one file at one threshold, its row counts and per-row S(t)."""

    score: float
    tp: int
    tn: int
    fp: int
    fn: int
    total: int
    row_scores: np.ndarray


@dataclass(frozen=True)
class SweepResult:
    """Corpus score for every distinct threshold, highest threshold first."""

    thresholds: np.ndarray
    scores: np.ndarray
    tp: np.ndarray
    fp: np.ndarray

    def best(self) -> tuple[float, float]:
        """(threshold, raw score) of the best threshold; ties go to the highest, as in NAB."""
        i = int(np.argmax(self.scores))
        return float(self.thresholds[i]), float(self.scores[i])


def scaled_sigmoid(position: float | np.ndarray) -> np.ndarray:
    """NAB's weight for a relative position: 2/(1+exp(5y)) - 1, and -1 beyond 3 window widths."""
    y = np.asarray(position, dtype=float)
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * y)) - 1.0
    return np.where(y > 3.0, -1.0, value)


MAX_TP = float(scaled_sigmoid(-1.0))


def probation_length(n_rows: int, fraction: float = PROBATION_FRACTION) -> int:
    """Rows at the start of a file that are never scored: min(floor(f*N), f*5000)."""
    return int(min(math.floor(fraction * n_rows), fraction * 5000))


def window_bounds(timestamps: np.ndarray, windows: Sequence[tuple[object, object]]) -> np.ndarray:
    """First and last row index of each window (rows with start <= ts <= end), shape (k, 2)."""
    ts = np.asarray(timestamps)
    bounds = np.empty((len(windows), 2), dtype=np.int64)
    for k, (start, end) in enumerate(windows):
        lo = np.searchsorted(ts, _as_ts(start, ts), side="left")
        hi = np.searchsorted(ts, _as_ts(end, ts), side="right") - 1
        if hi < lo:
            raise ValueError(f"window {start} .. {end} holds no row")
        bounds[k] = (lo, hi)
    return bounds


def _as_ts(value: object, like: np.ndarray) -> object:
    if np.issubdtype(like.dtype, np.datetime64):
        return np.datetime64(pd.Timestamp(value)).astype(like.dtype)
    return value


def _row_layout(n: int, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the window it is in (-1 if none) and the last window ending before it (-1)."""
    inside = np.full(n, -1, dtype=np.int64)
    for k, (lo, hi) in enumerate(bounds):
        inside[lo : hi + 1] = k
    if not len(bounds):
        return inside, np.full(n, -1, dtype=np.int64)
    ends = bounds[:, 1]
    order = np.argsort(ends, kind="stable")
    pos = np.searchsorted(ends[order], np.arange(n), side="left") - 1
    preceding = np.where(pos >= 0, order[np.clip(pos, 0, None)], -1)
    return inside, preceding


def _fp_weights(idx: np.ndarray, preceding: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Unweighted cost of a detection outside windows: sigma of its distance past the last one."""
    out = np.full(len(idx), -1.0)
    has = preceding >= 0
    if has.any():
        win = bounds[preceding[has]]
        width = (win[:, 1] - win[:, 0] + 1).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.abs(win[:, 1] - idx[has]) / (width - 1.0)
        out[has] = scaled_sigmoid(np.where(width > 1, pos, np.inf))
    return out


def sweep_values(
    n: int, bounds: np.ndarray, cost: CostMatrix, probation: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NAB's per-row sweep score if the row were a detection, its window id, and a scorable mask."""
    idx = np.arange(n)
    inside, preceding = _row_layout(n, bounds)
    values = np.empty(n)
    in_win = inside >= 0
    if in_win.any():
        win = bounds[inside[in_win]]
        width = (win[:, 1] - win[:, 0] + 1).astype(float)
        pos = -(win[:, 1] - idx[in_win] + 1) / width
        values[in_win] = scaled_sigmoid(pos) * cost.tp / MAX_TP
    values[~in_win] = _fp_weights(idx[~in_win], preceding[~in_win], bounds) * cost.fp
    return values, inside, idx >= probation


def score_file(
    series: LabelledSeries,
    anomaly_scores: np.ndarray,
    threshold: float,
    cost: CostMatrix,
    probation_fraction: float = PROBATION_FRACTION,
) -> FileScore:
    """Score one file at a fixed threshold, as NAB's Scorer does (S(t) at window starts and FPs)."""
    a = np.asarray(anomaly_scores, dtype=float)
    n = len(a)
    bounds = window_bounds(series.timestamps, series.windows)
    values, inside, scorable = sweep_values(
        n, bounds, cost, probation_length(n, probation_fraction)
    )
    detected = (a >= threshold) & scorable
    row_scores = np.zeros(n)
    total = 0.0
    for lo, hi in bounds:
        hits = np.flatnonzero(detected[lo : hi + 1])
        row_scores[lo] = values[lo + hits[0]] if len(hits) else -cost.fn
        total += row_scores[lo]
    fp_rows = detected & (inside < 0)
    row_scores[fp_rows] = values[fp_rows]
    total += float(values[fp_rows].sum())
    labelled = inside >= 0
    return FileScore(
        score=total,
        tp=int((detected & labelled).sum()),
        tn=int((~detected & ~labelled & scorable).sum()),
        fp=int(fp_rows.sum()),
        fn=int((~detected & labelled & scorable).sum()),
        total=n,
        row_scores=row_scores,
    )


def sweep(
    corpus: Sequence[LabelledSeries],
    anomaly_scores: Sequence[np.ndarray],
    cost: CostMatrix,
    probation_fraction: float = PROBATION_FRACTION,
) -> SweepResult:
    """Corpus score at every distinct anomaly score used as threshold (NAB's Sweeper).

    Rows from all files are taken in descending score order; each newly detected row either adds
    its FP cost or, inside a window, raises that window's score to its TP value if it is earlier
    than the window's earliest detection so far. The score after the last row of each run of equal
    anomaly scores is the corpus score at that threshold."""
    a_all, v_all, w_all = [], [], []
    n_windows = 0
    for series, scores in zip(corpus, anomaly_scores, strict=True):
        a = np.asarray(scores, dtype=float)
        bounds = window_bounds(series.timestamps, series.windows)
        values, inside, scorable = sweep_values(
            len(a), bounds, cost, probation_length(len(a), probation_fraction)
        )
        a_all.append(a[scorable])
        v_all.append(values[scorable])
        w_all.append(np.where(inside[scorable] >= 0, inside[scorable] + n_windows, -1))
        n_windows += len(bounds)
    a = np.concatenate(a_all)
    order = np.argsort(-a, kind="stable")
    a, v, w = a[order], np.concatenate(v_all)[order], np.concatenate(w_all)[order]
    in_win = w >= 0
    gain = np.where(in_win, 0.0, v)
    if in_win.any():
        frame = pd.DataFrame({"w": w[in_win], "v": v[in_win]})
        best = frame.groupby("w")["v"].cummax().clip(lower=-cost.fn)
        before = best.groupby(frame["w"]).shift(1).fillna(-cost.fn)
        gain[in_win] = (best - before).to_numpy()
    running = -cost.fn * n_windows + np.cumsum(gain)
    last_of_run = np.append(a[1:] != a[:-1], True)
    thresholds = np.concatenate([[SWEEP_START], a[last_of_run]])
    scores = np.concatenate([[-cost.fn * n_windows], running[last_of_run]])
    tp = np.concatenate([[0], np.cumsum(in_win)[last_of_run]])
    fp = np.concatenate([[0], np.cumsum(~in_win)[last_of_run]])
    return SweepResult(thresholds=thresholds, scores=scores, tp=tp, fp=fp)


def normalise(raw: float, n_windows: int, cost: CostMatrix) -> float:
    """100 * (S - S_null) / (S_perfect - S_null); S_null = -fn*windows, S_perfect = tp*windows."""
    null = -cost.fn * n_windows
    perfect = cost.tp * n_windows
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True)
class ProfileResult:
    """A detector's corpus result under one profile at its corpus-optimal threshold."""

    threshold: float
    raw: float
    normalised: float


def evaluate(
    corpus: Sequence[LabelledSeries],
    anomaly_scores: Sequence[np.ndarray],
    profiles: dict[str, CostMatrix] | None = None,
) -> dict[str, ProfileResult]:
    """Optimise the threshold per profile over the whole corpus and normalise, as NAB's runner."""
    n_windows = sum(len(s.windows) for s in corpus)
    out: dict[str, ProfileResult] = {}
    for name, cost in (profiles or PROFILES).items():
        threshold, raw = sweep(corpus, anomaly_scores, cost).best()
        out[name] = ProfileResult(threshold, raw, normalise(raw, n_windows, cost))
    return out


def load_corpus(nab_dir: str | Path) -> list[tuple[LabelledSeries, pd.DataFrame]]:
    """Every `data/<category>/<file>.csv` with its windows from `labels/combined_windows.json`.

    Files listed in the labels but missing from `data/` are an error; data files without labels
    are skipped (NAB scores only labelled files)."""
    root = Path(nab_dir)
    labels = json.loads((root / "labels" / "combined_windows.json").read_text())
    out: list[tuple[LabelledSeries, pd.DataFrame]] = []
    for name in sorted(labels):
        path = root / "data" / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: listed in combined_windows.json but missing")
        frame = pd.read_csv(path)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        windows = [(start, end) for start, end in labels[name]]
        ts = frame["timestamp"].to_numpy()
        out.append((LabelledSeries(name, ts, windows), frame))
    return out
