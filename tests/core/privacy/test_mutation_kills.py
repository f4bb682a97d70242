"""Checks that close gaps `make mutation` found in safedata_core/privacy (each names the mutation it kills)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from safedata_core.data import Table
from safedata_core.errors import ComponentError
from safedata_core.privacy import dp_mean, require_declared
from safedata_core.testing import make_budget
from safedata_core.testing.fixtures import tiny_table


def test_dp_mean_sum_sensitivity_is_half_the_width_of_bounds_away_from_zero() -> None:
    # bounds (10, 30): half-width 10 (not (hi + lo) / 2 = 20), and the sum is centred on 20
    budget = make_budget(1.0, 0.0)
    dp_mean(np.array([12.0, 15.0, 28.0]), bounds=(10, 30), budget=budget, epsilon=1.0, note="m")
    sum_event, count_event = (c.event for c in budget.charges)
    assert sum_event.params["real_sensitivity"] == 10.0
    assert sum_event.epsilon == count_event.epsilon == 0.5
    assert count_event.params == {"sensitivity": 1, "scale": 2.0}


def _inferred(name: str) -> Table:
    t = tiny_table(20)
    meta = t.metadata.model_copy(deep=True)
    meta.columns[name] = meta.columns[name].model_copy(update={"inferred": True})
    return Table(df=t.df, metadata=meta)


def test_refusal_of_a_categorical_or_unknown_column_shows_the_categorical_example() -> None:
    expected = (
        "w: DP component 'c' cannot use column 'sex': it is not declared in the metadata (its type was inferred "
        "from the data, which leaks); declare it in the metadata file named by data.metadata, e.g. "
        "`sex: {type: categorical, categories: [...], nullable: false}`, or drop it with data.columns"
        " (if a drafted metadata file marks it `inferred: true`: safedata metadata confirm FILE)"
    )
    with pytest.raises(ComponentError, match=f"^{re.escape(expected)}$"):
        require_declared(_inferred("sex"), ["sex"], where="w", component="c")
    # a column missing from the metadata altogether gets the categorical example too
    with pytest.raises(ComponentError, match=re.escape("e.g. `nope: {type: categorical, categories: [...]")):
        require_declared(tiny_table(20), ["nope"], where="w", component="c")


def test_laplace_event_with_a_scale_below_one_uses_the_laplace_curve() -> None:
    # sensitivity 1, scale 0.5 (epsilon 2): Mironov 2017 Prop. 6 written out here, not the generic pure-DP
    # curve (randomised response), which is larger
    from safedata_core.privacy.budget import PrivacyEvent
    from safedata_core.privacy.rdp import event_rdp

    orders = np.array([1.5, 2.0, 8.0, 32.0])
    event = PrivacyEvent("laplace", 2.0, 0.0, 1, {"sensitivity": 1.0, "scale": 0.5})
    e, a = 2.0, orders
    expected = np.log(a / (2 * a - 1) * np.exp((a - 1) * e) + (a - 1) / (2 * a - 1) * np.exp(-a * e)) / (a - 1)
    np.testing.assert_allclose(event_rdp(event, orders), np.minimum(expected, e), rtol=1e-9)
    rr = (np.log(np.exp(a * e) + np.exp((1 - a) * e)) - np.log1p(np.exp(e))) / (a - 1)
    assert np.all(event_rdp(event, orders)[:3] < rr[:3])  # the two curves differ: the test can tell them apart


def test_reproducible_noise_without_a_seed_is_refused_by_name() -> None:
    from safedata_core.privacy import NoiseSource

    with pytest.raises(ValueError) as err:
        NoiseSource("reproducible-test")
    assert str(err.value) == "the reproducible-test noise mode needs a seed"


def test_a_charge_recorded_without_a_note_has_an_empty_note() -> None:
    from safedata_core.privacy.budget import PrivacyEvent

    budget = make_budget(1.0, 0.0)
    budget.record(PrivacyEvent("laplace", 0.5, 0.0, 1, {"sensitivity": 1.0, "scale": 2.0}))
    assert budget.charges[-1].note == ""


def test_prv_epsilon_at_delta_zero_is_infinite() -> None:
    # a Gaussian release has no finite epsilon at delta = 0
    from safedata_core.privacy import PrivacyEvent, create_accountant

    event = PrivacyEvent("gaussian", 1.0, 1e-6, 1, {"noise_multiplier": 2.0, "sensitivity": 1.0})
    assert create_accountant("prv").epsilon([event], 0.0) == float("inf")
