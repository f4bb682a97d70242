"""Behaviour of the marginal synthesizers: accounting, domains, decoding and the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_marginal.aim import AIMSynthesizer
from safedata_marginal.domain import build_domain, fine_cells, group_ordered
from safedata_marginal.mst import MSTSynthesizer
from safedata_marginal.pgm import GraphicalModel, Measurement

from safedata_core import ComponentError, PrivacyBudgetError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget, tiny_table

FAST = {
    "mst": (MSTSynthesizer, {"bins": 8, "iters": 100}),
    "aim": (AIMSynthesizer, {"bins": 8, "max_rounds": 5, "round_iters": 10, "final_iters": 50, "progress": False}),
    "aim_target": (
        AIMSynthesizer,
        {"bins": 8, "max_rounds": 5, "round_iters": 10, "final_iters": 50, "progress": False, "target": "colour"},
    ),
}


def _leaky_table(n: int = 3000) -> Table:
    """A column whose data holds categories the public metadata does not list."""
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "SECRET-A", "SECRET-B"], n, p=[0.45, 0.35, 0.15, 0.05])
    size = np.where(colour == "red", rng.integers(0, 10, n), rng.integers(5, 20, n)).astype(float)
    meta = Metadata(
        columns={
            "colour": ColumnMeta(type="categorical", categories=["red", "green", "blue"]),
            "size": ColumnMeta(type="integer", bounds=(0, 20)),
        }
    )
    return Table.from_dataframe(pd.DataFrame({"colour": colour, "size": size}), meta)


@pytest.mark.parametrize("name", sorted(FAST))
def test_composed_epsilon_equals_target_and_no_data_only_category(name: str) -> None:
    cls, params = FAST[name]
    table = _leaky_table()
    budget = make_budget(0.7, 1e-6)
    model = cls(params)
    model.fit(table, budget=budget, seed=0)
    ledger = budget._ledger
    composed = ledger.compose(ledger.events("test"), 1e-6)
    assert composed == pytest.approx(0.7, abs=1e-6)
    assert {e.mechanism for e in ledger.events("test")} == {"discrete_gaussian", "exponential"}
    assert all(e.params.get("noise_multiplier", 1) > 0 for e in ledger.events("test"))
    out = model.sample(5000, seed=1).df
    seen = set(out["colour"].dropna())
    assert seen <= {"red", "green", "blue"}
    assert not seen & {"SECRET-A", "SECRET-B"}


def test_private_categories_are_selected_and_charged() -> None:
    df = _leaky_table().df.copy()
    meta = Metadata(
        columns={"size": ColumnMeta(type="integer", bounds=(0, 20)), "colour": ColumnMeta(type="categorical")}
    )
    table = Table.from_dataframe(df, meta)
    budget = make_budget(1.0, 1e-5)
    model = MSTSynthesizer({"bins": 8, "iters": 50})
    model.fit(table, budget=budget, seed=0)
    kinds = [e.mechanism for e in budget.events()]
    assert "approx" in kinds
    assert budget.spent().epsilon == pytest.approx(1.0, abs=1e-6)
    assert set(model.sample(2000, seed=0).df["colour"].dropna()) <= {"red", "green", "SECRET-A", "SECRET-B"}


def test_numeric_without_bounds_is_refused_under_dp() -> None:
    df = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    meta = Metadata(
        columns={"x": ColumnMeta(type="numerical"), "c": ColumnMeta(type="categorical", categories=["a", "b"])}
    )
    table = Table.from_dataframe(df, meta)
    with pytest.raises(ComponentError, match="'x'.*no declared bounds"):
        MSTSynthesizer().fit(table, budget=make_budget(), seed=0)


def test_prespent_share_is_refused() -> None:
    budget = make_budget(1.0, 1e-5)
    budget.charge("pure", epsilon=0.1, note="earlier")
    with pytest.raises(PrivacyBudgetError, match="already spent"):
        MSTSynthesizer().fit(tiny_table(), budget=budget, seed=0)


@pytest.mark.parametrize("name", sorted(FAST))
def test_non_private_fit_keeps_pairwise_dependence(name: str) -> None:
    cls, params = FAST[name]
    table = _leaky_table(4000)
    model = cls({**params, "dp": False})
    model.fit(table, budget=None, seed=0)
    out = model.sample(20000, seed=2).df
    real_red = table.df.loc[table.df["colour"] == "red", "size"].mean()
    synth_red = out.loc[out["colour"] == "red", "size"].mean()
    real_other = table.df.loc[table.df["colour"] != "red", "size"].mean()
    assert abs(synth_red - real_red) < 0.5
    assert real_other - real_red > 5  # the dependence is strong in the data ...
    assert out.loc[out["colour"] != "red", "size"].mean() - synth_red > 4  # ... and kept


def test_spike_keeps_its_own_bin_and_values_follow_the_data() -> None:
    rng = np.random.default_rng(3)
    n = 20000
    gain = np.where(rng.random(n) < 0.9, 0.0, rng.choice([3000.0, 7000.0, 15000.0], n))
    table = Table.from_dataframe(
        pd.DataFrame({"gain": gain, "flag": rng.random(n) < 0.5}),
        Metadata(columns={"gain": ColumnMeta(type="integer", bounds=(0, 99999)), "flag": ColumnMeta(type="boolean")}),
    )
    model = MSTSynthesizer({"bins": 4})
    model.fit(table, budget=make_budget(1.0, 1e-5), seed=0)
    out = model.sample(n, seed=0).df["gain"]
    assert abs((out == 0).mean() - 0.9) < 0.02  # the spike at the lower bound survives exactly
    nonzero = out[out > 0]
    # decoded inside the cells holding the data (fine cells ~1600 wide), not spread over the bin
    assert (nonzero < 17000).mean() > 0.95


def test_fine_cells_isolate_bounds() -> None:
    lo, hi = fine_cells(0, 99999, True, 10)
    assert lo[0] == hi[0] == 0 and lo[-1] == hi[-1] == 99999
    assert np.all(lo[1:] == hi[:-1] + 1)
    lo, hi = fine_cells(1, 5, True, 10)
    assert lo.tolist() == [1, 2, 3, 4, 5]


def test_model_fits_tree_marginals_and_answers_across_cliques() -> None:
    rng = np.random.default_rng(0)
    n = 20000
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(0, 2, n)) % 4
    c = (2 * b + rng.integers(0, 2, n)) % 5
    x = np.c_[a, b, c]
    dom = [3, 4, 5]

    def marg(attrs: tuple[int, ...]) -> np.ndarray:
        shape = [dom[v] for v in attrs]
        flat = np.ravel_multi_index([x[:, v] for v in attrs], shape)
        return np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)

    ms = [Measurement((0, 1), marg((0, 1)), np.ones(1)), Measurement((1, 2), marg((1, 2)), np.ones(1))]
    model = GraphicalModel(dom, [m.attrs for m in ms], n)
    model.fit(ms, iters=2000)
    assert np.abs(model.project((0, 1)) - marg((0, 1))).sum() < 0.01 * n
    across = model.project((0, 2))
    assert across.sum() == pytest.approx(n)
    # a tree model: P(a, c) = sum_b P(a, b) P(c | b)
    pab, pbc = marg((0, 1)) / n, marg((1, 2)) / n
    expected = n * pab @ (pbc / pbc.sum(axis=1, keepdims=True))
    assert np.abs(across - expected).sum() < 0.02 * n
    rows = model.sample(n, rng)
    assert np.abs(np.bincount(rows[:, 2], minlength=5) - marg((2,))).sum() < 0.05 * n


def test_aim_round_limit_still_spends_exactly() -> None:
    table = tiny_table(500)
    for rounds in (1, 3):
        budget = make_budget(2.0, 1e-5)
        model = AIMSynthesizer({"max_rounds": rounds, "round_iters": 5, "final_iters": 20, "progress": False})
        model.fit(table, budget=budget, seed=0)
        assert model.report_extras()["rounds"] <= rounds
        assert budget.spent().epsilon == pytest.approx(2.0, abs=1e-6)


def test_grouping_gives_the_tail_of_a_spike_its_own_bins() -> None:
    # 90 % of the mass in one cell: the other bins are shared by the remaining 10 %, not one leftover bin
    w = np.r_[900.0, np.full(40, 2.5)]
    group = group_ordered(w, 5)
    assert group[0] != group[1]
    assert len(np.unique(group[1:])) == 4
    assert np.all(np.diff(group) >= 0)


def test_empty_other_code_joins_the_largest_category() -> None:
    s = pd.Series(["a"] * 700 + ["b"] * 300, dtype=object)
    meta = ColumnMeta(type="categorical", categories=["a", "b"])
    dom, y, _ = build_domain("c", s, meta, measure=lambda c, note: (c, 1.0), private=False)
    assert dom.size == 2  # no third code for values outside the categories (there are none)
    assert y.tolist() == [700.0, 300.0]
    assert dom.encode(pd.Series(["zzz"], dtype=object)).tolist() == [0]  # unknowns go to the largest code


def test_aim_target_must_be_a_column() -> None:
    with pytest.raises(ComponentError, match="params.target"):
        AIMSynthesizer({"target": "nope", "progress": False}).fit(_leaky_table(), budget=make_budget(), seed=0)


def test_aim_centres_its_workload_on_the_metadata_label() -> None:
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({c: rng.choice(["a", "b"], n) for c in ("w", "x", "y", "z")})
    meta = {c: ColumnMeta(type="categorical", categories=["a", "b"]) for c in df.columns}
    plain = Table.from_dataframe(df, Metadata(columns=meta))
    labelled = Table.from_dataframe(df, Metadata(columns={**meta, "z": meta["z"].model_copy(update={"role": "label"})}))
    aim = AIMSynthesizer({"progress": False})
    by_param = AIMSynthesizer({"progress": False, "target": "z"})._workload(plain, 3)
    assert aim.targets(labelled) == ["z"] and aim.targets(plain) == []
    assert aim._workload(labelled, 3) == by_param
    assert all(3 in c for c in by_param if len(c) == 3) and len(by_param) == 6 + 3
    assert aim._workload(plain, 3) == [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)]


def test_aim_reports_each_round_with_the_epsilon_spent() -> None:
    from safedata_core.progress import progress_reporter

    calls: list[tuple[int, int | None, str, object]] = []
    budget = make_budget(2.0, 1e-5)
    model = AIMSynthesizer({"max_rounds": 3, "round_iters": 5, "final_iters": 20, "progress": False})
    with progress_reporter(lambda done, total, unit, info: calls.append((done, total, unit, info["epsilon_spent"]))):
        model.fit(tiny_table(500), budget=budget, seed=0)
    rounds = model.report_extras()["rounds"]
    assert [c[0] for c in calls] == list(range(1, rounds + 1)) and {c[2] for c in calls} == {"round"}
    assert calls[-1][1] == rounds  # the last round says it is the last
    spent = [c[3] for c in calls]
    assert spent == sorted(spent) and spent[-1] == pytest.approx(2.0, abs=1e-6)
