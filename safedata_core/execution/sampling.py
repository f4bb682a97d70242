"""Samples on Dask: a seeded random sample of a Dask table, and synthetic rows written out in partitions.

* :func:`random_sample` draws about ``rows`` records uniformly from every
  partition (seeded), for the figures that only need a sample (report fidelity,
  KS/TV); callers state the sample size.
* :func:`sample_to_parquet` asks a fitted synthesizer for ``n`` rows in chunks,
  each chunk computed on a worker and written as one Parquet part, so the
  synthetic table never has to fit in one process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["random_sample", "sample_to_parquet"]


def random_sample(ddf: Any, rows: int, seed: int) -> pd.DataFrame:
    """About ``rows`` records drawn uniformly without replacement from the whole Dask table (seeded)."""
    n = len(ddf)
    if n <= rows:
        return ddf.compute().reset_index(drop=True)
    frac = min(1.0, rows / n)
    return ddf.sample(frac=frac, random_state=seed % 2**32).compute().reset_index(drop=True)


def _chunk(synth: Any, rows: int, seed: int, path: str) -> int:
    from safedata_core.data.io import write_table

    table = synth.sample(rows, seed=seed)
    write_table(table, path)
    return rows


def sample_to_parquet(synth: Any, n: int, out: str | Path, *, seed: int, chunk_rows: int = 1_000_000) -> list[Path]:
    """Write ``n`` synthetic rows of the fitted ``synth`` as ``out/part-XXXXX.parquet``, one chunk per task.

    Chunk ``i`` is sampled with a seed derived from ``(seed, i)``: sampling is
    post-processing of the fitted model, and the parts are reproducible.
    """
    from safedata_core.execution.dask_api import compute, delayed

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [chunk_rows] * (n // chunk_rows) + ([n % chunk_rows] if n % chunk_rows else [])
    seeds = np.random.SeedSequence(seed).generate_state(max(len(sizes), 1))
    paths = [out / f"part-{i:05d}.parquet" for i in range(len(sizes))]
    tasks = [delayed(_chunk)(synth, size, int(s), str(p)) for size, s, p in zip(sizes, seeds, paths, strict=False)]
    compute(*tasks)
    return paths
