"""Our detector on a folder in NAB's layout: run it on every labelled file, score it the NAB way.

Shared by `synmon anomalies score` and `bench/anomaly.py`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synmon.anomaly import nab
from synmon.anomaly.detector import DetectorParams, points_per_day, score_values


@dataclass(frozen=True)
class NabRun:
    """Per-profile results and the files, their anomaly scores and the rows scored."""

    results: dict[str, nab.ProfileResult]
    files: list[nab.LabelledSeries]
    scores: list[np.ndarray]
    rows: int


def score_nab(nab_dir: str | Path, params: DetectorParams | None = None) -> NabRun:
    """Detect on every file of `nab_dir` (each with its own daily season), sweep and normalise."""
    corpus = nab.load_corpus(nab_dir)
    files, scores = [], []
    for series, frame in corpus:
        season = points_per_day(pd.DatetimeIndex(frame["timestamp"]))
        _, score = score_values(
            frame["value"].to_numpy(dtype=float),
            season,
            params,
            timestamps=frame["timestamp"].to_numpy(),
        )
        files.append(series)
        scores.append(score)
    rows = sum(len(s) for s in scores)
    return NabRun(nab.evaluate(files, scores), files, scores, rows)
