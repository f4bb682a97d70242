"""Marginals: frequency intervals, point masses, parametric choice by goodness of fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_copula.fitting import plain_marginal
from safedata_copula.marginals import Marginal, cells_to_knots

from safedata_core.data import ColumnMeta
from safedata_core.privacy.discretize import fine_cells


def test_frequency_intervals_round_trip_and_missing() -> None:
    s = pd.Series(["a"] * 60 + ["b"] * 30 + [np.nan] * 10, dtype=object)
    m = plain_marginal(
        "c", s, ColumnMeta(type="categorical", categories=["a", "b"]), mode="auto", ks_tolerance=0.02, max_cells=100
    )
    assert m.labels == ["a", "b", None] and np.allclose(m.probs, [0.6, 0.3, 0.1])
    u = m.encode(s, np.random.default_rng(0))
    assert np.all((u[:60] >= 0) & (u[:60] <= 0.6)) and np.all(u[90:] >= 0.9)
    back = pd.Series(m.decode(u))
    assert back.iloc[:90].tolist() == s.iloc[:90].tolist() and back.iloc[90:].isna().all()


def test_numeric_point_mass_and_missing_survive() -> None:
    rng = np.random.default_rng(0)
    x = np.where(rng.random(5000) < 0.9, 0.0, rng.integers(100, 5000, 5000)).astype(float)
    x[:250] = np.nan
    m = plain_marginal(
        "gain",
        pd.Series(x),
        ColumnMeta(type="integer", bounds=(0, 99999)),
        mode="auto",
        ks_tolerance=0.02,
        max_cells=1000,
    )
    assert m.family == "empirical"  # no parametric family fits a 90% spike
    u = m.encode(pd.Series(x), np.random.default_rng(1))
    assert np.all((u > 0) & (u < 1))
    obs, uo = x[250:], u[250:]
    assert uo[obs == 0].max() <= uo[obs > 0].min() and u[:250].max() <= uo.min()  # missing < 0 < positive values
    big = obs > 0
    assert np.all(np.diff(uo[big][np.argsort(obs[big], kind="stable")]) >= -1e-3)  # monotone up to ties
    back = m.decode(np.random.default_rng(2).random(20000))
    assert np.mean(np.isnan(back)) == pytest.approx(0.05, abs=0.01)
    ok = back[~np.isnan(back)]
    assert np.mean(ok == 0) == pytest.approx(np.mean(x[250:] == 0), abs=0.01)
    assert np.all(ok == np.round(ok))


def test_parametric_family_chosen_by_ks() -> None:
    rng = np.random.default_rng(3)
    s = pd.Series(rng.normal(50, 5, 4000))
    m = plain_marginal("x", s, ColumnMeta(type="numerical"), mode="auto", ks_tolerance=0.03, max_cells=1000)
    assert m.family in ("norm", "beta") and m.extras["ks"] < 0.03
    draws = m.decode(rng.random(20000))
    assert draws.mean() == pytest.approx(50, abs=0.3) and draws.std() == pytest.approx(5, abs=0.3)


def test_public_integer_cells_decode_uniformly_inside() -> None:
    lo, hi = fine_cells((0, 1000), integer=True, n_cells=12)
    assert (lo[0], hi[0], lo[-1], hi[-1]) == (0, 0, 1000, 1000)
    w = np.zeros(len(lo))
    w[3] = 1.0
    xs, fs = cells_to_knots(lo, hi, w, integer=True)
    m = Marginal.numeric_from_knots("x", "test", xs, fs, integer=True, p_missing=0.0, clip=(0, 1000))
    draws = m.decode(np.random.default_rng(0).random(5000))
    assert draws.min() >= lo[3] and draws.max() <= hi[3] and len(np.unique(draws)) > 20


def test_state_round_trip() -> None:
    s = pd.Series(np.random.default_rng(0).gamma(2.0, 3.0, 1000))
    m = plain_marginal("x", s, ColumnMeta(type="numerical"), mode="auto", ks_tolerance=0.05, max_cells=100)
    again = Marginal.from_dict(m.to_dict())
    u = np.linspace(0.01, 0.99, 50)
    np.testing.assert_array_equal(m.decode(u), again.decode(u))
