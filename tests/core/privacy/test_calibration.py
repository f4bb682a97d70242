"""calibrate_noise / dpsgd_epsilon / analytic Gaussian: exactness, references and monotonicity properties."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import (
    analytic_gaussian_sigma,
    calibrate_noise,
    calibrate_noise_epochs,
    dpsgd_epsilon,
    gaussian_epsilon,
    steps_for_epochs,
)
from safedata_core.privacy.calibration import gaussian_delta
from tests.conftest import shared_data


def test_calibrate_noise_issue_case_is_on_the_boundary() -> None:
    sigma = calibrate_noise(1.0, 1e-5, 0.01, 1000)
    eps = dpsgd_epsilon(sigma, 0.01, 1000, 1e-5)
    assert eps <= 1.0
    assert eps == pytest.approx(1.0, rel=1e-3)
    # smallest: a slightly smaller sigma breaks the target
    assert dpsgd_epsilon(sigma * (1 - 1e-4), 0.01, 1000, 1e-5) > 1.0


@pytest.mark.reference
def test_calibrate_noise_matches_opacus_get_noise_multiplier() -> None:
    ref = json.loads(shared_data("reference_values", "dp_accountant_expected.json").read_text())
    cases = {c["test"]: c for c in ref["opacus_tests_accountants_test_py"]["cases"]}
    c = cases["test_get_noise_multiplier_rdp_steps"]
    # opacus stops its own bisection at an epsilon tolerance of 0.01, so it sits slightly above the exact sigma
    sigma = calibrate_noise(c["target_epsilon"], c["delta"], c["q"], c["steps"])
    assert sigma == pytest.approx(c["sigma"], rel=1e-4)
    assert sigma <= c["computed_here"]
    c = cases["test_get_noise_multiplier_rdp_epochs"]
    sigma = calibrate_noise(c["target_epsilon"], c["delta"], c["q"], int(c["epochs"] / c["q"]))
    assert sigma == pytest.approx(c["sigma"], rel=1e-3)


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
def test_calibrate_noise_prv_is_below_rdp() -> None:
    s_rdp = calibrate_noise(1.5, 1e-5, 0.05, 100)
    s_prv = calibrate_noise(1.5, 1e-5, 0.05, 100, accountant="prv", rtol=1e-2)
    assert s_prv < s_rdp
    assert dpsgd_epsilon(s_prv, 0.05, 100, 1e-5, accountant="prv") <= 1.5


def test_epochs_convenience() -> None:
    assert steps_for_epochs(60000, 150, 15) == (0.0025, 6000)
    sigma = calibrate_noise_epochs(2.0, 1e-5, dataset_size=60000, batch_size=256, epochs=3)
    q, steps = steps_for_epochs(60000, 256, 3)
    assert sigma == calibrate_noise(2.0, 1e-5, q, steps)
    with pytest.raises(PrivacyBudgetError, match="batch_size"):
        steps_for_epochs(10, 20, 1)


def test_bad_inputs_raise_one_line_errors() -> None:
    for kwargs in ({"target_epsilon": 0.0}, {"delta": 0.0}, {"sample_rate": 1.5}):
        args = {"target_epsilon": 1.0, "delta": 1e-5, "sample_rate": 0.01, "steps": 10} | kwargs
        with pytest.raises(PrivacyBudgetError) as err:
            calibrate_noise(**args)
        assert "\n" not in str(err.value)


def test_dpsgd_epsilon_edge_cases() -> None:
    assert dpsgd_epsilon(1.0, 0.0, 100, 1e-5) == 0.0
    assert dpsgd_epsilon(1.0, 0.1, 0, 1e-5) == 0.0
    assert dpsgd_epsilon(0.0, 0.1, 10, 1e-5) == math.inf


@pytest.mark.parametrize(("eps", "delta", "sens"), [(1.0, 1e-5, 1.0), (0.1, 1e-6, 1.0), (5.0, 1e-3, 2.5)])
def test_analytic_gaussian_is_exact(eps: float, delta: float, sens: float) -> None:
    sigma = analytic_gaussian_sigma(eps, delta, sens)
    assert gaussian_delta(eps, sigma, sens) <= delta
    assert gaussian_delta(eps, sigma * (1 - 1e-6), sens) > delta
    # the privacy-loss definition: delta = P[L > eps] - e^eps P[L' < -eps], L ~ N(mu, 2mu), mu = sens^2 / (2 sigma^2)
    mu = sens**2 / (2 * sigma**2)
    direct = stats.norm.sf(eps, mu, math.sqrt(2 * mu)) - math.exp(eps) * stats.norm.cdf(-eps, mu, math.sqrt(2 * mu))
    assert direct == pytest.approx(delta, rel=1e-6)
    assert gaussian_epsilon(sigma, delta, sens) == pytest.approx(eps, rel=1e-8)
    # better than the classic sqrt(2 ln(1.25/delta)) / eps calibration wherever that one applies
    if eps < 1:
        assert sigma < sens * math.sqrt(2 * math.log(1.25 / delta)) / eps


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
@settings(max_examples=25, deadline=None)
@given(
    sigma=st.floats(0.5, 5.0),
    q=st.floats(1e-3, 0.3),
    steps=st.integers(1, 3000),
    factor=st.floats(1.01, 2.0),
)
def test_epsilon_is_monotone(sigma: float, q: float, steps: int, factor: float) -> None:
    delta = 1e-5
    eps = dpsgd_epsilon(sigma, q, steps, delta)
    assert dpsgd_epsilon(sigma * factor, q, steps, delta) <= eps + 1e-12
    assert dpsgd_epsilon(sigma, q, int(steps * factor) + 1, delta) >= eps - 1e-12
    assert dpsgd_epsilon(sigma, min(1.0, q * factor), steps, delta) >= eps - 1e-12


@pytest.mark.slow  # statistical/property test: CI runs it; mutation runs use the exact tests
@settings(max_examples=8, deadline=None)
@given(target=st.floats(0.1, 20.0), q=st.floats(1e-3, 0.2), steps=st.integers(1, 5000))
def test_calibrated_sigma_meets_target(target: float, q: float, steps: int) -> None:
    sigma = calibrate_noise(target, 1e-5, q, steps)
    assert dpsgd_epsilon(sigma, q, steps, 1e-5) <= target
    assert dpsgd_epsilon(sigma * (1 - 1e-5), q, steps, 1e-5) >= target * (1 - 1e-3)


# -- exact messages, range edges and independent recomputations (cheap; written for mutation testing) -------


def _msg(text: str) -> str:
    return "^" + re.escape(text) + "$"


def test_range_errors_name_the_parameter_and_the_allowed_range() -> None:
    with pytest.raises(
        PrivacyBudgetError, match=_msg("noise_multiplier=-0.5 is out of range; pass a value in [0, inf]")
    ):
        dpsgd_epsilon(-0.5, 0.1, 10, 1e-5)
    with pytest.raises(PrivacyBudgetError, match=_msg("sample_rate=1.01 is out of range; pass a value in [0, 1]")):
        dpsgd_epsilon(1.0, 1.01, 10, 1e-5)
    with pytest.raises(PrivacyBudgetError, match=_msg("delta=0.0 is out of range; pass a value in (0, 1]")):
        dpsgd_epsilon(1.0, 0.1, 10, 0.0)
    with pytest.raises(PrivacyBudgetError, match=_msg("steps=-1 is negative; pass the number of DP-SGD steps (>= 0)")):
        dpsgd_epsilon(1.0, 0.1, -1, 1e-5)
    with pytest.raises(PrivacyBudgetError, match=_msg("target_epsilon=0.0 is out of range; pass a value in (0, inf]")):
        calibrate_noise(0.0, 1e-5, 0.1, 10)
    with pytest.raises(PrivacyBudgetError, match=_msg("sample_rate=0.0 is out of range; pass a value in (0, 1]")):
        calibrate_noise(1.0, 1e-5, 0.0, 10)
    with pytest.raises(PrivacyBudgetError, match=_msg("delta=1.5 is out of range; pass a value in (0, 1]")):
        calibrate_noise(1.0, 1.5, 0.1, 10)
    with pytest.raises(PrivacyBudgetError, match=_msg("steps=0; calibrate_noise needs at least one DP-SGD step")):
        calibrate_noise(1.0, 1e-5, 0.1, 0)
    with pytest.raises(PrivacyBudgetError, match=_msg("epochs=0 is out of range; pass a value in (0, inf]")):
        steps_for_epochs(10, 2, 0)
    with pytest.raises(PrivacyBudgetError, match=_msg("epsilon=-1.0 is out of range; pass a value in (0, inf]")):
        analytic_gaussian_sigma(-1.0, 1e-5)
    with pytest.raises(PrivacyBudgetError, match=_msg("delta=2.0 is out of range; pass a value in (0, 1]")):
        analytic_gaussian_sigma(1.0, 2.0)
    with pytest.raises(PrivacyBudgetError, match=_msg("sensitivity=0.0 is out of range; pass a value in (0, inf]")):
        analytic_gaussian_sigma(1.0, 1e-5, 0.0)
    with pytest.raises(PrivacyBudgetError, match=_msg("delta=0.0 is out of range; pass a value in (0, 1]")):
        gaussian_epsilon(1.0, 0.0)
    with pytest.raises(PrivacyBudgetError, match=_msg("delta=1.5 is out of range; pass a value in (0, 1]")):
        gaussian_epsilon(1.0, 1.5)
    for bad in (math.nan,):
        with pytest.raises(PrivacyBudgetError, match="out of range"):
            dpsgd_epsilon(bad, 0.1, 10, 1e-5)
        with pytest.raises(PrivacyBudgetError, match="out of range"):
            calibrate_noise(bad, 1e-5, 0.1, 10)


def test_dpsgd_epsilon_accepts_the_range_ends_and_uses_the_named_accountant() -> None:
    from safedata_core.privacy import rdp_curves as rc

    assert dpsgd_epsilon(0.0, 0.0, 10, 1e-5) == 0.0
    assert dpsgd_epsilon(1.0, 0.5, 0, 1e-5) == 0.0
    # q = 1 is the plain Gaussian; delta = 1 is allowed (and gives the smallest epsilon)
    curve = 3 * rc.gaussian_rdp(2.0, rc.DEFAULT_ORDERS)
    assert dpsgd_epsilon(2.0, 1.0, 3, 1e-5) == pytest.approx(rc.rdp_to_epsilon(curve, rc.DEFAULT_ORDERS, 1e-5)[0])
    assert dpsgd_epsilon(2.0, 1.0, 3, 1.0) == 0.0
    curve = 40 * rc.subsampled_gaussian_rdp(1.5, 0.02, rc.DEFAULT_ORDERS)
    want = rc.rdp_to_epsilon(curve, rc.DEFAULT_ORDERS, 1e-6)[0]
    assert dpsgd_epsilon(1.5, 0.02, 40, 1e-6) == pytest.approx(want, rel=1e-12)
    assert dpsgd_epsilon(1.5, 0.02, 40, 1e-6, accountant="basic") == math.inf  # the event claims no epsilon


def test_calibrate_noise_limits() -> None:
    # a target every multiplier down to 1e-6 meets: the bracket stops halving there
    assert calibrate_noise(1e13, 1e-5, 1.0, 1) == 2.0**-19
    expected = (
        "calibrate_noise: epsilon=1e-06 at delta=1e-05 needs a noise multiplier above 1e+07; "
        "raise the target epsilon or lower sample_rate/steps"
    )
    with pytest.raises(PrivacyBudgetError, match=_msg(expected)):
        calibrate_noise(1e-6, 1e-5, 1.0, 1000)


def test_calibrate_noise_plain_gaussian_is_the_smallest_feasible_sigma() -> None:
    # q = 1, one step: epsilon(sigma) is the RDP conversion of alpha / (2 sigma^2); check the root independently
    sigma = calibrate_noise(1.0, 1e-5, 1.0, 1)
    assert dpsgd_epsilon(sigma, 1.0, 1, 1e-5) <= 1.0 < dpsgd_epsilon(sigma * (1 - 2e-6), 1.0, 1, 1e-5)
    loose = calibrate_noise(1.0, 1e-5, 1.0, 1, rtol=1e-2)
    assert sigma <= loose <= sigma * 1.01


@pytest.fixture
def rdp_copy() -> Iterator[list[float]]:
    """A second accountant with the rdp accountant's answers that records the multipliers it was asked about."""
    from safedata_core.privacy import accountants
    from safedata_core.privacy.rdp import RDPAccountant

    asked: list[float] = []

    class Copy(RDPAccountant):
        name = "rdp-copy-test"

        def epsilon(self, events, delta):  # type: ignore[no-untyped-def]
            asked.append(events[0].params["noise_multiplier"])
            return super().epsilon(events, delta)

    saved = dict(accountants._ACCOUNTANTS)
    accountants.register_accountant(Copy)
    yield asked
    accountants._ACCOUNTANTS.clear()
    accountants._ACCOUNTANTS.update(saved)


def test_other_accountants_are_bracketed_from_the_rdp_answer(rdp_copy: list[float]) -> None:
    exact = calibrate_noise(1.0, 1e-5, 1.0, 2)
    other = calibrate_noise(1.0, 1e-5, 1.0, 2, accountant="rdp-copy-test")
    assert exact <= other <= exact * (1 + 1e-4)  # the default tolerance of a non-rdp accountant is 1e-4
    assert rdp_copy[0] == pytest.approx(calibrate_noise(1.0, 1e-5, 1.0, 2, rtol=1e-3))  # starts at the rdp answer
    assert len(rdp_copy) < 40
    rdp_copy.clear()
    via_epochs = calibrate_noise_epochs(1.0, 1e-5, dataset_size=10, batch_size=10, epochs=2, accountant="rdp-copy-test")
    assert via_epochs == other and rdp_copy


def test_steps_for_epochs_edges() -> None:
    assert steps_for_epochs(1, 1, 1) == (1.0, 1)
    assert steps_for_epochs(10, 3, 1) == (0.3, 4)  # rounded up
    assert steps_for_epochs(10, 10, 0.5) == (1.0, 1)
    expected = "dataset_size={}, batch_size={}: need 1 <= batch_size <= dataset_size"
    for n, b in ((0, 1), (5, 0), (5, 6), (0, 0)):
        with pytest.raises(PrivacyBudgetError, match=_msg(expected.format(n, b))):
            steps_for_epochs(n, b, 1)


def test_gaussian_delta_and_epsilon_edges() -> None:
    assert gaussian_delta(1.0, 0.0) == 1.0 and gaussian_delta(1.0, -1.0) == 1.0
    # sensitivity defaults to 1 and only the ratio sigma / sensitivity matters
    assert gaussian_delta(0.5, 2.0) == gaussian_delta(0.5, 4.0, 2.0) != gaussian_delta(0.5, 2.0, 2.0)
    for eps, sigma, sens in ((0.5, 0.3, 1.0), (2.0, 2.0, 3.0)):
        mu = sens**2 / (2 * sigma**2)
        sd = math.sqrt(2 * mu)
        direct = stats.norm.sf(eps, mu, sd) - math.exp(eps) * stats.norm.cdf(-eps, mu, sd)
        assert gaussian_delta(eps, sigma, sens) == pytest.approx(direct, rel=1e-9)
    assert gaussian_epsilon(0.0, 1e-5) == math.inf and gaussian_epsilon(-1.0, 1e-5) == math.inf
    assert gaussian_epsilon(1e-7, 1e-5) == math.inf  # needs more than epsilon 1e6
    at_zero = gaussian_delta(0.0, 50.0)
    assert gaussian_epsilon(50.0, at_zero) == 0.0  # exactly the delta at epsilon 0: epsilon 0 suffices
    assert gaussian_epsilon(50.0, at_zero * (1 - 1e-9)) > 0.0
    eps = gaussian_epsilon(0.8, 1e-5)
    assert eps == gaussian_epsilon(0.8, 1e-5, 1.0) and eps == pytest.approx(gaussian_epsilon(1.6, 1e-5, 2.0), rel=1e-9)
    assert gaussian_delta(eps, 0.8) <= 1e-5 < gaussian_delta(eps * (1 - 1e-9), 0.8)
    small = gaussian_epsilon(3.0, 0.01)  # an epsilon below 1: found inside the first bracket
    assert 0 < small < 1 and gaussian_delta(small, 3.0) <= 0.01 < gaussian_delta(small * (1 - 1e-9), 3.0)


def test_analytic_sigma_below_the_sensitivity_and_its_default() -> None:
    sigma = analytic_gaussian_sigma(5.0, 1e-3)
    assert sigma < 1.0 and sigma == analytic_gaussian_sigma(5.0, 1e-3, 1.0)
    assert gaussian_delta(5.0, sigma) <= 1e-3 < gaussian_delta(5.0, sigma * (1 - 1e-9))
    assert analytic_gaussian_sigma(5.0, 1e-3, 2.0) == pytest.approx(2 * sigma, rel=1e-10)


def test_bisections_reach_large_answers_and_use_the_sensitivity_throughout() -> None:
    # answers far above 1: the stopping rule is relative, so the bisections still end (and stay exact)
    eps = gaussian_epsilon(0.01, 1e-5)
    assert eps > 1000 and gaussian_delta(eps, 0.01) <= 1e-5 < gaussian_delta(eps * (1 - 1e-9), 0.01)
    sigma = analytic_gaussian_sigma(0.01, 1e-5)
    assert sigma > 100 and gaussian_delta(0.01, sigma) <= 1e-5 < gaussian_delta(0.01, sigma * (1 - 1e-9))
    # the bracket (sigma above the sensitivity) and the bisection both use the given sensitivity
    assert analytic_gaussian_sigma(0.5, 1e-5, 3.0) == pytest.approx(3 * analytic_gaussian_sigma(0.5, 1e-5), rel=1e-9)
    # the epsilon-0 shortcut uses it too: a delta between the sensitivity-1 and sensitivity-2 values at 0
    d = 0.9 * gaussian_delta(0.0, 100.0, 2.0)
    assert gaussian_delta(0.0, 100.0) <= d and gaussian_epsilon(100.0, d, 2.0) > 0


def test_dpsgd_epsilon_at_multiplier_one_is_finite() -> None:
    from safedata_core.privacy import rdp_curves as rc

    curve = 20 * rc.subsampled_gaussian_rdp(1.0, 0.1, rc.DEFAULT_ORDERS)
    want = rc.rdp_to_epsilon(curve, rc.DEFAULT_ORDERS, 1e-5)[0]
    assert dpsgd_epsilon(1.0, 0.1, 20, 1e-5) == pytest.approx(want, rel=1e-12) and math.isfinite(want)


def test_calibrate_noise_honours_the_tolerance(rdp_copy: list[float]) -> None:
    calibrate_noise(1.0, 1e-5, 1.0, 2, accountant="rdp-copy-test", rtol=1e-1)
    loose = len(rdp_copy)
    rdp_copy.clear()
    calibrate_noise(1.0, 1e-5, 1.0, 2, accountant="rdp-copy-test", rtol=1e-9)
    assert len(rdp_copy) > loose  # a tighter tolerance needs more evaluations


def test_calibrate_noise_steps_up_to_a_feasible_sigma_when_the_root_finder_undershoots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scipy import optimize

    exact = calibrate_noise(1.0, 1e-5, 1.0, 1, rtol=1e-9)
    real = optimize.brentq
    monkeypatch.setattr(optimize, "brentq", lambda f, a, b, **kw: real(f, a, b, **kw) * (1 - 3e-3))
    sigma = calibrate_noise(1.0, 1e-5, 1.0, 1, rtol=1e-3)
    # still feasible, and within about one tolerance step of the smallest feasible multiplier
    assert dpsgd_epsilon(sigma, 1.0, 1, 1e-5) <= 1.0
    assert exact <= sigma <= exact * (1 + 1e-3)
