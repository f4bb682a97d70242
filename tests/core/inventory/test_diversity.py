"""l-diversity (sdcMicro reference) and t-closeness (hand-computed EMD)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safedata_core.inventory.diversity import distinct_l, l_diversity, t_closeness
from tests.conftest import shared_data


@pytest.mark.reference
def test_distinct_l_sdcmicro_reference() -> None:
    ref = json.loads(shared_data("reference_values", "sdc_expected.json").read_text())["sdcmicro_ldiversity"]
    df = pd.DataFrame(ref["data"])
    assert distinct_l(df, ref["keyVars"], "sensitive").tolist() == ref["distinct_l_per_row"]
    summary = l_diversity(df, ref["keyVars"], "sensitive")
    assert summary["l"] == 2 and summary["records_with_l_below"]["3"] == 4


def test_t_closeness_categorical_and_ordered() -> None:
    df = pd.DataFrame({"q": ["a", "a", "a", "b", "b", "b", "b"], "s": [1.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0]})
    # table distribution q = [3/7, 3/7, 1/7] over values 0, 1, 2
    ordered = t_closeness(df, ["q"], "s")
    # class a: p = [1/3,1/3,1/3]; cumulative diffs -2/21, -4/21 -> (6/21)/2; class b: p = [1/2,1/2,0]
    # cumulative 1/14, 2/14 -> (3/14)/2
    assert ordered["ordered"] and ordered["t"] == pytest.approx(max(3 / 21, 3 / 28))
    cat = t_closeness(df.assign(s=df["s"].astype(str)), ["q"], "s")
    # total variation: class a 0.5*(2/21+2/21+4/21)=4/21; class b 0.5*(1/14+1/14+1/7) = 1/7
    assert not cat["ordered"] and cat["t"] == pytest.approx(4 / 21)


def test_t_closeness_chunks_agree() -> None:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"q": rng.integers(0, 400, 5000), "s": rng.integers(0, 30, 5000).astype(str)})
    import safedata_core.inventory.diversity as div

    full = t_closeness(df, ["q"], "s")
    old = div._CELL_BUDGET
    try:
        div._CELL_BUDGET = 100  # forces many small chunks
        chunked = t_closeness(df, ["q"], "s")
    finally:
        div._CELL_BUDGET = old
    assert chunked == pytest.approx(full)


@pytest.mark.parametrize("numeric", [True, False])
def test_t_closeness_matches_crosstab_reference(numeric: bool) -> None:
    rng = np.random.default_rng(4)
    n = 600
    df = pd.DataFrame({"q1": rng.integers(0, 60, n), "q2": rng.integers(0, 4, n), "s": rng.integers(0, 6, n)})
    if not numeric:
        df["s"] = df["s"].astype(str)
    tab = pd.crosstab([df["q1"], df["q2"]], df["s"])
    p = tab.div(tab.sum(axis=1), axis=0).to_numpy()
    q = df["s"].value_counts(normalize=True).reindex(tab.columns).to_numpy()
    if numeric:
        ref = np.abs(np.cumsum(p - q, axis=1)[:, :-1]).sum(axis=1) / (len(q) - 1)
    else:
        ref = 0.5 * np.abs(p - q).sum(axis=1)
    assert (tab.sum(axis=1) == 1).sum() > 20  # the singleton shortcut is exercised
    got = t_closeness(df, ["q1", "q2"], "s")
    assert got["ordered"] is numeric
    assert got["t"] == pytest.approx(ref.max())
    assert got["mean_t"] == pytest.approx(np.repeat(ref, tab.sum(axis=1)).mean())
