"""NAB scoring: the sigmoid and window arithmetic on hand-made cases, and the scorer against NAB's
own per-row and per-file reference results in ../shared/data/real/nab."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synmon.anomaly import nab

STANDARD = nab.PROFILES["standard"]


def _sig(y: float) -> float:
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def test_scaled_sigmoid_matches_nab_landmarks() -> None:
    got = nab.scaled_sigmoid(np.array([-1.0, -0.5, 0.0, 1.0, 3.0, 3.0001, 10.0]))
    assert got[:4] == pytest.approx([0.98661, 0.84828, 0.0, -0.98661], abs=1e-5)
    assert got[4] == pytest.approx(_sig(3.0))
    assert got[5] == -1.0 and got[6] == -1.0


def test_probation_length() -> None:
    assert nab.probation_length(1000) == 150
    assert nab.probation_length(4032) == 604
    assert nab.probation_length(10320) == 750  # capped at 0.15 * 5000


def _hand_series() -> nab.LabelledSeries:
    ts = np.arange(np.datetime64("2024-01-01T00:00"), np.datetime64("2024-01-01T01:40"))
    windows = [(str(ts[40]), str(ts[49])), (str(ts[70]), str(ts[79]))]
    return nab.LabelledSeries("hand.csv", ts, windows)


def test_window_and_fp_arithmetic_by_hand() -> None:
    series = _hand_series()
    scores = np.zeros(100)
    scores[[10, 20, 42, 45, 60]] = 1.0  # 10 is in probation (15 rows), 45 is a second hit
    result = nab.score_file(series, scores, 0.5, STANDARD)
    tp = _sig(-(49 - 42 + 1) / 10) / _sig(-1.0)
    fp_before_any_window = -0.11
    fp_after_window = _sig((60 - 49) / 9) * 0.11
    missed_second_window = -1.0
    expected = tp + fp_before_any_window + fp_after_window + missed_second_window
    assert result.score == pytest.approx(expected)
    assert (result.tp, result.fp, result.fn, result.tn) == (2, 2, 18, 63)
    assert result.row_scores[40] == pytest.approx(tp)
    assert result.row_scores[70] == -1.0
    assert result.row_scores[10] == 0.0


def test_first_row_of_window_earns_full_tp_weight() -> None:
    scores = np.zeros(100)
    scores[[40, 70]] = 1.0
    result = nab.score_file(_hand_series(), scores, 0.5, STANDARD)
    assert result.score == pytest.approx(2.0)
    assert nab.normalise(result.score, 2, STANDARD) == pytest.approx(100.0)
    assert nab.normalise(-2.0, 2, STANDARD) == pytest.approx(0.0)


def test_sweep_agrees_with_fixed_threshold_scoring() -> None:
    rng = np.random.default_rng(3)
    series = _hand_series()
    scores = rng.random(100).round(2)
    for cost in nab.PROFILES.values():
        swept = nab.sweep([series], [scores], cost)
        for threshold, score in zip(swept.thresholds[1:], swept.scores[1:], strict=True):
            assert score == pytest.approx(nab.score_file(series, scores, threshold, cost).score)
        assert swept.scores[0] == -cost.fn * 2
        assert swept.best()[1] == pytest.approx(swept.scores.max())


def test_window_without_rows_is_an_error() -> None:
    series = _hand_series()
    bad = nab.LabelledSeries("bad", series.timestamps, [("2030-01-01", "2030-01-02")])
    with pytest.raises(ValueError, match="holds no row"):
        nab.score_file(bad, np.zeros(100), 0.5, STANDARD)


@pytest.fixture
def nab_dir(shared_real: Path) -> Path:
    return shared_real / "nab"


def test_numenta_nyc_taxi_per_row_reference(nab_dir: Path) -> None:
    rows = pd.read_csv(nab_dir / "results/numenta/realKnownCause/numenta_nyc_taxi.csv")
    windows = json.loads((nab_dir / "labels/combined_windows.json").read_text())
    series = nab.LabelledSeries(
        "realKnownCause/nyc_taxi.csv",
        pd.to_datetime(rows["timestamp"]).to_numpy(),
        windows["realKnownCause/nyc_taxi.csv"],
    )
    ref = pd.read_csv(nab_dir / "results/per_file_detector_scores.csv")
    ref = ref[(ref.Detector == "numenta") & (ref.File == "realKnownCause/nyc_taxi.csv")]
    for profile, cost in nab.PROFILES.items():
        want = ref[ref.Profile == profile].iloc[0]
        got = nab.score_file(series, rows["anomaly_score"].to_numpy(), want.Threshold, cost)
        np.testing.assert_allclose(got.row_scores, rows[f"S(t)_{profile}"], atol=1e-9)
        assert got.score == pytest.approx(want.Score, abs=1e-9)
        assert (got.tp, got.tn, got.fp, got.fn, got.total) == (
            want.TP,
            want.TN,
            want.FP,
            want.FN,
            want.Total_Count,
        )


# From the subset table in the shared NAB README (normalised over its 34 files, 63 windows).
REFERENCE_SUBSET = {
    "numenta": (65.67, 57.32, 70.24),
    "twitterADVec": (41.85, 27.91, 48.01),
    "windowedGaussian": (33.21, 15.20, 40.13),
    "bayesChangePt": (12.59, -7.13, 25.82),
}


def test_normalisation_reproduces_reference_table(nab_dir: Path) -> None:
    ref = pd.read_csv(nab_dir / "results/per_file_detector_scores.csv")
    n_windows = sum(
        len(w) for w in json.loads((nab_dir / "labels/combined_windows.json").read_text()).values()
    )
    assert n_windows == 63
    for detector, want in REFERENCE_SUBSET.items():
        rows = ref[ref.Detector == detector]
        got = [
            nab.normalise(rows[rows.Profile == p].Score.sum(), n_windows, nab.PROFILES[p])
            for p in ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
        ]
        assert got == pytest.approx(want, abs=0.006)
