"""Ledger composes with the chosen accountant, lists every charge, and never lets spend exceed a share."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import Budget, Ledger, dpsgd_epsilon


def test_rdp_ledger_is_tighter_than_basic_for_repeated_gaussians() -> None:
    ledger = Ledger(Budget(3.0, 1e-5), accountant="rdp")
    share = ledger.share("s", "c", Budget(3.0, 1e-5))
    for _ in range(20):
        share.charge("gaussian", epsilon=0.5, delta=1e-6, noise_multiplier=10.0)
    spent = share.spent().epsilon
    assert spent < 2.0  # basic composition would claim 20 * 0.5 = 10 (and could not pay the delta)
    basic = Ledger(Budget(100.0, 1e-4), accountant="basic")
    bshare = basic.share("s", "c", Budget(100.0, 1e-4))
    for _ in range(20):
        bshare.charge("gaussian", epsilon=0.5, delta=1e-6, noise_multiplier=10.0)
    assert bshare.spent().epsilon == pytest.approx(10.0)


def test_dpsgd_charge_matches_dpsgd_epsilon_and_prv_is_tighter() -> None:
    sigma, q, steps, delta = 1.1, 0.01, 1000, 1e-5
    eps_rdp = dpsgd_epsilon(sigma, q, steps, delta)
    for name in ("rdp", "prv"):
        ledger = Ledger(Budget(10.0, delta), accountant=name)
        share = ledger.share("train", "dpsgd", Budget(10.0, delta))
        share.charge("subsampled_gaussian", epsilon=eps_rdp, count=steps, noise_multiplier=sigma, sample_rate=q)
        got = ledger.spent().epsilon
        if name == "rdp":
            assert got == pytest.approx(eps_rdp, rel=1e-12)
        else:
            assert got < eps_rdp


def test_ledger_json_lists_every_charge_with_parameters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger(Budget(2.0, 1e-5))
    a = ledger.share("a", "laplace", Budget(1.0, 0.0))
    b = ledger.share("b", "dp_aggregate", Budget(1.0, 1e-5))
    a.charge("laplace", epsilon=0.4, sensitivity=1.0, scale=2.5, note="counts")
    a.charge("exponential", epsilon=0.6, count=3, epsilon_each=0.2, sensitivity=1.0)
    b.charge("gaussian", epsilon=0.9, delta=1e-5, noise_multiplier=4.0)
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(ledger.to_dict()))
    data = json.loads(path.read_text())
    assert [c["mechanism"] for c in data["charges"]] == ["laplace", "exponential", "gaussian"]
    assert data["charges"][0]["params"] == {"sensitivity": 1.0, "scale": 2.5}
    assert data["charges"][1]["count"] == 3 and data["charges"][1]["params"]["epsilon_each"] == 0.2
    assert data["charges"][2]["params"]["noise_multiplier"] == 4.0
    assert data["spent"]["epsilon"] <= 2.0


def test_overspend_is_refused_and_not_recorded() -> None:
    ledger = Ledger(Budget(1.0, 0.0))
    share = ledger.share("s", "c", Budget(1.0, 0.0))
    share.charge("laplace", epsilon=0.7, sensitivity=1.0, scale=1 / 0.7)
    with pytest.raises(PrivacyBudgetError, match="above its share"):
        share.charge("laplace", epsilon=0.4, sensitivity=1.0, scale=2.5)
    assert len(ledger.charges) == 1


_charge = st.one_of(
    st.tuples(st.just("laplace"), st.floats(0.01, 1.0)),
    st.tuples(st.just("gaussian"), st.floats(0.5, 20.0)),
    st.tuples(st.just("subsampled_gaussian"), st.floats(0.6, 5.0)),
    st.tuples(st.just("exponential"), st.floats(0.01, 1.0)),
    st.tuples(st.just("approx"), st.floats(0.01, 0.5)),
)


@settings(max_examples=30, deadline=None)
@given(charges=st.lists(_charge, min_size=1, max_size=12), eps=st.floats(0.2, 5.0), acc=st.sampled_from(["rdp"]))
def test_spent_never_exceeds_share(charges: list[tuple[str, float]], eps: float, acc: str) -> None:
    delta = 1e-5
    ledger = Ledger(Budget(eps, delta), accountant=acc)
    share = ledger.share("s", "c", Budget(eps, delta))
    for kind, x in charges:
        try:
            if kind == "laplace":
                share.charge("laplace", epsilon=x, sensitivity=1.0, scale=1 / x)
            elif kind == "gaussian":
                share.charge("gaussian", epsilon=1.0, delta=delta, noise_multiplier=x)
            elif kind == "subsampled_gaussian":
                e = dpsgd_epsilon(x, 0.05, 50, delta)
                share.charge("subsampled_gaussian", epsilon=e, count=50, noise_multiplier=x, sample_rate=0.05)
            elif kind == "exponential":
                share.charge("exponential", epsilon=x, epsilon_each=x, sensitivity=1.0)
            else:
                share.charge("approx", epsilon=x, delta=delta / 10)
        except PrivacyBudgetError:
            pass
    spent = share.spent()
    assert spent.epsilon <= eps * (1 + 1e-9) + 1e-9
    assert spent.delta <= delta * (1 + 1e-9)
    assert math.isfinite(ledger.spent().epsilon)


def test_budget_share_public_view_of_its_own_charges() -> None:
    from safedata_core.privacy import Budget, Ledger, PrivacyEvent

    ledger = Ledger(Budget(2.0, 1e-6), accountant="rdp")
    a = ledger.share("a", "x", Budget(1.0, 5e-7))
    b = ledger.share("b", "y", Budget(1.0, 5e-7))
    a.charge("laplace", epsilon=0.3, sensitivity=1.0, scale=1 / 0.3)
    b.charge("laplace", epsilon=0.5, sensitivity=1.0, scale=2.0)
    assert [c.step for c in a.charges] == ["a"] and len(a.events()) == 1
    planned = PrivacyEvent("laplace", 0.4, params={"sensitivity": 1.0, "scale": 2.5})
    assert a.compose() <= 0.3 + 1e-12
    assert a.compose([planned]) <= 0.7 + 1e-12 and a.compose([planned]) > a.compose()
    assert len(a.events()) == 1  # planning records nothing
