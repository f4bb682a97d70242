"""Clopper-Pearson bounds against scipy's beta quantiles and textbook values; the epsilon bound's formula."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from safedata_core.dpaudit.bounds import binomial_tail, clopper_pearson, eps_lower_bound, one_sided_bounds


@pytest.mark.parametrize("n", [1, 5, 20, 100, 1000])
@pytest.mark.parametrize("alpha", [0.0125, 0.025, 0.1])
def test_one_sided_bounds_match_beta_quantiles(n: int, alpha: float) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        lo, hi = one_sided_bounds(k, n, alpha)
        want_lo = 0.0 if k == 0 else stats.beta.ppf(alpha, k, n - k + 1)
        want_hi = 1.0 if k == n else stats.beta.ppf(1 - alpha, k + 1, n - k)
        assert lo == pytest.approx(want_lo, abs=1e-9), (k, n, alpha)
        assert hi == pytest.approx(want_hi, abs=1e-9), (k, n, alpha)


def test_textbook_examples() -> None:
    # 8 of 10: the exact 95% interval is (0.444, 0.975) in every table of the Clopper-Pearson interval
    lo, hi = clopper_pearson(8, 10)
    assert (round(lo, 3), round(hi, 3)) == (0.444, 0.975)
    # no successes in n: the upper bound is 1 - (alpha/2)^(1/n) (about 3.7/n, the "rule of three" at 95%)
    assert clopper_pearson(0, 20)[1] == pytest.approx(1 - 0.025 ** (1 / 20), abs=1e-12)
    assert clopper_pearson(20, 20)[0] == pytest.approx(0.025 ** (1 / 20), abs=1e-12)


def test_binomial_tail_is_exact() -> None:
    assert binomial_tail(3, 10, 0.3, upper=True) == pytest.approx(stats.binom.sf(2, 10, 0.3), rel=1e-12)
    assert binomial_tail(3, 10, 0.3, upper=False) == pytest.approx(stats.binom.cdf(3, 10, 0.3), rel=1e-12)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        one_sided_bounds(11, 10, 0.05)
    with pytest.raises(ValueError, match="alpha"):
        one_sided_bounds(1, 10, 1.5)


def test_eps_lower_bound_perfect_test_closed_form() -> None:
    # every D' run flagged, no D run flagged: eps_lower = log(a^(1/n) / (1 - a^(1/n))) with a = alpha / 4
    n, conf = 100, 0.95
    a = (1 - conf) / 4
    want = math.log(a ** (1 / n) / (1 - a ** (1 / n)))
    got = eps_lower_bound(n, n, 0, n, confidence=conf)
    assert got["eps_lower"] == pytest.approx(want, rel=1e-9)
    assert got["eps_direction_tpr"] == pytest.approx(want, rel=1e-9)


def test_eps_lower_bound_uses_both_directions_and_delta() -> None:
    # the test fires on every D run and never on a D' run: the swapped directions carry the bound
    rev = eps_lower_bound(0, 200, 200, 200)
    assert rev["eps_direction_tpr"] == rev["eps_direction_tnr"] == 0.0
    assert rev["eps_lower"] == rev["eps_direction_fpr"] > 3.5
    assert rev["eps_direction_fnr"] == pytest.approx(rev["eps_lower"])
    # the complement direction alone: the test misses half the D' runs but never fires wrongly on D ...
    half = eps_lower_bound(100, 200, 0, 200)
    assert half["eps_direction_tpr"] > 2.5 > half["eps_direction_tnr"]
    # equal hit rates give nothing; delta lowers the bound
    assert eps_lower_bound(50, 100, 50, 100)["eps_lower"] == 0.0
    base = eps_lower_bound(80, 100, 5, 100)["eps_lower"]
    assert 0 < eps_lower_bound(80, 100, 5, 100, delta=0.2)["eps_lower"] < base


def test_max_eps_lower_is_the_perfect_test() -> None:
    from safedata_core.dpaudit.bounds import max_eps_lower

    assert max_eps_lower(100) == eps_lower_bound(100, 100, 0, 100)["eps_lower"]
    # the figures quoted in docs/dp-audit.md (95%: 10, 20, 50 and 100 evaluation runs per side)
    assert [round(max_eps_lower(n), 1) for n in (10, 20, 50, 100)] == [0.6, 1.4, 2.4, 3.1]
