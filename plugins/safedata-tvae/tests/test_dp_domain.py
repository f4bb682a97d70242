"""DP tvae on a table with a singleton category that is not public: it never comes out, every access is charged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_tvae.synthesizer import TVAESynthesizer

from safedata_core import ComponentError, PrivacyBudgetError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

TINY = {
    "epochs": 1, "batch_size": 64, "embedding_dim": 8, "compress_dims": [16], "decompress_dims": [16],
    "gmm_rows": 200, "threads": 1, "progress": False,
}  # fmt: skip


def singleton_table(public_categories: list[str] | None) -> Table:
    rng = np.random.default_rng(0)
    n = 400
    colour = np.array(["red"] * 250 + ["blue"] * 149 + ["only-once"], dtype=object)
    df = pd.DataFrame({"x": rng.normal(50, 10, n).clip(0, 100), "colour": colour})
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 100)),
            "colour": ColumnMeta(type="categorical", categories=public_categories),
        }
    )
    return Table.from_dataframe(df, meta)


@pytest.mark.parametrize("public", [None, ["red", "blue"]], ids=["dp-selected-domain", "public-domain"])
def test_singleton_category_never_sampled_and_ledger_complete(public: list[str] | None) -> None:
    table = singleton_table(public)
    budget = make_budget(2.0, 1e-5)
    model = TVAESynthesizer(TINY)
    model.fit(table, budget=budget, seed=0)
    seen = set(model.sample(3000, seed=1).df["colour"].dropna())
    assert "only-once" not in seen
    assert seen <= {"red", "blue"}
    notes = sorted(c.note for c in budget.charges)
    expected = [
        "tvae: 'x' mode histogram",
        "tvae: DP-SGD on encoder and decoder",
        "tvae: row count (sets the DP-SGD sample rate)",
    ]
    if public is None:
        expected.append("tvae: 'colour' category selection")
    assert notes == sorted(expected)
    sgd = next(c for c in budget.charges if c.event.mechanism == "subsampled_gaussian")
    assert sgd.event.count == sgd.event.params["steps"] > 0
    assert {"noise_multiplier", "sample_rate", "clip_norm"} <= set(sgd.event.params)
    assert budget.spent().epsilon <= 2.0 + 1e-9
    state = model.state_dict()
    assert state is not None and "only-once" not in repr(state["transformer"])


def test_dp_needs_public_numeric_bounds() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    meta = Metadata(
        columns={"x": ColumnMeta(type="numerical"), "c": ColumnMeta(type="categorical", categories=["a", "b"])}
    )
    table = Table.from_dataframe(df, meta)
    with pytest.raises(ComponentError, match="'x'.*no declared bounds"):
        TVAESynthesizer(TINY).fit(table, budget=make_budget(), seed=0)


def test_dp_sgd_needs_delta() -> None:
    with pytest.raises(PrivacyBudgetError, match="delta"):
        TVAESynthesizer(TINY).fit(singleton_table(["red", "blue"]), budget=make_budget(1.0, 0.0), seed=0)


@pytest.mark.slow  # 60 epochs
def test_non_private_fit_learns_category_shares() -> None:
    table = singleton_table(["red", "blue", "only-once"])
    model = TVAESynthesizer({**TINY, "dp": False, "epochs": 60, "batch_size": 32})
    model.fit(table, budget=None, seed=0)
    share = (model.sample(4000, seed=2).df["colour"] == "red").mean()
    assert abs(share - 250 / 400) < 0.1
