"""Bench: how long the GX expectation checks take on a simulated lake.

Generates `--days` days at `--scale` into a temporary landing zone, ingests them, then prints the
GX import time and, per dataset, rows checked and seconds for `validate_dataset` (latest
`--partitions` partitions, the check's default 7). Run: `.venv/bin/python bench/validation.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--partitions", type=int, default=7)
    parser.add_argument("--max-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from collectors.simulate import generate
    from synmon.ingest import ingest_landing
    from synmon.quality import DATASETS, validate_dataset

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        generate(data / "landing", days=args.days, scale=args.scale, seed=1)
        ingest_landing(data / "landing", data / "lake", list(DATASETS))
        began = time.perf_counter()
        import great_expectations  # noqa: F401

        print(f"great_expectations import: {time.perf_counter() - began:.1f} s")
        for dataset in DATASETS:
            result = validate_dataset(
                data / "lake",
                dataset,
                latest_partitions=args.partitions,
                max_rows=args.max_rows,
            )
            rate = result.scope.rows_checked / result.seconds if result.seconds else 0.0
            print(
                f"{dataset:9s} rows_checked={result.scope.rows_checked:>9d}"
                f" expectations={len(result.outcomes):>2d} failed={len(result.failed)}"
                f" seconds={result.seconds:6.2f} rows/s={rate:,.0f}"
            )


if __name__ == "__main__":
    main()
