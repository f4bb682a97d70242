"""Metrics on a Dask original equal the local metrics: TV from exact counts, KS and 2-way on the (whole) sample."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.default_plugins.metrics import KSComplementMetric, TVComplementMetric
from safedata_core.default_plugins.metrics_pairs import Marginal2WayMetric
from safedata_core.evaluation.distributed import local_sample, tv_complement_exact

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s


def tables(n: int = 500) -> tuple[Table, Table, Table]:
    import dask.dataframe as dd

    rng = np.random.default_rng(4)
    real = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue", None], n),
            "size": rng.integers(0, 30, n),
            "flag": rng.random(n) < 0.4,
        }
    )
    local = Table.from_dataframe(real)
    synth = Table.from_dataframe(real.sample(frac=1.0, replace=True, random_state=1), local.metadata)
    return local, Table(dd.from_pandas(local.df, npartitions=4), local.metadata), synth


def test_tv_complement_from_exact_counts_equals_local(session: Any) -> None:
    local, dask_table, synth = tables()
    want = TVComplementMetric().compute(local, synth)
    got = TVComplementMetric().compute(dask_table, synth)
    assert got.details["columns"].keys() == want.details["columns"].keys() == {"colour", "flag"}
    for col, value in want.details["columns"].items():
        assert got.details["columns"][col] == pytest.approx(value, abs=1e-12)
    assert got.score == pytest.approx(want.score, abs=1e-12) and want.score < 1.0
    assert tv_complement_exact(dask_table, local, ["colour"]) == {"colour": pytest.approx(1.0)}


def test_sampled_metrics_state_their_sample_and_match_on_a_whole_sample(session: Any) -> None:
    local, dask_table, synth = tables()
    for metric in (KSComplementMetric(), Marginal2WayMetric()):
        want, got = metric.compute(local, synth, seed=3), metric.compute(dask_table, synth, seed=3)
        assert got.details["sample_rows"] == 500  # smaller than the sample size: the whole table
        assert "sample_rows" not in want.details
        assert got.score == pytest.approx(want.score, abs=1e-12)


def test_local_sample_of_a_large_dask_table_is_seeded(session: Any) -> None:
    _, dask_table, _ = tables(2000)
    a, n = local_sample(dask_table, seed=1, rows=500)
    b, _ = local_sample(dask_table, seed=1, rows=500)
    assert n is not None and 350 < n < 650  # Bernoulli sampling at rate 500/2000
    pd.testing.assert_frame_equal(a.df, b.df)
