"""sdcMicro freqCalc reference cases, reproduced exactly, and the wildcard rule against a brute force."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safedata_core.inventory.freq import freq_calc, individual_risk
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads(shared_data("reference_values", "sdc_expected.json").read_text())["sdcmicro_freqCalc"]


def _frame(data: dict, **override: list) -> tuple[pd.DataFrame, np.ndarray]:
    cols = {k: override.get(k, data[k]) for k in "ABC"}
    return pd.DataFrame(cols, dtype=float), np.asarray(data["weight"], dtype=float)


@pytest.mark.reference
def test_freqcalc_no_missing(ref: dict) -> None:
    df, w = _frame(ref["data"])
    res = freq_calc(df, ["A", "B", "C"], w)
    exp = ref["no_missing"]
    assert res.fk.tolist() == exp["fk"]
    assert res.Fk.tolist() == exp["Fk_weighted"]
    assert (res.n1, res.n2) == (exp["n1_sample_uniques"], exp["n2"])


@pytest.mark.reference
def test_freqcalc_missing_is_wildcard(ref: dict) -> None:
    exp = ref["with_missing"]
    df, w = _frame(ref["data"], C=exp["C"])
    res = freq_calc(df, ["A", "B", "C"], w)
    assert res.fk.tolist() == exp["fk"]
    assert res.Fk.tolist() == exp["Fk_weighted"]
    assert (res.n1, res.n2) == (exp["n1"], exp["n2"])


@pytest.mark.reference
def test_freqcalc_all_missing_column(ref: dict) -> None:
    exp = ref["all_C_missing_and_row3_A_B_missing"]
    df, w = _frame(ref["data"], A=exp["A"], B=exp["B"], C=[None] * 8)
    res = freq_calc(df, ["A", "B", "C"], w)
    assert res.fk.tolist() == exp["fk"]
    assert res.Fk.tolist() == exp["Fk"]
    assert (res.n1, res.n2) == (exp["n1"], exp["n2"])


def _brute(df: pd.DataFrame, keys: list[str], w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = df[keys].to_numpy(dtype=float)
    miss = np.isnan(x)
    match = ((x[:, None, :] == x[None, :, :]) | miss[:, None, :] | miss[None, :, :]).all(axis=2)
    return match.sum(axis=1), match @ w


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wildcard_rule_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    df = pd.DataFrame({c: rng.integers(0, 4, n).astype(float) for c in "abcd"})
    for c in "abcd":
        df.loc[rng.random(n) < 0.1, c] = np.nan
    w = rng.uniform(1, 50, n)
    res = freq_calc(df, list("abcd"), w)
    fk, Fk = _brute(df, list("abcd"), w)
    assert res.fk.tolist() == fk.tolist()
    np.testing.assert_allclose(res.Fk, Fk, rtol=1e-12)


@pytest.mark.reference
def test_francdat_keys_against_brute_force() -> None:
    df = pd.read_csv(shared_data("sdcmicro_reference", "francdat.csv"))
    keys = ["Key1", "Key2", "Key3", "Key4"]
    res = freq_calc(df, keys, "w")
    fk, Fk = _brute(df, keys, df["w"].to_numpy())
    assert res.fk.tolist() == fk.tolist() and res.Fk.tolist() == Fk.tolist()


def test_unweighted_fk_equals_Fk() -> None:
    df = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 1, 2]})
    res = freq_calc(df, ["a", "b"])
    assert res.fk.tolist() == [2, 2, 1] and res.Fk.tolist() == [2.0, 2.0, 1.0]


def test_individual_risk_closed_forms() -> None:
    # f = 1: p/(1-p) log(1/p); f = Fk: 1/f; f = 2: direct sum of the negative binomial series
    p = 0.2
    r = individual_risk(np.array([1, 3, 2]), np.array([1 / p, 3, 2 / p]))
    assert r[0] == pytest.approx(p / (1 - p) * np.log(1 / p), rel=1e-6)
    assert r[1] == pytest.approx(1 / 3)
    h = np.arange(2, 5000)
    series = ((h - 1) * p**2 * (1 - p) ** (h - 2) / h).sum()
    assert r[2] == pytest.approx(series, rel=1e-6)
