"""`synmon forecast backtest`: the rolling-origin backtest and model choice of the forecast asset,
run on any daily `ds,y` CSV. Prints the chosen model's errors beside seasonal naive's."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "forecast",
        help="forecast accuracy tools",
        description="Forecast accuracy tools (the same code the forecast_daily asset runs).",
    )
    sub = parser.add_subparsers(dest="forecast_command", metavar="ACTION", required=True)
    bt = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of a daily ds,y CSV",
        description=(
            "Backtest Prophet and weekly seasonal naive on a daily ds,y CSV (rows in any order, "
            "gaps allowed) at rolling cutoffs; when Prophet does not clearly beat naive, also "
            "Prophet on the log scale and with multiplicative seasonality. Choose the model with "
            "the lowest mean MAE and print its errors averaged over the cutoffs, beside seasonal "
            "naive's; flagged when naive serves because Prophet lost."
        ),
    )
    bt.add_argument(
        "--csv",
        required=True,
        type=Path,
        help="CSV with columns ds and y (or any two: date, value)",
    )
    bt.add_argument("--horizon", type=int, default=30, help="days ahead (default 30)")
    bt.add_argument("--cutoffs", type=int, default=3, help="number of cutoffs (default 3)")
    bt.add_argument(
        "--exp", action="store_true", help="y holds natural logs: score on exp(y), the real scale"
    )
    bt.add_argument(
        "--aggregate",
        choices=("mean", "sum"),
        default="mean",
        help="how to combine several rows of one day (sum for sub-daily counts; default mean)",
    )
    bt.add_argument(
        "--all-candidates",
        action="store_true",
        help="backtest every candidate, even where plain Prophet already wins",
    )
    bt.add_argument("--json", action="store_true", help="print one JSON object")
    bt.set_defaults(func=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from synmon.forecasting import choose_model, prepare_series, serving_note
    from synmon.forecasting.backtest import ESCALATE_RELATIVE_MAE

    try:
        raw = pd.read_csv(args.csv, skipinitialspace=True)
    except (OSError, ValueError) as exc:
        print(f"synmon forecast backtest: cannot read {args.csv}: {exc}", file=sys.stderr)
        return 2
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if not {"ds", "y"} <= set(raw.columns) and len(raw.columns) == 2:
        raw.columns = ["ds", "y"]  # e.g. NAB's timestamp,value
    try:
        series = prepare_series(raw, how=args.aggregate)
        if args.exp:
            series["y"] = np.exp(series["y"])
        escalate_at = float("inf") if args.all_candidates else ESCALATE_RELATIVE_MAE
        model, results = choose_model(series, args.horizon, args.cutoffs, escalate_at=escalate_at)
    except ValueError as exc:
        print(f"synmon forecast backtest: {exc}", file=sys.stderr)
        return 2
    out = results[model].summary()
    out["flagged"], out["note"] = serving_note(model, results)
    out["days"] = len(series)
    keys = ("accuracy", "mae", "mape", "relative_mae", "coverage_80")
    out["candidates"] = {
        name: {k: v for k, v in r.summary().items() if k in keys} for name, r in results.items()
    }
    if args.json:
        print(json.dumps(out))
    else:
        _print_table(args.csv, out)
    return 0


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:,.3f}"


def _print_table(path: Path, out: dict[str, Any]) -> None:
    print(
        f"{path}: {out['days']} days, horizon {out['horizon_days']} days, "
        f"cutoffs {', '.join(out['cutoffs'])}"
    )
    print(f"{'model':<18}{'1 - WAPE':>10}{'MAE':>16}{'MAPE':>8}{'rel MAE':>9}{'coverage 80':>13}")
    for name, c in out["candidates"].items():
        mark = "*" if name == out["model"] else " "
        print(
            f"{mark} {name:<16}{_fmt(c['accuracy']):>10}{_fmt(c['mae']):>16}"
            f"{_fmt(c['mape']):>8}{_fmt(c['relative_mae']):>9}{_fmt(c['coverage_80']):>13}"
        )
    print(f"* serves the forecast (lowest mean MAE){' [FLAGGED]' if out['flagged'] else ''}")
    print(f"  {out['note']}")
