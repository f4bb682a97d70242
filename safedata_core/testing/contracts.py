"""Contract test classes for plugin authors: one per component kind.

Subclass in your plugin's tests and set ``component`` (and fast ``params``)::

    from safedata_core.testing import SynthesizerContract

    class TestMySynthContract(SynthesizerContract):
        component = MySynthesizer
        params = {"epochs": 1}

pytest collects the inherited ``test_*`` methods. They check registration
through the installed entry point, Params strictness and schema export, the
docstring sections, and the kind's behaviour (shapes, seeding, DP budget use,
noise scale, attack strength, metric best values).

A component that legitimately cannot run a check says why through the class
attribute named in the check (``..._exempt = "reason"``); the check then
SKIPS with that reason. No check passes without asserting.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from safedata_core.components import (
    Attack,
    AttackResult,
    Mechanism,
    Metric,
    MetricResult,
    SDCMethod,
    SDCResult,
)
from safedata_core.data import Table
from safedata_core.testing.budgets import make_budget
from safedata_core.testing.component_contract import ComponentContract
from safedata_core.testing.fixtures import tiny_table
from safedata_core.testing.stats import (
    NOISE_DRAWS,
    assert_noise_variance,
    discrete_laplace_variance,
    expected_noise_variance,
)
from safedata_core.testing.synthesizer_contract import SynthesizerContract

__all__ = [
    "AttackContract",
    "ComponentContract",
    "MechanismContract",
    "MetricContract",
    "SDCContract",
    "SynthesizerContract",
    "make_budget",
]


class MechanismContract(ComponentContract):
    """Contract for :class:`~safedata_core.Mechanism` plugins.

    The scale check draws :data:`~safedata_core.testing.stats.NOISE_DRAWS`
    values in one call and compares their variance with the variance the
    recorded charge promises, recomputed by the kit from the charge's kind,
    epsilon, delta and the declared ``sensitivity`` (see
    :func:`~safedata_core.testing.stats.expected_noise_variance`); a selection
    mechanism (charge kind ``exponential``) gets a pick-frequency check against
    the exact probabilities ``exp(epsilon u / (2 sensitivity))`` instead.
    """

    component: ClassVar[type[Mechanism]]
    values: ClassVar[list[float]] = [10.0, 20.0, 30.0]
    #: reason this mechanism's noise cannot be checked against its charge (the check then skips)
    noise_scale_exempt: ClassVar[str | None] = None

    def sensitivity(self) -> float:
        """The declared sensitivity the charge is calibrated for (default: ``params.sensitivity``)."""
        return float(self.make().params.sensitivity)

    def test_randomise_charges_and_keeps_shape(self) -> None:
        budget = make_budget(1.0, 1e-5)
        out = self.make().randomise(np.asarray(self.values), budget=budget)
        assert np.shape(out) == np.shape(self.values)
        assert budget.spent().epsilon > 0

    def test_randomise_noise_is_secure_and_replayable_only_in_test_mode(self) -> None:
        from safedata_core.privacy import NoiseSource

        # a selection mechanism picks one of few outputs, so two secure draws can coincide by chance (1 in 20
        # here): eight independent pairs all coinciding has probability below 1e-9 for a secure source
        values = np.asarray(self.values * 20)
        pairs = [
            (self.make().randomise(values, budget=make_budget()), self.make().randomise(values, budget=make_budget()))
            for _ in range(8)
        ]
        assert not all(np.array_equal(a, b) for a, b in pairs), (
            "DP noise must come from budget.noise (secure), not a seeded generator"
        )
        c, d = make_budget(), make_budget()
        c.noise, d.noise = NoiseSource.reproducible(1), NoiseSource.reproducible(1)
        np.testing.assert_array_equal(
            self.make().randomise(np.asarray(self.values), budget=c),
            self.make().randomise(np.asarray(self.values), budget=d),
        )

    def test_noise_scale_matches_charge(self) -> None:
        if self.noise_scale_exempt:
            pytest.skip(self.noise_scale_exempt)
        budget = make_budget(1.0, 1e-5)
        out = self.make().randomise(np.zeros(NOISE_DRAWS), budget=budget, rng=np.random.default_rng(12345))
        events = budget.events()
        assert len(events) == 1, f"one randomise call should record one charge, got {len(events)}"
        event = events[0]
        if event.mechanism == "exponential":
            self._check_pick_frequencies(event.epsilon)
            return
        grid = event.params.get("grid")
        if event.mechanism == "geometric" and grid:
            # real values noised on a public grid: discrete Laplace in grid units, from the charged
            # integer sensitivity and epsilon
            expected: float | None = grid**2 * discrete_laplace_variance(event.params["sensitivity"] / event.epsilon)
        else:
            expected = expected_noise_variance(
                event.mechanism, epsilon=event.epsilon, delta=event.delta, sensitivity=self.sensitivity()
            )
        assert expected is not None, (
            f"charge kind '{event.mechanism}' has no known noise law; set noise_scale_exempt with a reason"
        )
        assert_noise_variance(np.asarray(out), expected, what=f"mechanism '{self.component.name}'")

    def _check_pick_frequencies(self, epsilon: float) -> None:
        """Chi-square test of many single picks against the exact exponential-mechanism probabilities."""
        from scipy import stats

        scores = np.array([0.0, 1.0, 2.0, 3.0])
        logits = epsilon * scores / (2 * self.sensitivity())
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        rng = np.random.default_rng(2024)
        n = 4000
        mech = self.make()
        picks = [int(np.argmax(mech.randomise(scores, budget=make_budget(epsilon, 0.0), rng=rng))) for _ in range(n)]
        counts = np.bincount(picks, minlength=len(scores))
        chi2 = float((((counts - n * probs) ** 2) / (n * probs)).sum())
        limit = float(stats.chi2.ppf(1 - 1e-6, len(scores) - 1))  # false-alarm rate 1e-6
        assert chi2 <= limit, f"pick frequencies {counts / n} differ from exp(eps u / 2s) probabilities {probs}"


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
        """Records outside the ``rows`` mask come out unchanged (and none of them is dropped)."""
        table = self.table()
        rows = np.zeros(len(table), dtype=bool)
        rows[:10] = True
        res = self.make().apply(table, seed=0, rows=rows)
        untouched = ~rows
        before = table.df[untouched].reset_index(drop=True).astype(str)
        if len(res.table) == len(table):
            after = res.table.df[untouched].reset_index(drop=True).astype(str)
            pd.testing.assert_frame_equal(before, after)
            return
        # rows were dropped or added: every untouched record must still be there, unchanged
        assert len(res.table) >= int(untouched.sum()), (
            f"targeted apply returned {len(res.table)} rows but {int(untouched.sum())} records were not targeted"
        )
        key_before = before.apply(tuple, axis=1).value_counts()
        key_after = res.table.df.astype(str).apply(tuple, axis=1).value_counts()
        short = key_before.sub(key_after.reindex(key_before.index, fill_value=0)).clip(lower=0)
        assert int(short.sum()) == 0, f"{int(short.sum())} untargeted records were changed or dropped"

    def test_same_seed_same_output(self) -> None:
        table = self.table()
        pd.testing.assert_frame_equal(
            self.make().apply(table, seed=4).table.df, self.make().apply(table, seed=4).table.df
        )


class AttackContract(ComponentContract):
    """Contract for :class:`~safedata_core.Attack` plugins.

    An attack on an exact copy of the original data must report a high risk
    (``copy_min_risk``, default 0.5); an attack that always says 0 fails. An
    attack that by design cannot succeed on copies says why in ``copy_exempt``.
    """

    component: ClassVar[type[Attack]]
    #: the control-adjusted risk an attack must reach when the release is an exact copy
    copy_min_risk: ClassVar[float] = 0.5
    #: reason this attack cannot be expected to succeed on an exact copy (the check then skips)
    copy_exempt: ClassVar[str | None] = None

    def test_run_returns_result_with_intervals(self) -> None:
        original, control = tiny_table(200, seed=0), tiny_table(100, seed=1)
        res = self.make().run(original, original, control, seed=0)
        assert isinstance(res, AttackResult)
        assert 0 <= res.success_rate <= 1 and res.n_attempts > 0
        assert res.risk_ci[0] <= res.risk <= res.risk_ci[1]

    def test_exact_copy_is_high_risk(self) -> None:
        if self.copy_exempt:
            pytest.skip(self.copy_exempt)
        original, control = tiny_table(200, seed=0), tiny_table(100, seed=1)
        res = self.make().run(original, original, control, seed=0)
        assert res.risk >= self.copy_min_risk, (
            f"attack '{self.component.name}' reports risk {res.risk:.3f} (success {res.success_rate:.3f}) "
            f"on an exact copy of the original; expected at least {self.copy_min_risk}"
        )


class MetricContract(ComponentContract):
    """Contract for :class:`~safedata_core.Metric` plugins.

    On identical tables a metric must reach its best value: ``best_score``
    (default 1.0 when ``higher_is_better``, else 0.0) within ``score_tolerance``
    on the good side. A metric without a fixed best value on identical tables
    (e.g. train-on-synthetic accuracy) says why in ``identical_exempt``.
    """

    component: ClassVar[type[Metric]]
    #: best value on identical tables (None: 1.0 if higher is better, else 0.0)
    best_score: ClassVar[float | None] = None
    #: how far from ``best_score`` (towards worse) the identical-table score may be
    score_tolerance: ClassVar[float] = 1e-6
    #: reason the metric has no fixed best value on identical tables (the check then skips)
    identical_exempt: ClassVar[str | None] = None

    def test_identical_tables_score_well(self) -> None:
        t = self.table()
        res = self.make().compute(t, t, holdout=tiny_table(150, seed=7), seed=0)
        assert isinstance(res, MetricResult)
        assert np.isfinite(res.score)
        if self.identical_exempt:
            pytest.skip(self.identical_exempt)
        best = self.best_score if self.best_score is not None else (1.0 if res.higher_is_better else 0.0)
        if res.higher_is_better:
            assert res.score >= best - self.score_tolerance, f"identical tables score {res.score}, best is {best}"
        else:
            assert res.score <= best + self.score_tolerance, f"identical tables score {res.score}, best is {best}"
