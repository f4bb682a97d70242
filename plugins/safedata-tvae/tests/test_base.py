"""``DeepSynthesizer`` through tvae: the DP row estimate and the sample rate are noisy, across neighbouring inputs.

Neighbouring tables D (300 rows) and D' (D plus one row) are fitted many times each with test-only
reproducible noise (run i uses noise seed i on both sides). Training and the noise calibration are stubbed
out (they do not touch the row count): what is compared is the noisy quantities the fit releases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_tvae.dpplan as dpplan
import safedata_tvae.model as tvae_model
from safedata_tvae.model import TrainLog
from safedata_tvae.synthesizer import TVAESynthesizer

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata

PARAMS = {"epochs": 1, "batch_size": 50, "embedding_dim": 2, "compress_dims": [2], "decompress_dims": [2]}
RUNS = 150


def _neighbours() -> tuple[Table, Table]:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"c": rng.choice(["a", "b"], 300).astype(object), "f": rng.random(300) < 0.5})
    meta = Metadata(
        columns={"c": ColumnMeta(type="categorical", categories=["a", "b"]), "f": ColumnMeta(type="boolean")}
    )
    extra = pd.DataFrame({"c": ["b"], "f": [True]})
    return Table.from_dataframe(df, meta), Table.from_dataframe(pd.concat([df, extra], ignore_index=True), meta)


def _fit_many(t: Table, make_share: Callable[..., Any]) -> tuple[np.ndarray, np.ndarray]:
    rows, rates = [], []
    for i in range(RUNS):
        model = TVAESynthesizer({**PARAMS, "progress": False, "threads": 1})
        model.fit(t, budget=make_share(1.0, 1e-5, i), seed=0)
        rows.append(model.estimated_rows())
        rates.append(model.report_extras()["dp"]["sample_rate"])
    return np.asarray(rows, dtype=float), np.asarray(rates)


@pytest.mark.slow  # 300 fits without training: ~10 s on a loaded 2-core machine
def test_row_estimate_and_sample_rate_are_noisy_across_neighbours(
    monkeypatch: pytest.MonkeyPatch, reproducible_budget: Callable[..., Any]
) -> None:
    from scipy import stats

    monkeypatch.setattr(tvae_model, "train_tvae", lambda *a, **k: TrainLog())
    monkeypatch.setattr(dpplan, "calibrate_to_share", lambda budget, **k: (50.0, 0.5))
    small, big = _neighbours()
    rows_d, rates_d = _fit_many(small, reproducible_budget)
    rows_n, rates_n = _fit_many(big, reproducible_budget)
    # the released row estimate is the charged noisy count: unbiased, at the discrete-Laplace scale of the
    # split rule (one counting query: epsilon 0.1 * 1.0); the exact n would give variance 0
    p = math.exp(-0.1)
    var = 2 * p / (1 - p) ** 2
    assert abs(rows_d.mean() - 300) < 5 * math.sqrt(var / RUNS)
    assert abs(rows_d.var() / var - 1) < 5 * math.sqrt(5 / RUNS)  # false alarm < 1e-6 (normal approx.)
    # neighbours: the two samples of estimates are not separable (a two-sample KS test does not reject at
    # 1e-3, its false-alarm rate when the shift of 1 row is negligible against the noise; exact counts would
    # give KS = 1)
    assert stats.ks_2samp(rows_d, rows_n).pvalue > 1e-3
    assert stats.ks_2samp(rates_d, rates_n).pvalue > 1e-3
    # the sample rate is post-processing of the same noisy count (never of the exact n)
    np.testing.assert_allclose(rates_d, np.minimum(1.0, 50 / np.maximum(rows_d, 1)), rtol=5e-3)


def test_estimated_rows_is_none_until_a_dp_fit() -> None:
    assert TVAESynthesizer(PARAMS).estimated_rows() is None
