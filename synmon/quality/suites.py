"""The expectation suites of the lake datasets, as data: loaded and validated from YAML.

One file per dataset under `config/expectations/<dataset>.yaml`. This module knows nothing of
Great Expectations beyond the names of its expectations (checked when the suite is built, in
`synmon.quality.runner`), so loading a suite is cheap and safe to do anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml

from synmon.catalog import COMPONENTS, DOMAINS
from synmon.settings import config_dir

DATASETS: tuple[str, ...] = ("requests", "events", "metrics")
Severity = Literal["error", "warn"]

# Value sets a suite may name instead of spelling them out, so the catalog stays the one source.
NAMED_SETS: dict[str, tuple[str, ...]] = {"@components": COMPONENTS, "@domains": DOMAINS}


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the key path."""


class ExpectationSpec(pydantic.BaseModel):
    """One expectation of a suite: a GX expectation type, its arguments and our severity."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    id: str = pydantic.Field(pattern=r"^[a-z][a-z0-9_]*$")
    expectation: str = pydantic.Field(pattern=r"^expect_[a-z0-9_]+$")
    kwargs: dict[str, Any] = pydantic.Field(default_factory=dict)
    severity: Severity
    when: dict[str, str | int | bool] | None = None
    description: str = ""

    @pydantic.field_validator("kwargs")
    @classmethod
    def _expand_named_sets(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        out = dict(kwargs)
        for key, value in kwargs.items():
            if isinstance(value, str) and value.startswith("@"):
                if value not in NAMED_SETS:
                    raise ValueError(
                        f"{key}: unknown named set {value!r}, use one of {list(NAMED_SETS)}"
                    )
                out[key] = list(NAMED_SETS[value])
        return out

    @pydantic.field_validator("when")
    @classmethod
    def _one_condition(cls, when: dict[str, Any] | None) -> dict[str, Any] | None:
        if when is not None and len(when) != 1:
            raise ValueError("when: exactly one {column: value} pair")
        return when

    @property
    def column(self) -> str:
        """The column(s) the expectation looks at, for display."""
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        return ",".join(str(c) for c in self.kwargs.get("column_list", []))


class SuiteSpec(pydantic.BaseModel):
    """A dataset's suite: derived columns computed in DuckDB, then the expectations."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    dataset: str
    derived: dict[str, str] = pydantic.Field(default_factory=dict)
    expectations: tuple[ExpectationSpec, ...]

    @pydantic.model_validator(mode="after")
    def _unique_ids(self) -> SuiteSpec:
        seen: set[str] = set()
        for exp in self.expectations:
            if exp.id in seen:
                raise ValueError(f"expectation id {exp.id!r} appears twice")
            seen.add(exp.id)
        return self

    def get(self, expectation_id: str) -> ExpectationSpec:
        for exp in self.expectations:
            if exp.id == expectation_id:
                return exp
        raise KeyError(expectation_id)


def load_suite(dataset: str, directory: Path | None = None) -> SuiteSpec:
    """Load and validate `<directory>/<dataset>.yaml` (default `config/expectations/`)."""
    path = (directory or config_dir() / "expectations") / f"{dataset}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {exc}") from exc
    try:
        suite = SuiteSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<top>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SuiteError(f"{path}: {problems}") from exc
    if suite.dataset != dataset:
        raise SuiteError(f"{path}: dataset: expected {dataset!r}, found {suite.dataset!r}")
    return suite
