"""End-to-end tunes on a tiny table: the ledger holds the paper's bound, K is random, outputs are usable."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safedata_core.privacy import rdp_curves as rc
from safedata_core.tune import load_tune, tune

pytest.importorskip("skopt")


def paper_bound_geometric(rho: float, mean: float, delta: float) -> float:
    """Papernot & Steinke Thm. 2 with eta = 1 (K geometric on {1, 2, ...}, E[K] = 1/gamma), every trial
    rho-zCDP (eps(l) = l rho), then Balle et al. 2020 Thm. 21 to (epsilon, delta); written out here, scalar,
    over the same order grid as the accountant (the grid is part of the bound, not of its formula)."""
    gamma, eta = 1.0 / mean, 1.0
    orders = [float(a) for a in rc.DEFAULT_ORDERS]
    middle = min((1 + eta) * (1 - 1 / lh) * (lh * rho) + (1 + eta) * math.log(1 / gamma) / lh for lh in orders)
    best = math.inf
    for lam in orders:
        rdp = lam * rho + middle + math.log(mean) / (lam - 1)
        best = min(best, rdp + math.log((lam - 1) / lam) - (math.log(delta) + math.log(lam)) / (lam - 1))
    return max(best, 0.0)


def paper_bound_poisson(rho: float, mean: float, delta: float) -> float:
    """Thm. 6 (K ~ Poisson(mean)): eps(l) + mean * delta_hat + log(mean) / (l - 1), where a trial is
    (eps_hat, delta_hat)-DP with eps_hat = log(1 + 1/(l - 1)) and delta_hat from its zCDP curve by
    Canonne, Kamath & Steinke 2020 Prop. 12; then Balle et al. 2020 Thm. 21. Written out, scalar."""
    orders = [float(a) for a in rc.DEFAULT_ORDERS]

    def cks_delta(eps: float) -> float:  # delta = min_a exp((a-1)(a rho - eps)) (1 - 1/a)^a / (a - 1)
        out = 1.0
        for a in orders:
            exponent = (a - 1) * (a * rho - eps)
            if exponent < 700:
                out = min(out, math.exp(exponent) * (1 - 1 / a) ** a / (a - 1))
        return out

    best = math.inf
    for lam in orders:
        rdp = lam * rho + mean * cks_delta(math.log(1 + 1 / (lam - 1))) + math.log(mean) / (lam - 1)
        best = min(best, rdp + math.log((lam - 1) / lam) - (math.log(delta) + math.log(lam)) / (lam - 1))
    return max(best, 0.0)


def dp_accounting_bound(rho: float, mean: float, shape: float, delta: float) -> float:
    """The same selection through Google's dp_accounting (a third implementation)."""
    ra = pytest.importorskip("dp_accounting.rdp.rdp_privacy_accountant")
    orders = rc.DEFAULT_ORDERS
    curve = np.asarray(ra._compute_rdp_repeat_and_select(orders, orders * rho, mean, shape))
    return float(ra.compute_epsilon(orders, curve, delta)[0])


def spec(csv: Path, meta: Path, mode: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 1,
        "name": "tiny",
        "mode": mode,
        "data": {"source": str(csv), "metadata": str(meta), "label": "income", "holdout": 0.4},
        "search": [{"use": "noisy_histogram", "params": {"bins": {"low": 2, "high": 8}, "smoothing": "auto"}}],
        "seed": 1,
        "plugins": ["tests.core.tune.fakes"],
    }
    if mode != "nonprivate":
        doc["privacy"] = {"epsilon": 2.0, "delta": 1e-6}
    doc.update(extra)
    return doc


def test_private_tune_charges_the_paper_bound_and_runs_the_drawn_number_of_trials(
    tiny_adult: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    csv, meta = tiny_adult
    doc = spec(csv, meta, "private", trials={"distribution": "truncated_negative_binomial", "mean": 2, "eta": 1})
    result = tune(doc, tmp_path / "out")
    assert result.mode == "private"
    charges = result.ledger["charges"] if result.ledger else []
    assert [c["mechanism"] for c in charges] == ["tuning"]
    rho = result.details["rho_per_trial"]
    paper = paper_bound_geometric(rho, 2.0, 1e-6)  # recomputed here from the theorem, not by the library
    assert result.epsilon_spent == pytest.approx(paper, abs=1e-6)
    assert result.ledger["spent"]["epsilon"] == pytest.approx(paper, abs=1e-6)
    assert paper == pytest.approx(dp_accounting_bound(rho, 2.0, 1.0, 1e-6), abs=1e-6)
    assert paper == pytest.approx(2.0, abs=1e-6)  # the calibration fills the whole budget
    assert result.epsilon_spent <= 2.0 + 1e-9
    k = result.details["trials_drawn"]
    assert k >= 1 and len(result.trials) == k == charges[0]["params"]["trials"]
    ok = [t for t in result.trials if t.status == "ok"]
    assert ok, [t.status for t in result.trials]
    # every trial stayed within its zCDP cap and the best one's release is released
    assert all(t.epsilon <= result.details["epsilon_per_trial"] * (1 + 1e-9) for t in ok)
    assert result.best is not None and result.release is not None
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "private" and summary["dp"] is True
    assert "<svg" in (out / "tune.html").read_text() and "Papernot" in (out / "tune.html").read_text()
    assert (out / "release" / "synthetic.csv").is_file()
    import pandas as pd

    public, internal = pd.read_csv(out / "trials.csv"), pd.read_csv(out / "internal" / "trials.csv")
    assert len(public) == len(internal) == k
    best = result.best.index
    assert (public["status"] == "not released").sum() == k - 1
    assert public.loc[public["trial"] == best, "objective"].item() == pytest.approx(result.best.objective)
    assert public.loc[public["trial"] != best, "objective"].isna().all()
    assert json.loads((out / "ledger.json").read_text())["spent"]["epsilon"] == pytest.approx(paper, abs=1e-6)


def test_private_tune_draws_a_random_number_of_trials(
    tiny_adult: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scipy import stats

    from safedata_core.tune import search

    drawn: list[int] = []

    def fake_trial(job: Any) -> Any:  # no fitting: only the count and the charge matter here
        from safedata_core.tune.trial import TrialResult

        return TrialResult(job.index, job.config, objective=0.5)

    monkeypatch.setattr(search, "run_trial", fake_trial)
    csv, meta = tiny_adult
    doc = load_tune(spec(csv, meta, "private", trials={"distribution": "poisson", "mean": 3}))  # one seed for all
    bound = None
    for _ in range(80):
        result = search.run_tune(doc)
        drawn.append(result.details["trials_drawn"])
        charge = result.ledger["charges"][0] if result.ledger else {}
        assert len(result.trials) == drawn[-1] == charge["params"]["trials"]  # every drawn trial ran, no more
        bound = bound or paper_bound_poisson(result.details["rho_per_trial"], 3.0, 1e-6)
        assert result.epsilon_spent == pytest.approx(bound, abs=1e-6)  # the charge does not depend on K
        assert (result.best is None) == (drawn[-1] == 0)  # K = 0 releases nothing
    assert len(set(drawn)) >= 4  # the same seed gives different K: drawn from the secure source
    # Poisson(3) goodness of fit on {0, 1, 2, 3, 4, 5+}
    ks = np.arange(5)
    expected = np.append(stats.poisson.pmf(ks, 3.0), stats.poisson.sf(4, 3.0)) * len(drawn)
    observed = np.append([drawn.count(int(k)) for k in ks], sum(d >= 5 for d in drawn))
    assert stats.chisquare(observed, expected).pvalue > 1e-4


def test_private_tune_with_a_poisson_count_charges_theorem_6(
    tiny_adult: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    csv, meta = tiny_adult
    result = tune(spec(csv, meta, "private", trials={"distribution": "poisson", "mean": 2.5}))
    rho = result.details["rho_per_trial"]
    assert result.epsilon_spent == pytest.approx(paper_bound_poisson(rho, 2.5, 1e-6), abs=1e-6)
    assert result.epsilon_spent == pytest.approx(dp_accounting_bound(rho, 2.5, math.inf, 1e-6), abs=1e-6)
    assert [c["mechanism"] for c in (result.ledger or {})["charges"]] == ["tuning"]


def test_private_tune_splits_each_trial_between_the_steps_of_a_multi_step_candidate(
    tiny_adult: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    csv, meta = tiny_adult
    steps = [
        {"use": "noisy_histogram", "params": {"bins": {"low": 2, "high": 8}}, "share": {"low": 0.2, "high": 0.8}},
        {"use": "noisy_histogram", "fixed": {"smoothing": 2.0}},
    ]
    trials = {"distribution": "truncated_negative_binomial", "mean": 2, "eta": 1}  # K >= 1
    result = tune(spec(csv, meta, "private", search=[{"steps": steps}], trials=trials), tmp_path / "out")
    rho = result.details["rho_per_trial"]
    assert result.epsilon_spent == pytest.approx(paper_bound_geometric(rho, 2.0, 1e-6), abs=1e-6)
    ok = [t for t in result.trials if t.status == "ok"]
    assert len(result.trials) == result.details["trials_drawn"] and len(ok) == len(result.trials) >= 1
    for t in ok:
        f = [s.fraction for s in t.config.steps]
        assert len(f) == 2 and 0.2 <= f[0] <= 0.8 and sum(f) == pytest.approx(1.0)
        led = t.ledger or {}
        # each step ran on its own zCDP cap f * rho: the parts compose to at most one trial's rho
        caps = [s["budget"]["epsilon"] for s in led["steps"]]
        assert caps[0] < caps[1] if f[0] < f[1] else caps[0] >= caps[1]
        assert t.epsilon <= result.details["epsilon_per_trial"] * (1 + 1e-9)
    # the best trial's mixture is released, and best.yaml runs its steps with their shares
    assert result.release is not None and result.best is not None and len(result.release) > 0
    assert list(result.release.columns) == ["age", "education", "sex", "race", "income"]
    doc_best = (tmp_path / "out" / "best.yaml").read_text()
    assert "synthetic_0" in doc_best and "synthetic_1" in doc_best and "union" in doc_best


def test_public_tune_runs_the_chosen_split_once_on_the_private_data(
    tiny_adult: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from safedata_core import Engine

    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    csv, meta = tiny_adult
    steps = [{"use": "noisy_histogram", "share": {"low": 0.1, "high": 0.9}}, {"use": "noisy_histogram"}]
    doc = spec(csv, meta, "public", search=[{"steps": steps}], trials={"calls": 3, "initial": 2})
    doc["data"]["proxy"] = str(csv)
    result = tune(doc, tmp_path / "out")
    assert result.best is not None and len(result.trials) == 3
    f = [s.fraction for s in result.best.config.steps]
    charges = (result.ledger or {})["charges"]
    assert {c["step"] for c in charges} == {"final.0", "final.1"}
    shares = (result.ledger or {})["shares"]
    assert shares["final.0"]["epsilon"] == pytest.approx(2.0 * f[0])
    assert shares["final.1"]["epsilon"] == pytest.approx(2.0 * f[1])
    assert result.epsilon_spent <= 2.0 + 1e-9
    assert all(t.epsilon <= 2.0 + 1e-9 for t in result.trials if t.status == "ok")
    best = yaml.safe_load((tmp_path / "out" / "best.yaml").read_text())
    assert [s["privacy"]["epsilon"] for s in best["steps"]] == pytest.approx([2.0 * f[0], 2.0 * f[1]])
    assert sum(s["rows"] for s in best["steps"]) == pytest.approx(len(result.release), abs=2)
    Engine(plugins=["tests.core.tune.fakes"]).validate(best)  # a ready pipeline
    from safedata_core.tune import dataset_fingerprint, recommended_config

    fp = dataset_fingerprint(Engine(autoload=False).read_table(str(csv), str(meta)))
    rec = recommended_config(fp, 2.0)
    assert rec is not None and rec["steps"] is not None and len(rec["steps"]) == 2
    assert recommended_config(fp, 2.0, single_step=True) is None


def test_public_tune_charges_only_the_final_run(
    tiny_adult: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(tmp_path / "index.jsonl"))
    csv, meta = tiny_adult
    doc = spec(csv, meta, "public", trials={"calls": 3, "initial": 2})
    doc["data"]["proxy"] = str(csv)
    result = tune(doc, tmp_path / "out")
    assert len(result.trials) == 3
    assert [c["step"] for c in result.ledger["charges"]] and {c["step"] for c in result.ledger["charges"]} == {"final"}
    assert result.epsilon_spent <= 2.0 + 1e-9
    assert (tmp_path / "out" / "best.yaml").is_file()
    from safedata_core import Engine
    from safedata_core.tune import dataset_fingerprint, recommended_config

    fp = dataset_fingerprint(Engine(autoload=False).read_table(str(csv), str(meta)))
    rec = recommended_config(fp, 2.0)
    assert rec is not None and rec["use"] == "noisy_histogram" and rec["mode"] == "public"
    assert recommended_config(fp, 1.0) is None


def test_nonprivate_tune_says_it_is_not_dp(tiny_adult: tuple[Path, Path], tmp_path: Path) -> None:
    csv, meta = tiny_adult
    doc = spec(csv, meta, "nonprivate", trials={"calls": 2, "initial": 2}, constraints={"max_risk": 0.9})
    result = tune(doc, tmp_path / "out")
    assert not result.dp and result.ledger is None and math.isinf(result.epsilon_spent)
    assert all("risk" in t.constraints for t in result.trials if t.status == "ok")
    assert "NOT differentially private" in (tmp_path / "out" / "tune.html").read_text()
    assert "dp: false" in (tmp_path / "out" / "best.yaml").read_text()


def test_nonprivate_tune_searches_sdc_methods_with_k_and_suppression_penalties(
    tiny_adult: tuple[Path, Path], tmp_path: Path
) -> None:
    csv, meta = tiny_adult
    doc = spec(csv, meta, "nonprivate", trials={"calls": 3, "initial": 3}, constraints={"min_k": 3, "penalty": 5.0})
    doc["search"] = [{"use": "suppress", "params": {"k": {"choices": [2, 3, 5]}}}]
    result = tune(doc, tmp_path / "out")
    ok = [t for t in result.trials if t.status == "ok"]
    assert ok, [t.status for t in result.trials]
    for t in ok:  # suppression blanks QI cells; classes of blanked records are counted as they are
        assert {"k", "suppression", "penalty"} <= set(t.constraints)
        assert t.constraints["suppression"] >= 0
    assert result.best is not None and result.best.config.use == "suppress"
    assert not result.dp and "privacy" not in (tmp_path / "out" / "best.yaml").read_text()
