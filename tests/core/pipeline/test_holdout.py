"""The holdout split: one keyed coin per record, so adding a record moves no other; a secret key under DP."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.data.io import load_builtin
from safedata_core.pipeline.holdout import holdout_key, holdout_mask, split_holdout
from safedata_core.testing.fixtures import tiny_table
from tests.core.pipeline import fakes


def test_appending_one_record_moves_no_other_record() -> None:
    df = load_builtin("adult").head(1000)
    key = holdout_key(7, secret=True)
    before = holdout_mask(df, 0.2, key)
    grown = pd.concat([df, df.iloc[[5]].assign(age=99)], ignore_index=True)  # a new, distinctive record
    after = holdout_mask(grown, 0.2, key)
    assert (after[: len(df)] == before).all()
    removed = holdout_mask(df.drop(index=17).reset_index(drop=True), 0.2, key)
    assert (removed == np.delete(before, 17)).all()


def test_a_record_with_a_missing_value_moves_no_other_record() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.integers(18, 90, 300), "smoker": rng.random(300) < 0.3, "sex": ["F", "M"] * 150})
    key = holdout_key(1, secret=False)
    before = holdout_mask(df, 0.3, key)
    grown = df.astype(object)
    grown.loc[len(df)] = [None, None, None]  # as a reader would widen them: int -> float, bool -> object
    grown = grown.astype({"age": "float64"})
    assert str(grown["smoker"].dtype) == "object" and str(grown["age"].dtype) == "float64"
    after = holdout_mask(grown, 0.3, key)
    assert (after[: len(df)] == before).all()


def test_size_is_binomial_and_key_decides() -> None:
    df = load_builtin("adult").head(5000)
    masks = [holdout_mask(df, 0.2, holdout_key(0, secret=True)) for _ in range(3)]
    assert all(900 < m.sum() < 1100 for m in masks)  # Binomial(5000, 0.2): mean 1000, sd 28
    assert not (masks[0] == masks[1]).all()
    seeded = holdout_mask(df, 0.2, holdout_key(4, secret=False))
    assert (seeded == holdout_mask(df, 0.2, holdout_key(4, secret=False))).all()
    assert not (seeded == holdout_mask(df, 0.2, holdout_key(5, secret=False))).all()


def test_empty_split_is_a_one_line_data_error() -> None:
    from safedata_core import DataError

    with pytest.raises(DataError, match=r"data.holdout=0.01 left an empty holdout"):
        split_holdout(tiny_table(3), 0.01, holdout_key(0, secret=False))


def holdouts(p: dict[str, Any], runs: int = 2) -> list[pd.DataFrame]:
    fakes.HoldoutSpy.seen.clear()
    engine = fakes.engine()
    for _ in range(runs):
        assert engine.run(p, data=tiny_table(400)).ok
    return list(fakes.HoldoutSpy.seen)


def test_runner_splits_with_a_secret_key_under_dp() -> None:
    steps = [{"id": "synth", "use": "noisy_count", "rows": 50}, {"id": "spy", "use": "holdout_spy"}]
    dp = {"data": {"source": "mem", "holdout": 0.5}, "privacy": {"epsilon": 1.0}, "steps": steps}
    a, b = holdouts(dp)
    assert not (len(a) == len(b) and a.equals(b))
    reproducible = {**dp, "privacy": {"epsilon": 1.0, "secure": False}}
    c, d = holdouts(reproducible)
    pd.testing.assert_frame_equal(c, d)


def test_runner_split_is_seeded_without_dp() -> None:
    steps = [{"id": "copy", "use": "resample"}, {"id": "spy", "use": "holdout_spy"}]
    a, b = holdouts({"data": {"source": "mem", "holdout": 0.5}, "steps": steps})
    pd.testing.assert_frame_equal(a, b)


def test_runner_split_moves_no_other_record_when_one_is_appended() -> None:
    steps = [{"id": "copy", "use": "resample"}, {"id": "spy", "use": "holdout_spy"}]
    p = {"data": {"source": "mem", "holdout": 0.2}, "steps": steps, "seed": 11}
    df = tiny_table(1000).df
    grown = pd.concat([df, df.iloc[[0]].assign(age=89, income=123.45)], ignore_index=True)
    fakes.HoldoutSpy.seen.clear()
    engine = fakes.engine()
    assert engine.run(p, data=df).ok and engine.run(p, data=grown).ok
    before, after = ({tuple(r) for r in h.astype(str).to_numpy()} for h in fakes.HoldoutSpy.seen)
    assert len(before) > 100 and before <= after and len(after - before) <= 1
