"""``safedata profile --dask ADDRESS``: read the table lazily on a Dask session and profile it there."""

from __future__ import annotations

import argparse
from typing import Any

from safedata_core.data import Table
from safedata_core.errors import DataError
from safedata_core.execution.session import dask_session

__all__ = ["profile_on_dask"]


def profile_on_dask(args: argparse.Namespace, options: dict[str, Any]) -> tuple[Table, dict[str, Any]]:
    """The table (Dask-backed) and its profile, computed on the session ``args.dask`` names; ``options`` are the
    profile settings the local builder gets too (quasi_identifiers, sensitive, weight, k, max_rare_combinations)."""
    from safedata_core.execution.reader import read_dask_table
    from safedata_core.inventory.distributed import build_profile_distributed

    with dask_session(args.dask):
        table = read_dask_table(args.data, args.metadata)
        if len(table.columns) < 2:
            raise DataError(f"{args.data}: the table has a single column (profiling needs two or more)")
        profile = build_profile_distributed(table, **options)
    return table, profile
