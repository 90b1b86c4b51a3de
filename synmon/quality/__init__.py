"""Data quality of the lake: Great Expectations 1.x suites per dataset, run by a thin wrapper.

`load_suite` reads `config/expectations/<dataset>.yaml`; `validate_dataset` reads the latest
partitions of a lake dataset with DuckDB and runs its suite. `assets/validation.py` turns the
result into Dagster asset checks. Importing this package does not import GX or pandas.
"""

from synmon.quality.lake import Scope, lake_partitions, read_scope
from synmon.quality.runner import (
    ExpectationOutcome,
    SuiteResult,
    validate_dataset,
    validate_frame,
)
from synmon.quality.suites import DATASETS, ExpectationSpec, SuiteError, SuiteSpec, load_suite

__all__ = [
    "DATASETS",
    "ExpectationOutcome",
    "ExpectationSpec",
    "Scope",
    "SuiteError",
    "SuiteResult",
    "SuiteSpec",
    "lake_partitions",
    "load_suite",
    "read_scope",
    "validate_dataset",
    "validate_frame",
]
