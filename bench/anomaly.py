"""Anomaly bench: our detector's NAB scores on the shared subset beside the reference detectors
(normalised over the same files from NAB's per-file results), the time detection and scoring
take, and ablations: the same detector without each of its NAB-facing steps.

Run: .venv/bin/python bench/anomaly.py [NAB_DIR]   (default ../shared/data/real/nab)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synmon.anomaly import nab
from synmon.anomaly.detector import DetectorParams, points_per_day, score_values
from synmon.settings import REPO_ROOT

PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
ABLATIONS = {
    "- one alarm/incident": DetectorParams(suppress=0),
    "- range break": DetectorParams(range_tolerance=float("inf")),
}


def detect_all(
    corpus: list[tuple[nab.LabelledSeries, pd.DataFrame]], params: DetectorParams | None = None
) -> list[np.ndarray]:
    """Our scores for every file, seasons matched by time."""
    return [
        score_values(
            frame["value"].to_numpy(dtype=float),
            points_per_day(pd.DatetimeIndex(frame["timestamp"])),
            params,
            timestamps=frame["timestamp"].to_numpy(),
        )[1]
        for _, frame in corpus
    ]


def reference_table(nab_dir: Path, n_windows: int) -> dict[str, tuple[float, ...]]:
    """Each reference detector's normalised subset scores from results/per_file_detector_scores."""
    path = nab_dir / "results" / "per_file_detector_scores.csv"
    if not path.is_file():
        return {}
    ref = pd.read_csv(path)
    return {
        det: tuple(
            nab.normalise(rows[rows.Profile == p].Score.sum(), n_windows, nab.PROFILES[p])
            for p in PROFILES
        )
        for det, rows in ref.groupby("Detector")
    }


def main(argv: list[str]) -> int:
    nab_dir = Path(argv[0]) if argv else REPO_ROOT.parent / "shared" / "data" / "real" / "nab"
    t0 = time.perf_counter()
    corpus = nab.load_corpus(nab_dir)
    t1 = time.perf_counter()
    scores = detect_all(corpus)
    t2 = time.perf_counter()
    files = [series for series, _ in corpus]
    ours = nab.evaluate(files, scores)
    t3 = time.perf_counter()
    rows = sum(len(s) for s in scores)
    windows = sum(len(f.windows) for f in files)

    table = reference_table(nab_dir, windows)
    table["synmon (ours)"] = tuple(ours[p].normalised for p in PROFILES)
    for name, params in ABLATIONS.items():
        ablated = nab.evaluate(files, detect_all(corpus, params))
        table[f"synmon {name}"] = tuple(ablated[p].normalised for p in PROFILES)
    print(f"NAB subset {nab_dir}: {len(files)} files, {rows:,} rows, {windows} windows")
    print(f"{'detector':<28} {'standard':>9} {'low_FP':>9} {'low_FN':>9}")
    for det, vals in sorted(table.items(), key=lambda kv: -kv[1][0]):
        mark = "  <--" if det == "synmon (ours)" else ""
        print(f"{det:<28} " + " ".join(f"{v:>9.2f}" for v in vals) + mark)
    thresholds = ", ".join(f"{p} {ours[p].threshold:.4f}" for p in PROFILES)
    print(f"our thresholds (corpus-optimal): {thresholds}")
    print(
        f"timing: load {t1 - t0:.2f} s, detect {t2 - t1:.2f} s "
        f"({rows / max(t2 - t1, 1e-9):,.0f} rows/s), NAB sweep x3 profiles {t3 - t2:.2f} s"
    )
    alarms = sum(int(np.sum(s >= ours["standard"].threshold)) for s in scores)
    print(f"alarms at the standard threshold: {alarms} over {rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
