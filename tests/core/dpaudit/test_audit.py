"""The audit end to end on fakes: a leaking "DP" synthesizer is caught, a correct DP one is not."""

from __future__ import annotations

import pytest

from safedata_core.dpaudit import run_audit
from safedata_core.errors import SafedataError
from safedata_core.testing import tiny_table
from tests.core.dpaudit.fakes import LeakySynthesizer, OneColumnDPSynthesizer


def test_non_private_fake_is_far_above_its_claim() -> None:
    res = run_audit(LeakySynthesizer, table=tiny_table(100, seed=3), runs=100, epsilon=0.1, progress=False)
    # every D' release holds the canary, no D release does: the bound reaches its maximum for 50 runs a side
    assert res.evaluation["tpr"] == 1.0 and res.evaluation["fpr"] == 0.0
    assert res.eps_lower > 2.0 > 10 * res.epsilon
    assert not res.below_claim
    assert res.noise_mode == "secure"


def test_correct_dp_fake_stays_below_its_claim() -> None:
    res = run_audit(
        OneColumnDPSynthesizer, table=tiny_table(100, seed=3), runs=200, epsilon=1.0, sample_rows=300, progress=False
    )
    assert res.below_claim, res.summary()
    assert res.eps_lower < 1.0
    # the canary's region is the rarest declared category: the audit looks at it
    assert res.canary["region"] == "west"


def test_result_serialises_and_reads_well() -> None:
    res = run_audit(LeakySynthesizer, table=tiny_table(60, seed=1), runs=6, epsilon=1.0, progress=False)
    d = res.to_dict()
    assert d["runs"] == 6 and d["rows"] == 60 and d["sample_rows"] == 60
    assert d["evaluation"]["runs_d"] == 3 and d["evaluation"]["runs_dprime"] == 3
    assert "epsilon_lower" in res.summary() and "leaky_fake" in res.summary()


def test_power_check_needs_a_dp_parameter() -> None:
    res = run_audit(LeakySynthesizer, table=tiny_table(60, seed=1), runs=4, epsilon=1.0, dp_off=True, progress=False)
    assert res.power == {"available": False, "reason": "'leaky_fake' has no non-private mode (no 'dp' parameter)"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 1}, "too few"),
        ({"epsilon": 0.0}, "must be > 0"),
        ({"delta": 1.0}, "delta"),
        ({"jobs": 0}, "jobs"),
    ],
)
def test_bad_settings_are_one_line_errors(kwargs: dict, message: str) -> None:
    args = {"table": tiny_table(50), "runs": 4, "epsilon": 1.0, "progress": False, **kwargs}
    with pytest.raises(SafedataError, match=message):
        run_audit(LeakySynthesizer, **args)


def test_parallel_runs_match_serial_runs() -> None:
    # the leaky fake has no randomness, so serial and 2-process runs must measure the same
    args = {"table": tiny_table(60, seed=1), "runs": 8, "epsilon": 1.0, "progress": False}
    serial = run_audit(LeakySynthesizer, **args)
    parallel = run_audit(LeakySynthesizer, jobs=2, **args)
    assert parallel.evaluation == serial.evaluation and parallel.test == serial.test
