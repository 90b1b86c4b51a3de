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
