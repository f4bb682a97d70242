"""Papernot & Steinke (2022) selection bound: the theorems evaluated directly, dp_accounting, the ledger."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from safedata_core.errors import SafedataError
from safedata_core.privacy import Budget, Ledger, NoiseSource
from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.hyperparameter import (
    TrialDistribution,
    calibrate_rho,
    delta_from_rdp,
    repeat_and_select_rdp,
    sample_trials,
    tuning_epsilon,
    tuning_event,
)
from safedata_core.privacy.rdp import RDPAccountant, event_rdp

ORDERS = rc.DEFAULT_ORDERS


def theorem2(rho: float, lam: float, eta: float, gamma: float, mean: float) -> float:
    """Thm. 2 written out for a rho-zCDP base: min over lambda_hat of the grid, scalar loop."""
    best = math.inf
    for lh in ORDERS:
        term = (1 + eta) * (1 - 1 / lh) * (lh * rho) + (1 + eta) * math.log(1 / gamma) / lh
        best = min(best, term)
    return lam * rho + best + math.log(mean) / (lam - 1)


def theorem6(rho: float, lam: float, mean: float) -> float:
    """Thm. 6 (Poisson) for a rho-zCDP base; delta_hat at eps_hat = log(1 + 1/(lam - 1)), CKS Prop. 12."""
    eps_hat = math.log1p(1 / (lam - 1))
    log_deltas = [(a - 1) * (a * rho - eps_hat) + a * math.log(1 - 1 / a) - math.log(a - 1) for a in ORDERS]
    delta_hat = min(1.0, math.exp(min(0.0, min(log_deltas))))
    return lam * rho + mean * delta_hat + math.log(mean) / (lam - 1)


def tnb_mean_direct(eta: float, gamma: float) -> float:
    """E[K] summed from Definition 1's pmf (normalised numerically)."""
    k = np.arange(1, 20000, dtype=float)
    if eta == 0:
        logp = k * math.log(1 - gamma) - np.log(k)
    else:
        logp = special.gammaln(k + eta) - special.gammaln(k + 1) - special.gammaln(eta) + k * math.log(1 - gamma)
    p = np.exp(logp - logp.max())
    return float(np.sum(k * p) / np.sum(p))


@pytest.mark.parametrize(("eta", "mean"), [(1.0, 10.0), (0.0, 5.0), (0.5, 7.0), (2.0, 3.0)])
def test_truncated_negative_binomial_matches_theorem2(eta: float, mean: float) -> None:
    dist = TrialDistribution("truncated_negative_binomial", mean, eta)
    assert tnb_mean_direct(eta, dist.gamma) == pytest.approx(mean, rel=1e-6)
    rho = 0.03
    curve = repeat_and_select_rdp(ORDERS * rho, ORDERS, dist)
    for i in (0, 10, 60, 120, len(ORDERS) - 1):
        assert curve[i] == pytest.approx(theorem2(rho, ORDERS[i], eta, dist.gamma, mean), rel=1e-12)


@pytest.mark.parametrize("mean", [2.0, 5.0, 20.0])
def test_poisson_matches_theorem6(mean: float) -> None:
    dist = TrialDistribution("poisson", mean)
    rho = 0.02
    curve = repeat_and_select_rdp(ORDERS * rho, ORDERS, dist)
    for i in (0, 30, 99, 140):
        assert curve[i] == pytest.approx(theorem6(rho, ORDERS[i], mean), rel=1e-10)


@pytest.mark.parametrize(
    ("name", "mean", "eta"),
    [("poisson", 10.0, 1.0), ("truncated_negative_binomial", 10.0, 1.0), ("truncated_negative_binomial", 5.0, 0.0)],
)
def test_epsilon_agrees_with_dp_accounting(name: str, mean: float, eta: float) -> None:
    from dp_accounting.rdp import rdp_privacy_accountant as ra

    rho = 0.05
    shape = math.inf if name == "poisson" else eta
    ref_curve = np.asarray(ra._compute_rdp_repeat_and_select(ORDERS, ORDERS * rho, mean, shape))
    ref_eps = ra.compute_epsilon(ORDERS, ref_curve, 1e-6)[0]
    ours = tuning_epsilon(rho, TrialDistribution(name, mean, eta), 1e-6)  # type: ignore[arg-type]
    assert ours == pytest.approx(ref_eps, abs=1e-6)


def test_delta_from_rdp_inverts_the_epsilon_conversion() -> None:
    curve = ORDERS * 0.1
    eps, _ = rc.rdp_to_epsilon(curve, ORDERS, 1e-5)
    assert delta_from_rdp(curve, ORDERS, eps) == pytest.approx(1e-5, rel=1e-6)
    assert delta_from_rdp(ORDERS * 100.0, ORDERS, 0.0) == 1.0  # no useful bound: delta capped at 1


def test_ledger_total_is_the_bound_and_the_rdp_accountant_reads_the_event() -> None:
    for dist in (TrialDistribution("poisson", 4.0), TrialDistribution("truncated_negative_binomial", 4.0, 1.0)):
        rho = calibrate_rho(2.0, 1e-6, dist)
        assert tuning_epsilon(rho, dist, 1e-6) == pytest.approx(2.0, abs=1e-6)
        assert tuning_epsilon(rho, dist, 1e-6) <= 2.0
        ledger = Ledger(Budget(2.0, 1e-6))
        share = ledger.share("tuning", "tune", Budget(2.0, 1e-6))
        event = tuning_event(rho, dist, 1e-6, trials=3)
        share.record(event)
        # the paper's bound written out (Thm. 6 or Thm. 2 with eta = 1, gamma = 1/mean), then Balle et al. 2020
        # Thm. 21 to (epsilon, delta), scalar: not the library's curve
        curve = [
            theorem6(rho, lam, 4.0) if dist.name == "poisson" else theorem2(rho, lam, 1.0, 1 / 4.0, 4.0)
            for lam in ORDERS
        ]
        paper = min(
            c + math.log((lam - 1) / lam) - (math.log(1e-6) + math.log(lam)) / (lam - 1)
            for c, lam in zip(curve, ORDERS, strict=True)
        )
        assert ledger.spent().epsilon == pytest.approx(paper, abs=1e-6)
        assert RDPAccountant().epsilon([event], 1e-6) == pytest.approx(paper, abs=1e-9)
        curve = event_rdp(event, ORDERS)
        assert curve is not None and np.all(curve > ORDERS * rho)  # tuning always costs more than one trial
        assert ledger.to_dict()["charges"][0]["params"]["trials"] == 3


def test_sampled_trials_follow_the_distributions() -> None:
    rng = NoiseSource.secure().generator
    geo = TrialDistribution("truncated_negative_binomial", 4.0, 1.0)
    draws = np.array([sample_trials(geo, rng) for _ in range(4000)])
    assert draws.min() >= 1
    # geometric on {1, 2, ...} with mean 4: P[K = k] = gamma (1 - gamma)^(k - 1), chi-square against it
    ks = np.arange(1, 12)
    expected = np.append(stats.geom.pmf(ks, geo.gamma), stats.geom.sf(ks[-1], geo.gamma)) * len(draws)
    observed = np.append([np.sum(draws == k) for k in ks], np.sum(draws > ks[-1]))
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    log = TrialDistribution("truncated_negative_binomial", 3.0, 0.0)
    assert np.mean([sample_trials(log, rng) for _ in range(4000)]) == pytest.approx(3.0, rel=0.1)
    poi = TrialDistribution("poisson", 3.0)
    pd_ = np.array([sample_trials(poi, rng) for _ in range(4000)])
    assert pd_.mean() == pytest.approx(3.0, rel=0.06) and pd_.var() == pytest.approx(3.0, rel=0.15)
    assert len(set(draws.tolist())) > 5  # random, not a fixed count


def test_bad_distributions_and_budgets_are_refused() -> None:
    with pytest.raises(SafedataError, match="mean"):
        TrialDistribution("poisson", 0.5)
    with pytest.raises(SafedataError, match="eta"):
        TrialDistribution("truncated_negative_binomial", 3.0, -0.5)
    with pytest.raises(SafedataError, match="unknown distribution"):
        TrialDistribution.from_params({"distribution": "binomial", "mean": 3})
    with pytest.raises(SafedataError, match="overhead"):
        calibrate_rho(0.01, 1e-6, TrialDistribution("poisson", 50.0))
