"""A second synthesizer for the bench tests: uniform over the public domains (reads no data values)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import PrivacyBudgetError, Synthesizer, Table, hookimpl


class UniformParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(True, description="DP fit (needs a budget; spends nothing since no data is read).")


class UniformDomainSynthesizer(Synthesizer):
    """Samples every column uniformly over its public domain (test double).

    **Privacy guarantee**: 0-DP: only public metadata is read.

    **Assumptions**: every column has public bounds or categories.
    """

    name = "uniform_domain"
    privacy = "dp"
    Params = UniformParams

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError("uniform_domain: DP fit needs a budget")
        self._meta = table.metadata

    def sample(self, n: int, *, seed: int) -> Table:
        rng = np.random.default_rng(seed)
        cols = {}
        for name, col in self._meta.columns.items():
            if col.categories:
                cols[name] = rng.choice(np.array(col.categories, dtype=object), size=n)
            else:
                lo, hi = col.bounds or (0, 1)
                cols[name] = np.round(rng.uniform(lo, hi, size=n))
        return Table.from_dataframe(pd.DataFrame(cols), self._meta)


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(UniformDomainSynthesizer)
