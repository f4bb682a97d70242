"""PRV/PLD accountant against reference values (dp_accounting PLD values exactly; opacus PRV upper bounds)."""

from __future__ import annotations

import json
import math

import pytest

from safedata_core.privacy import PrivacyEvent, create_accountant
from tests.conftest import shared_data


def _ref() -> dict:
    return json.loads(shared_data("reference_values", "dp_accountant_expected.json").read_text())


def _sgm(sigma: float, q: float, steps: int) -> PrivacyEvent:
    return PrivacyEvent("subsampled_gaussian", math.inf, 0.0, steps, {"noise_multiplier": sigma, "sample_rate": q})


@pytest.mark.reference
def test_tf_privacy_pld_example_values() -> None:
    vals = _ref()["tf_privacy_compute_dp_sgd_privacy_test_py"]["example_privacy_cases"]["values"]
    prv = create_accountant("prv")
    # 1.2 epochs, sigma 0.7, delta 1e-5: no subsampling = 2 full-batch Gaussian steps; q=0.01 = 120 steps
    full = prv.epsilon([PrivacyEvent("gaussian", math.inf, 0.0, 2, {"noise_multiplier": 0.7})], 1e-5)
    sub = prv.epsilon([_sgm(0.7, 0.01, 120)], 1e-5)
    assert full == pytest.approx(vals["no_microbatching_no_subsampling_pld"], rel=1e-6)
    assert sub == pytest.approx(vals["no_microbatching_with_subsampling_pld"], rel=1e-6)
    rdp_full = create_accountant("rdp").epsilon(
        [PrivacyEvent("gaussian", 1.0, 0.0, 2, {"noise_multiplier": 0.7})], 1e-5
    )
    assert rdp_full == pytest.approx(vals["no_microbatching_no_subsampling_rdp"], rel=1e-6)


@pytest.mark.reference
def test_opacus_prv_msr_values_are_reproduced_up_to_opacus_eps_error() -> None:
    """opacus' PRVAccountant returns eps_estimate + eps_error (0.01) at delta - delta/1000: an upper bound.

    Our PLD value is the tight (pessimistically discretised) epsilon, so it sits just below the
    reference by about opacus' padding of 0.01; both are valid upper bounds of the true epsilon.
    """
    ref = _ref()["opacus_tests_prv_accountant_py_msr_values"]
    prv = create_accountant("prv")
    for sigma, q, steps, want in ref["cases"][::3]:
        got = prv.epsilon([_sgm(sigma, q, int(steps))], ref["delta"])
        assert got < want, (sigma, q, steps)
        assert got + 0.01 == pytest.approx(want, abs=2.5e-3), (sigma, q, steps)


@pytest.mark.reference
def test_opacus_prv_asserted_case_and_prv_below_rdp() -> None:
    case = next(c for c in _ref()["opacus_tests_accountants_test_py"]["cases"] if c["test"].startswith("test_prv_acc"))
    ev = [_sgm(case["sigma"], case["q"], case["steps"])]
    got = create_accountant("prv").epsilon(ev, case["delta"])
    assert got + 0.01 == pytest.approx(case["epsilon"], abs=2.5e-3)
    assert got < create_accountant("rdp").epsilon(ev, case["delta"])


def test_prv_composes_mixed_events() -> None:
    prv = create_accountant("prv")
    events = [
        _sgm(1.0, 0.02, 200),
        PrivacyEvent("laplace", 0.5, 0.0, 1, {"sensitivity": 1.0, "scale": 2.0}),
        PrivacyEvent("geometric", 0.5, 0.0, 1, {"sensitivity": 1, "scale": 2.0}),
        PrivacyEvent("exponential", 0.4, 0.0, 2, {"epsilon_each": 0.2}),
        PrivacyEvent("approx", 0.1, 1e-7, 1, {}),
    ]
    total = prv.epsilon(events, 1e-5)
    parts = prv.epsilon(events[:1], 1e-5)
    assert parts < total < parts + 1.5 + 0.1
    assert prv.epsilon([], 1e-5) == 0.0
    assert prv.epsilon(events, 0.0) == math.inf


# -- event mapping, recomputed with dp_accounting directly (coarse grid: fast; reference-free) ---------------

VDI = 1e-2


def _direct(one, delta: float = 1e-5) -> float:  # type: ignore[no-untyped-def]
    return max(0.0, float(one.get_epsilon_for_delta(delta)))


def _ours(*events: PrivacyEvent, delta: float = 1e-5) -> float:
    from safedata_core.privacy.prv import PRVAccountant

    return PRVAccountant(value_discretization_interval=VDI).epsilon(list(events), delta)


def test_each_kind_maps_to_its_privacy_loss_distribution() -> None:
    from dp_accounting.pld import common
    from dp_accounting.pld import privacy_loss_distribution as pld

    def ev(kind: str, eps: float = 1.0, delta: float = 0.0, count: int = 1, **p: float) -> PrivacyEvent:
        return PrivacyEvent(kind, eps, delta, count, p)  # type: ignore[arg-type]

    def generic(eps: float, delta: float) -> float:
        return _direct(pld.from_privacy_parameters(common.DifferentialPrivacyParameters(eps, delta), VDI))

    sub = pld.from_gaussian_mechanism(1.2, sampling_prob=0.05, value_discretization_interval=VDI)
    assert _ours(ev("subsampled_gaussian", count=3, noise_multiplier=1.2, sample_rate=0.05)) == _direct(
        sub.self_compose(3)
    )
    assert _ours(ev("subsampled_gaussian", noise_multiplier=1.2, sample_rate=0.05)) == _direct(sub)
    assert _ours(ev("subsampled_gaussian", count=3, noise_multiplier=1.2, sample_rate=0.0)) == 0.0
    assert _ours(ev("gaussian", 9.0, noise_multiplier=2.0)) == _direct(
        pld.from_gaussian_mechanism(2.0, value_discretization_interval=VDI)
    )
    dg = pld.from_discrete_gaussian_mechanism(3.0, sensitivity=2, value_discretization_interval=VDI)
    assert _ours(ev("discrete_gaussian", 9.0, sigma=3.0, sensitivity=2.0, changed=1)) == _direct(dg)
    # several changed coordinates, or a non-integer sensitivity: only the event's own (eps, delta) claim
    assert _ours(ev("discrete_gaussian", 0.7, 1e-7, sigma=3.0, sensitivity=2.0, changed=2)) == generic(0.7, 1e-7)
    assert _ours(ev("discrete_gaussian", 0.7, 1e-7, sigma=3.0, sensitivity=1.5, changed=1)) == generic(0.7, 1e-7)
    assert _ours(ev("discrete_gaussian", 0.7, 1e-7, sigma=3.0, sensitivity=1.0)) == generic(0.7, 1e-7)
    assert _ours(ev("laplace", 9.0, sensitivity=2.0, scale=3.0)) == _direct(
        pld.from_laplace_mechanism(1.5, value_discretization_interval=VDI)
    )
    assert _ours(ev("laplace", 0.4, sensitivity=2.0, scale=0.0)) == generic(0.4, 0.0)
    geo = pld.from_discrete_laplace_mechanism(1 / 4.0, sensitivity=2, value_discretization_interval=VDI)
    assert _ours(ev("geometric", 9.0, sensitivity=2, scale=4.0)) == _direct(geo)
    assert _ours(ev("geometric", 0.4, sensitivity=1.5, scale=4.0)) == generic(0.4, 0.0)
    assert _ours(ev("geometric", 0.4, sensitivity=0, scale=4.0)) == generic(0.4, 0.0)
    assert _ours(ev("geometric", 0.4, scale=4.0)) == generic(0.4, 0.0)
    pure = pld.from_privacy_parameters(common.DifferentialPrivacyParameters(0.25, 0.0), VDI)
    assert _ours(ev("exponential", 0.75, count=3, epsilon_each=0.25)) == _direct(pure.self_compose(3))
    assert _ours(ev("exponential", 0.75, count=3)) == _direct(pure.self_compose(3))
    assert _ours(ev("pure", 0.25)) == _direct(pure)
    assert _ours(ev("pure", 0.5, 1e-7)) == generic(0.5, 1e-7)
    assert _ours(ev("approx", 0.5, 1e-7, count=4)) == generic(0.5, 1e-7)  # the claim covers all repetitions
    assert _ours(ev("approx", 0.0, 0.0)) == 0.0 and _ours(ev("pure", 0.0)) == 0.0
    assert _ours(ev("approx", 0.0, 1e-6)) == generic(0.0, 1e-6)


def test_composition_zero_and_delta_edges() -> None:
    from dp_accounting.pld import privacy_loss_distribution as pld

    from safedata_core.privacy.prv import PRVAccountant

    a = PrivacyEvent("gaussian", 1.0, 0.0, 1, {"noise_multiplier": 2.0})
    b = PrivacyEvent("laplace", 1.0, 0.0, 1, {"sensitivity": 1.0, "scale": 2.0})
    both = pld.from_gaussian_mechanism(2.0, value_discretization_interval=VDI).compose(
        pld.from_laplace_mechanism(2.0, value_discretization_interval=VDI)
    )
    assert _ours(a, b) == _direct(both)
    assert _ours(PrivacyEvent("approx", 0.0), a) == _ours(a)  # a free event composes as nothing
    assert _ours() == 0.0 and _ours(a, delta=0.0) == math.inf and _ours(a, delta=-1.0) == math.inf
    assert _ours(PrivacyEvent("pure", 0.2), delta=0.9) == 0.0  # never negative
    assert PRVAccountant().vdi == 1e-4


def test_subsampled_gaussian_without_its_parameters_is_a_generic_claim() -> None:
    from dp_accounting.pld import common
    from dp_accounting.pld import privacy_loss_distribution as pld

    generic = _direct(pld.from_privacy_parameters(common.DifferentialPrivacyParameters(0.7, 1e-7), VDI))
    for params in ({"noise_multiplier": 1.0}, {"sample_rate": 0.1}):
        assert _ours(PrivacyEvent("subsampled_gaussian", 0.7, 1e-7, 5, params)) == generic
