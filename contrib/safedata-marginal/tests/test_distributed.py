"""mst and aim on a Dask LocalCluster: the same exact counts before noise and the same ledger as the local run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_marginal.base as base_module
import yaml
from safedata_marginal.mst import MSTSynthesizer

from safedata_core import ComponentError, Engine, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import add_noise
from safedata_core.testing import make_budget

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s


class Recorder:
    """Wraps ``add_noise`` where the marginal synthesizers call it; keeps the exact counts it was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.exact: list[tuple[str, np.ndarray]] = []
        monkeypatch.setattr(base_module, "add_noise", self)

    def __call__(self, share: Any, mechanism: Any, values: Any, *, note: str = "") -> np.ndarray:
        self.exact.append((note, np.asarray(values, dtype=float).copy()))
        return add_noise(share, mechanism, values, note=note)


META = {
    "colour": {"type": "categorical", "categories": ["red", "green", "blue"]},
    "size": {"type": "integer", "bounds": [0, 20], "nullable": False},
    "flag": {"type": "boolean"},
    "score": {"type": "numerical", "bounds": [0.0, 1.0]},
}


def write_data(folder: Path, n: int = 600) -> Path:
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "blue", None], n, p=[0.5, 0.3, 0.15, 0.05])
    size = np.where(colour == "red", rng.integers(0, 8, n), rng.integers(6, 21, n))
    df = pd.DataFrame(
        {"colour": colour, "size": size, "flag": rng.random(n) < 0.3, "score": np.round(rng.random(n), 3)}
    )
    parts = folder / "data"
    parts.mkdir()
    for i, start in enumerate(range(0, n, 200)):  # three Parquet parts: three partitions
        df.iloc[start : start + 200].to_parquet(parts / f"part-{i}.parquet", index=False)
    (folder / "meta.yaml").write_text(yaml.safe_dump({"columns": META}))
    return parts


FAST = {
    "mst": {"bins": 6, "iters": 30},
    "aim": {"bins": 6, "max_rounds": 3, "round_iters": 5, "final_iters": 10, "progress": False},
}


def pipeline(folder: Path, parts: Path, use: str = "mst") -> dict[str, Any]:
    return {
        "version": 1,
        "name": "mst-dask",
        "data": {"source": str(parts), "metadata": str(folder / "meta.yaml")},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "noise": "reproducible-test"},
        "steps": [{"id": "synth", "use": use, "privacy": {"epsilon": 1.0}, "params": FAST[use]}],
        "report": {"formats": ["json"]},
        "seed": 11,
    }


@pytest.mark.parametrize("use", ["mst", "aim"])
def test_on_dask_counts_and_ledger_equal_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session: Any, use: str
) -> None:
    from safedata_core.execution import dask_session

    engine = Engine(autoload=False, plugins=["safedata_marginal"])
    spec = pipeline(tmp_path, write_data(tmp_path), use)
    local_rec = Recorder(monkeypatch)
    local = engine.run(spec)
    dask_rec = Recorder(monkeypatch)
    with dask_session("local", processes=False) as s:
        assert s.workers == 2
        distributed = engine.run(spec)
    assert local.ok and distributed.ok, (local.error, distributed.error)
    assert len(dask_rec.exact) == len(local_rec.exact) > 4  # 4 one-way histograms + the chosen marginals
    for (note_l, exact_l), (note_d, exact_d) in zip(local_rec.exact, dask_rec.exact, strict=True):
        assert note_l == note_d
        np.testing.assert_array_equal(exact_d, exact_l)
    assert sum(float(x.sum()) for _, x in local_rec.exact[:4]) == 4 * 600
    assert distributed.ledger == local.ledger
    assert distributed.ledger["charges"]
    # reproducible-test noise + equal counts: the same release
    pd.testing.assert_frame_equal(distributed.released["synth"], local.released["synth"])


def test_dask_requires_public_categories(session: Any) -> None:
    import dask.dataframe as dd

    df = pd.DataFrame({"colour": ["a", "b"] * 20, "size": list(range(40))})
    meta = Metadata(
        columns={
            "colour": ColumnMeta(type="categorical"),
            "size": ColumnMeta(type="integer", bounds=(0, 40)),
        }
    )
    local = Table.from_dataframe(df, meta)
    table = Table(dd.from_pandas(local.df, npartitions=2), local.metadata)
    with pytest.raises(ComponentError) as err:
        MSTSynthesizer({"bins": 4, "iters": 5}).fit(table, budget=make_budget(1.0, 1e-6), seed=0)
    assert str(err.value) == (
        "mst on Dask: categorical column 'colour' has no public categories; declare its categories in the "
        "metadata (or run locally, where they can be selected privately)"
    )


def test_pipeline_refuses_components_without_dask_support(tmp_path: Path, session: Any) -> None:
    engine = Engine(autoload=False, plugins=["safedata_marginal"])
    spec = pipeline(tmp_path, write_data(tmp_path))
    spec["steps"].append({"id": "detect", "use": "detection", "target": "synth"})
    with pytest.raises(ComponentError, match=r"step 'detect' \(detection\) does not run on Dask .*aim, .*mst"):
        engine.run(spec)
