"""The thin Great Expectations 1.x wrapper: a suite spec and a DataFrame in, typed outcomes out.

dagster-ge does not support GX 1.x, so this module does what it would: an ephemeral, in-memory
GX context (analytics and progress bars off, nothing written to disk), a pandas data source with
a whole-dataframe batch definition, an `ExpectationSuite` built from `synmon.quality.suites`, one
`ValidationDefinition.run()`, and the result objects turned into plain dataclasses. GX (about 7 s
to import on an idle machine) is imported inside `validate_frame` only.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synmon.quality.lake import Scope, read_scope
from synmon.quality.suites import ExpectationSpec, SuiteError, SuiteSpec, load_suite

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_VALUES = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    """How one expectation of a suite fared on the rows in scope."""

    id: str
    expectation: str
    column: str
    severity: str
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    missing_count: int
    sample: list[Any] = field(default_factory=list)
    error: str = ""
    description: str = ""


@dataclass(frozen=True)
class SuiteResult:
    """One validation of one dataset: what was in scope and every expectation's outcome."""

    dataset: str
    scope: Scope
    outcomes: tuple[ExpectationOutcome, ...]
    seconds: float

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def passed(self) -> bool:
        """True when there was data to check and every expectation held."""
        return bool(self.outcomes) and not self.failed

    @property
    def severity(self) -> str:
        """`error` when a hard contract rule failed, else `warn` (soft failures, or no data)."""
        return "error" if any(o.severity == "error" for o in self.failed) else "warn"

    def outcome(self, expectation_id: str) -> ExpectationOutcome:
        for o in self.outcomes:
            if o.id == expectation_id:
                return o
        raise KeyError(expectation_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "passed": self.passed,
            "severity": self.severity,
            "scope": self.scope.describe(),
            "rows_checked": self.scope.rows_checked,
            "seconds": round(self.seconds, 3),
            "expectations": [asdict(o) for o in self.outcomes],
        }


def validate_dataset(
    lake: Path,
    dataset: str,
    *,
    latest_partitions: int = 7,
    max_rows: int = 1_000_000,
    suites_dir: Path | None = None,
) -> SuiteResult:
    """Validate the latest partitions of one lake dataset against its suite."""
    started = time.perf_counter()
    suite = load_suite(dataset, suites_dir)
    frame, scope = read_scope(
        lake, dataset, latest_partitions=latest_partitions, max_rows=max_rows, derived=suite.derived
    )
    if frame.empty:
        return SuiteResult(dataset, scope, (), time.perf_counter() - started)
    outcomes = validate_frame(frame, suite)
    return SuiteResult(dataset, scope, outcomes, time.perf_counter() - started)


def validate_frame(frame: pd.DataFrame, suite: SuiteSpec) -> tuple[ExpectationOutcome, ...]:
    """Run `suite` over `frame` with GX 1.x; one outcome per expectation, in suite order."""
    import great_expectations as gx

    context = _ephemeral_context()
    source = context.data_sources.add_pandas(name="synmon_lake")
    asset = source.add_dataframe_asset(name=suite.dataset)
    batch = asset.add_batch_definition_whole_dataframe(name="in_scope")
    gx_suite = gx.ExpectationSuite(name=f"synmon_{suite.dataset}")
    for spec in suite.expectations:
        gx_suite.add_expectation(_build(spec))
    gx_suite = context.suites.add(gx_suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"synmon_{suite.dataset}", data=batch, suite=gx_suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_VALUES},
    )
    by_id = {r.expectation_config.meta["synmon_id"]: r for r in result.results}
    return tuple(_outcome(spec, by_id.get(spec.id)) for spec in suite.expectations)


def _ephemeral_context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _build(spec: ExpectationSpec) -> Any:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    class_name = "".join(part.capitalize() for part in spec.expectation.split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise SuiteError(f"expectation {spec.id}: GX has no expectation {spec.expectation!r}")
    kwargs = dict(spec.kwargs)
    if spec.when:
        ((column, value),) = spec.when.items()
        kwargs["row_condition"] = Column(column) == value
    try:
        return cls(**kwargs, meta={"synmon_id": spec.id})
    except Exception as exc:  # GX raises pydantic errors of its own vendored pydantic
        raise SuiteError(f"expectation {spec.id}: invalid arguments: {exc}") from exc


def _outcome(spec: ExpectationSpec, gx_result: Any) -> ExpectationOutcome:
    base = {
        "id": spec.id,
        "expectation": spec.expectation,
        "column": spec.column,
        "severity": spec.severity,
        "description": spec.description,
    }
    if gx_result is None:
        return ExpectationOutcome(
            **base, success=False, element_count=0, unexpected_count=0,
            unexpected_percent=0.0, missing_count=0, error="GX returned no result",
        )  # fmt: skip
    res = gx_result.result or {}
    error = _exception_message(gx_result.exception_info or {})
    return ExpectationOutcome(
        **base,
        success=bool(gx_result.success),
        element_count=int(res.get("element_count") or 0),
        unexpected_count=int(res.get("unexpected_count") or 0),
        unexpected_percent=round(float(res.get("unexpected_percent") or 0.0), 4),
        missing_count=int(res.get("missing_count") or 0),
        sample=[_plain(v) for v in (res.get("partial_unexpected_list") or [])[:SAMPLE_VALUES]],
        error=error,
    )


def _exception_message(info: dict[str, Any]) -> str:
    """GX reports an exception flat, or nested under each metric that raised it."""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    nested = (_exception_message(v) for v in info.values() if isinstance(v, dict))
    return "; ".join(sorted({m for m in nested if m}))


def _plain(value: Any) -> Any:
    """A JSON-safe form of a sample value (timestamps, numpy scalars, dicts of them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if value == value else None  # NaN -> None
    if hasattr(value, "item"):
        return _plain(value.item())
    return str(value)
