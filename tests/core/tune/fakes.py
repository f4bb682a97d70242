"""A fast DP synthesizer for the tune tests: independent columns from noisy histograms (Gaussian, calibrated)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import PrivacyBudgetError, Synthesizer, Table, hookimpl
from safedata_core.privacy import DiscreteGaussian, add_noise


class HistParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="DP fit.")
    smoothing: float = Field(1.0, ge=0.01, le=100.0, description="Pseudo-count added to every noisy cell.")
    bins: int = Field(4, ge=2, le=64, description="Bins of a numeric column over its public bounds.")


class NoisyHistogramSynthesizer(Synthesizer):
    """Samples each column from its own noisy histogram (test double).

    **Privacy guarantee**: (epsilon, delta)-DP: one discrete Gaussian histogram per column,
    the noise found by bisection on the share's composition.

    **Assumptions**: every column has public categories or bounds.
    """

    name = "noisy_histogram"
    privacy = "dp"
    Params = HistParams

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError("noisy_histogram: DP fit needs a budget")
        self._meta = table.metadata
        self._cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        cols = list(table.columns)
        sigma = 1.0
        if budget is not None:
            lo, hi = math.log(1e-2), math.log(1e6)
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                event = DiscreteGaussian(math.exp(mid), 1.0, budget.delta).event(budget)
                lo, hi = (mid, hi) if budget.compose([event] * len(cols)) > budget.epsilon else (lo, mid)
            sigma = math.exp(hi)
        total = []
        for c in cols:
            meta = self._meta.columns[c]
            if meta.categories:
                values = np.array(meta.categories, dtype=object)
                codes = pd.Categorical(table.df[c].astype(str), categories=[str(v) for v in values]).codes
            else:
                lo_b, hi_b = meta.bounds or (0, 1)
                edges = np.linspace(float(lo_b), float(hi_b), self.params.bins + 1)
                values = (edges[:-1] + edges[1:]) / 2
                codes = np.clip(
                    np.searchsorted(edges, table.df[c].to_numpy(float), side="right") - 1, 0, len(values) - 1
                )
            counts = np.bincount(codes[codes >= 0], minlength=len(values))
            if budget is not None:
                counts = add_noise(budget, DiscreteGaussian(sigma, 1.0, budget.delta), counts, note=c)
            total.append(float(np.sum(counts)))
            p = np.clip(counts, 0, None) + self.params.smoothing
            self._cells[c] = (values, p / p.sum())
        self._rows = max(1, int(np.mean(total)))

    def estimated_rows(self) -> int | None:
        return self._rows

    def sample(self, n: int, *, seed: int) -> Table:
        rng = np.random.default_rng(seed)
        cols = {c: rng.choice(v, size=n, p=p) for c, (v, p) in self._cells.items()}
        return Table.from_dataframe(pd.DataFrame(cols), self._meta)


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(NoisyHistogramSynthesizer)
