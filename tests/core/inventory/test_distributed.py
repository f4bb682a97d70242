"""The Dask profile equals the local profile: every risk figure, from counts over partitions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.inventory import build_profile
from safedata_core.inventory.distributed import build_profile_distributed, class_summary

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    from safedata_core.execution import dask_session

    with dask_session("local", processes=False) as s:
        yield s


def census(n: int = 1500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(16, 95, n).astype(float)
    age[rng.random(n) < 0.03] = np.nan  # missing QI values: wildcards for freqCalc
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice([f"r{i}" for i in range(12)], n, p=np.r_[0.5, np.full(11, 0.5 / 11)]),
            "diagnosis": rng.choice(["a", "b", "c", None], n, p=[0.6, 0.3, 0.08, 0.02]),
            "income": np.round(rng.lognormal(8, 0.6, n), 0),
            "w": rng.uniform(1, 30, n).round(2),
        }
    )


def metadata() -> Metadata:
    return Metadata(
        columns={
            "age": ColumnMeta(type="integer", role="quasi_identifier"),
            "sex": ColumnMeta(type="categorical", role="quasi_identifier"),
            "region": ColumnMeta(type="categorical", role="quasi_identifier"),
            "diagnosis": ColumnMeta(type="categorical", role="sensitive"),
            "income": ColumnMeta(type="numerical", role="sensitive"),
            "w": ColumnMeta(type="numerical", role="weight"),
        }
    )


def profiles(df: pd.DataFrame, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    import dask.dataframe as dd

    local = Table.from_dataframe(df, metadata())
    dtable = Table(dd.from_pandas(local.df, npartitions=6), local.metadata)
    want, _ = build_profile(local, progress=False, **kwargs)
    got = build_profile_distributed(dtable, **kwargs)
    return want, got


def assert_close(got: Any, want: Any, path: str = "") -> None:
    if isinstance(want, dict):
        assert set(got) == set(want), path
        for key in want:
            assert_close(got[key], want[key], f"{path}/{key}")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), path
    else:
        assert got == want, path


def test_risk_figures_equal_the_local_profile(session: Any) -> None:
    want, got = profiles(census(), k=4)
    assert got["rows"] == want["rows"]
    assert got["quasi_identifiers"] == want["quasi_identifiers"] == ["age", "sex", "region"]
    assert got["sensitive"] == want["sensitive"] == ["diagnosis", "income"]
    risk_w, risk_g = want["risk"], got["risk"]
    rare_w, rare_g = risk_w.pop("rare_combinations"), risk_g.pop("rare_combinations")
    assert_close(risk_g, risk_w)
    assert risk_w["individual_risk"]["weighted"] and risk_w["individual_risk"]["wildcard_missing"]
    assert risk_w["t_closeness"]["income"]["bins"] > 2  # quantile bins of a numeric sensitive column
    assert (rare_g["count"], rare_g["records"]) == (rare_w["count"], rare_w["records"])
    key = lambda c: (c["count"], sorted((k, str(v)) for k, v in c["values"].items()))  # noqa: E731
    if not rare_w["truncated"]:
        assert sorted(map(key, rare_g["combinations"])) == sorted(map(key, rare_w["combinations"]))
    assert got["rare_records"] == want["rare_records"]
    for name, col in want["columns"].items():
        assert got["columns"][name]["missing"] == col["missing"]
        if got["columns"][name].get("distinct_approx"):  # HyperLogLog: about 1% error with 2^14 registers
            assert got["columns"][name]["distinct"] == pytest.approx(col["distinct"], rel=0.05)
        else:
            assert got["columns"][name]["distinct"] == col["distinct"]
        assert got["columns"][name]["role"] == col["role"]


def test_override_without_weights_and_sensitive(session: Any) -> None:
    df = census(400).drop(columns=["w"])
    import dask.dataframe as dd

    local = Table.from_dataframe(df, Metadata(columns={}))
    want, _ = build_profile(local, quasi_identifiers=["sex", "region"], sensitive=[], progress=False)
    dtable = Table(dd.from_pandas(local.df, npartitions=3), local.metadata)
    got = build_profile_distributed(dtable, quasi_identifiers=["sex", "region"], sensitive=[])
    assert got["quasi_identifier_source"] == "override"
    for key in ("k_anonymity", "records_below_k", "equivalence_classes", "individual_risk", "uniqueness_contribution"):
        assert_close(got["risk"][key], want["risk"][key])


def test_class_summary_of_known_sizes() -> None:
    out = class_summary(np.array([1, 1, 2, 5, 7]), ["a"], k=6)
    assert out["k_anonymity"] == 1
    assert out["records_below_k"] == {"2": 2, "3": 4, "5": 4, "10": 16, "6": 9}
    assert out["sample_uniques"] == 2
    assert out["classes_below_k"]["5"] == 3
    assert out["class_size_distribution"][0] == {"size": "1", "records": 2, "classes": 2}
