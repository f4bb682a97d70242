"""Minimal components of the other kinds, for hook tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import Attack, AttackResult, Mechanism, SDCMethod, SDCResult, hookimpl


class ConstantShiftMechanism(Mechanism):
    """Adds Laplace noise of scale 1/epsilon (sensitivity 1).

    **Privacy guarantee**: epsilon-DP for sensitivity-1 queries.

    **Assumptions**: values have L1 sensitivity 1.
    """

    name = "constant_shift"

    def randomise(self, values: np.ndarray, *, budget: Any, rng: np.random.Generator) -> np.ndarray:
        budget.charge("laplace", epsilon=budget.epsilon, sensitivity=1.0, scale=1 / budget.epsilon)
        return values + rng.laplace(0, 1 / budget.epsilon, size=np.shape(values))


class BlankSDC(SDCMethod):
    """Changes nothing.

    **Privacy guarantee**: none beyond the input's.

    **Assumptions**: none.
    """

    name = "blank_sdc"

    def apply(self, table: Any, *, seed: int, rows: Any = None) -> SDCResult:
        return SDCResult(table, {"records_modified": 0, "cells_modified": 0})


class CoinAttack(Attack):
    """Guesses membership with a fair coin.

    **Privacy guarantee**: none (an evaluation).

    **Assumptions**: none.
    """

    name = "coin_attack"

    def run(self, original: Any, released: Any, control: Any, *, seed: int) -> AttackResult:
        n = len(original)
        hits = int(np.random.default_rng(seed).integers(0, 2, n).sum())
        return AttackResult.from_counts(successes=hits, baseline_successes=n // 2, n_attempts=n)


def make_plugin(hook: str, cls: type) -> object:
    """A plugin object implementing one register hook for ``cls``."""

    def impl(register: Any) -> None:
        register(cls)

    impl.__name__ = hook
    ns = type("FakePlugin", (), {hook: staticmethod(hookimpl(impl))})
    return ns()
