"""DP primitives: correct charges, correct values at large epsilon, correct noise, one-line errors."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from safedata_core.errors import DataError, PrivacyBudgetError
from safedata_core.privacy import (
    Gaussian,
    Laplace,
    NoiseSource,
    PrivacyEvent,
    dp_bin_edges,
    dp_covariance,
    dp_mean,
    dp_quantiles,
    dp_second_moments,
    dp_select_categories,
    gaussian_multiplier,
    gaussian_noisy_counts,
    noisy_histogram,
    nonnegative_counts,
    nonnegative_normalise,
)
from safedata_core.privacy.noising import gaussian_event_epsilon
from safedata_core.privacy.primitives import selection_threshold
from safedata_core.privacy.samplers import discrete_gaussian, discrete_laplace
from safedata_core.testing.contracts import make_budget


def _kinds(budget) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.event.mechanism for c in budget.charges]


@pytest.mark.parametrize("mechanism", ["laplace", "geometric", "gaussian"])
def test_noisy_histogram(mechanism: str) -> None:
    codes = np.repeat(np.arange(5), [10, 0, 3, 7, 1])
    budget = make_budget(1.0, 1e-5)
    big = make_budget(1e6, 1e-5)
    out = noisy_histogram(codes, 5, budget=big, epsilon=1e5, mechanism=mechanism, delta=1e-6)
    np.testing.assert_allclose(out, [10, 0, 3, 7, 1], atol=0.01)
    assert _kinds(big) == ["discrete_gaussian" if mechanism == "gaussian" else "geometric"]
    # noise distribution of the real thing (1 cell, many cells = many draws): exact integers at the scale
    many = noisy_histogram(np.zeros(0, dtype=int), 100_000, budget=budget, epsilon=0.5, mechanism=mechanism, delta=5e-6)
    assert np.all(many == np.rint(many))
    if mechanism == "gaussian":
        sigma = gaussian_multiplier(0.5, 5e-6)
        assert budget.charges[0].event.params["noise_multiplier"] == pytest.approx(sigma)
        assert many.var() == pytest.approx(sigma**2, rel=0.03)
    else:
        assert many.var() == pytest.approx(2 * math.exp(-0.5) / (1 - math.exp(-0.5)) ** 2, rel=0.03)


def test_noisy_histogram_errors() -> None:
    with pytest.raises(DataError, match=r"\[0, 3\)"):
        noisy_histogram(np.array([0, 3]), 3, budget=make_budget(), epsilon=1.0, rng=np.random.default_rng(0))
    with pytest.raises(PrivacyBudgetError, match="delta"):
        noisy_histogram(
            np.array([0]), 3, budget=make_budget(), epsilon=1.0, rng=np.random.default_rng(0), mechanism="gaussian"
        )
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        noisy_histogram(np.array([0]), 3, budget=make_budget(1.0), epsilon=2.0, rng=np.random.default_rng(0))


def test_gaussian_noisy_counts_charges_noise_multiplier() -> None:
    budget = make_budget(2.0, 1e-5)
    out = gaussian_noisy_counts(np.zeros(50_000), sigma=8.0, budget=budget)
    assert np.all(out == np.rint(out)) and out.var() == pytest.approx(64.0, rel=0.03)
    (c,) = budget.charges
    assert c.event.mechanism == "discrete_gaussian" and c.event.params["noise_multiplier"] == 8.0
    # many of them compose well below the naive sum thanks to RDP
    for _ in range(5):
        gaussian_noisy_counts(np.zeros(3), sigma=8.0, budget=budget)
    assert budget.spent().epsilon < 6 * c.event.epsilon


def test_dp_quantiles_and_bins() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, 20_000)
    budget = make_budget(10.0)
    qs = dp_quantiles(x, [0.25, 0.5, 0.75], bounds=(0, 100), budget=budget, epsilon=3.0, rng=rng)
    np.testing.assert_allclose(qs, [25, 50, 75], atol=1.5)
    assert budget.charges[0].event.count == 3
    assert budget.charges[0].event.params["epsilon_each"] == pytest.approx(1.0)
    edges = dp_bin_edges(x, 4, bounds=(0, 100), budget=budget, epsilon=3.0, rng=rng)
    assert edges[0] == 0 and edges[-1] == 100 and np.all(np.diff(edges) > 0) and len(edges) == 5
    assert _kinds(budget) == ["exponential", "exponential"]
    # with values outside the bounds and NaN: clipped/dropped, output stays inside the bounds
    q = dp_quantiles(np.array([np.nan, -5, 500, 3]), [0.5], bounds=(0, 10), budget=make_budget(), epsilon=0.5, rng=rng)
    assert 0 <= q[0] <= 10


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_dp_quantile_distribution_is_the_exponential_mechanism() -> None:
    # for data [lo, ..] with one interior point the selection probability of each gap is known exactly
    x = np.array([2.0])
    rng = np.random.default_rng(4)
    draws = np.array(
        [dp_quantiles(x, [0.5], bounds=(0, 10), budget=make_budget(), epsilon=1.0, rng=rng)[0] for _ in range(3000)]
    )
    w = np.array([2.0, 8.0])  # gaps [0,2] and [2,10], utilities -0.5 and -0.5
    p_left = w[0] / w.sum()
    assert abs((draws < 2).mean() - p_left) < 3 * math.sqrt(p_left * (1 - p_left) / 3000) + 1e-3


def test_dp_select_categories_threshold() -> None:
    vals = np.array(["a"] * 200 + ["b"] * 1 + [None] * 5, dtype=object)
    budget = make_budget(1.0, 1e-5)
    cats = dp_select_categories(vals, budget=budget, epsilon=1.0, delta=1e-6)
    assert cats == ["a"]
    (c,) = budget.charges
    assert c.event.mechanism == "approx" and c.event.delta == 1e-6
    # independent derivation: a category held by one record (count 1) is released iff 1 + Z >= tau,
    # P = p^(tau-1) / (1+p) for discrete Laplace with p = e^-eps; tau is the smallest integer making it <= delta
    p = math.exp(-1.0)
    tau = c.event.params["threshold"]
    assert p ** (tau - 1) / (1 + p) <= 1e-6 < p ** (tau - 2) / (1 + p)
    with pytest.raises(PrivacyBudgetError, match="delta"):
        dp_select_categories(vals, budget=budget, epsilon=0.1, delta=0.0)


def test_dp_select_categories_release_frequency_matches_the_noise() -> None:
    # 3000 categories each held by tau-1 records: each is released iff Z >= 1, P = p / (1 + p)
    eps, delta = 1.0, 1e-3
    tau = selection_threshold(eps, delta)
    vals = np.repeat(np.arange(3000).astype(str), tau - 1)
    kept = len(dp_select_categories(vals, budget=make_budget(1.0, 1e-2), epsilon=eps, delta=delta))
    p = math.exp(-eps)
    expected = p / (1 + p)
    assert abs(kept / 3000 - expected) < 5 * math.sqrt(expected * (1 - expected) / 3000)


def test_dp_mean_and_covariance() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(40, 5, 50_000)
    budget = make_budget(2.0, 1e-5)
    m = dp_mean(x, bounds=(0, 100), budget=budget, epsilon=1.0)
    assert m == pytest.approx(40, abs=0.5)
    assert _kinds(budget) == ["geometric", "geometric"]
    sum_event, count_event = (c.event for c in budget.charges)
    assert sum_event.params["real_sensitivity"] == 50.0 and sum_event.epsilon == 0.5
    assert count_event.params == {"sensitivity": 1, "scale": 2.0}
    X = rng.multivariate_normal([0, 0, 0], [[1, 0.5, 0], [0.5, 2, -0.3], [0, -0.3, 1]], 50_000)
    cov = dp_covariance(X, clip_norm=8.0, budget=budget, epsilon=0.9, delta=1e-5)
    np.testing.assert_allclose(cov, [[1, 0.5, 0], [0.5, 2, -0.3], [0, -0.3, 1]], atol=0.15)
    assert np.all(np.linalg.eigvalsh(cov) >= -1e-12)
    assert budget.spent().epsilon <= 2.0 + 1e-9
    with pytest.raises(DataError, match="NaN"):
        dp_covariance(np.array([[np.nan, 1.0]]), clip_norm=1, budget=make_budget(), epsilon=0.1, delta=1e-6)


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_dp_mean_sum_noise_has_the_calibrated_scale() -> None:
    # all values at the midpoint: the centred sum is 0, so the output's spread is the sum noise / n
    n, half, e = 100, 1000.0, 1.0
    outs = np.array(
        [dp_mean(np.zeros(n), bounds=(-half, half), budget=make_budget(2.0), epsilon=2 * e) for _ in range(1500)]
    )
    # Var(noisy_sum / noisy_n) ~ Var(Laplace(half/e)) / n^2 = 2 (half/e)^2 / n^2 (count noise only scales it by ~1)
    expected = 2 * (half / e) ** 2 / n**2
    ratio = outs.var() / expected
    assert 0.75 < ratio < 1.35  # a halved (or 1.5x) noise scale gives 0.25 (2.25)


def test_dp_covariance_noise_matches_the_sqrt3_sensitivity() -> None:
    # a record changes the upper triangle of X^T X / C^2 by ||x||^2 <= 1, the sums by ||x|| <= 1 and the count by 1:
    # L2 sensitivity sqrt(1 + 1 + 1). With all-zero rows the released second moments are pure noise.
    eps, delta = 1.0, 1e-5
    sigma = gaussian_multiplier(eps, delta) * math.sqrt(1 + 1 + 1)
    budget = make_budget(1.0, 1e-5)
    S, s1, _ = dp_second_moments(np.zeros((100, 40)), clip_norm=1.0, budget=budget, epsilon=eps, delta=delta)
    (c,) = budget.charges
    assert c.event.params["sigma"] == pytest.approx(sigma) and c.event.params["noise_multiplier"] == pytest.approx(
        sigma / math.sqrt(3)
    )
    noise = np.concatenate([S[np.triu_indices(40)], s1])  # 860 + 40 draws
    ratio = noise.var() / sigma**2
    assert 0.8 < ratio < 1.25  # sensitivity 1 instead of sqrt(3) gives 1/3


def test_nonnegative_normalise() -> None:
    np.testing.assert_allclose(nonnegative_normalise(np.array([-1.0, 1.0, 3.0])), [0, 0.25, 0.75])
    np.testing.assert_allclose(nonnegative_normalise(np.array([-1.0, -2.0])), [0.5, 0.5])


# -- exact replays, charges and messages (cheap; written for mutation testing) ---------------------------
#
# With a reproducible-test noise source the primitives' noise can be replayed from the documented recipe
# (which sampler, which scale, in which order); the samplers themselves are checked in test_samplers.py.


def _share(eps: float = 10.0, delta: float = 1e-5, seed: int = 4):  # type: ignore[no-untyped-def]
    share = make_budget(eps, delta, step="fit", component="comp")
    share.noise = NoiseSource.reproducible(seed)
    return share


def _rng(seed: int = 4) -> np.random.Generator:
    return NoiseSource.reproducible(seed).generator


def _msg(text: str) -> str:
    return "^" + re.escape(text) + "$"


def test_noisy_histogram_laplace_replay_and_charge() -> None:
    share = _share()
    codes = np.array([0, 2, 2, 4, 2, 0], dtype=np.int32)
    out = noisy_histogram(codes, 5, budget=share, epsilon=0.5, note="h", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, np.array([2, 0, 3, 0, 1]) + discrete_laplace(2.0, 5, _rng()))
    (c,) = share.charges
    assert c.event == PrivacyEvent("geometric", 0.5, 0.0, 1, {"sensitivity": 1, "scale": 2.0}) and c.note == "h"
    share = _share()
    geo = noisy_histogram(codes, 5, budget=share, epsilon=0.5, mechanism="geometric")
    np.testing.assert_array_equal(geo, out)
    assert share.charges[0].note == ""
    empty = noisy_histogram(np.zeros(0, dtype=int), 3, budget=_share(), epsilon=1.0)
    np.testing.assert_array_equal(empty, discrete_laplace(1.0, 3, _rng()))


def test_noisy_histogram_gaussian_replay_and_charge() -> None:
    share = _share(10.0, 1e-4)
    codes = np.array([1, 1, 0])
    out = noisy_histogram(codes, 3, budget=share, epsilon=2.0, mechanism="gaussian", delta=1e-5, note="g")
    sigma = gaussian_multiplier(2.0, 1e-5)
    np.testing.assert_array_equal(out, np.array([1, 2, 0]) + discrete_gaussian(sigma, 3, _rng()))
    (c,) = share.charges
    params = {"noise_multiplier": sigma, "sigma": sigma, "sensitivity": 1.0, "changed": 1}
    assert c.event == PrivacyEvent("discrete_gaussian", gaussian_event_epsilon(sigma, 1e-5), 1e-5, 1, params)
    assert c.note == "g"


def test_noisy_histogram_messages() -> None:
    with pytest.raises(
        PrivacyBudgetError, match=_msg("noisy_histogram (histogram): epsilon=0.0 must be a finite number > 0")
    ):
        noisy_histogram(np.array([0]), 2, budget=_share(), epsilon=0.0)
    text = "noisy_histogram (ages): codes must be integers in [0, 3); encode values with the public domain"
    for codes in (np.array([0, 3]), np.array([-1, 0]), np.array([0.0, 1.0])):
        with pytest.raises(DataError, match=_msg(text)):
            noisy_histogram(codes, 3, budget=_share(), epsilon=1.0, note="ages")
    text = "noisy_histogram (histogram): the gaussian mechanism needs delta > 0; pass delta=... or use laplace"
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        noisy_histogram(np.array([0]), 2, budget=_share(), epsilon=1.0, mechanism="gaussian")
    text = "noisy_histogram (histogram): unknown mechanism 'exp'; choose laplace, geometric or gaussian"
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        noisy_histogram(np.array([0]), 2, budget=_share(), epsilon=1.0, mechanism="exp")
    assert noisy_histogram(np.array([2]), 3, budget=_share(), epsilon=1.0).shape == (3,)  # the last cell is valid


def test_gaussian_noisy_counts_replay_charge_and_delta() -> None:
    share = _share(10.0, 1e-4)
    out = gaussian_noisy_counts(np.array([3.0, 0.0, 7.0]), sigma=4.0, budget=share, delta=1e-5, note="m")
    np.testing.assert_array_equal(out, np.array([3.0, 0.0, 7.0]) + discrete_gaussian(4.0, 3, _rng()))
    (c,) = share.charges
    params = {"noise_multiplier": 4.0, "sigma": 4.0, "sensitivity": 1.0, "changed": 1}
    assert c.event == PrivacyEvent("discrete_gaussian", gaussian_event_epsilon(4.0, 1e-5), 1e-5, 1, params)
    assert c.note == "m"
    # fractional counts: on the public grid of one changed coordinate
    share = _share(10.0, 1e-4)
    x = np.array([0.5, 2.25])
    out = gaussian_noisy_counts(x, sigma=4.0, budget=share)
    g, sigma_grid = Gaussian(4.0, 1.0, changed=1)._plan(2)
    np.testing.assert_array_equal(out, (np.rint(x / g) + discrete_gaussian(sigma_grid, 2, _rng())) * g)
    (c,) = share.charges
    assert c.event.delta == 1e-4 and c.event.params["grid"] == g and c.note == ""  # the share's delta by default
    gaussian_noisy_counts(x, sigma=4.0, budget=share, delta=1e-6, note="frac")
    assert share.charges[1].event.delta == 1e-6 and share.charges[1].note == "frac"
    assert share.charges[1].event.epsilon == gaussian_event_epsilon(4.0, 1e-6)
    gaussian_noisy_counts(np.zeros(2), sigma=4.0, budget=share, delta=1e-4)  # exactly the share's delta is fine
    text = (
        "step 'fit': gaussian_noisy_counts (counts) needs 0 < delta <= the share's delta (0.0001); "
        "set the step's privacy delta"
    )
    for bad in (0.0, 2e-4):
        with pytest.raises(PrivacyBudgetError, match=_msg(text)):
            gaussian_noisy_counts(np.zeros(2), sigma=4.0, budget=share, delta=bad)
    with pytest.raises(
        PrivacyBudgetError, match=_msg("gaussian_noisy_counts (c): sigma=0.0 must be a finite number > 0")
    ):
        gaussian_noisy_counts(np.zeros(2), sigma=0.0, budget=share, note="c")


def _em_replay(x: np.ndarray, q: np.ndarray, lo: float, hi: float, eps: float, rng: np.random.Generator) -> np.ndarray:
    """The exponential-mechanism quantile recipe of the docstring, written out gap by gap."""
    xs = sorted(float(v) for v in x)
    edges = [lo, *xs, hi]
    n = len(xs)
    g = rng.gumbel(size=(q.size, n + 1))
    u = rng.uniform(size=q.size)
    out = []
    for j, level in enumerate(q):
        scores = []
        for i in range(n + 1):
            width = edges[i + 1] - edges[i]
            scores.append((math.log(width) if width > 0 else -math.inf) - eps * abs(i - level * n) / 2 + g[j, i])
        i = int(np.argmax(scores))
        out.append(edges[i] + u[j] * (edges[i + 1] - edges[i]))
    return np.sort(out)


def test_dp_quantiles_replay_and_charge() -> None:
    x = np.array([5.0, -3.0, np.nan, 2.0, 2.0, 40.0, 7.5, 9.0])
    qs = [0.9, 0.1, 0.5]
    clean = np.array([5.0, 0.0, 2.0, 2.0, 10.0, 7.5, 9.0])
    for eps in (0.3, 3.0, 30.0):
        share = _share(100.0)
        out = dp_quantiles(x, qs, bounds=(0, 10), budget=share, epsilon=eps, note="age")
        np.testing.assert_array_equal(out, _em_replay(clean, np.array(qs), 0.0, 10.0, eps / 3, _rng()))
        (c,) = share.charges
        assert c.event == PrivacyEvent("exponential", eps, 0.0, 3, {"epsilon_each": eps / 3, "sensitivity": 1.0})
        assert c.note == "age"
    # many draws at an epsilon where the utility term and the gap widths both matter; ties (empty gaps)
    # raise no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for seed in range(25):
            out = dp_quantiles(x, qs, bounds=(0, 10), budget=_share(100.0, seed=seed), epsilon=6.0)
            np.testing.assert_array_equal(out, _em_replay(clean, np.array(qs), 0.0, 10.0, 2.0, _rng(seed)))
    share = _share()
    assert dp_quantiles(x, [], bounds=(0, 10), budget=share, epsilon=1.0).shape == (0,) and share.charges == []
    ends = dp_quantiles(x, [0.0, 1.0], bounds=(0, 10), budget=_share(), epsilon=1.0)
    assert ends.shape == (2,) and np.all((ends >= 0) & (ends <= 10))


def test_dp_quantiles_and_bin_edges_messages() -> None:
    with pytest.raises(
        PrivacyBudgetError, match=_msg("dp_quantiles (values): epsilon=-1.0 must be a finite number > 0")
    ):
        dp_quantiles(np.zeros(3), [0.5], bounds=(0, 1), budget=_share(), epsilon=-1.0)
    for bounds in ((1, 1), (2, 1), (0, math.inf), (math.nan, 1)):
        text = f"dp_quantiles (w): bounds={bounds!r} must be two finite public numbers lo < hi"
        with pytest.raises(DataError, match=_msg(text)):
            dp_quantiles(np.zeros(3), [0.5], bounds=bounds, budget=_share(), epsilon=1.0, note="w")
    text = "dp_quantiles (values): quantile levels must be in [0, 1], got [0.5, 1.5]"
    with pytest.raises(DataError, match=_msg(text)):
        dp_quantiles(np.zeros(3), [0.5, 1.5], bounds=(0, 1), budget=_share(), epsilon=1.0)
    with pytest.raises(DataError, match=re.escape("got [-0.1]")):
        dp_quantiles(np.zeros(3), [-0.1], bounds=(0, 1), budget=_share(), epsilon=1.0)
    with pytest.raises(
        DataError, match=_msg("dp_bin_edges (values): bounds=(3, 3) must be two finite public numbers lo < hi")
    ):
        dp_bin_edges(np.zeros(3), 2, bounds=(3, 3), budget=_share(), epsilon=1.0)
    with pytest.raises(DataError, match=_msg("dp_bin_edges (b): n_bins=0 must be >= 1")):
        dp_bin_edges(np.zeros(3), 0, bounds=(0, 1), budget=_share(), epsilon=1.0, note="b")


def test_dp_bin_edges_replay() -> None:
    share = _share()
    assert dp_bin_edges(np.zeros(3), 1, bounds=(0, 4), budget=share, epsilon=1.0).tolist() == [0.0, 4.0]
    assert share.charges == []  # one bin needs no quantile
    x = np.array([0.5, 1.0, 1.5, 3.0, 3.5])
    out = dp_bin_edges(x, 4, bounds=(0, 4), budget=share, epsilon=3.0, note="b")
    inner = _em_replay(x, np.array([0.25, 0.5, 0.75]), 0.0, 4.0, 1.0, _rng())
    np.testing.assert_array_equal(out, np.unique(np.concatenate([[0.0], inner, [4.0]])))
    (c,) = share.charges
    assert c.event.count == 3 and c.event.epsilon == 3.0 and c.note == "b"


def test_dp_select_categories_replay_charge_and_messages() -> None:
    eps, delta = 0.5, 1e-4
    tau = selection_threshold(eps, delta)
    # counts in decreasing order: tau + 40, tau, tau - 1, 1 (a record's only category)
    counts = {"x": tau + 40, "y": tau, "z": tau - 1, "w": 1}
    vals = np.array([k for k, n in counts.items() for _ in range(n)] + [None, np.nan], dtype=object)
    share = _share(5.0, 1e-3)
    got = dp_select_categories(vals, budget=share, epsilon=eps, delta=delta, note="city")
    noisy = np.array(list(counts.values())) + discrete_laplace(1 / eps, 4, _rng())
    assert got == sorted(k for k, v in zip(counts, noisy, strict=True) if v >= tau)
    (c,) = share.charges
    params = {"mechanism_detail": "discrete_laplace_threshold", "scale": 1 / eps, "threshold": tau}
    assert c.event == PrivacyEvent("approx", eps, delta, 1, params) and c.note == "city"
    # numbers are categories too (as strings); NaN is missing
    assert dp_select_categories(np.array([1.5] * 200), budget=_share(5.0, 1e-3), epsilon=1.0, delta=delta) == ["1.5"]
    with pytest.raises(
        PrivacyBudgetError, match=_msg("dp_select_categories (values): epsilon=0.0 must be a finite number > 0")
    ):
        dp_select_categories(vals, budget=_share(), epsilon=0.0, delta=delta)
    for bad in (0.0, 1.0):
        text = f"dp_select_categories (c): delta={bad!r}; thresholding needs 0 < delta < 1"
        with pytest.raises(PrivacyBudgetError, match=_msg(text)):
            dp_select_categories(vals, budget=_share(), epsilon=1.0, delta=bad, note="c")


def test_selection_threshold_values() -> None:
    for eps, delta in ((1.0, 1e-6), (0.1, 1e-5), (2.0, 0.3), (0.5, 1e-9)):
        p = math.exp(-eps)
        tau = selection_threshold(eps, delta)
        assert p ** (tau - 1) / (1 + p) <= delta  # releasing a count-1 category is at most delta likely
        assert tau == 1 or p ** (tau - 2) / (1 + p) > delta  # and tau is the smallest such threshold
    assert selection_threshold(1.0, 0.9) == 1  # a huge delta needs no threshold above one record
    assert selection_threshold(1.0, 1e-6) == 15 and selection_threshold(0.1, 1e-5) == 110


def test_dp_mean_replay_and_charges() -> None:
    x = np.array([1.0, 4.0, np.nan, 12.0, -3.0])
    for note, sum_note, count_note in (("age", "age sum", "age count"), ("", "sum", "count")):
        share = _share()
        out = dp_mean(x, bounds=(0, 10), budget=share, epsilon=1.0, note=note)
        clean = np.array([1.0, 4.0, 10.0, 0.0])
        rng = _rng()
        g, sens_int = Laplace(5.0, 0.5, changed=1)._plan(1)
        noisy_sum = (np.rint(np.sum(clean - 5.0) / g) + discrete_laplace(sens_int / 0.5, (), rng)) * g
        noisy_n = 4 + discrete_laplace(2.0, (), rng)
        assert out == float(np.clip(5.0 + noisy_sum / max(float(noisy_n), 1.0), 0, 10))
        s, n = share.charges
        assert s.note == sum_note and n.note == count_note
        assert s.event.params == {"sensitivity": sens_int, "scale": sens_int / 0.5, "grid": g, "real_sensitivity": 5.0}
        assert s.event.epsilon == 0.5 and n.event == PrivacyEvent(
            "geometric", 0.5, 0.0, 1, {"sensitivity": 1, "scale": 2.0}
        )
    with pytest.raises(PrivacyBudgetError, match=_msg("dp_mean (values): epsilon=0.0 must be a finite number > 0")):
        dp_mean(x, bounds=(0, 10), budget=_share(), epsilon=0.0)
    with pytest.raises(DataError, match=_msg("dp_mean (v): bounds=(10, 0) must be two finite public numbers lo < hi")):
        dp_mean(x, bounds=(10, 0), budget=_share(), epsilon=1.0, note="v")


def test_dp_mean_divides_by_the_noisy_count_floored_at_one() -> None:
    # one value at a huge epsilon: the noisy count is 1 and the mean is the value itself
    share = _share(1e7)
    assert dp_mean(np.array([3.0]), bounds=(0, 10), budget=share, epsilon=1e6) == pytest.approx(3.0, abs=1e-3)
    # values given as objects with None: None is missing
    out = dp_mean(np.array([3.0, None], dtype=object), bounds=(0, 10), budget=_share(1e7), epsilon=1e6)
    assert out == pytest.approx(3.0, abs=1e-3)
    q = dp_quantiles(np.array([3.0, None], dtype=object), [0.5], bounds=(0, 10), budget=_share(), epsilon=1.0)
    assert 0 <= q[0] <= 10


def test_dp_mean_of_nothing_stays_in_bounds() -> None:
    # no values: the noisy count may be <= 0; the mean divides by at least 1 and is clipped to the bounds
    outs = [dp_mean(np.zeros(0), bounds=(-1, 3), budget=_share(seed=s), epsilon=0.2) for s in range(30)]
    assert all(-1 <= o <= 3 for o in outs) and len(set(outs)) > 1


def test_dp_second_moments_replay() -> None:
    eps, delta, clip = 2.0, 1e-5, 2.0
    X = np.array([[1.0, 0.0], [3.0, 4.0], [0.0, -1.0]])  # the second row has norm 5: clipped to 2
    share = _share(10.0, 1e-5)
    S, s1, n = dp_second_moments(X, clip_norm=clip, budget=share, epsilon=eps, delta=delta, note="cov")
    A = np.array([[0.5, 0.0], [0.6, 0.8], [0.0, -0.5]])  # rows clipped to norm 2, then divided by 2
    exact = np.array([A[:, 0] @ A[:, 0], A[:, 0] @ A[:, 1], A[:, 1] @ A[:, 1], *A.sum(axis=0), 3.0])
    sigma = gaussian_multiplier(eps, delta) * math.sqrt(3)
    g, sigma_grid = Gaussian(sigma, math.sqrt(3), delta)._plan(6)
    noisy = (np.rint(exact / g) + discrete_gaussian(sigma_grid, 6, _rng())) * g
    np.testing.assert_array_equal(S, [[noisy[0], noisy[1]], [noisy[1], noisy[2]]])
    np.testing.assert_array_equal(s1, noisy[3:5])
    assert n == max(noisy[5], 2.0)
    (c,) = share.charges
    assert c.note == "cov" and c.event.params["sigma"] == sigma and c.event.params["sensitivity"] == math.sqrt(3)
    assert c.event.delta == delta


def test_dp_second_moments_small_clip_and_event_delta() -> None:
    # clip norm below 1: a row of norm 0.8 is scaled by 0.5 / 0.8, a row of norm 0.3 is kept
    eps, delta, clip = 2.0, 1e-6, 0.5
    X = np.array([[0.0, 0.8], [0.3, 0.0]])
    share = _share(10.0, 1e-4)
    S, s1, _ = dp_second_moments(X, clip_norm=clip, budget=share, epsilon=eps, delta=delta)
    A = np.array([[0.0, 1.0], [0.6, 0.0]])  # clipped rows divided by the clip norm
    exact = np.array([0.36, 0.0, 1.0, 0.6, 1.0, 2.0])
    np.testing.assert_allclose(exact[:3], [A[:, 0] @ A[:, 0], A[:, 0] @ A[:, 1], A[:, 1] @ A[:, 1]])
    sigma = gaussian_multiplier(eps, delta) * math.sqrt(3)
    g, sigma_grid = Gaussian(sigma, math.sqrt(3), delta)._plan(6)
    noisy = (np.rint(exact / g) + discrete_gaussian(sigma_grid, 6, _rng())) * g
    np.testing.assert_array_equal(S, [[noisy[0], noisy[1]], [noisy[1], noisy[2]]])
    np.testing.assert_array_equal(s1, noisy[3:5])
    (c,) = share.charges
    assert c.event.delta == delta and c.note == ""  # the caller's delta, not the share's
    assert c.event.epsilon == gaussian_event_epsilon(sigma / math.sqrt(3), delta)
    share = _share(1e7, 1e-3)
    dp_covariance(X, clip_norm=clip, budget=share, epsilon=1e6, delta=1e-4, note="cov")
    assert share.charges[0].note == "cov"


def test_dp_covariance_at_huge_epsilon_is_the_clipped_covariance() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (400, 3)) * [1.0, 2.0, 0.5]
    X[0] = [30.0, 0.0, 0.0]  # one outlier, clipped to norm 6
    C = 6.0
    cov = dp_covariance(X, clip_norm=C, budget=_share(1e7, 1e-3), epsilon=1e6, delta=1e-4)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    Xc = X * np.minimum(1.0, C / norms)
    m = Xc.mean(axis=0)
    want = Xc.T @ Xc / len(Xc) - np.outer(m, m)
    np.testing.assert_allclose(cov, want, atol=0.02)
    # a single row: the count is floored at 2 and the result is still PSD
    one = dp_covariance(np.array([[0.0, 0.0]]), clip_norm=1.0, budget=_share(1e7, 1e-3), epsilon=1e6, delta=1e-4)
    np.testing.assert_allclose(one, np.zeros((2, 2)), atol=0.01)


def test_dp_covariance_projects_noisy_matrices_onto_the_psd_cone() -> None:
    X = np.array([[0.1, 0.0, 0.0], [0.0, 0.1, 0.0]])
    seen_negative = False
    for seed in range(5):
        share = _share(10.0, 1e-5, seed)
        cov = dp_covariance(X, clip_norm=1.0, budget=share, epsilon=0.5, delta=1e-5)
        S, s1, n = dp_second_moments(X, clip_norm=1.0, budget=_share(10.0, 1e-5, seed), epsilon=0.5, delta=1e-5)
        raw = S / n - np.outer(s1 / n, s1 / n)
        w, v = np.linalg.eigh((raw + raw.T) / 2)
        seen_negative |= bool(w.min() < 0)
        np.testing.assert_allclose(cov, (v * np.maximum(w, 0)) @ v.T, atol=1e-12)
        assert np.linalg.eigvalsh(cov).min() >= -1e-12
    assert seen_negative  # the projection was exercised


def test_dp_covariance_messages() -> None:
    X = np.zeros((3, 2))
    with pytest.raises(PrivacyBudgetError, match=_msg("dp_covariance (X): epsilon=0.0 must be a finite number > 0")):
        dp_covariance(X, clip_norm=1.0, budget=_share(), epsilon=0.0, delta=1e-6)
    with pytest.raises(PrivacyBudgetError, match=_msg("dp_covariance (m): clip_norm=-1.0 must be a finite number > 0")):
        dp_covariance(X, clip_norm=-1.0, budget=_share(), epsilon=1.0, delta=1e-6, note="m")
    for bad in (0.0, 1.0):
        text = f"dp_covariance (X): delta={bad!r}; the Gaussian mechanism needs 0 < delta < 1"
        with pytest.raises(PrivacyBudgetError, match=_msg(text)):
            dp_covariance(X, clip_norm=1.0, budget=_share(), epsilon=1.0, delta=bad)
    text = "dp_covariance (X): X must be a 2-D array without NaN; impute or drop missing values first"
    for bad_x in (np.zeros(3), np.array([[np.nan, 1.0]])):
        with pytest.raises(DataError, match=_msg(text)):
            dp_covariance(bad_x, clip_norm=1.0, budget=_share(), epsilon=1.0, delta=1e-6)
    ints = dp_covariance([[1, 0], [0, 1]], clip_norm=1.0, budget=_share(1e7, 1e-3), epsilon=1e6, delta=1e-4)
    np.testing.assert_allclose(ints, [[0.25, -0.25], [-0.25, 0.25]], atol=0.02)  # lists of ints are fine


def test_nonnegative_post_processing_is_exact() -> None:
    out = nonnegative_counts([-2, 0, 3])
    assert out.dtype == float and out.tolist() == [0.0, 0.0, 3.0]
    np.testing.assert_array_equal(nonnegative_normalise(np.array([0.5, -1.0, 1.5])), [0.25, 0.0, 0.75])
    np.testing.assert_array_equal(nonnegative_normalise(np.array([0.0, 0.0, 0.0, 0.0])), [0.25] * 4)
    np.testing.assert_array_equal(nonnegative_normalise(np.array([0.25])), [1.0])  # a total below 1 is fine
    assert nonnegative_normalise(np.zeros(0)).shape == (0,)


def test_discrete_laplace_wrapper_charges_nothing_and_uses_the_given_generator() -> None:
    from safedata_core.privacy import discrete_laplace as wrapper

    np.testing.assert_array_equal(wrapper(_rng(), 3.0, (2, 2)), discrete_laplace(3.0, (2, 2), _rng()))


def test_dp_bin_edges_two_bins_need_one_quantile() -> None:
    share = _share()
    x = np.array([0.5, 1.0, 1.5, 3.0, 3.5])
    out = dp_bin_edges(x, 2, bounds=(0, 4), budget=share, epsilon=1.0)
    inner = _em_replay(x, np.array([0.5]), 0.0, 4.0, 1.0, _rng())
    np.testing.assert_array_equal(out, [0.0, inner[0], 4.0])
    assert [c.event.count for c in share.charges] == [1] and share.charges[0].note == ""
    with pytest.raises(DataError, match=_msg("dp_bin_edges (values): n_bins=-2 must be >= 1")):
        dp_bin_edges(x, -2, bounds=(0, 4), budget=share, epsilon=1.0)


def test_nonnegative_normalise_small_totals_and_single_cells() -> None:
    np.testing.assert_allclose(nonnegative_normalise(np.array([0.25, 0.5])), [1 / 3, 2 / 3])
    np.testing.assert_array_equal(nonnegative_normalise(np.array([-1.0])), [1.0])
