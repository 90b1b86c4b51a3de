"""The resource every stage uses to find its data: the synmon data directory."""

from __future__ import annotations

import dagster as dg

from synmon.settings import Paths


class SynmonData(dg.ConfigurableResource):
    """Location of the synmon data directory (landing zone, lake, warehouse, reports, ops store).

    Empty means `$SYNMON_DATA_DIR` or `<repo>/data`, resolved when the resource is used.
    """

    data_dir: str = ""

    @property
    def paths(self) -> Paths:
        return Paths.from_env(self.data_dir or None)


def sensor_paths(context: object) -> Paths:
    """The data directory for a sensor that declares no resource: a `data` resource given to its
    context (tests, the demo), else what `SynmonData()` resolves to. Sensors on the daemon's 5 s
    loop skip resources on purpose: for a sensor with resources Dagster builds a DagsterInstance
    at every evaluation (~0.12 CPU-s measured here), for a path."""
    data = getattr(getattr(context, "resources", None), "data", None)
    return data.paths if isinstance(data, SynmonData) else SynmonData().paths
