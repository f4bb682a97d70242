"""A shared in-process LocalCluster (2 workers) for the Dask tests; they skip when dask is not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")


@pytest.fixture(scope="package")
def session() -> Iterator[object]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s
