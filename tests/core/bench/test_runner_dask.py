"""``safedata bench --dask``: the grid's cells run as futures on the open Dask session."""

from __future__ import annotations

import math

import pytest

from safedata_core.bench import BenchGrid, run_grid

pytest.importorskip("dask.distributed")


def test_grid_runs_as_futures_on_the_open_session() -> None:
    from safedata_core.execution import dask_session

    grid = BenchGrid(
        synthesizers=["example"], epsilon=[math.inf], repeats=1, rows=60, fast=True, plugins=["safedata_example"]
    )
    with dask_session("local", processes=False) as session:
        seen: list[int] = []
        rows = run_grid(grid, dask="tcp://not-used:1", progress=lambda r: seen.append(r["repeat"]))
        assert session.client.status == "running"  # the open session was used, not a new cluster
        # transitions the scheduler made, ever (its task groups are dropped once the grid's futures are released,
        # which may already have happened here): a task that ran went released -> waiting -> processing -> memory
        transitions = session.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    assert seen == [0]
    assert [r["repeat"] for r in rows] == [0]
    assert all(r["status"] == "ok" and 0 < r["fidelity_1way"] <= 1 for r in rows)
    assert transitions >= 3
