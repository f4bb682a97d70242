"""The noise entry point: charge-then-noise, exact discrete noise at the calibrated scale, grids, selections."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import (
    DiscreteGaussian,
    DiscreteLaplace,
    Exponential,
    Gaussian,
    Laplace,
    NoiseSource,
    add_noise,
    gaussian_multiplier,
    select,
)
from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.noising import _grid, gaussian_event_epsilon
from safedata_core.testing.contracts import make_budget

N = 50_000
ALPHA = 1e-4


def _dlap_var(scale: float) -> float:
    p = math.exp(-1.0 / scale)
    return 2 * p / (1 - p) ** 2


def _variance_ok(x: np.ndarray, var: float) -> bool:
    """Two-sided chi-square test of the sample variance (false-alarm rate ~ALPHA; detects a factor 1.5 in scale)."""
    n = x.size
    stat = (n - 1) * x.var(ddof=1) / var
    lo, hi = stats.chi2.ppf(ALPHA / 2, n - 1), stats.chi2.ppf(1 - ALPHA / 2, n - 1)
    # heavy tails (Laplace) widen the variance estimator's spread: allow 3x the Gaussian interval's half-width
    mid = n - 1
    return mid - 3 * (mid - lo) <= stat <= mid + 3 * (hi - mid)


def test_discrete_laplace_charges_then_noises_at_scale() -> None:
    share = make_budget(2.0)
    out = add_noise(share, DiscreteLaplace(2, 0.5), np.full(N, 7.0), note="c")
    assert np.array_equal(out, np.rint(out))
    (c,) = share.charges
    assert c.event.mechanism == "geometric" and c.event.params == {"sensitivity": 2, "scale": 4.0}
    assert c.event.epsilon == 0.5 and c.note == "c"
    assert _variance_ok(out - 7.0, _dlap_var(4.0))
    assert not _variance_ok(out - 7.0, _dlap_var(4.0 / 1.5))


def test_discrete_gaussian_noise_and_event() -> None:
    share = make_budget(5.0, 1e-5)
    out = add_noise(share, DiscreteGaussian(6.0), np.zeros(N))
    (c,) = share.charges
    assert c.event.mechanism == "discrete_gaussian" and c.event.params["noise_multiplier"] == 6.0
    # independent recomputation of the standalone epsilon from the RDP curve alpha / (2 sigma^2)
    orders = rc.DEFAULT_ORDERS
    eps = min(
        o / (2 * 36.0) + math.log((o - 1) / o) - (math.log(1e-5) + math.log(o)) / (o - 1) for o in orders if o > 1
    )
    assert c.event.epsilon == pytest.approx(eps, rel=1e-6)
    assert _variance_ok(out, 36.0) and not _variance_ok(out, 36.0 / 2.25)


def test_refuses_before_touching_values() -> None:
    share = make_budget(1.0)
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        add_noise(share, DiscreteLaplace(1, 2.0), np.zeros(3))
    assert share.charges == []
    with pytest.raises(PrivacyBudgetError, match="integer"):
        add_noise(make_budget(1.0), DiscreteLaplace(1, 0.5), np.array([0.5, 1.5]))
    with pytest.raises(PrivacyBudgetError, match="delta"):
        add_noise(make_budget(1.0, 0.0), DiscreteGaussian(3.0), np.zeros(2))
    with pytest.raises(PrivacyBudgetError, match="epsilon"):
        add_noise(make_budget(1.0), Laplace(1.0, -1.0), np.zeros(2))


def test_real_laplace_on_grid_keeps_the_charged_epsilon() -> None:
    share = make_budget(1.0)
    x = np.full(N, 3.14159)
    out = add_noise(share, Laplace(2.0, 1.0, changed=1), x)
    (c,) = share.charges
    g = c.event.params["grid"]
    assert g == 2.0 ** math.floor(math.log2(2.0 / 1024))
    assert np.all(np.mod(out / g, 1.0) == 0)  # every output is on the public grid
    assert c.event.params["sensitivity"] == math.floor(2.0 / g) + 1
    assert c.event.epsilon == 1.0 and c.event.params["scale"] == c.event.params["sensitivity"] / 1.0
    # the real-unit noise has Laplace(2/1) variance up to the 0.1% grid overhead
    assert _variance_ok(out - np.rint(3.14159 / g) * g, 2 * (2.0 * (1 + 1 / 1024)) ** 2)


@settings(max_examples=300, deadline=None)
@given(
    sens=st.floats(1e-3, 1e4),
    a=st.floats(-1e6, 1e6),
    frac=st.floats(-1.0, 1.0),
    k=st.integers(1, 50),
)
def test_grid_rounding_never_exceeds_the_grid_sensitivity(sens: float, a: float, frac: float, k: int) -> None:
    # one coordinate that a neighbour moves by at most sens: its rounded change stays within floor(sens/g) + 1
    g = _grid(sens, k)
    b = a + frac * sens
    moved = abs(np.rint(a / g) - np.rint(b / g))
    assert moved <= math.floor(sens / g) + 1


def test_real_gaussian_noise_scale() -> None:
    share = make_budget(10.0, 1e-5)
    out = add_noise(share, Gaussian(5.0, 1.0, changed=1), np.zeros(N))
    (c,) = share.charges
    assert c.event.params["noise_multiplier"] == 5.0
    g = c.event.params["grid"]
    sigma_real = 5.0 * (1.0 / g + 1.0) * g
    assert _variance_ok(out, sigma_real**2) and not _variance_ok(out, (sigma_real / 1.5) ** 2)


def test_gaussian_multiplier_is_the_smallest_within_target() -> None:
    for eps, delta in [(1.0, 1e-5), (0.3, 1e-6), (5.0, 1e-3)]:
        nm = gaussian_multiplier(eps, delta)
        assert gaussian_event_epsilon(nm, delta) <= eps
        assert gaussian_event_epsilon(nm * (1 - 1e-6), delta) > eps * (1 - 1e-4)


def test_secure_noise_is_fresh_and_reproducible_mode_replays() -> None:
    a, b = make_budget(1.0), make_budget(1.0)
    assert a.noise.is_secure and a.secure
    xa = add_noise(a, DiscreteLaplace(1, 1.0), np.zeros(50))
    xb = add_noise(b, DiscreteLaplace(1, 1.0), np.zeros(50))
    assert not np.array_equal(xa, xb)
    c, d = make_budget(1.0), make_budget(1.0)
    c.noise, d.noise = NoiseSource.reproducible(3), NoiseSource.reproducible(3)
    assert not c.secure
    np.testing.assert_array_equal(
        add_noise(c, DiscreteLaplace(1, 1.0), np.zeros(50)), add_noise(d, DiscreteLaplace(1, 1.0), np.zeros(50))
    )


def test_select_pick_frequencies_match_the_exact_probabilities() -> None:
    scores = np.array([0.0, 1.0, 2.0, 4.0])
    mech = Exponential(1.0, 1.0)
    p = mech.probabilities(scores)
    np.testing.assert_allclose(p, np.exp(scores / 2) / np.exp(scores / 2).sum())
    n = 6000
    picks = np.array([select(make_budget(1.0), mech, scores) for _ in range(n)])
    counts = np.bincount(picks, minlength=4)
    assert stats.chisquare(counts, p * n).pvalue > ALPHA
    # the same test sees a doubled score scale
    wrong = Exponential(2.0, 1.0).probabilities(scores)
    assert stats.chisquare(counts, wrong * n).pvalue < ALPHA
    share = make_budget(1.0)
    select(share, mech, scores, note="pick")
    (c,) = share.charges
    assert c.event.mechanism == "exponential" and c.event.params["epsilon_each"] == 1.0


def test_select_refuses_bad_scores() -> None:
    with pytest.raises(PrivacyBudgetError, match="finite"):
        select(make_budget(1.0), Exponential(1.0), np.array([0.0, np.inf]))
