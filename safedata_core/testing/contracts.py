"""Contract test classes for plugin authors: one per component kind.

Subclass in your plugin's tests and set ``component`` (and fast ``params``)::

    from safedata_core.testing import SynthesizerContract

    class TestMySynthContract(SynthesizerContract):
        component = MySynthesizer
        params = {"epochs": 1}

pytest collects the inherited ``test_*`` methods. They check registration
through the installed entry point, Params strictness and schema export, the
docstring sections, and the kind's behaviour (shapes, seeding, DP budget use).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from safedata_core.components import (
    Attack,
    AttackResult,
    Component,
    Mechanism,
    Metric,
    MetricResult,
    SDCMethod,
    SDCResult,
    Synthesizer,
)
from safedata_core.data import Table
from safedata_core.errors import PrivacyBudgetError
from safedata_core.privacy import Budget, Ledger
from safedata_core.registry import Registry
from safedata_core.testing.fixtures import tiny_table

__all__ = [
    "AttackContract",
    "ComponentContract",
    "MechanismContract",
    "MetricContract",
    "SDCContract",
    "SynthesizerContract",
    "make_budget",
]


def make_budget(
    epsilon: float = 1.0, delta: float = 1e-5, *, step: str = "test", component: str = "test", accountant: str = "rdp"
) -> Any:
    """A fresh ledger with one step share of (epsilon, delta); returns the share."""
    ledger = Ledger(Budget(epsilon, delta), accountant=accountant)
    return ledger.share(step, component, Budget(epsilon, delta))


class ComponentContract:
    """Checks every component kind must pass."""

    component: ClassVar[type[Component]]
    params: ClassVar[dict[str, Any]] = {}
    #: set False for a component tested in-tree without being installed
    check_entry_point: ClassVar[bool] = True

    def make(self, **overrides: Any) -> Any:
        return self.component({**self.params, **overrides})

    def table(self) -> Table:
        return tiny_table()

    def test_registers_cleanly(self) -> None:
        Registry().add(self.component.kind, self.component, plugin="contract-test")

    def test_discoverable_through_entry_point(self) -> None:
        if not self.check_entry_point or self.component.__module__.startswith("safedata_core."):
            pytest.skip("component is built into safedata-core or not meant to be installed")
        from safedata_core.engine import Engine

        engine = Engine(autoload=True)
        info = engine.registry.get(self.component.name)
        assert info.cls is self.component, f"'{self.component.name}' is registered by {info.origin()}"

    def test_params_reject_unknown_keys(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError):
            self.component.Params.model_validate({**self.params, "no_such_option_xyz": 1})

    def test_params_export_json_schema(self) -> None:
        schema = self.component.Params.model_json_schema()
        assert schema.get("type") == "object"

    def test_docstring_sections(self) -> None:
        doc = inspect.getdoc(self.component) or ""
        assert "**Privacy guarantee**" in doc
        assert "**Assumptions**" in doc


class SynthesizerContract(ComponentContract):
    """Contract for :class:`~safedata_core.Synthesizer` plugins."""

    component: ClassVar[type[Synthesizer]]
    #: budget for DP fits in the contract tests
    epsilon: ClassVar[float] = 3.0
    delta: ClassVar[float] = 1e-5

    def fit(self, model: Synthesizer, table: Table, seed: int = 0) -> Any:
        budget = make_budget(self.epsilon, self.delta) if model.privacy == "dp" else None
        model.fit(table, budget=budget, seed=seed)
        return budget

    def test_fit_sample_shape_and_columns(self) -> None:
        table = self.table()
        model = self.make()
        self.fit(model, table)
        out = model.sample(57, seed=1)
        assert isinstance(out, Table)
        assert len(out) == 57
        assert list(out.df.columns) == list(table.df.columns)
        for col in table.columns:
            meta = table.metadata.columns[col]
            if meta.is_numeric:
                assert pd.api.types.is_numeric_dtype(out.df[col]), f"column {col} should be numeric"

    def test_same_seed_same_sample(self) -> None:
        table = self.table()
        a, b = self.make(), self.make()
        self.fit(a, table, seed=3)
        self.fit(b, table, seed=3)
        pd.testing.assert_frame_equal(a.sample(40, seed=5).df, b.sample(40, seed=5).df)

    def test_categories_stay_in_public_domain(self) -> None:
        table = self.table()
        model = self.make()
        self.fit(model, table)
        out = model.sample(200, seed=2).df
        for col, meta in table.metadata.columns.items():
            if meta.categories is not None:
                seen = set(out[col].dropna().astype(str))
                assert seen <= {str(c) for c in meta.categories}, f"{col}: {seen}"

    def test_dp_refuses_fit_without_budget(self) -> None:
        if self.component.privacy != "dp":
            pytest.skip("not a DP synthesizer")
        with pytest.raises(PrivacyBudgetError):
            self.make().fit(self.table(), budget=None, seed=0)

    def test_dp_spends_within_share_and_reports(self) -> None:
        if self.component.privacy != "dp":
            pytest.skip("not a DP synthesizer")
        model = self.make()
        budget = self.fit(model, self.table())
        spent = budget.spent()
        assert spent.epsilon > 0, "a DP synthesizer must charge the ledger for touching the data"
        assert spent.epsilon <= self.epsilon * (1 + 1e-9)

    def test_dp_overspend_fails(self) -> None:
        if self.component.privacy != "dp":
            pytest.skip("not a DP synthesizer")
        budget = make_budget(self.epsilon, self.delta)
        budget.charge("pure", epsilon=self.epsilon * 0.999999, note="contract: pre-spend")
        with pytest.raises(PrivacyBudgetError):
            self.make().fit(self.table(), budget=budget, seed=0)

    def test_state_dict_round_trip(self) -> None:
        model = self.make()
        self.fit(model, self.table())
        state = model.state_dict()
        if state is None:
            pytest.skip("state_dict not implemented")
        other = self.make()
        other.load_state_dict(state)
        pd.testing.assert_frame_equal(model.sample(30, seed=9).df, other.sample(30, seed=9).df)


class MechanismContract(ComponentContract):
    """Contract for :class:`~safedata_core.Mechanism` plugins."""

    component: ClassVar[type[Mechanism]]
    values: ClassVar[list[float]] = [10.0, 20.0, 30.0]

    def test_randomise_charges_and_keeps_shape(self) -> None:
        budget = make_budget(1.0, 1e-5)
        out = self.make().randomise(np.asarray(self.values), budget=budget)
        assert np.shape(out) == np.shape(self.values)
        assert budget.spent().epsilon > 0

    def test_randomise_noise_is_secure_and_replayable_only_in_test_mode(self) -> None:
        from safedata_core.privacy import NoiseSource

        a = self.make().randomise(np.asarray(self.values * 20), budget=make_budget())
        b = self.make().randomise(np.asarray(self.values * 20), budget=make_budget())
        assert not np.array_equal(a, b), "DP noise must come from budget.noise (secure), not a seeded generator"
        c, d = make_budget(), make_budget()
        c.noise, d.noise = NoiseSource.reproducible(1), NoiseSource.reproducible(1)
        np.testing.assert_array_equal(
            self.make().randomise(np.asarray(self.values), budget=c),
            self.make().randomise(np.asarray(self.values), budget=d),
        )


class SDCContract(ComponentContract):
    """Contract for :class:`~safedata_core.SDCMethod` plugins."""

    component: ClassVar[type[SDCMethod]]

    def test_apply_returns_table_and_changes(self) -> None:
        table = self.table()
        res = self.make().apply(table, seed=0)
        assert isinstance(res, SDCResult)
        assert isinstance(res.table, Table)
        assert list(res.table.df.columns) == list(table.df.columns)
        assert "records_modified" in res.changes and "cells_modified" in res.changes

    def test_apply_targeted_rows_only(self) -> None:
        table = self.table()
        rows = np.zeros(len(table), dtype=bool)
        rows[:10] = True
        res = self.make().apply(table, seed=0, rows=rows)
        untouched = ~rows
        before = table.df[untouched].reset_index(drop=True).astype(str)
        after = (
            res.table.df[untouched[: len(res.table)]].reset_index(drop=True).astype(str)
            if len(res.table) == len(table)
            else None
        )
        if after is not None:
            pd.testing.assert_frame_equal(before, after)

    def test_same_seed_same_output(self) -> None:
        table = self.table()
        pd.testing.assert_frame_equal(
            self.make().apply(table, seed=4).table.df, self.make().apply(table, seed=4).table.df
        )


class AttackContract(ComponentContract):
    """Contract for :class:`~safedata_core.Attack` plugins."""

    component: ClassVar[type[Attack]]

    def test_run_returns_result_with_intervals(self) -> None:
        original, control = tiny_table(200, seed=0), tiny_table(100, seed=1)
        res = self.make().run(original, original, control, seed=0)
        assert isinstance(res, AttackResult)
        assert 0 <= res.success_rate <= 1 and res.n_attempts > 0
        assert res.risk_ci[0] <= res.risk <= res.risk_ci[1]


class MetricContract(ComponentContract):
    """Contract for :class:`~safedata_core.Metric` plugins."""

    component: ClassVar[type[Metric]]

    def test_identical_tables_score_well(self) -> None:
        t = self.table()
        res = self.make().compute(t, t, holdout=tiny_table(150, seed=7), seed=0)
        assert isinstance(res, MetricResult)
        assert np.isfinite(res.score)
