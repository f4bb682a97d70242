"""End-to-end tunes on a tiny table: the ledger holds the paper's bound, K is random, outputs are usable."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safedata_core.privacy import rdp_curves as rc
from safedata_core.privacy.hyperparameter import TrialDistribution, repeat_and_select_rdp
from safedata_core.tune import load_tune, tune

pytest.importorskip("skopt")


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
    dist = TrialDistribution("truncated_negative_binomial", 2.0, 1.0)
    rho = result.details["rho_per_trial"]
    orders = rc.DEFAULT_ORDERS
    paper = rc.rdp_to_epsilon(repeat_and_select_rdp(orders * rho, orders, dist), orders, 1e-6)[0]
    assert result.epsilon_spent == pytest.approx(paper, abs=1e-6)
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
    from safedata_core.tune import search

    drawn: list[int] = []
    real = search.__dict__.get("_private")
    assert real is not None

    def fake_trial(job: Any) -> Any:  # no fitting: only the count matters here
        from safedata_core.tune.trial import TrialResult

        return TrialResult(job.index, job.config, objective=0.5)

    monkeypatch.setattr(search, "run_trial", fake_trial)
    csv, meta = tiny_adult
    doc = load_tune(spec(csv, meta, "private", trials={"distribution": "poisson", "mean": 3}))
    for _ in range(25):
        result = search.run_tune(doc)
        drawn.append(result.details["trials_drawn"])
        assert len(result.trials) == drawn[-1]
    assert len(set(drawn)) >= 3  # Poisson(3): 25 equal draws would have probability < 1e-20
    assert 1.5 < float(np.mean(drawn)) < 4.5


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
