"""Built-in attacks: contracts, sanity (copy vs independent sample) and anonymeter's reference values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.data.io import read_table
from safedata_core.default_plugins.attacks import (
    AttributeInferenceAttack,
    DCRAttack,
    MembershipInferenceAttack,
    SinglingOutAttack,
)
from safedata_core.errors import DataError
from safedata_core.testing import AttackContract
from safedata_core.testing.fixtures import tiny_table
from tests.conftest import shared_data


class TestSinglingOutContract(AttackContract):
    component = SinglingOutAttack
    params = {"n_attacks": 20, "max_attempts": 5000}


class TestAttributeInferenceContract(AttackContract):
    component = AttributeInferenceAttack
    params = {"n_attacks": 50}


class TestMembershipContract(AttackContract):
    component = MembershipInferenceAttack
    params = {"n_attacks": 50}


class TestDCRContract(AttackContract):
    component = DCRAttack
    params = {"n_samples": 100}


@pytest.fixture(scope="module")
def adult_splits() -> tuple[Table, Table, Table]:
    adult = read_table("builtin:adult")
    perm = np.random.default_rng(0).permutation(len(adult))
    return tuple(adult.with_df(adult.df.iloc[perm[i : i + 3000]].reset_index(drop=True)) for i in (0, 3000, 6000))


@pytest.mark.parametrize("method", ["domias", "dcr"])
def test_membership_copy_is_caught_and_independent_sample_is_not(adult_splits, method) -> None:  # type: ignore[no-untyped-def]
    train, other, holdout = adult_splits
    attack = MembershipInferenceAttack({"method": method, "n_attacks": 500})
    copy = attack.run(train, train, holdout, seed=0)
    assert copy.risk > 0.95 and copy.details[method]["auc"] > 0.99
    assert copy.details[method]["tpr_at_1pct_fpr"] > 0.9
    indep = attack.run(train, other, holdout, seed=0)
    assert indep.risk_ci[0] <= 0 <= indep.risk_ci[1]
    assert abs(indep.details[method]["auc"] - 0.5) < 0.06


def test_dcr_copy_and_independent_sample(adult_splits) -> None:  # type: ignore[no-untyped-def]
    train, other, holdout = adult_splits
    copy = DCRAttack({"n_samples": 1000}).run(train, train, holdout, seed=0)
    assert copy.details["exact_copy_rate"] == 1.0
    assert copy.risk > 0.95 and copy.details["dcr_original"]["p95"] == 0.0
    indep = DCRAttack({"n_samples": 1000}).run(train, other, holdout, seed=0)
    assert indep.risk_ci[0] <= 0 <= indep.risk_ci[1]
    assert indep.details["exact_copy_rate"] < 0.05
    assert indep.details["dcr_original"]["median"] > 0


def test_no_holdout_uses_documented_proxy(adult_splits) -> None:  # type: ignore[no-untyped-def]
    train, _, _ = adult_splits
    res = MembershipInferenceAttack({"n_attacks": 200}).run(train, train, None, seed=0)
    assert res.details["non_members"] == "shuffled_marginals" and "warning" in res.details
    assert res.risk > 0.9


def test_attribute_inference_copy_vs_independent(adult_splits) -> None:  # type: ignore[no-untyped-def]
    train, other, holdout = adult_splits
    aux = [c for c in train.columns if c != "occupation"]
    attack = AttributeInferenceAttack({"secrets": ["occupation"], "aux_cols": aux, "n_attacks": 400})
    copy = attack.run(train, train, holdout, seed=0)
    assert copy.success_rate > 0.95 and copy.risk > 0.5
    indep = attack.run(train, other, holdout, seed=0)
    assert indep.risk_ci[0] <= 0 <= indep.risk_ci[1]
    assert indep.details["secrets"]["occupation"]["regression"] is False


def test_columns_subset_and_bad_column(adult_splits) -> None:  # type: ignore[no-untyped-def]
    train, other, holdout = adult_splits
    res = SinglingOutAttack({"mode": "univariate", "n_attacks": 50, "columns": ["age", "sex"]}).run(
        train, other, holdout, seed=0
    )
    assert res.details["columns"] == ["age", "sex"]
    with pytest.raises(DataError, match="no_such"):
        DCRAttack({"columns": ["no_such"]}).run(train, other, holdout, seed=0)


def test_attacks_handle_missing_values_and_booleans() -> None:
    a, b, c = tiny_table(300, seed=0), tiny_table(300, seed=1), tiny_table(300, seed=2)
    for attack in (
        SinglingOutAttack({"n_attacks": 30}),
        AttributeInferenceAttack({"secrets": ["smoker", "income"]}),
        MembershipInferenceAttack({"n_attacks": 100}),
        DCRAttack({"n_samples": 200}),
    ):
        res = attack.run(a, b, c, seed=3)
        assert np.isfinite(res.risk) and res.n_attempts > 0


@pytest.fixture(scope="module")
def anonymeter() -> tuple[Table, Table, Table, dict]:
    folder = shared_data("anonymeter_adult")
    expected = json.loads(shared_data("reference_values", "anonymeter_expected.json").read_text())
    ori = Table.from_dataframe(pd.read_csv(folder / "adults_train_reconstructed.csv.gz"))
    syn = Table.from_dataframe(pd.read_csv(folder / "adults_syn_ctgan.csv"), ori.metadata)
    ctl = Table.from_dataframe(pd.read_csv(folder / "adults_control.csv"), ori.metadata)
    return ori, syn, ctl, expected["notebook_anonymeter_example_ipynb"]


@pytest.mark.reference
def test_singling_out_univariate_matches_anonymeter(anonymeter) -> None:  # type: ignore[no-untyped-def]
    ori, syn, ctl, expected = anonymeter
    ref = expected["singling_out_univariate"]
    res = SinglingOutAttack({"mode": "univariate", "n_attacks": ref["n_attacks"]}).run(ori, syn, ctl, seed=0)
    assert res.n_attempts == ref["n_attacks"]
    lo, hi = ref["ci"]
    assert lo - 1e-9 <= res.risk <= hi  # our estimate lies in anonymeter's interval
    # and anonymeter's estimate in ours; rates agree within their Wilson errors
    assert res.risk_ci[0] <= ref["risk"] <= res.risk_ci[1]
    for ours, (centre, err) in ((res.success_rate, ref["attack_rate"]), (res.control_rate, ref["control_rate"])):
        assert abs(ours - centre) <= err + 0.01
    assert res.details["control_size_correction"] != 1.0


@pytest.mark.reference
def test_singling_out_multivariate_matches_anonymeter(anonymeter) -> None:  # type: ignore[no-untyped-def]
    ori, syn, ctl, expected = anonymeter
    ref = expected["singling_out_multivariate"]
    res = SinglingOutAttack({"mode": "multivariate", "n_attacks": ref["n_attacks"], "n_cols": ref["n_cols"]}).run(
        ori, syn, ctl, seed=0
    )
    assert res.n_attempts == ref["n_attacks"]
    lo, hi = ref["ci"]
    assert lo - 0.05 <= res.risk <= hi
    assert res.risk_ci[0] <= ref["risk"] <= res.risk_ci[1]


def test_membership_inference_on_one_row_is_a_component_error() -> None:
    from safedata_core.errors import ComponentError

    one = tiny_table(1, with_missing=False)
    with pytest.raises(ComponentError, match="membership_inference: 1 non-member record"):
        MembershipInferenceAttack({"n_attacks": 20}).run(one, one, None, seed=0)
