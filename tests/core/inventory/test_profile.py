"""The whole profile on builtin:adult and the pipeline step."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table, load_builtin, read_table
from safedata_core.inventory import ProfileParams, build_profile, profile_metadata, profile_step
from safedata_core.inventory.html import render_html

EXPECTED_TYPES = {
    "age": "integer",
    "workclass": "categorical",
    "fnlwgt": "integer",
    "education": "categorical",
    "education_num": "integer",
    "marital_status": "categorical",
    "occupation": "categorical",
    "relationship": "categorical",
    "race": "categorical",
    "sex": "categorical",
    "capital_gain": "integer",
    "capital_loss": "integer",
    "hours_per_week": "integer",
    "native_country": "categorical",
    "income": "categorical",
}
MUST_QIS = {"age", "sex", "race", "native_country", "marital_status"}


@pytest.fixture(scope="module")
def adult_profile() -> tuple[dict, object]:
    table = read_table("builtin:adult")
    return build_profile(table)[0], table


def test_adult_types_identifiers_and_qis(adult_profile: tuple[dict, Table]) -> None:
    profile, _ = adult_profile
    assert profile["rows"] == 32561
    assert {n: c["type"] for n, c in profile["columns"].items()} == EXPECTED_TYPES
    assert profile["direct_identifiers"] == []
    assert all(c["role"] != "direct_identifier" for c in profile["columns"].values())
    assert MUST_QIS <= set(profile["quasi_identifiers"])
    json.dumps(profile)  # JSON-ready


def test_adult_k_anonymity_equals_direct_groupby(adult_profile: tuple[dict, Table]) -> None:
    profile, table = adult_profile
    qis = profile["quasi_identifiers"]
    sizes = table.df.groupby(qis, dropna=False)[qis[0]].transform("size")
    risk = profile["risk"]
    assert risk["k_anonymity"] == int(sizes.min())
    assert risk["records_below_k"] == {str(k): int((sizes < k).sum()) for k in (2, 3, 5, 10)}
    assert risk["sample_uniques"] == int((sizes == 1).sum())
    assert profile["rare_records"] == int((sizes < 5).sum())
    assert sum(d["records"] for d in risk["class_size_distribution"]) == profile["rows"]
    assert (
        set(risk["l_diversity"])
        == set(profile["sensitive"])
        == {"occupation", "capital_gain", "capital_loss", "income"}
    )


def test_suggested_qis_without_metadata() -> None:
    profile, _ = build_profile(Table.from_dataframe(load_builtin("adult")))
    assert profile["quasi_identifier_source"] == "suggested"
    assert MUST_QIS <= set(profile["quasi_identifiers"])
    assert {n: c["type"] for n, c in profile["columns"].items()} == EXPECTED_TYPES
    assert profile["direct_identifiers"] == []


def test_qi_override_and_unknown_qi() -> None:
    table = read_table("builtin:adult")
    profile, mask = build_profile(table, quasi_identifiers=["age", "sex"], k=3)
    assert profile["quasi_identifiers"] == ["age", "sex"] and profile["quasi_identifier_source"] == "override"
    sizes = table.df.groupby(["age", "sex"])["age"].transform("size")
    assert mask.tolist() == (sizes < 3).tolist()
    from safedata_core.errors import DataError

    with pytest.raises(DataError, match="unknown column 'zip'"):
        build_profile(table, quasi_identifiers=["age", "zip"])


def test_uniqueness_drivers_when_no_named_qis() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "c1": rng.integers(0, 30, 200),
            "c2": rng.choice(list("abcde"), 200),
            "c3": rng.choice(list("xy"), 200),
            "c4": [1.5] * 200,
        }
    )
    profile, _ = build_profile(Table.from_dataframe(df))
    assert profile["quasi_identifier_source"] == "suggested"
    sugg = profile["quasi_identifier_suggestions"]
    assert [s["category"] for s in sugg] == ["uniqueness"] * len(sugg) and sugg[0]["column"] == "c1"
    assert 1 <= len(profile["quasi_identifiers"]) <= 3 and "c4" not in profile["quasi_identifiers"]


def test_profile_step_matches_build_profile_and_weights() -> None:
    table = read_table("builtin:adult")
    profile, mask = profile_step(table, ProfileParams(k=5, quasi_identifiers=["age", "sex", "race"]))
    assert profile["risk"]["records_below_k"]["5"] == int(mask.sum()) == profile["rare_records"]
    weighted, _ = profile_step(table, ProfileParams(quasi_identifiers=["age", "sex", "race"], weight="fnlwgt"))
    ir = weighted["risk"]["individual_risk"]
    assert (
        ir["weighted"]
        and ir["expected_reidentifications"] < profile["risk"]["individual_risk"]["expected_reidentifications"]
    )


def test_metadata_is_reusable_and_hides_data_domains(tmp_path, adult_profile) -> None:  # type: ignore[no-untyped-def]
    df = load_builtin("adult")
    table = Table.from_dataframe(df)
    profile, _ = build_profile(table)
    meta = profile_metadata(table, profile)
    path = tmp_path / "metadata.yaml"
    meta.dump(path)
    again = read_table("builtin:adult", {"metadata": str(path)})
    assert again.metadata.quasi_identifiers == profile["quasi_identifiers"]
    assert all(c.categories is None and c.bounds is None for c in again.metadata.columns.values())
    with_domains = profile_metadata(table, profile, with_domains=True)
    assert with_domains.columns["sex"].categories == ["Female", "Male"]


def test_html_is_self_contained(adult_profile: tuple[dict, Table]) -> None:
    html = render_html(adult_profile[0])
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "k-anonymity" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_pipeline_step_lists_no_rare_values_by_default() -> None:
    table = read_table("builtin:adult")
    profile, _ = profile_step(table, ProfileParams(k=4))
    rare = profile["risk"]["rare_combinations"]
    assert rare["combinations"] == [] and rare["count"] > 0 and rare["records"] == profile["rare_records"]
    assert profile["risk"]["records_below_k"]["4"] == profile["rare_records"]
    listed, _ = profile_step(table, ProfileParams(k=4, max_rare_combinations=3))
    combos = listed["risk"]["rare_combinations"]["combinations"]
    assert len(combos) == 3 and all(c["count"] == 1 for c in combos)
    assert set(combos[0]["values"]) == set(profile["quasi_identifiers"])


def test_pipeline_profile_step_puts_the_profile_in_the_report() -> None:
    from safedata_core import Engine

    pipeline = {
        "data": {"source": "builtin:adult"},
        "steps": [{"id": "profile", "use": "profile", "params": {"k": 3, "quasi_identifiers": ["age", "sex"]}}],
    }
    result = Engine(autoload=False).run(pipeline)
    assert result.ok
    prof = result.report["profile"]
    direct, _ = build_profile(
        read_table("builtin:adult"), quasi_identifiers=["age", "sex"], k=3, max_rare_combinations=0, progress=False
    )
    assert prof["risk"]["records_below_k"] == direct["risk"]["records_below_k"]
    assert prof["quasi_identifiers"] == ["age", "sex"] and prof["columns"].keys() == direct["columns"].keys()


def test_progress_bar_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.DataFrame({"age": np.arange(100) % 40, "sex": ["F", "M"] * 50})
    build_profile(Table.from_dataframe(df), progress=True)
    assert "profiling" in capsys.readouterr().err
    build_profile(Table.from_dataframe(df))  # small input: no bar by default
    assert capsys.readouterr().err == ""
