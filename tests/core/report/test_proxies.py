"""Proxy columns: a kept column that gives back a suppressed or generalised quasi-identifier, measured on real data."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from safedata_core.report.proxies import find_proxies, suppressed_mask

N = 3000


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """Adult-like: education_num codes education 1:1; Husband/Wife fix sex; fnlwgt is near-unique; noise is noise."""
    rng = np.random.default_rng(0)
    education = rng.choice(
        ["HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate"], N, p=[0.4, 0.25, 0.2, 0.1, 0.05]
    )
    code = {"HS-grad": 9, "Some-college": 10, "Bachelors": 13, "Masters": 14, "Doctorate": 16}
    sex = rng.choice(["Male", "Female"], N, p=[0.67, 0.33])
    married = rng.random(N) < 0.5
    relationship = np.where(
        married, np.where(sex == "Male", "Husband", "Wife"), rng.choice(["Not-in-family", "Own-child", "Unmarried"], N)
    )
    marital = np.where(married, "Married-civ-spouse", rng.choice(["Never-married", "Divorced"], N))
    return pd.DataFrame(
        {
            "education": education,
            "education_num": pd.Series(education).map(code).astype(float),
            "sex": sex,
            "relationship": relationship,
            "marital_status": marital,
            "fnlwgt": rng.integers(10_000, 1_000_000, N).astype(float),
            "hours": rng.choice([40.0, 20.0, 50.0], N),
        }
    )


def _by_pair(found: list[dict]) -> dict[tuple[str, str], dict]:
    return {(p["column"], p["determines"]): p for p in found}


def test_a_one_to_one_code_fails_and_husband_wife_warns(people: pd.DataFrame) -> None:
    released = people.copy().astype({"education": object, "sex": object})
    released["education"] = "*"  # generalised to the top: suppressed
    released["sex"] = "*"
    qis = ["education", "sex", "marital_status"]
    start = time.perf_counter()
    found = _by_pair(find_proxies(people, released, qis, warn_at=0.3, fail_at=0.8))
    assert time.perf_counter() - start < 5
    edu = found[("education_num", "education")]
    assert edu["verdict"] == "fail" and edu["theil_u"] > 0.99 and edu["revealed_share"] > 0.99
    assert edu["hidden_as"] == "suppressed" and edu["hidden_records"] == N
    sex = found[("relationship", "sex")]
    assert sex["verdict"] == "warn" and 0.3 <= sex["theil_u"] < 0.8
    assert sorted(sex["revealing_values"]) == ["Husband", "Wife"]
    assert sex["revealed_share"] == pytest.approx(np.mean(people["relationship"].isin(["Husband", "Wife"])), abs=0.01)
    # a near-unique number, an unrelated column and unchanged QIs are not proxies
    assert set(found) == {("education_num", "education"), ("relationship", "sex")}


def test_only_what_the_released_value_does_not_already_say_counts(people: pd.DataFrame) -> None:
    """relationship says 'married', which the generalised marital status already says: no proxy."""
    released = people.copy().astype({"marital_status": object})
    released["marital_status"] = np.where(people["marital_status"] == "Married-civ-spouse", "Married", "Not married")
    found = _by_pair(find_proxies(people, released, ["marital_status"], warn_at=0.3, fail_at=0.8))
    assert ("relationship", "marital_status") not in found
    # suppressed instead of generalised, relationship gives the married ones back
    released["marital_status"] = np.nan
    found = _by_pair(find_proxies(people, released, ["marital_status"], warn_at=0.3, fail_at=0.8))
    assert found[("relationship", "marital_status")]["hidden_as"] == "suppressed"


def test_a_few_suppressed_cells_are_judged_on_those_records(people: pd.DataFrame) -> None:
    released = people.copy().astype({"education": object})
    blank = np.zeros(N, dtype=bool)
    blank[:40] = True
    released.loc[blank, "education"] = np.nan
    (edu,) = find_proxies(people, released, ["education"], warn_at=0.3, fail_at=0.8)
    assert edu["column"] == "education_num" and edu["verdict"] == "fail" and edu["hidden_records"] == 40
    assert suppressed_mask(people["education"], released["education"]).sum() == 40


def test_changed_proxy_dropped_qi_and_unmatched_rows(people: pd.DataFrame) -> None:
    released = people.copy().astype({"education": object})
    released["education"] = "*"
    released["education_num"] = released["education_num"] + np.where(np.arange(N) % 2 == 0, 1.0, 0.0)
    assert find_proxies(people, released, ["education"], warn_at=0.3, fail_at=0.8) == []  # not kept as is
    dropped = people.drop(columns=["education"])
    (edu,) = find_proxies(people, dropped, ["education"], warn_at=0.3, fail_at=0.8)
    assert edu["hidden_as"] == "dropped" and edu["verdict"] == "fail"
    fewer = people.assign(education="*").iloc[: N // 2]  # records removed: rows cannot be matched
    (edu,) = find_proxies(people, fewer, ["education"], warn_at=0.3, fail_at=0.8)
    assert edu["hidden_as"] == "suppressed or generalised" and edu["hidden_records"] == N


def test_small_tables_do_not_invent_proxies() -> None:
    """Independent columns on 200 rows: many small groups (raw U 0.34 for code), chance-corrected U stays low."""
    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame(
        {
            "country": rng.choice([f"c{i}" for i in range(15)], n, p=[0.72] + [0.02] * 14),
            "code": rng.integers(0, 30, n).astype(float),
            "job": rng.choice([f"j{i}" for i in range(14)], n),
        }
    )
    released = df.assign(country="*")
    assert find_proxies(df, released, ["country"], warn_at=0.3, fail_at=0.8) == []


def test_near_unique_numbers_and_dates_are_binned_not_proxies(people: pd.DataFrame) -> None:
    rng = np.random.default_rng(9)
    df = people.assign(when=pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10_000, N), unit="min"))
    released = df.assign(sex="*")
    found = {p["column"] for p in find_proxies(df, released, ["sex"], warn_at=0.1, fail_at=0.8)}
    assert found == {"relationship"}  # not fnlwgt (near-unique number) nor when (near-unique time)
