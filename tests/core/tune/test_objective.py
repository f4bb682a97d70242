"""Scores: the AUC of binned histograms, DP counts charged on the score share, exact scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.tune.capped import capped_share
from safedata_core.tune.objective import Scorer, auc_from_histograms, combine


def test_auc_of_histograms_equals_sklearn_on_binned_scores() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.random(3000) < 0.3
    score = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 0.999)
    b = (score * 10).astype(int)
    pos, neg = np.bincount(b[y], minlength=10), np.bincount(b[~y], minlength=10)
    assert auc_from_histograms(pos, neg) == pytest.approx(roc_auc_score(y, b), abs=1e-12)
    assert auc_from_histograms(np.zeros(3), np.ones(3)) == 0.5
    assert combine({"a": 1.0, "b": 0.0}, {"a": 3.0, "b": 1.0}) == pytest.approx(0.75)


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    n = 600
    x = rng.integers(0, 4, n)
    label = np.where(rng.random(n) < 0.2 + 0.2 * x, ">50K", "<=50K")
    df = pd.DataFrame({"x": x.astype(float), "c": np.where(x > 1, "hi", "lo"), "income": label})
    return df.iloc[:300].reset_index(drop=True), df.iloc[300:].reset_index(drop=True)


def test_exact_scores_on_informative_data() -> None:
    synth, hold = frames()
    scores = Scorer("income", {"tstr_auc": 1.0, "accuracy": 1.0, "fidelity_2way": 1.0}).score(synth, hold, None)
    assert 0.6 < scores["tstr_auc"] <= 1.0 and 0.5 < scores["accuracy"] <= 1.0
    assert 0.8 < scores["fidelity_2way"] <= 1.0


def test_dp_scores_charge_each_part_of_the_score_share() -> None:
    synth, hold = frames()
    share = capped_share("score", "tune", rho=0.5, delta=1e-6)
    scores = Scorer("income", {"tstr_auc": 1.0, "accuracy": 1.0, "fidelity_2way": 1.0}).score(synth, hold, share)
    assert set(scores) == {"tstr_auc", "accuracy", "fidelity_2way"}
    assert [c.note for c in share.charges] == ["tstr auc histograms", "accuracy counts", "2-way marginals"]
    # each score got a third of rho: sigma / sensitivity = 1 / sqrt(2 rho / 3), the cap is filled
    for c in share.charges:
        assert c.event.params["noise_multiplier"] == pytest.approx(1 / np.sqrt(2 * 0.5 / 3))
    assert share.compose() == pytest.approx(share.epsilon, rel=1e-9)
    assert all(0.0 <= v <= 1.0 for v in scores.values())
