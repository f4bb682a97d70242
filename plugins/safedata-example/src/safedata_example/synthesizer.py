"""The ``example`` synthesizer: independent per-column histograms, optionally DP."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import ComponentError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.data import Metadata


class ExampleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(
        True, description="Differentially private fit (needs a budget share). False = empirical marginals."
    )
    bins: int = Field(32, ge=2, le=1024, description="Histogram bins for numeric columns (over the public bounds).")


class IndependentMarginalsSynthesizer(Synthesizer):
    """Samples every column independently from its histogram (the baseline to beat).

    **Privacy guarantee**: with ``dp: true``, epsilon-DP under add/remove-one
    adjacency: one Laplace histogram per column (L1 sensitivity 1, scale
    ``n_columns / epsilon``) over the column's public domain; basic
    composition across columns. With ``dp: false``, none.

    **Assumptions**: under DP every column needs a public domain in the
    metadata (``bounds`` for numbers, ``categories`` for categoricals; booleans
    are always public). Correlations between columns are not kept. Missing
    values are a category of their own.

    **Example**: ``{id: synth, use: example, params: {bins: 32}}``
    """

    name = "example"
    privacy = "dp"
    Params = ExampleParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._marginals: dict[str, dict[str, Any]] = {}

    # -- fitting --------------------------------------------------------------
    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError(
                "example: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        meta = table.metadata
        columns = table.columns
        if self.params.dp:
            missing = [c for c in columns if not meta.columns[c].is_public_domain and meta.columns[c].type != "boolean"]
            if missing:
                raise ComponentError(
                    f"example: column '{missing[0]}' has no public domain; declare its bounds or categories "
                    "in the metadata (reading them from the data would leak)"
                )
        rng = budget.noise_rng(seed) if budget is not None else np.random.default_rng(seed)
        eps_col = budget.epsilon / len(columns) if budget is not None else None
        self._metadata = meta
        self._marginals = {}
        for col in columns:
            edges, labels, counts = self._histogram(table.df[col], meta.columns[col])
            if eps_col is not None:
                budget.charge(
                    "laplace", epsilon=eps_col, sensitivity=1.0, scale=1.0 / eps_col, note=f"histogram of '{col}'"
                )
                counts = counts + rng.laplace(0.0, 1.0 / eps_col, size=counts.shape)
            probs = np.clip(counts, 0, None)
            probs = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1 / len(probs))
            self._marginals[col] = {"edges": edges, "labels": labels, "probs": probs}

    def _histogram(self, s: pd.Series, meta: Any) -> tuple[np.ndarray | None, list[Any], np.ndarray]:
        """Counts over the domain, plus one trailing 'missing' cell."""
        n_missing = float(s.isna().sum())
        if meta.is_numeric:
            values = s.dropna().to_numpy(dtype=float)
            lo, hi = meta.bounds if meta.bounds is not None else (values.min(), values.max())
            edges = np.linspace(lo, hi, self.params.bins + 1)
            counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
            return edges, [], np.append(counts.astype(float), n_missing)
        if meta.type == "boolean":
            labels: list[Any] = [False, True]
        else:
            labels = (
                [str(c) for c in meta.categories]
                if meta.categories is not None
                else sorted(s.dropna().astype(str).unique())
            )
        vc = s.dropna().astype(str).value_counts()
        counts = np.array([vc.get(str(label), 0) for label in labels], dtype=float)
        return None, labels, np.append(counts, n_missing)

    # -- sampling -------------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._metadata is None:
            raise ComponentError("example: call fit() before sample()")
        rng = np.random.default_rng(seed)
        out: dict[str, Any] = {}
        for col, m in self._marginals.items():
            meta = self._metadata.columns[col]
            cell = rng.choice(len(m["probs"]), size=n, p=m["probs"])
            missing = cell == len(m["probs"]) - 1
            if m["edges"] is not None:
                edges = m["edges"]
                idx = np.minimum(cell, len(edges) - 2)
                vals = rng.uniform(edges[idx], edges[idx + 1])
                if meta.type == "integer":
                    vals = np.clip(np.round(vals), np.ceil(edges[0]), np.floor(edges[-1]))
                out[col] = np.where(missing, np.nan, vals)
            else:
                labels = np.array(m["labels"] + [None], dtype=object)
                col_vals = labels[cell]
                if meta.type == "boolean":
                    out[col] = pd.array(col_vals, dtype="boolean")
                else:
                    col_vals[missing] = np.nan
                    out[col] = col_vals
        return Table(pd.DataFrame(out), self._metadata)

    def state_dict(self) -> dict[str, Any] | None:
        if self._metadata is None:
            return None
        return {
            "metadata": self._metadata.to_dict(),
            "marginals": {
                c: {
                    "edges": None if m["edges"] is None else m["edges"].tolist(),
                    "labels": m["labels"],
                    "probs": m["probs"].tolist(),
                }
                for c, m in self._marginals.items()
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._metadata = Metadata.from_dict(state["metadata"])
        self._marginals = {
            c: {
                "edges": None if m["edges"] is None else np.asarray(m["edges"]),
                "labels": list(m["labels"]),
                "probs": np.asarray(m["probs"]),
            }
            for c, m in state["marginals"].items()
        }
