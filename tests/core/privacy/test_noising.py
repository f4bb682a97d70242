"""The noise entry point: charge-then-noise, exact discrete noise at the calibrated scale, grids, selections."""

from __future__ import annotations

import math
import re

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
    PrivacyEvent,
    add_noise,
    gaussian_multiplier,
    select,
)
from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.noising import _grid, gaussian_event_epsilon
from safedata_core.privacy.samplers import discrete_gaussian, discrete_laplace
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


@pytest.mark.slow  # 50k draws at a grid-unit sigma of ~5000 take the exact big-integer path: seconds
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


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
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


# -- exact replays, plans, events and messages (cheap; written for mutation testing) ----------------------
#
# With a reproducible-test noise source the noise add_noise draws can be replayed: the expected output is
# rebuilt here from the documented recipe (public grid, grid-unit sensitivity, exact sampler at that
# scale), so any change to the grid, the scale or the rounding shows up as a mismatch. The samplers'
# distributions are checked statistically in test_samplers.py.


def _share(eps: float = 10.0, delta: float = 1e-5, seed: int = 9):  # type: ignore[no-untyped-def]
    share = make_budget(eps, delta, step="fit", component="comp")
    share.noise = NoiseSource.reproducible(seed)
    return share


def _rng(seed: int = 9) -> np.random.Generator:
    return NoiseSource.reproducible(seed).generator


def _msg(text: str) -> str:
    return "^" + re.escape(text) + "$"


def test_discrete_laplace_replay_and_event() -> None:
    share = _share()
    x = np.array([[3.0, -2.0, 0.0], [7.0, 1e6, 5.0]])
    out = add_noise(share, DiscreteLaplace(3, 0.75), x, note="counts")
    assert out.shape == (2, 3) and out.dtype == float
    np.testing.assert_array_equal(out, x + discrete_laplace(4.0, (2, 3), _rng()))
    (c,) = share.charges
    assert c.note == "counts"
    assert c.event == PrivacyEvent("geometric", 0.75, 0.0, 1, {"sensitivity": 3, "scale": 4.0})
    assert DiscreteLaplace(2.0, 0.5).event().params == {"sensitivity": 2, "scale": 4.0}  # type: ignore[arg-type]


def test_discrete_gaussian_replay_and_event() -> None:
    share = _share()
    x = np.array([4.0, -1.0, 0.0, 12.0])
    out = add_noise(share, DiscreteGaussian(6.0, 2.0, changed=3), x)
    np.testing.assert_array_equal(out, x + discrete_gaussian(6.0, 4, _rng()))
    (c,) = share.charges
    assert c.note == ""
    params = {"noise_multiplier": 3.0, "sigma": 6.0, "sensitivity": 2.0, "changed": 3}
    assert c.event == PrivacyEvent("discrete_gaussian", gaussian_event_epsilon(3.0, 1e-5), 1e-5, 1, params)
    # the standalone claim is at the mechanism's delta, else the share's, else (no share) 0
    assert DiscreteGaussian(6.0, delta=1e-7).event(share).delta == 1e-7
    assert DiscreteGaussian(6.0, delta=1e-7).event(share).epsilon == gaussian_event_epsilon(6.0, 1e-7)
    assert DiscreteGaussian(6.0).event(share).delta == 1e-5
    no_share = DiscreteGaussian(6.0).event()
    assert no_share.delta == 0.0 and no_share.epsilon == math.inf


def test_real_laplace_plan_replay_and_event() -> None:
    g = 2.0 ** math.floor(math.log2(2.0 / (1024 * 3)))
    assert Laplace(2.0, 1.0, changed=3)._plan(50) == (g, math.floor(2.0 / g) + 3)
    g_all = 2.0 ** math.floor(math.log2(2.0 / (1024 * 5)))
    assert Laplace(2.0, 1.0)._plan(5) == (g_all, math.floor(2.0 / g_all) + 5)  # changed=None: every coordinate
    assert Laplace(2.0, 1.0)._plan(0) == Laplace(2.0, 1.0)._plan(1)  # at least one
    share = _share()
    x = np.array([3.14159, -2.5, 100.0, 0.001, 7.0])
    out = add_noise(share, Laplace(2.0, 0.5), x, note="sums")
    sens_int = math.floor(2.0 / g_all) + 5
    np.testing.assert_array_equal(out, (np.rint(x / g_all) + discrete_laplace(sens_int / 0.5, 5, _rng())) * g_all)
    (c,) = share.charges
    params = {"sensitivity": sens_int, "scale": sens_int / 0.5, "grid": g_all, "real_sensitivity": 2.0}
    assert c.event == PrivacyEvent("geometric", 0.5, 0.0, 1, params) and c.note == "sums"
    # changed=1 on a long vector: the plan ignores the size
    share = _share()
    out = add_noise(share, Laplace(2.0, 0.5, changed=1), x)
    g1, s1 = Laplace(2.0, 0.5, changed=1)._plan(1)
    np.testing.assert_array_equal(out, (np.rint(x / g1) + discrete_laplace(s1 / 0.5, 5, _rng())) * g1)
    assert share.charges[0].event.params["grid"] == g1 == 2.0**-9


def test_real_gaussian_plan_replay_and_event() -> None:
    g = 2.0 ** math.floor(math.log2(3.0 / (1024 * 4)))
    plan = Gaussian(6.0, 3.0)._plan(4)
    assert plan == (g, 2.0 * (3.0 / g + 2.0))
    assert Gaussian(6.0, 3.0, changed=1)._plan(4) == Gaussian(6.0, 3.0)._plan(1)
    share = _share()
    x = np.array([1.5, -0.25, 8.0, 2.0])
    out = add_noise(share, Gaussian(6.0, 3.0), x, note="moments")
    np.testing.assert_array_equal(out, (np.rint(x / g) + discrete_gaussian(plan[1], 4, _rng())) * g)
    (c,) = share.charges
    params = {"noise_multiplier": 2.0, "sigma": 6.0, "sensitivity": 3.0, "grid": g}
    assert c.event == PrivacyEvent("discrete_gaussian", gaussian_event_epsilon(2.0, 1e-5), 1e-5, 1, params)
    assert c.note == "moments"
    assert Gaussian(6.0, delta=1e-7).event(share).delta == 1e-7
    assert Gaussian(6.0).event().delta == 0.0 and Gaussian(6.0).event(share, size=4).params["grid"] == 2.0**-12


def test_scalar_values_keep_their_shape() -> None:
    out = add_noise(_share(), DiscreteLaplace(1, 1.0), 5.0)
    assert out.shape == () and out == 5.0 + discrete_laplace(1.0, (), _rng())


def test_grid_is_the_power_of_two_below_a_1024th_per_changed_coordinate() -> None:
    assert _grid(1.0, 1) == 2.0**-10
    assert _grid(1.0, 2) == 2.0**-11
    assert _grid(3.0, 1) == 2.0**-9  # 3/1024 lies in [2^-9, 2^-8)
    assert _grid(1024.0, 1) == 1.0 and _grid(2047.0, 1) == 1.0


def test_parameter_errors_name_step_component_note_and_value() -> None:
    cases = [
        (DiscreteLaplace(1, 0.0), "epsilon=0.0 must be a finite number > 0"),
        (DiscreteLaplace(1, math.inf), "epsilon=inf must be a finite number > 0"),
        (DiscreteLaplace(0, 1.0), "sensitivity=0 must be a positive integer"),
        (DiscreteLaplace(1.5, 1.0), "sensitivity=1.5 must be a positive integer"),  # type: ignore[arg-type]
        (DiscreteGaussian(0.0), "sigma=0.0 must be a finite number > 0"),
        (DiscreteGaussian(1.0, -1.0), "sensitivity=-1.0 must be a finite number > 0"),
        (Laplace(1.0, -1.0), "epsilon=-1.0 must be a finite number > 0"),
        (Laplace(math.nan, 1.0), "sensitivity=nan must be a finite number > 0"),
        (Gaussian(-2.0), "sigma=-2.0 must be a finite number > 0"),
        (Gaussian(1.0, 0.0), "sensitivity=0.0 must be a finite number > 0"),
    ]
    for mech, text in cases:
        share = _share()
        with pytest.raises(PrivacyBudgetError, match=_msg(f"step 'fit': comp (q1): {text}")):
            add_noise(share, mech, np.zeros(2), note="q1")
        with pytest.raises(PrivacyBudgetError, match=_msg(f"step 'fit': comp ({type(mech).__name__}): {text}")):
            add_noise(share, mech, np.zeros(2))
        assert share.charges == []
    DiscreteLaplace(1, 1e-300)._validate("w")  # tiny but positive is valid


def test_value_errors_name_the_query_and_the_fix() -> None:
    # the charge is recorded before the values are read (charge first, then touch the data)
    text = (
        "step 'fit': comp (c): discrete noise needs integer query answers (counts); "
        "use Laplace/Gaussian for real values"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(_share(), DiscreteGaussian(1.0), np.array([1.0, 2.5]), note="c")
    with pytest.raises(PrivacyBudgetError, match="integer query answers"):
        add_noise(_share(), DiscreteLaplace(1, 1.0), np.array([1.0, np.nan]))
    text = "step 'fit': comp (c): counts above 2**52 cannot be noised exactly"
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(_share(), DiscreteLaplace(1, 1.0), np.array([0.0, -(2.0**52)]), note="c")
    assert add_noise(_share(), DiscreteLaplace(1, 1.0), np.array([2.0**52 - 1])).shape == (1,)
    assert add_noise(_share(), DiscreteLaplace(1, 1.0), np.zeros(0)).shape == (0,)
    g = _grid(1.0, 1)
    text = (
        f"step 'fit': comp (s): values must be finite and below {2.0**52 * g:.3g} in magnitude on the noise grid; "
        "clip the query to public bounds first"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(_share(), Laplace(1.0, 1.0, changed=1), np.array([-(2.0**52) * g]), note="s")
    with pytest.raises(PrivacyBudgetError, match="must be finite"):
        add_noise(_share(), Gaussian(1.0, changed=1), np.array([np.inf]))
    assert add_noise(_share(), Laplace(1.0, 1.0, changed=1), np.array([(2.0**52 - 1) * g])).shape == (1,)
    assert add_noise(_share(), Gaussian(1.0, changed=1), np.zeros(0)).shape == (0,)


def test_gaussian_needs_a_delta_the_share_can_pay() -> None:
    pure = make_budget(5.0, 0.0, step="fit", component="comp")
    text = (
        "step 'fit': comp (DiscreteGaussian): Gaussian noise needs delta > 0 but the step's share has delta=0; "
        "give the step a delta (privacy: {epsilon: ..., delta: ...}) or use Laplace noise"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(pure, DiscreteGaussian(5.0), np.zeros(2))
    with pytest.raises(PrivacyBudgetError, match="needs delta > 0"):
        add_noise(pure, Gaussian(5.0, delta=0.0), np.zeros(2))
    share = _share(10.0, 1e-6)
    text = (
        "step 'fit': comp (g): needs delta=2e-06 but the step's share has delta=1e-06; "
        "give the step a delta (privacy: {epsilon: ..., delta: ...})"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(share, DiscreteGaussian(5.0, delta=2e-6), np.zeros(2), note="g")
    add_noise(share, DiscreteGaussian(5.0, delta=1e-6), np.zeros(2))  # exactly the share's delta is fine
    assert pure.charges == [] and len(share.charges) == 1


def test_gaussian_event_epsilon_is_the_rdp_conversion() -> None:
    want = rc.rdp_to_epsilon(rc.gaussian_rdp(3.0, rc.DEFAULT_ORDERS), rc.DEFAULT_ORDERS, 1e-6)[0]
    assert gaussian_event_epsilon(3.0, 1e-6) == want
    assert gaussian_event_epsilon(3.0, 0.0) == math.inf and gaussian_event_epsilon(3.0, 1.0) == math.inf
    assert math.isfinite(gaussian_event_epsilon(3.0, 0.999))


def test_gaussian_multiplier_limits_and_messages() -> None:
    for eps, delta in ((0.0, 1e-5), (1.0, 0.0), (1.0, 1.0), (-1.0, 0.5)):
        text = f"a Gaussian release needs epsilon > 0 and 0 < delta < 1, got ({eps}, {delta})"
        with pytest.raises(PrivacyBudgetError, match=_msg(text)):
            gaussian_multiplier(eps, delta)
    with pytest.raises(
        PrivacyBudgetError, match=_msg("epsilon=1e-09 at delta=1e-05 needs an unbounded noise multiplier")
    ):
        gaussian_multiplier(1e-9, 1e-5)
    # a multiplier below 1 (large epsilon) and above 1 (small epsilon): both the smallest within the target
    for eps in (20.0, 0.05):
        nm = gaussian_multiplier(eps, 1e-5)
        assert gaussian_event_epsilon(nm, 1e-5) <= eps < gaussian_event_epsilon(nm * (1 - 1e-9), 1e-5)
    assert gaussian_multiplier(20.0, 1e-5) < 1 < gaussian_multiplier(0.05, 1e-5)


def test_exponential_probabilities_event_and_selection_replay() -> None:
    mech = Exponential(2.0, 4.0)
    scores = np.array([[1.0, -3.0], [8.0, 0.5]])
    w = np.exp(2.0 * scores.ravel() / 8.0)
    np.testing.assert_allclose(mech.probabilities(scores), w / w.sum(), rtol=1e-14)
    big = Exponential(1.0).probabilities(np.array([2000.0, 1998.0]))  # stable for large scores
    np.testing.assert_allclose(big, [1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))], rtol=1e-12)
    assert mech.event(3) == PrivacyEvent("exponential", 6.0, 0.0, 3, {"epsilon_each": 2.0, "sensitivity": 4.0})
    assert mech.event() == PrivacyEvent("exponential", 2.0, 0.0, 1, {"epsilon_each": 2.0, "sensitivity": 4.0})
    share = _share()
    pick = select(share, mech, scores, note="pick")
    gumbel = _rng().gumbel(size=4)
    assert pick == int(np.argmax(2.0 * scores.ravel() / 8.0 + gumbel))
    (c,) = share.charges
    assert c.event == mech.event() and c.note == "pick"


def test_select_refusals_name_the_selection() -> None:
    share = _share()
    with pytest.raises(
        PrivacyBudgetError, match=_msg("step 'fit': comp (pick): epsilon=0.0 must be a finite number > 0")
    ):
        select(share, Exponential(0.0), np.zeros(2), note="pick")
    with pytest.raises(
        PrivacyBudgetError, match=_msg("step 'fit': comp (selection): sensitivity=-1.0 must be a finite number > 0")
    ):
        select(share, Exponential(1.0, -1.0), np.zeros(2))
    text = "step 'fit': comp (selection): scores must be a non-empty array of finite numbers"
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        select(share, Exponential(1.0), np.zeros(0))
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        select(share, Exponential(1.0), np.array([1.0, np.nan]))
    assert share.charges == []
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        select(_share(1.0), Exponential(2.0), np.zeros(2))


def test_select_replays_the_gumbel_max_rule_over_many_draws() -> None:
    # close scores: the pick depends on the exact logit scale epsilon * score / (2 * sensitivity)
    mech = Exponential(0.8, 2.0)
    scores = np.array([0.0, 1.2, 2.4, 4.8, 8.0])
    picks, want = [], []
    for seed in range(40):
        share = _share(seed=seed)
        picks.append(select(share, mech, scores))
        want.append(int(np.argmax(0.8 * scores / 4.0 + _rng(seed).gumbel(size=5))))
    assert picks == want and len(set(picks)) >= 3


def test_real_event_defaults_to_one_coordinate() -> None:
    assert Laplace(2.0, 1.0).event().params["grid"] == _grid(2.0, 1)
    assert Laplace(2.0, 1.0).event().params["sensitivity"] == math.floor(2.0 / _grid(2.0, 1)) + 1
    assert Gaussian(2.0, 1.0).event().params["grid"] == _grid(1.0, 1)


def test_gaussian_plan_for_one_changed_coordinate_and_its_value_error() -> None:
    g1 = 2.0 ** math.floor(math.log2(3.0 / 1024))
    assert Gaussian(6.0, 3.0, changed=1)._plan(4) == (g1, 2.0 * (3.0 / g1 + 1.0))
    text = (
        f"step 'fit': comp (r): values must be finite and below {2.0**52 * g1:.3g} in magnitude on the noise grid; "
        "clip the query to public bounds first"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(text)):
        add_noise(_share(), Gaussian(6.0, 3.0, changed=1), np.array([np.nan]), note="r")
