"""DP ctgan on a table with a singleton category that is not public: it never comes out, every access is charged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_ctgan.synthesizer import CTGANSynthesizer

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

TINY = {
    "epochs": 1, "batch_size": 64, "embedding_dim": 8, "generator_dim": [16], "discriminator_dim": [16],
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
    model = CTGANSynthesizer(TINY)
    model.fit(table, budget=budget, seed=0)
    seen = set(model.sample(3000, seed=1).df["colour"].dropna())
    assert "only-once" not in seen
    assert seen <= {"red", "blue"}
    notes = sorted(c.note for c in budget.charges)
    expected = [
        "ctgan: 'x' mode histogram",
        "ctgan: 'colour' conditional-vector frequencies",
        "ctgan: row count (sets the DP-SGD sample rate)",
        "ctgan: DP-SGD on the discriminator",
    ]
    if public is None:
        expected.append("ctgan: 'colour' category selection")
    assert notes == sorted(expected)
    sgd = next(c for c in budget.charges if c.event.mechanism == "subsampled_gaussian")
    assert sgd.event.count == sgd.event.params["steps"] > 0
    assert {"noise_multiplier", "sample_rate", "clip_norm"} <= set(sgd.event.params)
    assert budget.spent().epsilon <= 2.0 + 1e-9
    state = model.state_dict()
    assert state is not None and "only-once" not in repr(state)
    assert "discriminator" not in state  # only the generator (post-processing of the DP critic) is kept


def test_dp_uses_pac_one_and_clips_critic_weights() -> None:
    model = CTGANSynthesizer({**TINY, "pac": 10, "dp_weight_clip": 0.05})
    model.fit(singleton_table(["red", "blue"]), budget=make_budget(2.0, 1e-5), seed=0)
    assert model.report_extras()["dp"]["pac"] == 1


@pytest.mark.slow  # 100 epochs (at 40 the share still varies by +-0.1 from seed to seed)
def test_non_private_fit_learns_category_shares() -> None:
    table = singleton_table(["red", "blue", "only-once"])
    model = CTGANSynthesizer(
        {
            **TINY,
            "dp": False,
            "epochs": 100,
            "batch_size": 40,
            "pac": 4,
            "generator_dim": [64],
            "discriminator_dim": [64],
        }
    )
    model.fit(table, budget=None, seed=0)
    share = (model.sample(4000, seed=2).df["colour"] == "red").mean()
    assert abs(share - 250 / 400) < 0.1
