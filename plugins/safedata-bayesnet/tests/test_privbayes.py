"""PrivBayes parts: R score and its add/remove sensitivity, candidates, noise scale and noise variance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.privbayes import (
    R_SCORE_SENSITIVITY,
    calibrate_marginal_epsilon,
    conditional_noise_scale,
    noisy_conditionals,
    parent_candidates,
    r_score,
    useful_domain_limit,
)
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import DiscreteLaplace, Exponential
from safedata_core.testing import make_budget


def test_r_score_of_identical_and_independent_columns() -> None:
    x = np.repeat([0, 1], 50)
    same = np.column_stack([x, x])
    assert r_score(same, 0, [1], [2, 2]) == pytest.approx(50.0)  # 1/2 * 4 cells * |25 or 0 - 25|
    indep = np.column_stack([np.tile([0, 1], 50), x])
    assert r_score(indep, 0, [1], [2, 2]) == pytest.approx(0.0)


def test_r_score_add_remove_sensitivity_below_bound() -> None:
    rng = np.random.default_rng(0)
    sizes = [3, 4, 2]
    worst = 0.0
    for _ in range(300):
        n = int(rng.integers(1, 40))
        codes = np.column_stack([rng.integers(0, s, n) for s in sizes])
        extra = np.array([[rng.integers(0, s) for s in sizes]])
        both = np.vstack([codes, extra])
        worst = max(worst, abs(r_score(both, 0, [1, 2], sizes) - r_score(codes, 0, [1, 2], sizes)))
    assert 0.5 < worst < R_SCORE_SENSITIVITY


def test_parent_candidates_respect_domain_limit_and_are_maximal() -> None:
    sizes = [2, 3, 4, 10]
    cands = parent_candidates(0, [1, 2, 3], sizes, max_parents=2, domain_limit=30)
    assert cands and all(2 * np.prod([sizes[c] for c in par]) <= 30 for par in cands)
    assert (1, 2) in cands and (3,) in cands and (1,) not in cands  # (1,) extends to (1, 2)
    assert parent_candidates(0, [3], sizes, max_parents=2, domain_limit=5) == [()]


def _toy_table(n: int = 2000) -> Table:
    rng = np.random.default_rng(1)
    a = rng.choice(["x", "y", "z"], n)
    b = np.where(rng.random(n) < 0.8, a, "x")
    meta = Metadata(
        columns={
            "a": ColumnMeta(type="categorical", categories=["x", "y", "z"], nullable=False),
            "b": ColumnMeta(type="categorical", categories=["x", "y", "z"], nullable=False),
            "c": ColumnMeta(type="boolean", nullable=False),
        }
    )
    return Table.from_dataframe(pd.DataFrame({"a": a, "b": b, "c": rng.random(n) < 0.3}), meta)


def test_conditional_noise_scale_matches_formula_on_toy_table() -> None:
    """delta = 0: no accountant gain, so each marginal gets exactly the basic split epsilon_2 / d."""
    table = _toy_table()
    budget = make_budget(1.0, 0.0)
    model = BayesNetSynthesizer({"count_share": 0.1, "structure_share": 0.3})
    model.fit(table, budget=budget, seed=0)
    d = 3
    eps2 = (1.0 - 0.1) * (1 - 0.3)  # non-nullable public columns: no binning measurement is planned
    charges = [c for c in budget.charges if "noisy marginal" in c.note]
    assert len(charges) == d
    expected = d / eps2  # add/remove: L1 sensitivity 1 on counts, epsilon_2 / d per histogram
    assert conditional_noise_scale(d, eps2) == pytest.approx(expected)
    assert model.report_extras()["conditional_noise_scale"] == pytest.approx(expected)
    for c in charges:
        assert c.event.mechanism == "geometric"
        assert c.event.params["sensitivity"] == 1
        assert c.event.params["scale"] == pytest.approx(expected)
    assert sum(c.event.epsilon for c in budget.charges) == pytest.approx(1.0)
    assert useful_domain_limit(2000, eps2, d, 4.0) == pytest.approx(2000 * eps2 / (d * 4.0))


def test_calibration_spends_the_share_by_the_accountant_and_never_more() -> None:
    planned = [Exponential(0.05, R_SCORE_SENSITIVITY).event()] * 4 + [DiscreteLaplace(1, 0.02).event()]
    for delta in (1e-9, 1e-6, 1e-3):
        budget = make_budget(1.0, delta)
        e = calibrate_marginal_epsilon(budget, planned, 5, 0.78 / 5)
        assert e >= 0.78 / 5 * (1 - 1e-9)  # never below the basic split
        assert delta < 1e-6 or e > 1.05 * 0.78 / 5  # RDP composition leaves room above it
        events = [*planned, *[DiscreteLaplace(1, e).event()] * 5]
        assert budget.compose(events) <= 1.0
        assert budget.compose(events) == pytest.approx(1.0, rel=1e-8)
    budget = make_budget(1.0, 0.0)  # no delta: basic composition, exactly the basic split
    assert calibrate_marginal_epsilon(budget, planned, 5, 0.78 / 5) == pytest.approx(0.78 / 5, rel=1e-9)


def test_noisy_marginals_have_the_expected_variance() -> None:
    """Discrete Laplace(b) has variance 2p/(1-p)^2, p = exp(-1/b); check it on the noisy joint counts."""
    table = _toy_table(500)
    codes = np.column_stack(
        [
            pd.Categorical(table.df["a"], categories=["x", "y", "z"]).codes,
            pd.Categorical(table.df["b"], categories=["x", "y", "z"]).codes,
            table.df["c"].astype(int).to_numpy(),
        ]
    ).astype(np.int64)
    sizes = [3, 3, 2]
    network = [(0, ()), (1, (0,)), (2, (1,))]
    eps_each = 0.2
    truth = [
        np.bincount(codes[:, 0], minlength=3),
        np.bincount(codes[:, 0] * 3 + codes[:, 1], minlength=9),
        np.bincount(codes[:, 1] * 2 + codes[:, 2], minlength=6),
    ]
    errors = []
    for _ in range(60):
        budget = make_budget(1.0, 0.0)
        _, raw = noisy_conditionals(codes, sizes, network, budget=budget, epsilon_each=eps_each)
        errors.append(np.concatenate([r - t for r, t in zip(raw, truth, strict=True)]))
    err = np.concatenate(errors)  # 1080 draws
    p = np.exp(-eps_each)  # scale 1 / eps_each
    var = 2 * p / (1 - p) ** 2
    assert abs(err.mean()) < 4 * np.sqrt(var / err.size)
    # E[x^2] of 1080 Laplace-like draws: relative sd sqrt(5/1080) = 0.068; 4.5 sd (false alarm ~1e-5)
    assert np.mean(err**2) / var == pytest.approx(1.0, abs=4.5 * np.sqrt(5 / err.size))
