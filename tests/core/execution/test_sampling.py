"""Samples on Dask: a seeded random sample of a table, synthetic rows written in Parquet parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.execution.sampling import random_sample, sample_to_parquet

META = Metadata(columns={"x": ColumnMeta(type="integer", bounds=(0, 9)), "c": ColumnMeta(type="categorical")})


class Counter:
    """A stand-in fitted synthesizer: row ``i`` of a chunk is ``(seed % 10, 'c<i % 3>')``."""

    def sample(self, n: int, *, seed: int) -> Table:
        return Table(
            pd.DataFrame({"x": np.full(n, seed % 10, dtype=float), "c": [f"c{i % 3}" for i in range(n)]}), META
        )


def test_sample_to_parquet_writes_one_part_per_chunk(tmp_path: Path, session: Any) -> None:
    paths = sample_to_parquet(Counter(), 2500, tmp_path / "synth", seed=7, chunk_rows=1000)
    assert [p.name for p in paths] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    parts = [pd.read_parquet(p) for p in paths]
    assert [len(p) for p in parts] == [1000, 1000, 500]
    seeds = np.random.SeedSequence(7).generate_state(3)
    assert [int(p["x"].iloc[0]) for p in parts] == [int(s) % 10 for s in seeds]  # chunk i gets seed i
    assert parts[0]["x"].dtype.kind == "i"  # integer columns are written as whole numbers
    again = sample_to_parquet(Counter(), 2500, tmp_path / "again", seed=7, chunk_rows=1000)
    pd.testing.assert_frame_equal(pd.read_parquet(again[2]), parts[2])


def test_random_sample_is_seeded_and_uniform(session: Any) -> None:
    import dask.dataframe as dd

    df = pd.DataFrame({"i": np.arange(4000)})
    ddf = dd.from_pandas(df, npartitions=8)
    a, b = random_sample(ddf, 1000, seed=3), random_sample(ddf, 1000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert 850 < len(a) < 1150
    assert (np.bincount(a["i"].to_numpy() // 1000, minlength=4) > 150).all()  # every quarter is represented
    assert len(random_sample(ddf, 10_000, seed=0)) == 4000
