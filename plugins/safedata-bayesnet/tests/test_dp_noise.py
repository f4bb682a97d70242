"""Issue 22 checks for bayes_net: every noise path against its calibrated scale, the pick frequencies of the
structure search, noisy quantities across neighbouring tables, secure noise, full spend and an independent
recomputation of the step's epsilon from the charged parameters.

Statistical tests use a two-sided tolerance of 4.5 standard errors (false alarm about 7e-6 each under the
normal approximation) and enough draws that a noise scale off by a factor 1.5 falls outside it (asserted).
Expected values come from formulas written here, never from the component's own helpers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_bayesnet.discretize as discretize_module
import safedata_bayesnet.privbayes as privbayes_module
from safedata_bayesnet.discretize import build_codecs
from safedata_bayesnet.privbayes import greedy_structure, r_score
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core import Table
from safedata_core.data import Metadata, read_table
from safedata_core.privacy import NoiseSource, noisy_histogram
from safedata_core.privacy.rdp_curves import DEFAULT_ORDERS
from safedata_core.testing import make_budget

Z = 4.5


# -- independent statistics ----------------------------------------------------------------------------------
def _dl_pmf(scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Support and pmf of the discrete Laplace law P(k) proportional to exp(-|k| / scale)."""
    k = np.arange(-int(80 * scale) - 20, int(80 * scale) + 21)
    w = np.exp(-np.abs(k) / scale)
    return k, w / w.sum()


def assert_discrete_laplace(residuals: np.ndarray, scale: float) -> None:
    """Mean absolute and mean squared residual match discrete Laplace(scale).

    Power: a scale off by a factor 1.5 moves the mean absolute value by at
    least a third; the draws must be enough for that to lie 3 standard errors
    beyond the tolerance (asserted), so it is missed with probability < 0.2%.
    """
    r = np.asarray(residuals, dtype=float)
    k, pmf = _dl_pmf(scale)
    for f in (np.abs, np.square):
        m = float(np.sum(f(k) * pmf))
        se = math.sqrt(float(np.sum(f(k) ** 2 * pmf)) - m * m) / math.sqrt(r.size)
        if f is np.abs:
            assert (Z + 3) * se < m / 3, f"too few draws ({r.size}) to see a factor-1.5 scale error"
        assert abs(float(np.mean(f(r))) - m) < Z * se, (
            f"{f.__name__} of {r.size} residuals is {np.mean(f(r)):.4g}, expected {m:.4g} +- {Z * se:.2g} "
            f"for scale {scale:.4g}"
        )


class _Spy:
    """Wraps a noise function: records (exact counts, noisy output) and calls the real one."""

    def __init__(self, real: Any, histogram: bool) -> None:
        self.real, self.histogram, self.residuals = real, histogram, []  # type: list[np.ndarray]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.real(*args, **kwargs)
        if self.histogram:
            exact = np.bincount(np.asarray(args[0], dtype=np.int64), minlength=args[1])
        else:
            exact = np.asarray(args[2], dtype=float)
        self.residuals.append(np.ravel(np.asarray(out) - exact))
        return out

    def draws(self) -> np.ndarray:
        return np.concatenate(self.residuals)


# -- tables ---------------------------------------------------------------------------------------------------
def _table(n: int = 3000, seed: int = 0) -> Table:
    """Non-nullable public columns: only the numeric column needs a binning measurement."""
    rng = np.random.default_rng(seed)
    a = rng.choice(["p", "q", "r", "s"], n)
    x = np.where(a == "p", rng.integers(0, 32, n), rng.integers(16, 64, n)).astype(float)
    meta = Metadata.from_dict(
        {
            "columns": {
                "x": {"type": "integer", "bounds": [0, 63], "nullable": False},
                "a": {"type": "categorical", "categories": ["p", "q", "r", "s"], "nullable": False},
                "c": {"type": "boolean", "nullable": False},
            }
        }
    )
    return Table.from_dataframe(pd.DataFrame({"x": x, "a": a, "c": rng.random(n) < 0.3}), meta)


def _one_column(n: int) -> Table:
    meta = Metadata.from_dict({"columns": {"b": {"type": "boolean", "nullable": False}}})
    return Table.from_dataframe(pd.DataFrame({"b": np.arange(n) % 3 == 0}), meta)


# -- noise paths ----------------------------------------------------------------------------------------------
def test_fine_histograms_and_conditionals_have_the_documented_scales(monkeypatch: pytest.MonkeyPatch) -> None:
    """delta = 0 (basic composition): scales follow from the documented split alone."""
    fine = _Spy(noisy_histogram, histogram=True)
    marg = _Spy(noisy_histogram, histogram=True)
    monkeypatch.setattr(discretize_module, "noisy_histogram", fine)
    monkeypatch.setattr(privbayes_module, "noisy_histogram", marg)
    table, eps, d = _table(), 1.0, 3
    for _ in range(16):
        BayesNetSynthesizer({"bins": 8, "fine_cells": 64}).fit(table, budget=make_budget(eps, 0.0), seed=0)
    # binning_share 0.1 on the single histogram task; the conditionals get (1 - 0.02 - 0.1) * (1 - 0.3) / d each
    assert_discrete_laplace(fine.draws(), 1.0 / (0.1 * eps))
    assert_discrete_laplace(marg.draws(), d / ((1 - 0.02 - 0.1) * (1 - 0.3) * eps))


def test_conditionals_noise_matches_the_charged_scale_under_rdp(monkeypatch: pytest.MonkeyPatch) -> None:
    """delta > 0: the marginals' epsilon is raised by the accountant; the noise must follow the charge."""
    marg = _Spy(noisy_histogram, histogram=True)
    monkeypatch.setattr(privbayes_module, "noisy_histogram", marg)
    scales = set()
    for _ in range(16):
        budget = make_budget(1.0, 1e-6)
        BayesNetSynthesizer({"bins": 8, "fine_cells": 64}).fit(_table(), budget=budget, seed=0)
        scales |= {round(c.event.params["scale"], 9) for c in budget.charges if "noisy marginal" in c.note}
    (scale,) = scales
    assert scale < 3 / (0.88 * 0.7)  # more epsilon than the basic split
    assert_discrete_laplace(marg.draws(), scale)


def test_missing_counts_have_the_documented_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _Spy(discretize_module.add_noise, histogram=False)
    monkeypatch.setattr(discretize_module, "add_noise", spy)
    cols = {f"f{i}": {"type": "boolean"} for i in range(25)}  # nullable by default: one missing count each
    df = pd.DataFrame({c: np.arange(200) % 2 == 0 for c in cols})
    table = Table.from_dataframe(df, Metadata.from_dict({"columns": cols}))
    for _ in range(40):
        build_codecs(table, n_bins=4, n_fine=8, budget=make_budget(1.0, 0.0), epsilon=0.5, delta=0.0, where="t")
    assert_discrete_laplace(spy.draws(), 25 / 0.5)


def test_row_estimate_is_the_charged_noisy_count_on_neighbouring_tables() -> None:
    """Noisy row estimates of D and D + one record over many fits: right scale, shifted by one, overlapping."""
    from scipy.stats import ks_2samp

    params, eps = {"count_share": 0.9}, 0.2  # count epsilon 0.18: scale 5.56
    runs: dict[int, list[int]] = {100: [], 101: []}
    for n in runs:
        for _ in range(300):
            model = BayesNetSynthesizer(params)
            model.fit(_one_column(n), budget=make_budget(eps, 0.0), seed=0)
            est = model.estimated_rows()
            assert est is not None
            runs[n].append(est)
    a, b = np.array(runs[100]), np.array(runs[101])
    assert_discrete_laplace(np.concatenate([a - 100, b - 101]), 1 / (0.9 * eps))
    k, pmf = _dl_pmf(1 / (0.9 * eps))
    se = math.sqrt(2 * float(np.sum(k**2 * pmf)) / 300)
    assert abs((b.mean() - a.mean()) - 1.0) < Z * se
    assert ks_2samp(a, b).pvalue > 1e-4  # the two neighbours' estimates are not told apart


def test_structure_picks_follow_the_exponential_mechanism() -> None:
    """Pick frequencies of the first exponential-mechanism pick against exp(eps * F / (2 * 2))."""
    rng = np.random.default_rng(1)
    n = 400
    a = rng.integers(0, 2, n)
    codes = np.column_stack([a, np.where(rng.random(n) < 0.9, a, 1 - a), rng.integers(0, 2, n)]).astype(np.int64)
    sizes = [2, 2, 2]
    gap = r_score(codes, 1, [0], sizes) - r_score(codes, 2, [0], sizes)
    eps_pick = 1.5 * 2 * 2 / gap  # logit gap 1.5 between the two candidates after attribute 0
    counts: dict[int, np.ndarray] = {f: np.zeros(2) for f in range(3)}
    for _ in range(3000):
        budget = make_budget(100.0, 0.0)
        net = greedy_structure(codes, sizes, budget=budget, epsilon=2 * eps_pick, max_parents=1, domain_limit=1e9)
        first, (second, _) = net[0][0], net[1]
        others = [x for x in range(3) if x != first]
        counts[first][others.index(second)] += 1
    for first, c in counts.items():
        others = [x for x in range(3) if x != first]
        s = np.array([r_score(codes, x, [first], sizes) for x in others])
        w = np.exp(eps_pick * (s - s.max()) / 4.0)
        p = w / w.sum()
        se = math.sqrt(p[0] * (1 - p[0]) / c.sum())
        assert c.sum() > 850 and abs(c[0] / c.sum() - p[0]) < Z * max(se, 0.005), (first, c, p)
    # the first attribute is uniform (data independent): chi-square with 2 dof, p > 1e-5
    total = np.array([c.sum() for c in counts.values()])
    assert float(np.sum((total - 1000) ** 2 / 1000)) < 23.0


# -- secure noise, full spend, independent recomputation -----------------------------------------------------------
def _frame(model: BayesNetSynthesizer) -> pd.DataFrame:
    return model.sample(300, seed=1).df


def test_same_seed_gives_different_dp_fits_unless_noise_is_reproducible() -> None:
    table = _table(600)
    secure = [BayesNetSynthesizer({"bins": 8}) for _ in range(2)]
    for m in secure:
        m.fit(table, budget=make_budget(1.0, 1e-6), seed=4)
    assert not _frame(secure[0]).equals(_frame(secure[1]))
    assert not np.array_equal(secure[0]._codecs[0].cell_weight, secure[1]._codecs[0].cell_weight)
    firsts, rows, limits = set(), set(), set()
    for _ in range(12):  # the first attribute of the network is drawn from the noise source too
        m = BayesNetSynthesizer({"bins": 8})
        m.fit(table, budget=make_budget(1.0, 1e-6), seed=4)
        firsts.add(m.report_extras()["network_order"][0])
        rows.add(m.estimated_rows())
        limits.add(m.report_extras()["theta_domain_limit"])
    assert len(firsts) > 1
    assert len(rows) > 1  # the row estimate is the noisy count, never the exact n
    assert len(limits) > 1  # so is the n behind the degree choice
    frames = []
    for _ in range(2):
        m, budget = BayesNetSynthesizer({"bins": 8}), make_budget(1.0, 1e-6)
        budget.noise = NoiseSource.reproducible(9)
        m.fit(table, budget=budget, seed=4)
        frames.append(_frame(m))
    pd.testing.assert_frame_equal(*frames)


def _pure_rdp(eps: float) -> np.ndarray:
    a = DEFAULT_ORDERS  # randomised response is the worst eps-DP mechanism at every order
    return (np.logaddexp(a * eps, (1 - a) * eps) - np.logaddexp(0.0, eps)) / (a - 1)


def _independent_epsilon(charges: list[Any], delta: float) -> float:
    """The step's epsilon from the charged parameters with formulas written here (RDP + Balle et al. 2020)."""
    a = DEFAULT_ORDERS
    rdp, approx_eps, approx_delta, basic = np.zeros(a.shape), 0.0, 0.0, 0.0
    for c in charges:
        e, p = c.event, c.event.params
        if e.mechanism == "geometric":
            eps = p["sensitivity"] / p["scale"]
            assert e.epsilon == pytest.approx(eps, rel=1e-12)
            rdp += _pure_rdp(eps)
        elif e.mechanism == "exponential":
            eps = p["epsilon_each"]
            rdp += np.minimum(a * eps**2 / 8, _pure_rdp(eps))
        else:
            assert e.mechanism == "approx"
            approx_eps, approx_delta = approx_eps + e.epsilon, approx_delta + e.delta
        basic += e.epsilon
    converted = rdp + np.log((a - 1) / a) - (math.log(delta - approx_delta) + np.log(a)) / (a - 1)
    return min(basic, float(converted.min()) + approx_eps)


@pytest.mark.parametrize("delta", [1e-6, 0.0])
def test_adult_spends_its_whole_share_by_the_ledger_and_by_an_independent_recomputation(delta: float) -> None:
    adult = read_table("builtin:adult")
    budget = make_budget(1.0, delta)
    model = BayesNetSynthesizer()
    model.fit(adult, budget=budget, seed=0)
    spent = budget.spent().epsilon
    assert spent <= 1.0 * (1 + 1e-12)
    assert spent == pytest.approx(1.0, rel=1e-6)
    if delta > 0:
        assert _independent_epsilon(budget.charges, delta) == pytest.approx(1.0, rel=1e-6)
    else:
        assert sum(c.event.epsilon for c in budget.charges) == pytest.approx(1.0, rel=1e-6)
    out = model.sample(5000, seed=1).df
    assert not out["income"].isna().any() and set(out["income"]) <= {"<=50K", ">50K"}
    for col in ("age", "education", "sex", "race", "relationship", "capital_gain"):
        assert not out[col].isna().any(), col  # nullable by default, but the data has no missing value


def test_report_extras_hold_only_public_or_dp_values() -> None:
    table = _table(777)
    model = BayesNetSynthesizer({"bins": 8})
    model.fit(table, budget=make_budget(1.0, 1e-6), seed=0)
    extras = model.report_extras()
    assert set(extras) == {
        "network_edges",
        "network_order",
        "mode",
        "epsilon_split",
        "theta_domain_limit",
        "conditional_noise_scale",
        "degree",
    }
    numbers = [v for v in _numbers(extras)]
    assert 777 not in numbers and 777.0 not in numbers  # the exact row count is nowhere
    assert not model._metadata.columns["x"].nullable  # declared non-nullable stays so


def _numbers(obj: Any) -> list[float]:
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _numbers(v)]
    if isinstance(obj, list | tuple):
        return [x for v in obj for x in _numbers(v)]
    return [obj] if isinstance(obj, int | float) and not isinstance(obj, bool) else []
