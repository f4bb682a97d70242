"""A valid plugin: one synthesizer that resamples rows (non-private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import Synthesizer, Table, hookimpl


class ResampleSynthesizer(Synthesizer):
    """Resamples rows of the training table with replacement.

    **Privacy guarantee**: none (copies real rows; for tests only).

    **Assumptions**: none.
    """

    name = "resample"
    privacy = "none"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self._table = table

    def sample(self, n: int, *, seed: int) -> Table:
        idx = np.random.default_rng(seed).integers(0, len(self._table), n)
        return self._table.with_df(self._table.df.iloc[idx].reset_index(drop=True))


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(ResampleSynthesizer)
