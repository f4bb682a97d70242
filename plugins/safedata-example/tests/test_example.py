"""Behaviour of the example synthesizer, and the DP checks every synthesizer plugin should copy.

Statistical tests state their false-alarm rate; they use enough noise draws
that a factor 1.5 error in a noise scale moves the statistic by many standard errors.
"""

from __future__ import annotations

import math
from typing import Any

import dp_accounting
import numpy as np
import pandas as pd
import pytest
import safedata_example.synthesizer as example_module
from safedata_example.synthesizer import IndependentMarginalsSynthesizer
from scipy import stats

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata, read_table
from safedata_core.privacy import NoiseSource, add_noise
from safedata_core.privacy.rdp_curves import DEFAULT_ORDERS
from safedata_core.testing import make_budget, tiny_table

Z_FALSE_ALARM = 4.89  # two-sided normal quantile for a false-alarm probability of about 1e-6


class Recorder:
    """Wraps ``add_noise`` in the plugin module: records every (mechanism, exact values, noisy values)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[Any, np.ndarray, np.ndarray]] = []
        monkeypatch.setattr(example_module, "add_noise", self)

    def __call__(self, share: Any, mechanism: Any, values: Any, *, note: str = "") -> np.ndarray:
        out = add_noise(share, mechanism, values, note=note)
        self.calls.append((mechanism, np.asarray(values, dtype=float).copy(), out))
        return out


def dlap_moments(scale: float) -> tuple[float, float]:
    """Variance and fourth moment of the discrete Laplace with P(k) ~ exp(-|k| / scale), by direct summation."""
    k = np.arange(-int(60 * scale) - 50, int(60 * scale) + 51, dtype=float)
    w = np.exp(-np.abs(k) / scale)
    w /= w.sum()
    return float(np.sum(w * k**2)), float(np.sum(w * k**4))


def pure_rdp(eps: float, orders: np.ndarray) -> np.ndarray:
    """RDP curve of an eps-DP mechanism (randomised response is the worst case), written out here."""
    return np.log((np.exp(orders * eps) + np.exp((1 - orders) * eps)) / (1 + np.exp(eps))) / (orders - 1)


def recomputed_epsilon(budget: Any) -> float:
    """The step's epsilon from the charged parameters alone: min(basic, RDP via dp_accounting's conversion)."""
    eps = [c.event.params["sensitivity"] / c.event.params["scale"] for c in budget.charges]
    assert all(c.event.mechanism == "geometric" for c in budget.charges)
    if budget.delta <= 0:
        return float(sum(eps))
    orders = DEFAULT_ORDERS
    rdp = sum(pure_rdp(e, orders) for e in eps)
    conv, _ = dp_accounting.rdp.compute_epsilon(list(orders), list(rdp), budget.delta)
    return float(min(sum(eps), conv))


def _flag_table(values: list[str]) -> Table:
    base = tiny_table(len(values))
    df = base.df.copy()
    df["flag"] = values
    return Table.from_dataframe(df, Metadata(columns=dict(base.metadata.columns)))


# -- behaviour --------------------------------------------------------------------------------


def test_non_private_fit_reproduces_category_shares() -> None:
    table = tiny_table(2000, seed=1)
    model = IndependentMarginalsSynthesizer({"dp": False})
    model.fit(table, budget=None, seed=0)
    assert model.estimated_rows() is None  # no DP count: the runner uses the input size for non-DP steps
    out = model.sample(20000, seed=1).df
    real = table.df["region"].value_counts(normalize=True)
    synth = out["region"].value_counts(normalize=True)
    assert (real - synth.reindex(real.index)).abs().max() < 0.02


def test_dp_refuses_categorical_without_declared_categories() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    meta = Metadata(columns={"x": ColumnMeta(type="numerical", bounds=(0, 60)), "c": ColumnMeta(type="categorical")})
    with pytest.raises(ComponentError, match="column 'c' has no public domain"):
        IndependentMarginalsSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)


# -- DP: randomness, metadata, outputs ------------------------------------------------------------


def test_dp_noise_is_secure_by_default_and_replayable_only_in_test_mode() -> None:
    table = tiny_table()
    samples = []
    for noise in (None, None, 5, 5):
        budget = make_budget(1.0, 1e-5)
        if noise is not None:
            budget.noise = NoiseSource.reproducible(noise)
        model = IndependentMarginalsSynthesizer()
        model.fit(table, budget=budget, seed=3)
        samples.append(model.sample(300, seed=4).df)
    assert not samples[0].equals(samples[1]), "same seed, secure noise: the releases must differ"
    pd.testing.assert_frame_equal(samples[2], samples[3])


@pytest.mark.parametrize("values", [["yes", "no"] * 100, ["yes", "no"] * 100 + ["maybe"]])
def test_dp_refuses_an_undeclared_yes_no_column_on_both_neighbours(values: list[str]) -> None:
    table = _flag_table(values)
    assert table.metadata.columns["flag"].inferred
    with pytest.raises(ComponentError, match=r"'flag'.*declare it in the metadata") as info:
        IndependentMarginalsSynthesizer().fit(table, budget=make_budget(), seed=0)
    assert "\n" not in str(info.value)


def test_dp_non_nullable_columns_get_no_missing_values() -> None:
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(
        {
            "c": rng.choice(["a", "b"], n).astype(object),
            "x": rng.uniform(0, 10, n),
            "f": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        }
    )
    # stray missing values (30 %) in columns declared non-nullable are dropped, never released
    df.loc[: n // 3, ["c", "x", "f"]] = None
    meta = Metadata(
        columns={
            "c": ColumnMeta(type="categorical", categories=["a", "b"], nullable=False),
            "x": ColumnMeta(type="numerical", bounds=(0, 10), nullable=False),
            "f": ColumnMeta(type="boolean", nullable=False),
        }
    )
    model = IndependentMarginalsSynthesizer({"bins": 4})
    model.fit(Table.from_dataframe(df, meta), budget=make_budget(1.0, 1e-5), seed=0)
    out = model.sample(5000, seed=1).df
    assert not out.isna().any().any()
    assert set(out["c"]) <= {"a", "b"}


def test_estimated_rows_is_the_weighted_mean_of_the_noisy_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(monkeypatch)
    table = tiny_table(500)
    model = IndependentMarginalsSynthesizer()
    model.fit(table, budget=make_budget(1.0, 1e-5), seed=0)
    totals = np.array([noisy.sum() for _, _, noisy in rec.calls])
    cells = np.array([noisy.size for _, _, noisy in rec.calls])
    expected = np.sum(totals / cells) / np.sum(1.0 / cells)
    assert model.estimated_rows() == max(round(expected), 1)
    restored = IndependentMarginalsSynthesizer()
    restored.load_state_dict(model.state_dict() or {})
    assert restored.estimated_rows() == model.estimated_rows()


# -- DP: accounting ------------------------------------------------------------------------------


def test_spends_its_whole_share_on_adult_by_an_independent_recomputation() -> None:
    table = read_table("builtin:adult")
    budget = make_budget(1.0, 1e-5)
    IndependentMarginalsSynthesizer().fit(table, budget=budget, seed=0)
    assert len(budget.charges) == len(table.columns)
    assert budget.spent().epsilon == pytest.approx(1.0, rel=1e-6)
    assert recomputed_epsilon(budget) == pytest.approx(1.0, rel=1e-6)
    assert budget.spent().epsilon <= 1.0 * (1 + 1e-12)


def test_spends_its_whole_share_when_rdp_beats_basic_composition() -> None:
    # 40 columns: composing 40 epsilon/40 histograms by RDP costs less than epsilon, so an equal split underspends
    rng = np.random.default_rng(1)
    df = pd.DataFrame({f"b{i}": rng.random(300) < 0.3 for i in range(40)})
    meta = Metadata(columns={c: ColumnMeta(type="boolean", nullable=False) for c in df.columns})
    budget = make_budget(1.0, 1e-5)
    IndependentMarginalsSynthesizer().fit(Table.from_dataframe(df, meta), budget=budget, seed=0)
    each = [c.event.epsilon for c in budget.charges]
    assert sum(each) > 1.05  # more than basic composition would allow: the accountant's composition is used
    assert recomputed_epsilon(budget) == pytest.approx(1.0, rel=1e-6)
    assert budget.spent().epsilon == pytest.approx(1.0, rel=1e-6)


# -- DP: noise distribution and neighbouring datasets -----------------------------------------------


def test_histogram_noise_variance_matches_the_charged_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sample variance of all histogram noise draws vs. the discrete Laplace variance at scale 1 / epsilon_charged.

    One record changes one cell by one (sensitivity 1), so the charged epsilon fixes the scale.
    Two-sided, false alarm about 1e-6; ~2,300 draws make the standard error of the
    variance ratio about 5 %, so a factor 1.5 scale error (2.25 in variance) is > 20 errors away.
    """
    rec = Recorder(monkeypatch)
    table = tiny_table(300)
    charged: list[float] = []
    for run in range(30):
        budget = make_budget(1.0, 1e-5)
        IndependentMarginalsSynthesizer().fit(table, budget=budget, seed=run)
        charged += [c.event.epsilon for c in budget.charges]  # the ledger's record, one event per histogram
    assert len(charged) == len(rec.calls)
    total, n, m4_sum = 0.0, 0, 0.0
    for (_, exact, noisy), eps in zip(rec.calls, charged, strict=True):
        var, m4 = dlap_moments(1.0 / eps)  # sensitivity 1: scale = 1 / epsilon
        total += float(np.sum((noisy - exact) ** 2)) / var
        n += noisy.size
        m4_sum += noisy.size * m4 / var**2
    ratio, kurt = total / n, m4_sum / n
    assert n >= 2000
    assert abs(ratio - 1.0) <= Z_FALSE_ALARM * math.sqrt((kurt - 1.0) / n), ratio


def test_neighbouring_datasets_give_overlapping_noisy_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """D vs D + one record, 100 paired runs (same seed on both sides, as an attacker knowing the seed would pair them).

    Noisy row estimates and the noisy count of the added record's region cell must (a) vary between
    the paired runs as much as independent noise does, (b) differ on average by the record's
    contribution (1), and (c) be statistically indistinguishable at this size (KS two-sample test,
    false alarm 1e-4). An exact count, or noise replayed from the seed, fails (a) and (c).
    """
    rec = Recorder(monkeypatch)
    base = tiny_table(300, seed=2, with_missing=False)
    extra = pd.DataFrame([{"age": 40, "income": 50000.0, "sex": "F", "region": "west", "smoker": False}])
    plus = Table.from_dataframe(pd.concat([base.df, extra], ignore_index=True), base.metadata)
    west = ["north", "south", "east", "west"].index("west")
    rows: dict[str, list[float]] = {"D": [], "D'": []}
    cell: dict[str, list[float]] = {"D": [], "D'": []}
    runs = 100
    for run in range(runs):
        for side, table in (("D", base), ("D'", plus)):
            rec.calls.clear()
            model = IndependentMarginalsSynthesizer()
            model.fit(table, budget=make_budget(1.0, 1e-5), seed=run)
            rows[side].append(float(model.estimated_rows() or 0))
            cell[side].append(float(rec.calls[3][2][west]))  # columns: age, income, sex, region, smoker
    var_cell, _ = dlap_moments(1.0 / rec.calls[3][0].epsilon)
    for values, noise_sd in ((rows, None), (cell, math.sqrt(var_cell))):
        d, d2 = np.asarray(values["D"]), np.asarray(values["D'"])
        diff = d2 - d
        sd = float(np.std(diff, ddof=1))
        if noise_sd is not None:
            assert 0.7 * math.sqrt(2) * noise_sd < sd < 1.3 * math.sqrt(2) * noise_sd
        assert sd > 3.0
        assert abs(diff.mean() - 1.0) <= Z_FALSE_ALARM * sd / math.sqrt(runs)
        assert stats.ks_2samp(d, d2).pvalue > 1e-4
