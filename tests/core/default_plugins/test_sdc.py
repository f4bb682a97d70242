"""Built-in SDC methods: contracts, k-anonymity properties, marginals kept, targeted mode, reports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.default_plugins.sdc import (
    GeneralizeMethod,
    NoiseMethod,
    PramMethod,
    SuppressMethod,
    SwapMethod,
    TopBottomCodeMethod,
)
from safedata_core.errors import ComponentError, DataError
from safedata_core.inventory.risk import class_sizes
from safedata_core.sdc import apply_transition, invariant_matrix, uniform_retention_matrix
from safedata_core.testing import SDCContract
from safedata_core.testing.fixtures import tiny_table
from tests.conftest import shared_data


class TestGeneralizeContract(SDCContract):
    component = GeneralizeMethod
    params = {"k": 5, "intervals": {"age": [10, 20]}}


class TestSuppressContract(SDCContract):
    component = SuppressMethod
    params = {"k": 3}


class TestSwapContract(SDCContract):
    component = SwapMethod
    params = {"variables": ["age"], "by": ["sex"]}


class TestPramContract(SDCContract):
    component = PramMethod
    params = {"columns": ["region"]}


class TestNoiseContract(SDCContract):
    component = NoiseMethod
    params = {"columns": ["income"], "level": 0.2}


class TestTopBottomContract(SDCContract):
    component = TopBottomCodeMethod
    params = {"top": {"income": 60_000}, "bottom": {"age": 25}}


def random_table(seed: int, n: int) -> Table:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n).astype(float),
            "sex": rng.choice(["F", "M"], n),
            "zip": rng.choice(["a", "b", "c", "d", "e"], n),
            "y": rng.normal(size=n),
        }
    )
    df["zip"] = df["zip"].astype(object).where(rng.random(n) > 0.05, None)  # a few missing values
    meta = Metadata(
        columns={
            "age": ColumnMeta(type="integer", role="quasi_identifier"),
            "sex": ColumnMeta(type="categorical", role="quasi_identifier"),
            "zip": ColumnMeta(type="categorical", role="quasi_identifier"),
            "y": ColumnMeta(type="numerical", role="sensitive"),
        }
    )
    return Table.from_dataframe(df, meta)


QIS = ["age", "sex", "zip"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 120), limit=st.sampled_from([0.0, 0.05, 0.2]))
def test_generalize_output_is_5_anonymous(seed: int, n: int, limit: float) -> None:
    table = random_table(seed, n)
    res = GeneralizeMethod({"k": 5, "suppression_limit": limit, "intervals": {"age": [10, 20, 40]}}).apply(
        table, seed=0
    )
    assert class_sizes(res.table.df, QIS).min() >= 5
    assert res.changes["records_suppressed"] <= int(limit * n + 1e-9)
    assert res.changes["risk_after"]["k_anonymity"] >= 5


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 120))
def test_suppress_output_is_5_anonymous(seed: int, n: int) -> None:
    table = random_table(seed, n)
    res = SuppressMethod({"k": 5}).apply(table, seed=0)
    assert class_sizes(res.table.df, QIS).min() >= 5
    assert res.changes["k_reached"] is True
    assert res.changes["cells_modified"] == res.changes["cells_suppressed"]


def test_generalize_report() -> None:
    table = tiny_table(400)
    res = GeneralizeMethod({"k": 5, "intervals": {"age": [10, 20]}}).apply(table, seed=0)
    ch = res.changes
    assert set(ch["levels"]) == {"age", "sex", "region"}
    assert ch["risk_before"]["k_anonymity"] < 5 <= ch["risk_after"]["k_anonymity"]
    assert ch["information_loss"]["height"] == sum(ch["levels"].values())
    assert ch["information_loss"]["nonuniform_entropy"] > 0
    assert ch["records_modified"] > 0 and ch["cells_modified"] >= ch["records_modified"]
    json.dumps(ch)  # the report is JSON-serialisable
    if ch["levels"]["age"] > 0:
        assert res.table.metadata.columns["age"].type == "categorical"


def test_generalize_fixed_levels_and_errors() -> None:
    table = tiny_table(200)
    res = GeneralizeMethod({"k": 2, "levels": {"age": 1, "sex": 0, "region": 0}, "intervals": {"age": [10]}}).apply(
        table, seed=0
    )
    assert res.changes["search"] == {"mode": "fixed"}
    assert res.table.df["age"].str.startswith("[").sum() + res.changes["records_suppressed"] == len(table)
    with pytest.raises(ComponentError, match="generalize.levels.age: 5 is outside 0..2"):
        GeneralizeMethod({"levels": {"age": 5, "sex": 0, "region": 0}, "intervals": {"age": [10]}}).apply(table, seed=0)
    with pytest.raises(ComponentError, match="not a quasi-identifier"):
        GeneralizeMethod({"intervals": {"income": [10]}}).apply(table, seed=0)
    with pytest.raises(DataError, match="not found"):
        GeneralizeMethod({"hierarchies": {"sex": "no/such/file.csv"}}).apply(table, seed=0)


@pytest.mark.reference
def test_generalize_arx_adult_through_component() -> None:
    folder = shared_data("arx_adult")
    ref = json.loads(shared_data("reference_values", "kanonymity_expected.json").read_text())["arx_kanonymity_adult"]
    qis = ref["qi_order"]
    df = pd.read_csv(folder / "adult.csv", sep=";")
    table = Table.from_dataframe(df, Metadata(columns={c: ColumnMeta(type="categorical") for c in qis if c != "age"}))
    case = ref["cases"][0]
    params = {
        "quasi_identifiers": qis,
        "k": case["k"],
        "suppression_limit": case["suppression_limit"],
        "hierarchies": {c: str(folder / f"adult_hierarchy_{c}.csv") for c in qis},
    }
    res = GeneralizeMethod(params).apply(table, seed=0)
    assert [res.changes["levels"][c] for c in qis] == case["optimal_levels"]
    assert res.changes["records_suppressed"] == 906
    assert class_sizes(res.table.df, qis).min() >= case["k"]
    assert res.changes["information_loss"]["nonuniform_entropy"] == pytest.approx(case["information_loss"])


def test_targeted_generalize_and_suppress_leave_others_alone() -> None:
    table = tiny_table(300)
    from safedata_core.inventory.risk import rare_mask

    qis = table.metadata.quasi_identifiers
    rows = rare_mask(table.df, qis, 5)
    for method in (GeneralizeMethod({"k": 5, "intervals": {"age": [10, 20]}}), SuppressMethod({"k": 5})):
        res = method.apply(table, seed=1, rows=rows)
        before = table.df[~rows].astype(str).reset_index(drop=True)
        after = res.table.df[~rows].astype(str).reset_index(drop=True)
        pd.testing.assert_frame_equal(before, after)
        assert res.changes["records_targeted"] == int(rows.sum())
        # the treated records are now in classes of at least 5
        assert class_sizes(res.table.df, qis)[rows].min() >= 5


def test_swap_keeps_marginals_exactly_and_strata() -> None:
    table = tiny_table(500)
    res = SwapMethod({"variables": ["age", "region"], "by": ["sex"], "k": 5}).apply(table, seed=3)
    ch = res.changes
    assert ch["pairs_swapped"] > 0
    for c in ("age", "region"):
        assert sorted(res.table.df[c].astype(str)) == sorted(table.df[c].astype(str))
        for sex in ("F", "M"):  # within each stratum too
            a = table.df.loc[table.df["sex"] == sex, c].astype(str)
            b = res.table.df.loc[res.table.df["sex"] == sex, c].astype(str)
            assert sorted(a) == sorted(b)
    # joint distribution of the swapped block is kept as well
    pair = lambda d: sorted(zip(d["age"].astype(str), d["region"].astype(str), strict=True))  # noqa: E731
    assert pair(res.table.df) == pair(table.df)
    assert ch["records_modified"] <= ch["records_swapped"]
    pd.testing.assert_series_equal(res.table.df["income"], table.df["income"])


def test_invariant_pram_keeps_marginals_in_expectation() -> None:
    rng = np.random.default_rng(0)
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    codes = rng.choice(4, 2000, p=probs)
    counts = np.bincount(codes, minlength=4)
    reps = 300
    inv = invariant_matrix(counts, 0.5)
    np.testing.assert_allclose(counts @ inv, counts, rtol=1e-10)
    out_inv = np.array([np.bincount(apply_transition(codes, inv, rng), minlength=4) for _ in range(reps)])
    se = out_inv.std(axis=0, ddof=1) / np.sqrt(reps)
    assert (np.abs(out_inv.mean(axis=0) - counts) < 4 * se + 1e-9).all()
    # the plain uniform-retention matrix is NOT invariant: the same test detects the drift
    uni = uniform_retention_matrix(4, 0.5)
    out_uni = np.array([np.bincount(apply_transition(codes, uni, rng), minlength=4) for _ in range(reps)])
    assert (np.abs(out_uni.mean(axis=0) - counts) > 4 * se).any()


def test_pram_component_given_matrix_and_report() -> None:
    table = tiny_table(400)
    matrix = {
        "F": {"F": 0.9, "M": 0.1},
        "M": {"F": 0.1, "M": 0.9},
    }
    res = PramMethod({"columns": ["sex"], "matrix": {"sex": matrix}}).apply(table, seed=2)
    changed = res.changes["information_loss"]["share_values_changed"]
    assert 0.04 < changed < 0.17
    assert res.changes["transition_matrices"]["sex"]["categories"] == ["F", "M"]
    with pytest.raises(ComponentError, match="category 'M' has no row"):
        PramMethod({"columns": ["sex"], "matrix": {"sex": {"F": {"F": 1.0}}}}).apply(table, seed=2)
    # missing values stay missing
    res = PramMethod({"columns": ["region"], "p_stay": 0.5}).apply(table, seed=2)
    assert (res.table.df["region"].isna() == table.df["region"].isna()).all()


def test_noise_level_and_sse() -> None:
    table = tiny_table(2000, with_missing=False)
    res = NoiseMethod({"columns": ["income"], "level": 0.1}).apply(table, seed=5)
    # additive noise with sd = 0.1 * sd(x): SSE/SST ~ 1% (level^2)
    assert res.changes["information_loss"]["sse_sst_percent"] == pytest.approx(1.0, rel=0.15)
    res = NoiseMethod({"columns": ["age"], "kind": "multiplicative", "level": 0.05}).apply(table, seed=5)
    age = res.table.df["age"]
    assert (age == np.round(age)).all() and age.between(18, 90).all()  # integer, clipped to public bounds


def test_top_bottom_code() -> None:
    table = tiny_table(500, with_missing=False)
    res = TopBottomCodeMethod({"top": {"income": 50_000}, "replace_with": "mean"}).apply(table, seed=0)
    x, y = table.df["income"], res.table.df["income"]
    hi = x > 50_000
    assert res.changes["coded"]["income"]["top"] == int(hi.sum()) > 0
    assert y[hi].nunique() == 1 and y.sum() == pytest.approx(x.sum())
    res = TopBottomCodeMethod({"bottom": {"age": 30}}).apply(table, seed=0)
    assert res.table.df["age"].min() == 30
    with pytest.raises(ComponentError, match="'sex' is categorical, not numeric"):
        TopBottomCodeMethod({"top": {"sex": 1}}).apply(table, seed=0)


def test_targeted_pipeline_changes_only_rare_records(engine) -> None:  # type: ignore[no-untyped-def]
    pipeline = {
        "version": 1,
        "data": {"source": "builtin:adult"},
        "steps": [
            {"id": "profile", "use": "profile", "params": {"k": 5}},
            {"id": "sup", "use": "suppress", "target": "rare", "params": {"k": 5}},
        ],
    }
    result = engine.run(pipeline)
    assert result.ok, result.error
    changes = next(s["result"] for s in result.report["steps"] if s["step"] == "sup")
    assert changes["records_targeted"] == changes["risk_before"]["records_below_k"]["5"]
    assert changes["records_modified"] <= changes["records_targeted"]
    assert changes["risk_after"]["records_below_k"]["5"] == 0


def test_pram_leaves_an_entirely_missing_column_alone() -> None:
    df = pd.DataFrame({"c": [None, None, None], "d": ["a", "b", "a"]})
    meta = Metadata(columns={"c": ColumnMeta(type="categorical"), "d": ColumnMeta(type="categorical")})
    res = PramMethod({"columns": ["c", "d"], "p_stay": 0.5}).apply(Table.from_dataframe(df, meta), seed=0)
    assert res.table.df["c"].isna().all() and res.changes["transition_matrices"]["c"]["categories"] == []


def test_pram_on_a_boolean_column_with_missing_values() -> None:
    df = pd.DataFrame({"b": [0, None, 1, 0, None, 1], "d": ["a", "b", "a", "b", "a", "b"]})
    table = Table.from_dataframe(df)
    assert table.metadata.columns["b"].type == "boolean"
    res = PramMethod({"columns": ["b"], "p_stay": 0.5}).apply(table, seed=0)
    assert res.table.df["b"].isna().sum() == 2 and 0 <= res.changes["information_loss"]["share_values_changed"] <= 1
