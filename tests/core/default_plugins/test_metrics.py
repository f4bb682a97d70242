"""Built-in metrics: contracts, SDMetrics reference values, and behaviour on identical and different tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.default_plugins.metrics import (
    HistogramOverlapMetric,
    JSDivergenceMetric,
    KSComplementMetric,
    TVComplementMetric,
    ks_complement,
    tv_complement,
)
from safedata_core.default_plugins.metrics_ml import DetectionMetric, TSTRMetric
from safedata_core.default_plugins.metrics_pairs import CorrelationDifferenceMetric, Marginal2WayMetric
from safedata_core.errors import DataError
from safedata_core.testing import MetricContract
from safedata_core.testing.fixtures import tiny_table
from tests.conftest import shared_data


class TestJSContract(MetricContract):
    component = JSDivergenceMetric


class TestOverlapContract(MetricContract):
    component = HistogramOverlapMetric


class TestCorrelationContract(MetricContract):
    component = CorrelationDifferenceMetric


class TestMarginal2WayContract(MetricContract):
    component = Marginal2WayMetric


class TestTSTRContract(MetricContract):
    component = TSTRMetric
    params = {"label": "sex", "max_iter": 10}
    identical_exempt = (
        "TSTR on identical tables is train-on-real accuracy, which has no fixed best value "
        "(test_tstr_classification_and_regression compares it with known cases)"
    )


class TestDetectionContract(MetricContract):
    component = DetectionMetric
    params = {"max_iter": 10}
    best_score = 0.5  # a classifier cannot tell identical tables apart: chance level (the AUC is lower is better)
    score_tolerance = 0.1


@pytest.fixture(scope="module")
def placements() -> tuple[Table, Table, dict]:
    folder = shared_data("sdmetrics_demo_student_placements")
    spec = json.loads((folder / "metadata.json").read_text())["tables"]["student_placements"]["columns"]
    types = {
        "datetime": "datetime",
        "numerical": "numerical",
        "categorical": "categorical",
        "boolean": "boolean",
        "id": "text",
    }
    meta = Metadata(columns={c: ColumnMeta(type=types[v["sdtype"]]) for c, v in spec.items()})
    real = Table.from_dataframe(pd.read_csv(folder / "student_placements_real.csv"), meta)
    synth = Table.from_dataframe(pd.read_csv(folder / "student_placements_synthetic.csv")[real.columns], meta)
    expected = json.loads(shared_data("reference_values", "sdmetrics_expected.json").read_text())
    return real, synth, expected


@pytest.mark.reference
def test_column_shapes_match_sdmetrics(placements) -> None:  # type: ignore[no-untyped-def]
    real, synth, expected = placements
    ks = KSComplementMetric({}).compute(real, synth).details["columns"]
    tv = TVComplementMetric({}).compute(real, synth).details["columns"]
    ref = expected["column_shapes"]["scores"]
    for col, (kind, value) in ref.items():
        ours = ks if kind == "KSComplement" else tv
        assert ours[col] == pytest.approx(value, abs=1e-6), col
    assert set(ks) | set(tv) == set(ref)
    overall = float(np.mean([*ks.values(), *tv.values()]))
    assert overall == pytest.approx(expected["column_shapes"]["property_score"], abs=1e-6)


@pytest.mark.reference
def test_pair_trends_match_sdmetrics_where_implemented(placements) -> None:  # type: ignore[no-untyped-def]
    real, synth, expected = placements
    cols = ["start_date", "second_perc", "work_experience", "degree_type"]
    # SDMetrics' ContingencySimilarity bins numbers into equal widths: marginal_2way's 'uniform' option
    m2 = {
        tuple(p["columns"]): p["score"]
        for p in Marginal2WayMetric({"columns": cols, "binning": "uniform"}).compute(real, synth).details["pairs"]
    }
    cd = {
        tuple(p["columns"]): p
        for p in CorrelationDifferenceMetric({"columns": cols}).compute(real, synth).details["pairs"]
    }
    ref = {(a, b): rest for a, b, *rest in expected["column_pair_trends_subset"]["pairs"]}
    sim = ref[("start_date", "second_perc")]
    assert cd[("start_date", "second_perc")]["score"] == pytest.approx(sim[1], abs=1e-9)
    assert cd[("start_date", "second_perc")]["original"] == pytest.approx(sim[2]["real_corr"], abs=1e-9)
    assert m2[("start_date", "work_experience")] == pytest.approx(ref[("start_date", "work_experience")][1], abs=1e-9)
    assert m2[("work_experience", "degree_type")] == pytest.approx(ref[("work_experience", "degree_type")][1], abs=1e-9)


def test_sdmetrics_unit_cases() -> None:
    assert tv_complement(pd.Series(list("abcaab")), pd.Series(list("abcabc"))) == pytest.approx(0.8333333333333333)
    real = pd.Series([None] * 5 + ["b"], dtype=object)
    assert tv_complement(real, pd.Series(["b"] + [None] * 5, dtype=object)) == 1.0
    assert ks_complement(pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0])) == 1.0


def test_identical_tables_are_perfect_and_shifted_ones_are_not() -> None:
    a = tiny_table(400, seed=0)
    df = a.df.copy()
    df["age"] = df["age"] + 30
    df["region"] = "north"
    b = a.with_df(df)
    for metric, best in (
        (JSDivergenceMetric({}), 0.0),
        (HistogramOverlapMetric({}), 1.0),
        (Marginal2WayMetric({}), 1.0),
        (CorrelationDifferenceMetric({}), 1.0),
    ):
        same = metric.compute(a, a).score
        assert same == pytest.approx(best, abs=1e-12), metric.name
        worse = metric.compute(a, b)
        assert (worse.score > 0.05) if best == 0 else (worse.score < 0.95), metric.name
    js = JSDivergenceMetric({"columns": ["sex"]}).compute(a, b)
    assert list(js.details["columns"]) == ["sex"] and js.score == pytest.approx(0.0)


def test_theil_u_option_and_bad_columns() -> None:
    a, b = tiny_table(300, seed=1), tiny_table(300, seed=2)
    res = CorrelationDifferenceMetric({"categorical": "theil_u"}).compute(a, b)
    assert {p["measure"] for p in res.details["pairs"]} == {"pearson", "theil_u"}
    with pytest.raises(DataError, match="nope"):
        Marginal2WayMetric({"columns": ["age", "nope"]}).compute(a, b)


def test_tstr_classification_and_regression() -> None:
    train, hold = tiny_table(600, seed=3), tiny_table(300, seed=4)
    shuffled = train.with_df(train.df.assign(age=train.df["age"].sample(frac=1, random_state=0).to_numpy()))
    reg = TSTRMetric({"label": "income", "max_iter": 30}).compute(train, train, holdout=hold, seed=0)
    assert reg.details["task"] == "regression" and reg.score > 0.08
    assert reg.details["trtr"]["r2"] == pytest.approx(reg.score)
    broken = TSTRMetric({"label": "income", "max_iter": 30}).compute(train, shuffled, holdout=hold, seed=0)
    assert broken.score < reg.score - 0.08  # income depends on age; shuffling age breaks it
    cls = TSTRMetric({"label": "region", "max_iter": 10}).compute(train, train, seed=0)
    assert cls.details["task"] == "classification" and cls.details["test_set"] == "original_split"
    assert 0 <= cls.details["tstr"]["accuracy"] <= 1
    with pytest.raises(DataError, match="label"):
        TSTRMetric({"label": "zzz"}).compute(train, train)


def test_detection_auc() -> None:
    a, b = tiny_table(500, seed=5), tiny_table(500, seed=6)
    same = DetectionMetric({"max_iter": 20}).compute(a, b, seed=0)
    assert abs(same.score - 0.5) < 0.1 and same.higher_is_better is False
    shifted = a.with_df(a.df.assign(age=a.df["age"] + 40))
    assert DetectionMetric({"max_iter": 20}).compute(a, shifted, seed=0).score > 0.85


def test_model_metrics_accept_a_feature_without_values() -> None:
    df = pd.DataFrame({"q": [np.nan] * 8 + [45.0, np.nan], "l": ["a", "b"] * 5})
    meta = Metadata(columns={"q": ColumnMeta(type="numerical"), "l": ColumnMeta(type="categorical")})
    t = Table.from_dataframe(df, meta)
    assert 0.0 <= DetectionMetric({"folds": 2, "max_iter": 5}).compute(t, t).score <= 1.0
    assert TSTRMetric({"label": "l", "max_iter": 5}).compute(t, t).details["tstr"]


def test_model_metrics_refuse_degenerate_inputs() -> None:
    from safedata_core.errors import ComponentError

    one = Table.from_dataframe(pd.DataFrame({"x": ["a"], "y": [1.0]}))
    with pytest.raises(ComponentError, match="detection: needs at least 2 rows"):
        DetectionMetric({"folds": 2}).compute(one, one)
    t = Table.from_dataframe(pd.DataFrame({"x": ["a", "b"] * 10, "y": np.arange(20.0)}))
    with pytest.raises(ComponentError, match="tstr: no feature column besides the label 'y'"):
        TSTRMetric({"label": "y", "columns": ["y"]}).compute(t, t)
    gappy = Table.from_dataframe(pd.DataFrame({"x": ["a", "b"] * 6, "l": [None] * 11 + ["k"]}))
    with pytest.raises(ComponentError, match="tstr: the test set"):
        TSTRMetric({"label": "l"}).compute(gappy, gappy, holdout=gappy.with_df(gappy.df.iloc[:3]))
