"""Tests that kill surviving mutants of bayes_net's DP path (`make mutation`, issue 22).

Parent candidates are compared with a brute-force definition written here (every parent set within the
theta-usefulness limit that no single further attribute can extend, or of the largest allowed size), at the
exact boundary values of the limit; the greedy structure must make exactly d - 1 charged picks, each
recorded under its documented note.
"""

from __future__ import annotations

from itertools import combinations
from math import prod

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.discretize import binning_events, build_codecs
from safedata_bayesnet.privbayes import (
    conditionals_from_counts,
    greedy_structure,
    joint_index,
    parent_candidates,
    r_score,
)
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import Metadata
from safedata_core.testing import make_budget


def _brute_force(x: int, chosen: list[int], sizes: list[int], max_parents: int, limit: float) -> set[tuple[int, ...]]:
    k_max = min(max_parents, len(chosen))
    out = set()
    for k in range(1, k_max + 1):
        for combo in combinations(chosen, k):
            dom = sizes[x] * prod(sizes[c] for c in combo)
            if dom > limit:
                continue
            extendable = any(dom * sizes[c] <= limit for c in chosen if c not in combo)
            if k == k_max or not extendable:
                out.add(combo)
    return out or {()}


def test_parent_candidates_equal_the_brute_force_definition_at_the_limit_boundaries() -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(400):
        d = int(rng.integers(2, 6))
        sizes = [int(s) for s in rng.integers(2, 6, d)]
        x = int(rng.integers(d))
        others = [c for c in range(d) if c != x]
        chosen = [int(c) for c in rng.permutation(others)[: int(rng.integers(1, len(others) + 1))]]
        max_parents = int(rng.integers(1, 4))
        # limits exactly on a product of sizes (the boundary), just below it, and just above it
        combo = [c for c in chosen if rng.random() < 0.6]
        exact = float(sizes[x] * prod(sizes[c] for c in combo))
        for limit in (exact, exact - 0.5, exact + 0.5):
            got = parent_candidates(x, chosen, sizes, max_parents, limit)
            assert len(got) == len(set(got))
            assert set(got) == _brute_force(x, chosen, sizes, max_parents, limit), (x, chosen, sizes, limit)
            checked += 1
    assert checked == 1200


def test_parent_candidates_keep_a_later_combination_after_one_over_the_limit() -> None:
    # sizes: x=0 has 2 values; attribute 1 is large, attributes 2 and 3 small
    sizes = [2, 10, 2, 2]
    got = parent_candidates(0, [1, 2, 3], sizes, 1, 4.0)
    assert set(got) == {(2,), (3,)}  # (1,) gives 20 > 4 and is skipped, the later ones fit exactly
    # maximality with unequal rest: (2,) at dom 4 extends by 3 (dom 8 <= 8) but not by 1 (40)
    got = parent_candidates(0, [1, 2, 3], sizes, 2, 8.0)
    assert set(got) == {(2, 3)}


def test_greedy_structure_makes_d_minus_one_noted_picks() -> None:
    rng = np.random.default_rng(0)
    for d in (2, 3):
        codes = rng.integers(0, 2, (300, d))
        budget = make_budget(1.0, 0.0)
        network = greedy_structure(codes, [2] * d, budget=budget, epsilon=0.5, max_parents=2, domain_limit=1e9)
        assert len(network) == d and sorted(x for x, _ in network) == list(range(d))
        assert network[0][1] == () and all(len(p) >= 1 for _, p in network[1:])
        picks = [c for c in budget.charges if c.event.mechanism == "exponential"]
        assert len(picks) == d - 1
        assert all(c.note == "bayes_net: PrivBayes pick of (attribute, parents)" for c in picks)
        assert sum(c.event.epsilon for c in picks) == pytest.approx(0.5, rel=1e-12)


def test_greedy_structure_note_names_the_caller() -> None:
    codes = np.random.default_rng(1).integers(0, 3, (200, 3))
    budget = make_budget(1.0, 0.0)
    greedy_structure(codes, [3] * 3, budget=budget, epsilon=0.4, max_parents=1, domain_limit=1e9, where="step x")
    assert [c.note for c in budget.charges] == ["step x: PrivBayes pick of (attribute, parents)"] * 2


# -- session 5 kill round: accounting, refusals, ledger notes, conditionals --------------------------------


def _fit(df: pd.DataFrame, cols: dict[str, dict[str, object]], eps: float = 1.0, delta: float = 0.0):  # type: ignore[no-untyped-def]
    meta = Metadata.from_dict({"columns": cols})
    budget = make_budget(eps, delta)
    model = BayesNetSynthesizer({"bins": 4, "fine_cells": 8})
    model.fit(Table.from_dataframe(df, meta), budget=budget, seed=0)
    return model, budget


def test_binning_events_split_delta_evenly_over_the_selections() -> None:
    plan = [("a", "select"), ("b", "histogram"), ("c", "select"), ("c", "missing")]
    events = binning_events(plan, 0.8, 1e-6)
    assert [e.epsilon for e in events] == pytest.approx([0.2] * 4)
    assert [e.delta for e in events] == pytest.approx([5e-7, 0.0, 5e-7, 0.0], abs=1e-20)


def test_only_undeclared_categories_still_fit_with_delta() -> None:
    # every measurement is a category selection: the selections must receive half of delta (not 0 -> refusal)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.choice(["x", "y"], 400), "b": rng.choice(["u", "v"], 400)})
    cols = {"a": {"type": "categorical", "nullable": False}, "b": {"type": "categorical", "nullable": False}}
    _, budget = _fit(df, cols, eps=4.0, delta=1e-5)  # selections of ~200 records: far above the threshold
    sel = [c for c in budget.charges if c.note.endswith("domain")]
    assert [c.note for c in sel] == ["bayes_net: 'a' domain", "bayes_net: 'b' domain"]
    assert [c.event.delta for c in sel] == pytest.approx([2.5e-6, 2.5e-6])


def test_single_column_fit_spends_exactly_its_share_with_no_structure_pick() -> None:
    df = pd.DataFrame({"x": np.arange(200) % 10})
    _, budget = _fit(df, {"x": {"type": "integer", "bounds": [0, 9], "nullable": False}}, eps=1.0)
    assert not [c for c in budget.charges if c.event.mechanism == "exponential"]
    assert sum(c.event.epsilon for c in budget.charges) == pytest.approx(1.0, rel=1e-9)


def test_two_column_fit_with_delta_plans_the_pick_and_stays_within_the_share() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.choice(["x", "y"], 300), "b": rng.choice(["u", "v"], 300)})
    cols = {
        "a": {"type": "categorical", "categories": ["x", "y"], "nullable": False},
        "b": {"type": "categorical", "categories": ["u", "v"], "nullable": False},
    }
    _, budget = _fit(df, cols, eps=1.0, delta=1e-5)
    assert len([c for c in budget.charges if c.event.mechanism == "exponential"]) == 1
    assert budget.compose([]) <= 1.0 + 1e-9  # the recorded charges, by the ledger's accountant


def test_dp_ledger_notes_and_report_mode_a_steward_reads() -> None:
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame(
        {
            "age": rng.integers(0, 50, n),
            "c": pd.Series(rng.choice(["p", "q", None], n), dtype=object),
            "job": rng.choice(["u", "v"], n),
        }
    )
    cols = {
        "age": {"type": "integer", "bounds": [0, 49], "nullable": False},
        "c": {"type": "categorical", "categories": ["p", "q"], "nullable": True},
        "job": {"type": "categorical", "nullable": False},
    }
    model, budget = _fit(df, cols, eps=6.0, delta=1e-5)  # job selection of ~150 records: kept
    notes = [c.note for c in budget.charges]
    assert notes[:4] == [
        "bayes_net: 'age' histogram",
        "bayes_net: 'c' missing count",
        "bayes_net: 'job' domain",
        "bayes_net: noisy row count",
    ]
    assert all(note.startswith("bayes_net: ") for note in notes)
    assert sum(note.startswith("bayes_net: noisy marginal of attribute ") for note in notes) == 3
    assert model.report_extras()["mode"] == "privbayes"
    # integer column: the synthetic values are whole numbers
    out = model.sample(400, seed=0).df["age"].dropna().to_numpy(dtype=float)
    assert len(out) and np.all(out == np.round(out))


def test_boolean_column_keeps_both_labels_under_dp() -> None:
    df = pd.DataFrame({"s": np.r_[np.ones(300, bool), np.zeros(100, bool)]})
    model, _ = _fit(df, {"s": {"type": "boolean", "nullable": False}}, eps=5.0)
    out = model.sample(500, seed=0).df["s"]
    assert out.sum() > 250 and (~out.astype(bool)).sum() > 50


def test_selection_without_delta_is_refused_with_the_exact_text() -> None:
    df = pd.DataFrame({"job": ["a", "b"] * 20})
    table = Table.from_dataframe(df, Metadata.from_dict({"columns": {"job": {"type": "categorical"}}}))
    with pytest.raises(ComponentError) as err:
        build_codecs(table, n_bins=4, n_fine=8, budget=make_budget(1.0, 0.0), epsilon=1.0, delta=0.0, where="S")
    assert str(err.value) == (
        "S: categorical column 'job' has no public categories and the step has delta=0; declare its "
        "categories in the metadata or give the step a delta > 0"
    )


def test_build_codecs_refusal_of_an_unsupported_type_names_the_place() -> None:
    df = pd.DataFrame({"t": ["a", "b"] * 5})
    table = Table.from_dataframe(df, Metadata.from_dict({"columns": {"t": {"type": "text"}}}))
    with pytest.raises(ComponentError, match=r"^step Q: column 't' has type text"):
        build_codecs(table, n_bins=4, n_fine=8, budget=make_budget(1.0, 0.0), epsilon=1.0, delta=0.0, where="step Q")


def test_conditionals_from_counts_by_definition() -> None:
    # row 0 normal, row 1 empty (falls back to the normalised marginal of the clipped table)
    got = conditionals_from_counts(np.array([[3.0, 1.0], [-2.0, 0.0], [0.0, 4.0]]), 2)
    assert got == pytest.approx(np.array([[0.75, 0.25], [3 / 8, 5 / 8], [0.0, 1.0]]))
    # nothing anywhere: uniform
    assert conditionals_from_counts(np.array([-1.0, 0.0, -3.0]), 3) == pytest.approx(np.full((1, 3), 1 / 3))


def test_joint_index_over_no_columns_is_one_cell() -> None:
    idx, cells = joint_index(np.zeros((4, 2), dtype=np.int64), [], [3, 3])
    assert cells == 1 and idx.tolist() == [0, 0, 0, 0]


def test_dask_path_ledger_notes_name_the_histogram_and_the_marginals() -> None:
    dd = pytest.importorskip("dask.dataframe")
    from safedata_bayesnet.distributed import DaskCodes
    from safedata_bayesnet.privbayes import noisy_conditionals

    df = pd.DataFrame({"x": np.arange(40) % 10, "c": ["a", "b"] * 20})
    cols = {
        "x": {"type": "integer", "bounds": [0, 9], "nullable": False},
        "c": {"type": "categorical", "categories": ["a", "b"], "nullable": False},
    }
    table = Table(dd.from_pandas(df, npartitions=2), Metadata.from_dict({"columns": cols}))
    budget = make_budget(1.0, 0.0)
    codecs = build_codecs(table, n_bins=4, n_fine=8, budget=budget, epsilon=0.5, delta=0.0, where="W")
    codes = DaskCodes(table.df, codecs)
    noisy_conditionals(
        codes, [c.size for c in codecs], [(1, ()), (0, (1,))], budget=budget, epsilon_each=0.25, where="W"
    )
    assert [c.note for c in budget.charges] == [
        "W: 'x' histogram",
        "W: noisy marginal of attribute 1 with parents []",
        "W: noisy marginal of attribute 0 with parents [1]",
    ]


def test_r_score_of_an_empty_table_is_zero() -> None:
    """No records: every count is 0, so 1/2 sum |c(x,p) - c(x)c(p)/n| is 0 by definition (not 0/0 = NaN)."""
    empty = np.zeros((0, 2), dtype=np.int64)
    assert r_score(empty, 0, [1], [2, 3]) == 0.0
    one = np.array([[1, 2]], dtype=np.int64)  # a single record sits in its own cell: |1 - 1*1/1| = 0
    assert r_score(one, 0, [1], [2, 3]) == 0.0
