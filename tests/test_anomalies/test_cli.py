"""`synmon anomalies score` on a small NAB-layout folder made from real files, and the detector's
NAB score on the shared subset as a regression guard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from synmon.anomaly.benchmark import score_nab
from synmon.cli import main

FILES = (
    "artificialNoAnomaly/art_daily_small_noise.csv",
    "artificialWithAnomaly/art_daily_jumpsup.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv",
)


@pytest.fixture
def small_nab(shared_real: Path, tmp_path: Path) -> Path:
    src = shared_real / "nab"
    labels = json.loads((src / "labels/combined_windows.json").read_text())
    for name in FILES:
        (tmp_path / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / "data" / name, tmp_path / "data" / name)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels/combined_windows.json").write_text(
        json.dumps({name: labels[name] for name in FILES})
    )
    return tmp_path


def test_score_json(small_nab: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["anomalies", "score", "--nab", str(small_nab), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    assert all(0.0 < v <= 100.0 for v in out.values())
    want = score_nab(small_nab).results
    assert out == {k: pytest.approx(r.normalised, abs=1e-4) for k, r in want.items()}


def test_score_table_and_missing_folder(
    small_nab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["anomalies", "score", "--nab", str(small_nab)]) == 0
    assert "reward_low_FN_rate" in capsys.readouterr().out
    assert main(["anomalies", "score", "--nab", str(small_nab / "nope")]) == 2


def test_shared_subset_reaches_the_goal(shared_real: Path) -> None:
    results = score_nab(shared_real / "nab").results
    assert results["standard"].normalised > 60.0  # twitterADVec 41.85, numenta 65.67 here
