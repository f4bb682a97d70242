"""Exact samplers: the empirical distribution matches the exact pmf (chi-square), parameters round up, big path."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from safedata_core.privacy import samplers as S
from safedata_core.privacy.samplers import bernoulli_exp, discrete_gaussian, discrete_laplace, rational_at_least

N = 60_000
ALPHA = 1e-4  # false-alarm rate of each goodness-of-fit test


def _chi2_pvalue(samples: np.ndarray, pmf: dict[int, float]) -> float:
    """Chi-square test of integer samples against an exact pmf, pooling cells with expected count < 5."""
    support = sorted(pmf)
    expected = np.array([pmf[k] for k in support]) * samples.size
    observed = np.array([(samples == k).sum() for k in support], dtype=float)
    keep = expected >= 5
    obs = np.append(observed[keep], samples.size - observed[keep].sum())
    exp = np.append(expected[keep], samples.size - expected[keep].sum())
    if exp[-1] < 5:  # fold the tail into the last kept cell
        obs, exp = np.append(obs[:-2], obs[-2] + obs[-1]), np.append(exp[:-2], exp[-2] + exp[-1])
    return float(stats.chisquare(obs, exp).pvalue)


def _dlap_pmf(scale: float, k: int) -> float:
    p = math.exp(-1.0 / scale)
    return (1 - p) / (1 + p) * p ** abs(k)


def _dgauss_pmf(sigma: float, support: range) -> dict[int, float]:
    w = {k: math.exp(-(k * k) / (2 * sigma * sigma)) for k in range(-60 * int(sigma + 1), 60 * int(sigma + 1) + 1)}
    z = sum(w.values())
    return {k: w[k] / z for k in support}


@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5, 17.0])
def test_discrete_laplace_matches_exact_pmf(scale: float) -> None:
    x = discrete_laplace(scale, N, np.random.default_rng(int(scale * 10)))
    assert x.dtype == np.int64
    lim = int(12 * scale) + 3
    pmf = {k: _dlap_pmf(scale, k) for k in range(-lim, lim + 1)}
    assert _chi2_pvalue(x, pmf) > ALPHA


@pytest.mark.parametrize(
    "sigma", [0.6, 1.0, pytest.param(3.3, marks=pytest.mark.slow), 12.0]
)  # 3.3 at 60k draws takes the exact big-integer path for its extreme proposals: seconds
def test_discrete_gaussian_matches_exact_pmf(sigma: float) -> None:
    x = discrete_gaussian(sigma, N, np.random.default_rng(int(sigma * 10)))
    assert x.dtype == np.int64
    lim = int(7 * sigma) + 2
    assert _chi2_pvalue(x, _dgauss_pmf(sigma, range(-lim, lim + 1))) > ALPHA


def test_the_gof_test_has_power_against_a_wrong_scale() -> None:
    # the same test rejects a sampler whose scale is off by a factor 1.5
    x = discrete_laplace(1.5, N, np.random.default_rng(1))
    pmf = {k: _dlap_pmf(1.0, k) for k in range(-20, 21)}
    assert _chi2_pvalue(x, pmf) < ALPHA
    y = discrete_gaussian(4.5, N, np.random.default_rng(2))
    assert _chi2_pvalue(y, _dgauss_pmf(3.0, range(-30, 31))) < ALPHA


def test_large_sigma_uses_exact_big_integer_path() -> None:
    x = discrete_gaussian(60_000.0, 4000, np.random.default_rng(3))
    assert x.dtype == np.int64
    assert stats.kstest(x / 60_000.0, "norm").pvalue > ALPHA


def test_bernoulli_exp_probabilities() -> None:
    rng = np.random.default_rng(4)
    for num, den in [(0, 1), (1, 3), (1, 1), (7, 2), (5, 1)]:
        n = 40_000
        hits = bernoulli_exp(np.full(n, num, dtype=np.int64), np.full(n, den, dtype=np.int64), rng).mean()
        p = math.exp(-num / den)
        assert abs(hits - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_parameters_round_up_never_down() -> None:
    for v in [0.1, 1 / 3, 2.0, 1e-3, 123.456]:
        r = rational_at_least(v)
        assert r >= Fraction(v) and r - Fraction(v) <= Fraction(1, 1 << 20)
    with pytest.raises(ValueError):
        rational_at_least(0.0)


# -- cheaper exactness checks (20k draws, fixed seeds; false-alarm rate ALPHA each), edges and messages -------

M = 20_000


def test_shapes_and_dtypes() -> None:
    rng = np.random.default_rng(11)
    assert discrete_laplace(1.0, 5, rng).shape == (5,)
    assert discrete_laplace(1.0, (2, 3), rng).shape == (2, 3)
    assert discrete_laplace(1.0, (), rng).shape == ()
    assert discrete_laplace(1.0, 0, rng).shape == (0,)
    g = discrete_gaussian(2.0, (3, 2), rng)
    assert g.shape == (3, 2) and g.dtype == np.int64
    assert discrete_gaussian(2.0, (), rng).shape == () and discrete_gaussian(2.0, 0, rng).shape == (0,)


def test_parameter_errors() -> None:
    rng = np.random.default_rng(0)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match=rf"^expected a finite positive number, got {bad!r}$"):
            rational_at_least(bad)
        with pytest.raises(ValueError, match=rf"^discrete Gaussian sigma must be a finite number > 0, got {bad!r}$"):
            discrete_gaussian(bad, 3, rng)
    with pytest.raises(ValueError, match=r"^discrete Laplace scale must be > 0, got Fraction\(0, 1\)$"):
        discrete_laplace(Fraction(0), 3, rng)
    with pytest.raises(ValueError, match="expected a finite positive number"):
        discrete_laplace(0.0, 3, rng)


def test_rational_at_least_exact_values() -> None:
    assert rational_at_least(0.1) == Fraction(104858, 1 << 20)  # ceil(0.1 * 2^20) / 2^20
    assert rational_at_least(1 / 3) == Fraction(349526, 1 << 20)  # 20 bits by default (21 would give 699051/2^21)
    assert rational_at_least(0.5) == Fraction(1, 2)  # representable values are kept
    assert rational_at_least(1 / 3, 2) == Fraction(1, 2)
    assert rational_at_least(2.5, 0) == Fraction(3)


def test_bernoulli_ratio_edges_and_big_integers() -> None:
    rng = np.random.default_rng(12)
    n = 2000
    never = S._bernoulli_ratio(np.zeros(n, dtype=np.int64), np.full(n, 3, dtype=np.int64), rng)
    always = S._bernoulli_ratio(np.full(n, 3, dtype=np.int64), np.full(n, 3, dtype=np.int64), rng)
    half = S._bernoulli_ratio(np.ones(n, dtype=np.int64), np.full(n, 2, dtype=np.int64), rng)
    assert not never.any() and always.all() and abs(half.mean() - 0.5) < 5 * math.sqrt(0.25 / n)
    big = 1 << 70
    num = np.array([0, big, big // 2] * 300, dtype=object)
    out = S._bernoulli_ratio(num, np.full(900, big, dtype=object), rng)
    assert out.dtype == bool and not out[0::3].any() and out[1::3].all()
    assert abs(out[2::3].mean() - 0.5) < 5 * math.sqrt(0.25 / 300)


def test_randbelow_is_uniform_below_n() -> None:
    rng = np.random.default_rng(13)
    small = np.array([S._randbelow(3, rng) for _ in range(3000)])
    assert set(small.tolist()) == {0, 1, 2}
    assert stats.chisquare(np.bincount(small, minlength=3)).pvalue > ALPHA
    assert {S._randbelow(1, rng) for _ in range(20)} == {0}
    n = 3 << 64  # two 64-bit limbs, 66 significant bits
    top = np.array([S._randbelow(n, rng) >> 64 for _ in range(1500)])
    assert set(top.tolist()) == {0, 1, 2}  # never 3: values stay below n
    assert stats.chisquare(np.bincount(top, minlength=3)).pvalue > ALPHA


def test_bernoulli_exp_exact_edges_and_big_integers() -> None:
    rng = np.random.default_rng(14)
    n = 4000
    assert bernoulli_exp(np.zeros(n, dtype=np.int64), np.full(n, 5, dtype=np.int64), rng).all()  # exp(0) = 1
    for num, den in [(3, 2), (1, 1), (2, 3)]:
        hits = bernoulli_exp(np.full(n, num, dtype=np.int64), np.full(n, den, dtype=np.int64), rng).mean()
        p = math.exp(-num / den)
        assert abs(hits - p) < 5 * math.sqrt(p * (1 - p) / n)
    big = 1 << 80
    obj = bernoulli_exp(np.full(n, big // 2, dtype=object), np.full(n, big, dtype=object), rng)
    p = math.exp(-0.5)
    assert obj.dtype == bool and abs(obj.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    whole = bernoulli_exp(np.full(n, 5 * big // 2, dtype=object), np.full(n, big, dtype=object), rng)
    p = math.exp(-2.5)
    assert abs(whole.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    scalar_den = bernoulli_exp(np.full(n, 1, dtype=np.int64), np.int64(4), rng)  # a scalar denominator
    p = math.exp(-0.25)
    assert abs(scalar_den.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_geometric_exp_minus_one_distribution() -> None:
    v = S._geometric_exp_minus_one(M, np.random.default_rng(15))
    q = math.exp(-1.0)
    pmf = {k: (1 - q) * q**k for k in range(0, 40)}
    assert v.min() == 0 and _chi2_pvalue(v, pmf) > ALPHA
    assert S._geometric_exp_minus_one(0, np.random.default_rng(0)).shape == (0,)


@pytest.mark.parametrize("scale", [0.4, Fraction(7, 3), 6.0])
def test_discrete_laplace_pmf_small_sample(scale: float | Fraction) -> None:
    x = discrete_laplace(scale, M, np.random.default_rng(16))
    s = float(scale)
    lim = int(12 * s) + 3
    assert _chi2_pvalue(x, {k: _dlap_pmf(s, k) for k in range(-lim, lim + 1)}) > ALPHA
    # the same test sees a 1.25x scale error
    assert _chi2_pvalue(x, {k: _dlap_pmf(s * 1.25, k) for k in range(-lim, lim + 1)}) < ALPHA


@pytest.mark.parametrize("sigma", [0.6, 2.2, 40.0])
def test_discrete_gaussian_pmf_small_sample(sigma: float) -> None:
    x = discrete_gaussian(sigma, M, np.random.default_rng(17))
    lim = int(7 * sigma) + 2
    assert _chi2_pvalue(x, _dgauss_pmf(sigma, range(-lim, lim + 1))) > ALPHA
    assert _chi2_pvalue(x, _dgauss_pmf(sigma * 1.15, range(-lim, lim + 1))) < ALPHA


def test_discrete_gaussian_big_path_is_centred_with_the_right_spread() -> None:
    x = discrete_gaussian(5e5, 3000, np.random.default_rng(18)).astype(float)
    assert stats.kstest(x / 5e5, "norm").pvalue > ALPHA
    assert stats.kstest(x / 5e5, "norm", args=(0.0, 1.15)).pvalue < ALPHA


def test_a_fraction_scale_is_used_exactly() -> None:
    # Fraction(7, 3): exp(-|k| * 3 / 7) with no rounding to the 2^-20 grid
    got = discrete_laplace(Fraction(7, 3), 50, np.random.default_rng(19))
    np.testing.assert_array_equal(got, S._discrete_laplace_rational(3, 7, 50, np.random.default_rng(19)))
    rounded = rational_at_least(7 / 3)
    assert rounded != Fraction(7, 3)
    np.testing.assert_array_equal(
        discrete_laplace(7 / 3, 50, np.random.default_rng(19)),
        S._discrete_laplace_rational(rounded.denominator, rounded.numerator, 50, np.random.default_rng(19)),
    )


def test_randbelow_uses_every_bit_of_a_multi_limb_bound() -> None:
    rng = np.random.default_rng(20)
    n = 3 << 64
    xs = [S._randbelow(n, rng) for _ in range(1200)]
    for bit in range(64):  # each of the low 64 bits is set about half the time (5.5 standard errors)
        assert 0.42 < sum((x >> bit) & 1 for x in xs) / len(xs) < 0.58, bit


def test_big_parameters_are_computed_in_exact_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []
    real = S.bernoulli_exp

    def spy(num, den, rng):  # type: ignore[no-untyped-def]
        seen.append((np.asarray(num).dtype.kind, np.asarray(den).dtype.kind))
        return real(num, den, rng)

    monkeypatch.setattr(S, "bernoulli_exp", spy)
    discrete_gaussian(5e5, 50, np.random.default_rng(21))
    # the Gaussian acceptance test of a huge sigma runs on Python integers (object arrays), never floats
    accept = [kinds for kinds in seen if kinds[1] == "O"]
    assert accept and all(num == "O" for num, _ in accept)
    assert all(kind in "iO" for kinds in seen for kind in kinds)


def test_bernoulli_exp_of_a_huge_exponent_is_zero() -> None:
    # gamma far beyond int64 (Python integers): exp(-10^30) is 0, exp(-3) and exp(0) as usual
    rng = np.random.default_rng(22)
    num = np.array([10**30, 0] * 200, dtype=object)
    for den in (np.ones(400, dtype=np.int64), np.ones(400, dtype=object)):
        out = bernoulli_exp(num, den, rng)
        assert not out[0::2].any() and out[1::2].all()


def test_bernoulli_ratio_exact_path_probability_with_small_integers() -> None:
    # the arbitrary-precision path with small values: P = 1/3 exactly (a `<=` would give 2/3, 5 sd away at n=900)
    n = 900
    out = S._bernoulli_ratio(np.full(n, 1, dtype=object), np.full(n, 3, dtype=object), np.random.default_rng(31))
    assert abs(out.mean() - 1 / 3) < 5 * math.sqrt((1 / 3) * (2 / 3) / n)


def test_discrete_gaussian_big_path_with_a_fractional_variance() -> None:
    # sigma = 17.1 < 32 keeps sigma^2 as a fraction over 2**20, and its denominator makes the exact-integer path
    # run; the sample variance of 4,000 draws is within 15% of 17.1^2 (about 6.7 standard errors)
    x = discrete_gaussian(17.1, 4000, np.random.default_rng(32)).astype(float)
    assert abs(x.var() / 17.1**2 - 1) < 0.15
    assert stats.kstest(x / 17.1, "norm").pvalue > ALPHA / 10
