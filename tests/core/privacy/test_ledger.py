"""Ledger and BudgetShare bookkeeping: exact totals, edges of the share checks, exact messages and JSON."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

import pytest

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import Budget, BudgetShare, Charge, Ledger, PrivacyEvent


def _basic(eps: float = 2.0, delta: float = 1e-5) -> Ledger:
    return Ledger(Budget(eps, delta), accountant="basic")


def test_default_accountant_is_rdp_and_a_fresh_share_is_empty_and_secure() -> None:
    ledger = Ledger(Budget(1.0, 1e-6))
    assert ledger.accountant_name == "rdp" and ledger.charges == [] and ledger.shares == {}
    share = ledger.share("fit", "mst", Budget(0.5, 1e-7))
    assert isinstance(share, BudgetShare)
    assert (share.step, share.component, share.epsilon, share.delta) == ("fit", "mst", 0.5, 1e-7)
    assert share.accountant == "rdp" and share.secure and share.noise.mode == "secure"
    assert share.noise_rng(123) is share.noise.generator
    assert ledger.shares == {"fit": Budget(0.5, 1e-7)}
    assert share.spent() == Budget(0.0, 0.0) and ledger.spent() == Budget(0.0, 0.0)
    assert share.remaining_epsilon() == 0.5 and share.remaining_delta() == 1e-7
    assert share.compose() == 0.0


def test_share_without_a_pipeline_budget_names_the_fix() -> None:
    expected = (
        "step 'fit': component 'mst' is DP but the pipeline has no privacy budget "
        "(add privacy: {epsilon: ..., delta: ...} to the pipeline)"
    )
    with pytest.raises(PrivacyBudgetError, match=f"^{re.escape(expected)}$"):
        Ledger(None).share("fit", "mst", Budget(1.0))


def test_a_step_gets_one_share() -> None:
    ledger = _basic()
    ledger.share("a", "x", Budget(0.5))
    with pytest.raises(PrivacyBudgetError, match=r"^step 'a' already has a budget share$"):
        ledger.share("a", "y", Budget(0.5))


def test_shares_may_use_the_whole_budget_but_not_more() -> None:
    ledger = _basic(1.0, 1e-5)
    ledger.share("a", "x", Budget(0.25, 4e-6))
    ledger.share("b", "x", Budget(0.75, 6e-6))  # exactly the budget: allowed
    assert set(ledger.shares) == {"a", "b"}
    tight = _basic(1.0, 1e-5)
    tight.share("a", "x", Budget(0.5, 5e-6))
    expected = (
        "step 'b': share (epsilon=0.6, delta=1e-06) takes the total to (epsilon=1.1, delta=6e-06), "
        "above the budget (epsilon=1, delta=1e-05); lower the step shares"
    )
    with pytest.raises(PrivacyBudgetError, match=f"^{re.escape(expected)}$"):
        tight.share("b", "x", Budget(0.6, 1e-6))
    with pytest.raises(PrivacyBudgetError, match=re.escape("takes the total to (epsilon=0.6, delta=1.1e-05)")):
        tight.share("c", "x", Budget(0.1, 6e-6))
    assert set(tight.shares) == {"a"}  # refused shares are not reserved


def test_charges_record_every_field_and_views_are_per_step() -> None:
    ledger = _basic(3.0, 1e-5)
    a = ledger.share("a", "comp_a", Budget(1.0, 5e-6))
    b = ledger.share("b", "comp_b", Budget(2.0, 5e-6))
    ev = a.charge("approx", epsilon=0.25, delta=1e-6, count=3, note="first", foo=1.5)
    assert ev == PrivacyEvent("approx", 0.25, 1e-6, 3, {"foo": 1.5})
    assert a.charge("pure", epsilon=0.5) == PrivacyEvent("pure", 0.5, 0.0, 1, {})
    b.charge("pure", epsilon=0.5)
    assert ledger.charges[0] == Charge("a", "comp_a", ev, "first")
    assert [c.step for c in a.charges] == ["a", "a"] and [c.step for c in b.charges] == ["b"]
    assert a.events() == [c.event for c in a.charges] and ledger.events("b") == [b.charges[0].event]
    assert ledger.events() == [c.event for c in ledger.charges]
    assert a.charges[1].note == "" and b.charges[0].note == ""


def test_share_spends_up_to_its_epsilon_exactly_and_refuses_beyond() -> None:
    share = _basic(1.0, 0.0).share("s", "comp", Budget(1.0, 0.0))
    share.charge("pure", epsilon=0.75)
    assert share.remaining_epsilon() == 0.25
    share.charge("pure", epsilon=0.25)  # exactly the share: allowed
    assert share.spent() == Budget(1.0, 0.0) and share.remaining_epsilon() == 0.0
    expected = (
        "step 's': comp tried to spend approx (epsilon=0.001, delta=0) taking the step to epsilon=1.001, "
        "above its share (epsilon=1, delta=0); raise the step's privacy share or lower the work"
    )
    with pytest.raises(PrivacyBudgetError, match=f"^{re.escape(expected)}$"):
        share.charge("approx", epsilon=0.001)
    assert len(share.charges) == 2


@pytest.mark.parametrize("epsilon", [math.inf, math.nan, -0.5])
def test_record_refuses_non_finite_or_negative_epsilon(epsilon: float) -> None:
    share = _basic().share("s", "comp", Budget(1.0, 1e-5))
    expected = f"step 's': comp charged epsilon={epsilon}; a DP charge needs a finite epsilon >= 0"
    with pytest.raises(PrivacyBudgetError, match=f"^{re.escape(expected)}$"):
        share.record(PrivacyEvent("pure", epsilon))
    assert share.charges == []


def test_record_accepts_zero_epsilon() -> None:
    share = _basic().share("s", "comp", Budget(1.0, 1e-5))
    share.record(PrivacyEvent("pure", 0.0), note="free")
    assert share.charges[0].note == "free" and share.spent().epsilon == 0.0


def test_remaining_delta_and_basic_spent_delta() -> None:
    d = 2.0**-17  # powers of two keep the sums exact
    ledger = _basic(2.0, d)
    share = ledger.share("s", "comp", Budget(2.0, d))
    share.charge("approx", epsilon=0.5, delta=d / 4)
    share.charge("approx", epsilon=0.5, delta=d / 4)
    assert share.remaining_delta() == d / 2 and share.remaining_epsilon() == 1.0
    spent = share.spent()
    assert spent == Budget(1.0, d / 2)  # basic composition: the deltas add up
    assert ledger.spent() == spent
    share.charge("approx", epsilon=0.5, delta=d / 2)
    assert share.remaining_delta() == 0.0 and share.remaining_epsilon() == 0.5
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        share.charge("approx", epsilon=0.1, delta=d / 1024)  # the delta is exhausted
    share.charge("pure", epsilon=0.5)
    assert share.remaining_epsilon() == 0.0


def test_rdp_spend_reports_the_share_delta_and_the_tighter_epsilon() -> None:
    ledger = Ledger(Budget(5.0, 1e-5))
    share = ledger.share("s", "comp", Budget(5.0, 1e-5))
    for _ in range(10):
        share.charge("gaussian", epsilon=1.0, delta=1e-7, noise_multiplier=5.0)
    spent = share.spent()
    assert spent.epsilon < 10.0 and spent.delta == 1e-5  # RDP is tighter and is read at the share's delta
    assert share.remaining_epsilon() == 0.0  # planning uses basic composition: 10 x 1.0 > 5
    assert spent.epsilon == share.compose() == ledger.compose(share.events(), 1e-5)
    planned = [PrivacyEvent("gaussian", 1.0, 1e-7, 1, {"noise_multiplier": 5.0})]
    assert share.compose(planned) > spent.epsilon and len(share.events()) == 10


def test_run_total_is_the_joint_composition_when_that_is_tighter() -> None:
    ledger = Ledger(Budget(10.0, 2e-5))
    a = ledger.share("a", "x", Budget(5.0, 1e-5))
    b = ledger.share("b", "y", Budget(5.0, 1e-5))
    for _ in range(20):
        a.charge("gaussian", epsilon=0.5, delta=1e-7, noise_multiplier=10.0)
    b.charge("pure", epsilon=2.0)
    per_step = a.spent().epsilon + b.spent().epsilon
    joint = ledger.compose(ledger.events(), 2e-5)
    assert joint < per_step
    assert ledger.spent() == Budget(joint, 2e-5)
    assert b.spent() == Budget(2.0, 0.0)  # basic wins for one pure charge: its delta is the charges' (0)


@pytest.fixture
def single_event_accountant() -> Iterator[str]:
    """An accountant that halves a single event's epsilon but cannot compose two events."""
    from safedata_core.privacy import accountants

    class SingleEvent(accountants.Accountant):
        name = "single-event-test"

        def epsilon(self, events: Sequence[PrivacyEvent], delta: float) -> float:
            return 0.5 * events[0].epsilon if len(events) == 1 else math.inf

    saved = dict(accountants._ACCOUNTANTS)
    accountants.register_accountant(SingleEvent)
    yield SingleEvent.name
    accountants._ACCOUNTANTS.clear()
    accountants._ACCOUNTANTS.update(saved)


def test_run_total_never_exceeds_the_sum_of_step_totals(single_event_accountant: str) -> None:
    ledger = Ledger(Budget(4.0, 0.0), accountant=single_event_accountant)
    ledger.share("a", "x", Budget(2.0)).charge("pure", epsilon=1.0)
    ledger.share("b", "y", Budget(2.0)).charge("pure", epsilon=1.5)
    assert ledger.spent("a").epsilon == 0.5 and ledger.spent("b").epsilon == 0.75
    assert ledger.compose(ledger.events(), 0.0) == 2.5  # jointly only basic composition applies
    assert ledger.spent() == Budget(1.25, 0.0)


def test_spent_without_budget_composes_at_the_charged_delta() -> None:
    ledger = Ledger(None, accountant="basic")
    ledger.charges.append(Charge("s", "c", PrivacyEvent("approx", 0.5, 2.0**-20)))
    ledger.charges.append(Charge("s", "c", PrivacyEvent("approx", 0.25, 2.0**-21)))
    assert ledger.spent() == Budget(0.75, 3 * 2.0**-21)


def test_ledger_and_charge_dicts_are_exact() -> None:
    ledger = _basic(2.0, 1e-5)
    a = ledger.share("a", "laplace", Budget(1.0, 0.0))
    a.charge("geometric", epsilon=0.5, sensitivity=1, scale=2.0, note="counts")
    assert ledger.charges[0].to_dict() == {
        "step": "a",
        "component": "laplace",
        "mechanism": "geometric",
        "epsilon": 0.5,
        "delta": 0.0,
        "count": 1,
        "params": {"sensitivity": 1, "scale": 2.0},
        "note": "counts",
    }
    assert ledger.to_dict() == {
        "accountant": "basic",
        "budget": {"epsilon": 2.0, "delta": 1e-5},
        "spent": {"epsilon": 0.5, "delta": 0.0},
        "shares": {"a": {"epsilon": 1.0, "delta": 0.0}},
        "charges": [ledger.charges[0].to_dict()],
    }
    empty = Ledger(None).to_dict()
    assert empty == {
        "accountant": "rdp",
        "budget": None,
        "spent": {"epsilon": 0.0, "delta": 0.0},
        "shares": {},
        "charges": [],
    }


def test_remaining_budget_counts_only_this_steps_charges() -> None:
    d = 2.0**-16
    ledger = _basic(4.0, 2 * d)
    a = ledger.share("a", "x", Budget(2.0, d))
    b = ledger.share("b", "y", Budget(2.0, d))
    b.charge("approx", epsilon=1.5, delta=d / 2)
    a.charge("approx", epsilon=0.5, delta=d / 4)
    assert a.remaining_epsilon() == 1.5 and a.remaining_delta() == 3 * d / 4
    assert b.remaining_epsilon() == 0.5 and b.remaining_delta() == d / 2
