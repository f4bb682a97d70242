"""The contract kit fails components that break its promises, and skips only with a stated reason.

Each ``...Case`` class applies a contract to one fake from ``fakes.py``; the
tests call the contract's checks directly and expect them to fail (or pass,
or skip with the reason) as the fake deserves.
"""

from __future__ import annotations

import pytest

from safedata_core.default_plugins.mechanisms import LaplaceMechanism
from safedata_core.errors import PluginRegistrationError
from safedata_core.testing import (
    AttackContract,
    MechanismContract,
    MetricContract,
    SDCContract,
    SynthesizerContract,
)
from tests.core.dpaudit.fakes import LeakySynthesizer, OneColumnDPSynthesizer
from tests.core.testing.fakes import (
    BlindAttack,
    ConstantMetric,
    DeclaredOnlyDP,
    DroppingSDC,
    HalfSpendDP,
    NarrowLaplace,
    SeedNoiseDP,
    SharpExponential,
    WideLaplace,
)

DP_CHECKS = (
    "test_dp_refuses_fit_without_budget",
    "test_dp_spends_within_share_and_reports",
    "test_dp_spends_its_full_share",
    "test_dp_overspend_fails",
    "test_dp_secure_noise_differs_for_same_seed",
    "test_dp_refuses_undeclared_column",
    "test_dp_empirical_audit",
)


class GoodDPCase(SynthesizerContract):
    component = DeclaredOnlyDP
    epsilon = 1.0


def test_correct_dp_synthesizer_passes_every_check() -> None:
    case = GoodDPCase()
    for name in [n for n in dir(case) if n.startswith("test_") and n != "test_discoverable_through_entry_point"]:
        if name == "test_state_dict_round_trip":
            with pytest.raises(pytest.skip.Exception, match="state_dict not implemented"):
                getattr(case, name)()
            continue
        getattr(case, name)()  # raises on failure
    assert set(DP_CHECKS) <= set(dir(case))


def test_noise_from_the_seed_fails_the_secure_mode_check() -> None:
    class Case(GoodDPCase):
        component = SeedNoiseDP

    with pytest.raises(AssertionError, match="same seed gave identical releases"):
        Case().test_dp_secure_noise_differs_for_same_seed()


def test_half_spend_fails_and_an_exemption_skips_with_its_reason() -> None:
    class Case(GoodDPCase):
        component = HalfSpendDP

    with pytest.raises(AssertionError, match=r"spent epsilon=0\.5"):
        Case().test_dp_spends_its_full_share()

    class Exempt(Case):
        full_spend_exempt = "spends half by design (tests)"

    with pytest.raises(pytest.skip.Exception, match="spends half by design"):
        Exempt().test_dp_spends_its_full_share()


def test_accepting_an_undeclared_column_fails() -> None:
    class Case(GoodDPCase):
        component = OneColumnDPSynthesizer

    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        Case().test_dp_refuses_undeclared_column()


def test_leaky_synthesizer_fails_the_empirical_audit() -> None:
    class Case(GoodDPCase):
        component = LeakySynthesizer

    with pytest.raises(AssertionError, match="exceeds the claimed"):
        Case().test_dp_empirical_audit()


def test_an_audit_too_small_to_fail_is_refused() -> None:
    class Case(GoodDPCase):
        audit_runs = 10

    with pytest.raises(AssertionError, match="could not fail"):
        Case().test_dp_empirical_audit()


def test_non_private_configuration_skips_dp_checks_with_the_reason() -> None:
    from tests.core.bench.fakes import UniformDomainSynthesizer

    class Case(SynthesizerContract):
        component = UniformDomainSynthesizer
        params = {"dp": False}

    case = Case()
    case.test_dp_refuses_fit_without_budget()  # the non-private mode must fit without a budget
    for name in DP_CHECKS[1:]:
        with pytest.raises(pytest.skip.Exception, match="params dp: false"):
            getattr(case, name)()


@pytest.mark.parametrize(
    ("component", "params", "message"),
    [
        (WideLaplace, {"sensitivity": 1.0}, "does not match the charge"),
        (NarrowLaplace, {"sensitivity": 2.0}, "does not match the charge"),
        (SharpExponential, {"sensitivity": 1.0}, "pick frequencies"),
    ],
)
def test_noise_off_its_calibration_fails_the_mechanism_contract(component: type, params: dict, message: str) -> None:
    case_cls = type("Case", (MechanismContract,), {"component": component, "params": params})
    with pytest.raises(AssertionError, match=message):
        case_cls().test_noise_scale_matches_charge()


def test_calibrated_laplace_passes_and_exemption_skips() -> None:
    case_cls = type("Case", (MechanismContract,), {"component": LaplaceMechanism, "params": {"sensitivity": 3.0}})
    case_cls().test_noise_scale_matches_charge()
    exempt = type("Exempt", (case_cls,), {"noise_scale_exempt": "noise law not additive (tests)"})
    with pytest.raises(pytest.skip.Exception, match="not additive"):
        exempt().test_noise_scale_matches_charge()


def test_constant_metric_fails_identical_tables() -> None:
    class Case(MetricContract):
        component = ConstantMetric

    with pytest.raises(AssertionError, match="identical tables score 0.5, best is 1.0"):
        Case().test_identical_tables_score_well()

    class Exempt(Case):
        identical_exempt = "no best value (tests)"

    with pytest.raises(pytest.skip.Exception, match="no best value"):
        Exempt().test_identical_tables_score_well()


def test_attack_that_always_says_zero_fails() -> None:
    class Case(AttackContract):
        component = BlindAttack

    Case().test_run_returns_result_with_intervals()  # the result is well formed ...
    with pytest.raises(AssertionError, match="on an exact copy"):
        Case().test_exact_copy_is_high_risk()  # ... but the attack is blind


def test_sdc_dropping_an_untargeted_record_fails() -> None:
    class Case(SDCContract):
        component = DroppingSDC

    with pytest.raises(AssertionError, match="untargeted records were changed or dropped"):
        Case().test_apply_targeted_rows_only()


def test_registration_and_docstring_checks_fail_loudly() -> None:
    class Undocumented(ConstantMetric):
        """Scores 0.5.

        **Privacy guarantee**: none.
        """

        name = "undocumented_metric"

    class Case(MetricContract):
        component = Undocumented

    with pytest.raises(AssertionError, match=r"\*\*Assumptions\*\*"):
        Case().test_docstring_sections()
    with pytest.raises(PluginRegistrationError, match="Assumptions"):
        Case().test_registers_cleanly()
