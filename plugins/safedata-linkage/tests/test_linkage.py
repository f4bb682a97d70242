"""The linkage attack: contract, sanity on copies and independent samples, exact mode, noise, errors."""

from __future__ import annotations

import numpy as np
import pytest
from safedata_linkage.attack import LinkageAttack, default_aux_split

from safedata_core.data import Table
from safedata_core.data.io import read_table
from safedata_core.errors import DataError
from safedata_core.testing import AttackContract
from safedata_core.testing.fixtures import tiny_table


class TestLinkageContract(AttackContract):
    component = LinkageAttack
    params = {"n_attacks": 100}


@pytest.fixture(scope="module")
def splits() -> tuple[Table, Table, Table]:
    adult = read_table("builtin:adult")
    perm = np.random.default_rng(1).permutation(len(adult))
    return tuple(adult.with_df(adult.df.iloc[perm[i : i + 3000]].reset_index(drop=True)) for i in (0, 3000, 6000))


@pytest.mark.parametrize("mode", ["nearest", "exact"])
def test_copy_is_linked_and_independent_sample_is_not(splits, mode) -> None:  # type: ignore[no-untyped-def]
    train, other, holdout = splits
    attack = LinkageAttack({"columns": train.columns, "n_attacks": 800, "mode": mode})
    copy = attack.run(train, train, holdout, seed=0)
    assert copy.success_rate == 1.0 and copy.risk > 0.95
    indep = attack.run(train, other, holdout, seed=0)
    assert indep.risk_ci[0] <= 0 <= indep.risk_ci[1]
    assert copy.baseline_rate < 0.01


def test_noise_weakens_but_keeps_nearest_links(splits) -> None:  # type: ignore[no-untyped-def]
    train, _, holdout = splits
    clean = LinkageAttack({"columns": train.columns, "n_attacks": 500}).run(train, train, holdout, seed=0)
    noisy = LinkageAttack({"columns": train.columns, "n_attacks": 500, "noise": 0.2}).run(train, train, holdout, seed=0)
    exact = LinkageAttack({"columns": train.columns, "n_attacks": 500, "noise": 0.2, "mode": "exact"}).run(
        train, train, holdout, seed=0
    )
    assert exact.success_rate < noisy.success_rate < clean.success_rate
    assert noisy.risk > 0.3


def test_default_split_uses_quasi_identifiers_and_alternates(splits) -> None:  # type: ignore[no-untyped-def]
    train, other, _holdout = splits
    res = LinkageAttack({"n_attacks": 200}).run(train, other, None, seed=0)
    a, b = res.details["aux_cols"]
    assert sorted(a + b) == sorted(train.metadata.quasi_identifiers)
    assert res.control_rate is None
    assert default_aux_split(train, ["sex", "age", "race"]) == (["age", "sex"], ["race"])


def test_missing_values_and_bad_params() -> None:
    a, b = tiny_table(200, seed=0), tiny_table(200, seed=1)
    res = LinkageAttack({"aux_cols": [["age", "region"], ["income", "smoker"]]}).run(a, a, b, seed=0)
    assert res.success_rate == 1.0
    with pytest.raises(DataError, match="nope"):
        LinkageAttack({"aux_cols": [["age"], ["nope"]]}).run(a, b, None, seed=0)
    with pytest.raises(DataError, match="both column sets"):
        LinkageAttack({"aux_cols": [[], ["age"]]}).run(a, b, None, seed=0)
