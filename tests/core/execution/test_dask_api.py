"""The typed dask facade calls through to dask."""

from __future__ import annotations

import pytest

from safedata_core.execution.dask_api import compute, delayed

pytest.importorskip("dask")


def test_delayed_and_compute_run_the_function() -> None:
    task = delayed(lambda a, b: a * b)(6, 7)
    assert compute(task, delayed(str)(5)) == (42, "5")
