"""bayes_net (PrivBayes) on a Dask LocalCluster: the same exact counts, ledger and release as the local run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from safedata_bayesnet.codec import ColumnCodec
from safedata_bayesnet.distributed import DaskCodes
from safedata_bayesnet.privbayes import joint_index

from safedata_core import Engine

pytest.importorskip("distributed")

META = {
    "colour": {"type": "categorical", "categories": ["red", "green", "blue"]},
    "size": {"type": "integer", "bounds": [0, 20], "nullable": False},
    "flag": {"type": "boolean"},
    "score": {"type": "numerical", "bounds": [0.0, 1.0]},
}


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s


def data(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    colour = rng.choice(["red", "green", "blue", None], n, p=[0.5, 0.3, 0.15, 0.05])
    size = np.where(colour == "red", rng.integers(0, 8, n), rng.integers(6, 21, n))
    score = np.round(rng.random(n), 3)
    score[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"colour": colour, "size": size, "flag": rng.random(n) < 0.3, "score": score})


def test_privbayes_on_dask_equals_local(tmp_path: Path, session: Any) -> None:
    from safedata_core.execution import dask_session

    parts = tmp_path / "data"
    parts.mkdir()
    df = data()
    for i in range(3):
        df.iloc[i * 200 : (i + 1) * 200].to_parquet(parts / f"part-{i}.parquet", index=False)
    (tmp_path / "meta.yaml").write_text(yaml.safe_dump({"columns": META}))
    spec = {
        "version": 1,
        "name": "bn-dask",
        "data": {"source": str(parts), "metadata": str(tmp_path / "meta.yaml")},
        "privacy": {"epsilon": 2.0, "delta": 1e-6, "noise": "reproducible-test"},
        "steps": [{"id": "synth", "use": "bayes_net", "privacy": {"epsilon": 2.0}, "params": {"bins": 6}}],
        "report": {"formats": ["json"]},
        "seed": 5,
    }
    engine = Engine(autoload=False, plugins=["safedata_bayesnet"])
    local = engine.run(spec)
    with dask_session("local", processes=False):
        distributed = engine.run(spec)
    assert local.ok and distributed.ok, (local.error, distributed.error)
    assert distributed.ledger == local.ledger
    assert len(local.ledger["charges"]) >= 6  # binning, row count, structure picks, conditionals
    # reproducible-test noise on equal exact counts: the same structure and the same release
    pd.testing.assert_frame_equal(distributed.released["synth"], local.released["synth"])


def test_lazy_code_matrix_counts_equal_bincounts(session: Any) -> None:
    import dask.dataframe as dd

    df = data(300)
    codecs = [
        ColumnCodec("colour", "categorical", True, labels=["red", "green", "blue"]),
        ColumnCodec("flag", "boolean", False, labels=[False, True]),
    ]
    lazy = DaskCodes(dd.from_pandas(df, npartitions=4), codecs)
    codes = np.column_stack([c.encode(df[c.name]) for c in codecs])
    codes = codes[(codes >= 0).all(axis=1)]
    assert lazy.shape == codes.shape
    sizes = [c.size for c in codecs]
    for cols in ([0], [1, 0], [0, 1]):
        idx, cells = joint_index(codes, cols, sizes)
        np.testing.assert_array_equal(lazy.joint(cols), np.bincount(idx, minlength=cells))
