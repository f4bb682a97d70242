"""``DeepSynthesizer``: refusals, where training randomness comes from, the DP row estimate, report extras."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from safedata_deep.base import DeepSynthesizer
from safedata_deep.dpplan import DPQueries
from safedata_deep.params import DeepParams
from safedata_deep.testing import independent_epsilon, reproducible_share

from safedata_core import ComponentError, PrivacyBudgetError, Table
from safedata_core.data import Metadata
from safedata_core.testing import make_budget, tiny_table


class _Deep(DeepSynthesizer):
    """A minimal deep synthesizer: one row count, then DP-SGD planning (no network)."""

    name = "deep_test"
    Params = DeepParams

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self._start_fit(table, budget)
        self.generators = self._side_generators(budget, seed)
        if self.params.dp:
            queries = DPQueries(budget, n_counting=1, n_select=0, fraction=0.1, component=self.name)
            plan, eps_pre = self._plan_training(budget, queries.row_count(len(table)), "deep_test: DP-SGD")
            self.noisy_count = queries.n_hat
            self._extras = {"dp": {**plan.to_dict(), "epsilon_pre": eps_pre}}

    def sample(self, n: int, *, seed: int) -> Table:
        raise NotImplementedError


PARAMS = {"epochs": 1, "batch_size": 10_000}  # sample rate 1: the accountant curve is closed-form (fast)


def test_dp_fit_refuses_a_missing_budget_but_non_private_fits_need_none() -> None:
    with pytest.raises(PrivacyBudgetError, match="privacy budget share"):
        _Deep(PARAMS).fit(tiny_table(), budget=None, seed=0)
    _Deep({**PARAMS, "dp": False}).fit(tiny_table(), budget=None, seed=0)


def test_undeclared_column_is_refused_in_one_line_before_any_charge() -> None:
    t = tiny_table()
    df = t.df.assign(flag=["yes", "no"] * (len(t.df) // 2))
    table = Table.from_dataframe(df, Metadata(columns=dict(t.metadata.columns)))
    budget = make_budget(1.0, 1e-5)
    with pytest.raises(ComponentError) as info:
        _Deep(PARAMS).fit(table, budget=budget, seed=0)
    assert "'flag'" in str(info.value) and "\n" not in str(info.value)
    assert "deep_test" in str(info.value)  # the refusal names the component
    assert budget.charges == []


def test_estimated_rows_is_the_charged_noisy_count_and_the_share_is_spent() -> None:
    model = _Deep(PARAMS)
    assert model.estimated_rows() is None
    budget = reproducible_share(1.0, 1e-5, 3)
    model.fit(tiny_table(200), budget=budget, seed=0)
    assert model.estimated_rows() == max(1, round(model.noisy_count))
    count = next(c for c in budget.charges if "row count" in c.note)
    assert count.event.mechanism == "geometric" and count.event.params["scale"] == pytest.approx(10.0)
    assert model.report_extras()["dp"]["sample_rate"] == pytest.approx(min(1.0, 10_000 / model.noisy_count))
    assert independent_epsilon(budget) == pytest.approx(1.0, rel=1e-6)
    extras = model.report_extras()
    extras["dp"] = None
    assert model.report_extras()["dp"] is not None  # a copy
    model.fit(tiny_table(200), budget=make_budget(1.0, 1e-5), seed=0)
    model._start_fit(tiny_table(200), make_budget(1.0, 1e-5))
    assert model.estimated_rows() is None  # a new fit forgets the previous estimate until it is charged


def _torch_draws(model: _Deep) -> torch.Tensor:
    return torch.rand(5, generator=model.generators[1])


def test_dp_side_draws_come_from_the_share_and_non_private_ones_from_the_seed() -> None:
    secure = []
    for _ in range(2):
        budget = make_budget(1.0, 1e-5)
        model = _Deep(PARAMS)
        model.fit(tiny_table(), budget=budget, seed=0)
        assert model.generators[0] is budget.noise.generator
        secure.append(_torch_draws(model))
    assert not torch.equal(secure[0], secure[1])  # same seed, different secure draws
    replay = []
    for _ in range(2):
        model = _Deep(PARAMS)
        model.fit(tiny_table(), budget=reproducible_share(1.0, 1e-5, 8), seed=0)
        replay.append(_torch_draws(model))
    torch.testing.assert_close(replay[0], replay[1])
    plain = [_Deep({**PARAMS, "dp": False}) for _ in range(3)]
    for model, seed in zip(plain, (4, 4, 5), strict=True):
        model.fit(tiny_table(), budget=None, seed=seed)
    assert torch.equal(_torch_draws(plain[0]), _torch_draws(plain[1]))
    assert not torch.equal(_torch_draws(plain[0]), _torch_draws(plain[2]))
    assert plain[0].generators[0].random() == plain[1].generators[0].random()
