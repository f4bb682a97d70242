"""Every selection step of mst and aim against its exact probabilities (pick frequencies), and its scores.

Pick-frequency tests run the component's own selection code many times with
fresh budget shares (secure noise) and compare the observed counts with the
exact exponential-mechanism / thresholding probabilities, computed here from
the papers' formulas. Chi-square / binomial tests at a false-alarm rate of 1e-6;
3,000 picks make a factor 2 error in the score scale (or in epsilon) hundreds
of standard errors away.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from safedata_marginal.aim import AIMSynthesizer, choose_round, round_scores, workload_weights
from safedata_marginal.base import FitContext
from safedata_marginal.mst import MSTSynthesizer, edge_scores, select_tree
from safedata_marginal.pgm import Measurement
from scipy import stats

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

FALSE_ALARM = 1e-6


def _ctx() -> FitContext:
    return FitContext("test", make_budget(50.0, 1e-5))


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


def test_mst_edge_picks_follow_the_exponential_mechanism() -> None:
    """Three columns, two Kruskal picks: P(first, second) = EM(all pairs) x EM(pairs left), score sensitivity 1."""
    pairs = [(0, 1), (0, 2), (1, 2)]
    scores = np.array([0.0, 2.0, 4.0])
    eps = 1.0
    outcomes = list(itertools.permutations(range(3), 2))
    expected = np.zeros(len(outcomes))
    first = _softmax(eps * scores / 2.0)
    for i, (a, b) in enumerate(outcomes):
        rest = [k for k in range(3) if k != a]
        second = _softmax(eps * scores[rest] / 2.0)
        expected[i] = first[a] * second[rest.index(b)]
    runs = 3000
    seen = np.zeros(len(outcomes))
    for _ in range(runs):
        edges = select_tree(_ctx(), 3, pairs, scores, eps)
        seen[outcomes.index((pairs.index(edges[0]), pairs.index(edges[1])))] += 1
    assert stats.chisquare(seen, expected * runs).pvalue > FALSE_ALARM, (seen / runs, expected)


def test_aim_round_picks_follow_the_exponential_mechanism() -> None:
    """P(r) ~ exp(eps * q_r / (2 * max weight)), q_r = w_r * (error_r - sqrt(2 / pi) * sigma * cells_r) (AIM)."""
    errors, weights, cells = np.array([10.0, 30.0, 50.0]), np.array([1.0, 2.0, 3.0]), np.array([4.0, 6.0, 9.0])
    sigma, eps = 2.0, 0.1
    q = weights * (errors - math.sqrt(2.0 / math.pi) * sigma * cells)
    expected = _softmax(eps * q / (2.0 * weights.max()))
    runs = 3000
    seen = np.bincount(
        [choose_round(_ctx(), errors, weights, cells, sigma, eps, weights.max(), note="t") for _ in range(runs)],
        minlength=3,
    )
    assert stats.chisquare(seen, expected * runs).pvalue > FALSE_ALARM, (seen / runs, expected)
    assert round_scores(errors, weights, cells, sigma) == pytest.approx(q)


def _discrete_laplace_tail(scale: float, m: int) -> float:
    """P[Z >= m] for P(k) ~ exp(-|k| / scale), by summing the pmf."""
    k = np.arange(-4000, 4001)
    pmf = np.exp(-np.abs(k) / scale)
    pmf /= pmf.sum()
    return float(pmf[k >= m].sum())


def test_category_selection_keeps_each_category_with_its_exact_probability() -> None:
    """A categorical column without declared categories: kept iff count + DL(1/eps_c) >= tau.

    eps_c = 5 % of the step's epsilon, delta_c = half its delta (one such column);
    tau is the smallest integer with P[1 + Z >= tau] <= delta_c (dp_select_categories' rule).
    """
    epsilon, delta = 2.0, 1e-5
    eps_c, delta_c = 0.05 * epsilon, 0.5 * delta
    tau = next(t for t in range(1, 10_000) if _discrete_laplace_tail(1.0 / eps_c, t - 1) <= delta_c)
    counts = {"a": tau, "b": tau - 8, "c": tau + 10}
    values = np.concatenate([[k] * v for k, v in counts.items()])
    table = Table.from_dataframe(pd.DataFrame({"c": values}), Metadata(columns={"c": ColumnMeta(type="categorical")}))
    runs = 1200
    kept = {k: 0 for k in counts}
    for _ in range(runs):
        ctx = FitContext("mst", make_budget(epsilon, delta))
        for label in MSTSynthesizer()._private_labels(table, ctx)["c"]:
            kept[label] += 1
    for label, count in counts.items():
        p = _discrete_laplace_tail(1.0 / eps_c, tau - count)
        assert stats.binomtest(kept[label], runs, p).pvalue > FALSE_ALARM / 3, (label, kept[label] / runs, p)


def test_edge_scores_are_the_l1_gap_to_the_noisy_independence_model() -> None:
    rng = np.random.default_rng(0)
    dom = [2, 3, 4]
    codes = np.stack([rng.integers(0, k, 500) for k in dom], axis=1)
    # noisy 1-way answers whose totals differ from the exact n = 500
    oneway = [
        Measurement((0,), np.array([260.0, 251.0]), np.full(1, 1 / 3.0)),
        Measurement((1,), np.array([170.0, 160.0, 180.0]), np.full(1, 1 / 2.0)),
        Measurement((2,), np.array([120.0, -4.0, 130.0, 240.0]), np.full(1, 1 / 4.0)),
    ]
    var = np.array([2 * 9.0, 3 * 4.0, 4 * 16.0])
    totals = np.array([511.0, 510.0, 486.0])
    n_hat = np.sum(totals / var) / np.sum(1 / var)
    pairs, scores = edge_scores(codes, dom, oneway)
    assert pairs == [(0, 1), (0, 2), (1, 2)]
    for (a, b), score in zip(pairs, scores, strict=True):
        joint = np.zeros((dom[a], dom[b]))
        np.add.at(joint, (codes[:, a], codes[:, b]), 1)
        pa, pb = (np.clip(oneway[i].y, 0, None) / np.clip(oneway[i].y, 0, None).sum() for i in (a, b))
        assert score == pytest.approx(np.abs(joint - n_hat * np.outer(pa, pb)).sum())


def test_workload_weights_count_coverage_and_aim_charges_the_largest() -> None:
    workload = list(itertools.combinations(range(4), 3))
    weights = workload_weights(workload, 3)
    for size in (1, 2, 3):
        for c in itertools.combinations(range(4), size):
            assert weights[c] == size * sum(1 for w in workload if set(c) <= set(w))
    assert max(weights.values()) == 4.0  # a pair lies in two triples
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.integers(0, 3, 300) for i in range(4)})
    meta = Metadata(columns={c: ColumnMeta(type="integer", bounds=(0, 2)) for c in df.columns})
    budget = make_budget(1.0, 1e-5)
    AIMSynthesizer({"max_rounds": 3, "round_iters": 5, "final_iters": 10, "progress": False}).fit(
        Table.from_dataframe(df, meta), budget=budget, seed=0
    )
    picks = [e for e in budget.events() if e.mechanism == "exponential"]
    assert picks and all(e.params["sensitivity"] == 4.0 for e in picks)
