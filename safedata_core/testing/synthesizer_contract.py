"""The synthesizer contract: shapes, seeding, public domains, and the DP checks.

DP checks run when the configured synthesizer is DP (``privacy = "dp"`` and
no ``dp: false`` in ``params``); with ``dp: false`` they check the documented
non-private mode instead or skip with that reason. The DP checks:

* a fit without a budget is refused, an overspent share is refused;
* secure mode: two fits with the same seed and a budget give different
  releases (DP noise never comes from the seed);
* full spend: the ledger's accountant reports the share spent within 1e-6
  (``full_spend_exempt = "reason"`` to skip with a reason);
* undeclared columns: a table with one column whose metadata was inferred is
  refused with a one-line :class:`~safedata_core.errors.ComponentError`;
* a tiny empirical DP audit (slow): ``eps_lower`` from
  :func:`safedata_core.dpaudit.run_audit` must not exceed the claim
  (``audit_exempt = "reason"`` to skip with a reason).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from safedata_core.components import Synthesizer
from safedata_core.data import Metadata, Table
from safedata_core.errors import ComponentError, PrivacyBudgetError
from safedata_core.testing.budgets import make_budget
from safedata_core.testing.component_contract import ComponentContract
from safedata_core.testing.fixtures import tiny_table

__all__ = ["SynthesizerContract"]

#: how close the spend must come to the share (absolute epsilon)
FULL_SPEND_TOLERANCE = 1e-6


class SynthesizerContract(ComponentContract):
    """Contract for :class:`~safedata_core.Synthesizer` plugins."""

    component: ClassVar[type[Synthesizer]]
    #: budget for DP fits in the contract tests
    epsilon: ClassVar[float] = 3.0
    delta: ClassVar[float] = 1e-5
    #: reason the synthesizer cannot spend exactly its share (the check then skips with it)
    full_spend_exempt: ClassVar[str | None] = None
    #: reason the synthesizer cannot run the empirical DP audit (the check then skips with it)
    audit_exempt: ClassVar[str | None] = None
    #: empirical audit settings: runs per side, claimed epsilon, rows of the audited table, confidence
    audit_runs: ClassVar[int] = 40
    audit_epsilon: ClassVar[float] = 0.5
    audit_rows: ClassVar[int] = 100
    audit_confidence: ClassVar[float] = 0.99
    #: processes the audit's fits run in (each fit's seed is fixed by its index, so the figures do not depend on
    #: it); 2 halves the wall time of a slow synthesizer's audit on 2 cores, spawning costs a few seconds
    audit_jobs: ClassVar[int] = 1

    def is_dp(self) -> bool:
        """True when the configured synthesizer fits under DP (a DP class without ``dp: false``)."""
        if self.component.privacy != "dp":
            return False
        return getattr(self.make().params, "dp", True) is not False

    def require_dp(self) -> None:
        if self.component.privacy != "dp":
            pytest.skip("not a DP synthesizer")
        if not self.is_dp():
            pytest.skip("configured non-private (params dp: false): DP checks do not apply")

    def fit(self, model: Synthesizer, table: Table, seed: int = 0, *, noise_seed: int | None = None) -> Any:
        """Fit ``model``; a DP configuration gets a fresh share (reproducible noise when ``noise_seed`` is set)."""
        budget = make_budget(self.epsilon, self.delta, noise_seed=noise_seed) if self.is_dp() else None
        model.fit(table, budget=budget, seed=seed)
        return budget

    # -- behaviour -------------------------------------------------------------
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
        """Same seed and reproducible (test-only) noise: identical releases."""
        table = self.table()
        a, b = self.make(), self.make()
        self.fit(a, table, seed=3, noise_seed=11)
        self.fit(b, table, seed=3, noise_seed=11)
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

    def test_state_dict_round_trip(self) -> None:
        model = self.make()
        self.fit(model, self.table())
        state = model.state_dict()
        if state is None:
            pytest.skip("state_dict not implemented")
        other = self.make()
        other.load_state_dict(state)
        pd.testing.assert_frame_equal(model.sample(30, seed=9).df, other.sample(30, seed=9).df)

    # -- DP ------------------------------------------------------------------------
    def test_dp_refuses_fit_without_budget(self) -> None:
        if self.component.privacy != "dp":
            pytest.skip("not a DP synthesizer")
        if not self.is_dp():
            # the documented non-private mode: fitting without a budget must work
            model = self.make()
            model.fit(self.table(), budget=None, seed=0)
            assert len(model.sample(10, seed=0)) == 10
            return
        with pytest.raises(PrivacyBudgetError):
            self.make().fit(self.table(), budget=None, seed=0)

    def test_dp_spends_within_share_and_reports(self) -> None:
        self.require_dp()
        budget = self.fit(self.make(), self.table())
        spent = budget.spent()
        assert spent.epsilon > 0, "a DP synthesizer must charge the ledger for touching the data"
        assert spent.epsilon <= self.epsilon * (1 + 1e-9)

    def test_dp_spends_its_full_share(self) -> None:
        self.require_dp()
        if self.full_spend_exempt:
            pytest.skip(self.full_spend_exempt)
        budget = self.fit(self.make(), self.table())
        spent = budget.spent().epsilon  # composed by the ledger's own accountant
        assert abs(spent - self.epsilon) <= FULL_SPEND_TOLERANCE, (
            f"{self.component.name} spent epsilon={spent:.9f} of its share {self.epsilon:g} "
            f"(accountant {budget.accountant}); calibrate to spend the whole share or set full_spend_exempt"
        )

    def test_dp_overspend_fails(self) -> None:
        self.require_dp()
        budget = make_budget(self.epsilon, self.delta)
        budget.charge("pure", epsilon=self.epsilon * 0.999999, note="contract: pre-spend")
        with pytest.raises(PrivacyBudgetError):
            self.make().fit(self.table(), budget=budget, seed=0)

    def test_dp_secure_noise_differs_for_same_seed(self) -> None:
        """Two DP fits with the same seed and secure noise must release different tables."""
        self.require_dp()
        table = self.table()
        a, b = self.make(), self.make()
        self.fit(a, table, seed=7)
        self.fit(b, table, seed=7)
        da, db = a.sample(200, seed=1).df, b.sample(200, seed=1).df
        assert not da.equals(db), (
            f"{self.component.name}: two DP fits with the same seed gave identical releases; "
            "DP noise must come from the share's secure noise source, not the seed"
        )

    def test_dp_refuses_undeclared_column(self) -> None:
        self.require_dp()
        base = self.table()
        df = base.df.copy()
        df["undeclared"] = np.random.default_rng(0).choice(["yes", "no"], len(df))
        table = Table.from_dataframe(df, Metadata(columns=dict(base.metadata.columns)))
        assert table.metadata.columns["undeclared"].inferred
        with pytest.raises(ComponentError) as info:
            self.make().fit(table, budget=make_budget(self.epsilon, self.delta), seed=0)
        message = str(info.value)
        assert "undeclared" in message and "\n" not in message, f"refusal must name the column on one line: {message}"

    @pytest.mark.slow
    def test_dp_empirical_audit(self) -> None:
        """A tiny empirical DP audit: the measured lower bound must not exceed the claimed epsilon."""
        self.require_dp()
        if self.audit_exempt:
            pytest.skip(self.audit_exempt)
        from safedata_core.dpaudit import max_eps_lower, run_audit

        reachable = max_eps_lower(
            self.audit_runs - self.audit_runs // 2, delta=self.delta, confidence=self.audit_confidence
        )
        assert reachable > self.audit_epsilon, (
            f"audit_runs={self.audit_runs} can never show more than epsilon {reachable:.3f}, not above the "
            f"audited {self.audit_epsilon:g}: this check could not fail; raise audit_runs or audit_epsilon"
        )
        result = run_audit(
            self.component,
            params=self.params,
            table=tiny_table(self.audit_rows, seed=11),
            runs=self.audit_runs,
            epsilon=self.audit_epsilon,
            delta=self.delta,
            confidence=self.audit_confidence,
            jobs=self.audit_jobs,
            progress=False,
        )
        assert result.eps_lower <= self.audit_epsilon, (
            f"{self.component.name}: empirical epsilon lower bound {result.eps_lower:.3f} exceeds the claimed "
            f"{self.audit_epsilon:g} (statistic {result.statistic})"
        )
