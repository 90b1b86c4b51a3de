"""`synmon forecast backtest --csv ... --json`: the JSON shape issue 6 fixes, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synmon.cli import main
from tests.test_forecasts.conftest import trend_weekly


def test_backtest_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "series.csv"
    trend_weekly(60).sample(frac=1.0, random_state=0).to_csv(csv, index=False)
    code = main(
        ["forecast", "backtest", "--csv", str(csv), "--horizon", "14", "--cutoffs", "2", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] in ("prophet", "seasonal_naive")
    for key in ("accuracy", "mae", "relative_mae", "coverage_80"):
        assert isinstance(out[key], float)
    assert set(out["naive"]) >= {"accuracy", "mae"}
    assert 0.85 <= out["accuracy"] <= 1
    assert out["horizon_days"] == 14 and len(out["cutoffs"]) == 2
    assert isinstance(out["flagged"], bool) and out["note"]
    assert out["flagged"] == (out["model"] == "seasonal_naive")
    chosen = out["candidates"][out["model"]]
    assert chosen["mae"] == min(c["mae"] for c in out["candidates"].values())


def test_backtest_rejects_short_or_missing_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "short.csv"
    trend_weekly(20).to_csv(csv, index=False)
    assert main(["forecast", "backtest", "--csv", str(csv)]) == 2
    assert "needs at least" in capsys.readouterr().err
    assert main(["forecast", "backtest", "--csv", str(tmp_path / "absent.csv")]) == 2
