"""config/slos.yaml: the service level objectives rpt_slo_daily evaluates, validated.

`load_slos()` reads the file (the shared validator in synmon/configfile.py names file, key path and
what was expected) and flattens it to one dict per component and SLO, the rows dbt reads from
$SYNMON_SLOS (see orchestration/dbt.py `dbt_env`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from synmon.configfile import load_model

SLO_KINDS = ("availability", "latency")


class SloConfigError(ValueError):
    """config/slos.yaml is malformed; the message names the file, key path and expected value."""


class Slo(BaseModel):
    """One objective: the share of good requests over the window."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^\w+$", description="a word (letters, digits, _)")
    kind: Literal["availability", "latency"]
    objective: float = Field(gt=0, lt=1)
    threshold_ms: float | None = Field(default=None, validate_default=True)

    @field_validator("threshold_ms")
    @classmethod
    def _threshold_fits_kind(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("kind")
        if kind == "latency" and (value is None or value <= 0):
            raise ValueError("a positive number of milliseconds for a latency SLO")
        if kind == "availability" and value is not None:
            raise ValueError("no threshold: only latency SLOs have one")
        return value


class SlosFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(default=30, ge=1, le=366, strict=True)
    defaults: list[Slo] = Field(default_factory=list)
    components: dict[str, list[Slo]] = Field(default_factory=dict)


def _unique_names(config: SlosFile) -> list[str]:
    groups = {"defaults": config.defaults} | {
        f"components.{c}": slos for c, slos in config.components.items()
    }
    problems = []
    for where, slos in groups.items():
        names = [s.name for s in slos]
        problems += [
            f"{where}[{i}].name: expected a unique name, {n!r} is given twice"
            for i, n in enumerate(names)
            if n in names[:i]
        ]
    return problems


def load_slos(path: Path) -> list[dict[str, Any]]:
    """The SLOs of `path` (config/slos.yaml) flattened to one dict per component and SLO.

    Each dict has component ('*' for the defaults every component gets), slo, kind, objective,
    threshold_ms (None for availability) and window_days: the rows rpt_slo_daily evaluates.
    """
    config = load_model(Path(path), SlosFile, SloConfigError, _unique_names)
    groups = [("*", config.defaults), *config.components.items()]
    return [
        {
            "component": component,
            "slo": slo.name,
            "kind": slo.kind,
            "objective": slo.objective,
            "threshold_ms": slo.threshold_ms,
            "window_days": config.window_days,
        }
        for component, slos in groups
        for slo in slos
    ]
