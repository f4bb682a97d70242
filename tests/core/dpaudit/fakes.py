"""Fake synthesizers for the audit tests: one that leaks its input, one that is correctly DP."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core import Synthesizer, Table, hookimpl


def noise_generator(budget: Any, seed: int) -> np.random.Generator:
    """The share's DP noise generator (secure unless the test asked for reproducible noise)."""
    noise = getattr(budget, "noise", None)
    return noise.generator if noise is not None else budget.noise_rng(seed)


class LeakySynthesizer(Synthesizer):
    """Claims DP, charges its share, and releases its input unchanged.

    **Privacy guarantee**: none in truth (a deliberately broken fake for the audit tests).

    **Assumptions**: none.
    """

    name = "leaky_fake"
    privacy = "dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        budget.charge("pure", epsilon=budget.epsilon, note="leaky fake: claims the whole share")
        self._table = table

    def sample(self, n: int, *, seed: int) -> Table:
        return self._table


class OneColumnDPSynthesizer(Synthesizer):
    """Releases rows drawn from a Laplace-noised histogram of one categorical column (other columns: constants).

    **Privacy guarantee**: epsilon-DP under add/remove-one adjacency: one histogram (L1 sensitivity 1) with
    Laplace(1 / epsilon) noise over the column's declared categories plus a missing cell.

    **Assumptions**: the column's categories are declared.
    """

    name = "one_column_dp_fake"
    privacy = "dp"
    column = "region"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        budget.charge("laplace", epsilon=budget.epsilon, sensitivity=1.0, scale=1.0 / budget.epsilon)
        self._fit_counts(table, noise_generator(budget, seed), 1.0 / budget.epsilon)

    def _fit_counts(self, table: Table, rng: np.random.Generator, scale: float) -> None:
        """Noisy histogram of the column (Laplace noise of ``scale`` from ``rng``), kept as sampling weights."""
        meta = table.metadata.columns[self.column]
        cats = [str(c) for c in meta.categories or []]
        s = table.df[self.column]
        counts = np.array([(s.astype(str) == c).sum() for c in cats] + [s.isna().sum()], dtype=float)
        probs = np.clip(counts + rng.laplace(0.0, scale, counts.shape), 0, None)
        self._probs = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1 / len(probs))
        self._labels = [*cats, None]
        self._template = table

    def sample(self, n: int, *, seed: int) -> Table:
        rng = np.random.default_rng(seed)
        df = pd.DataFrame({c: [self._template.df[c].iloc[0]] * n for c in self._template.columns})
        df[self.column] = np.array(self._labels, dtype=object)[rng.choice(len(self._labels), n, p=self._probs)]
        return Table(df, self._template.metadata)


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(LeakySynthesizer)
    register(OneColumnDPSynthesizer)
