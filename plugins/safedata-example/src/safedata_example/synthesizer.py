"""The ``example`` synthesizer: independent per-column histograms, optionally DP.

The template third-party plugins copy. Under DP it shows the four things every
DP synthesizer does:

1. refuse columns whose metadata was inferred (``require_declared``): only
   declared types, domains and ``nullable`` flags are public;
2. add noise only through :func:`~safedata_core.privacy.add_noise`, which
   charges the share and draws exact noise from its secure noise source (never
   from ``seed``, which only drives sampling);
3. spend the whole share, calibrated against the ledger's own composition;
4. offer a DP row count (:meth:`estimated_rows`) computed from what it
   already released, so the runner never needs the exact input size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import ComponentError, PrivacyBudgetError, Synthesizer, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import BudgetShare, DiscreteLaplace, add_noise, require_declared


class ExampleParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(
        True, description="Differentially private fit (needs a budget share). False = empirical marginals."
    )
    bins: int = Field(32, ge=2, le=1024, description="Histogram bins for numeric columns (over the public bounds).")


def column_epsilon(budget: BudgetShare, n_columns: int) -> float:
    """Largest per-column epsilon whose ``n_columns`` histograms the ledger composes to at most the share.

    An even split when basic composition is the binding bound; with many columns
    the RDP accountant allows more, found by bisection (never above the share).
    """

    def spent(eps: float) -> float:
        return budget.compose([DiscreteLaplace(1, eps).event()] * n_columns)

    lo, hi = budget.epsilon / n_columns, budget.epsilon
    if spent(lo) >= budget.epsilon * (1 - 1e-12):
        return lo
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spent(mid) <= budget.epsilon else (lo, mid)
    return lo


class IndependentMarginalsSynthesizer(Synthesizer):
    """Samples every column independently from its histogram (the baseline to beat).

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under add/remove-one
    adjacency (pure epsilon-DP when the share has no delta): one histogram per
    column (L1 sensitivity 1) over the column's public domain with exact discrete
    Laplace noise from the share's secure noise source, charged as ``geometric``
    events whose epsilon is set so the ledger's composition spends exactly the
    share. The row count (``estimated_rows``) averages the noisy histogram totals
    (post-processing). With ``dp: false``, none.

    **Assumptions**: under DP every column must be declared in the metadata, with
    ``bounds`` for numbers and ``categories`` for categoricals (booleans need only
    their type). Correlations between columns are not kept. Missing values are a
    cell of their own in nullable columns; a ``nullable: false`` column never gets them.

    **Example**: ``{id: synth, use: example, params: {bins: 32}}``
    """

    name = "example"
    privacy = "dp"
    Params = ExampleParams

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._metadata: Metadata | None = None
        self._marginals: dict[str, dict[str, Any]] = {}
        self._rows: float | None = None

    # -- fitting --------------------------------------------------------------
    def fit(self, table: Table, *, budget: BudgetShare | None, seed: int) -> None:
        if self.params.dp and budget is None:
            raise PrivacyBudgetError(
                "example: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
                "or set params.dp: false for a non-private fit)"
            )
        meta, columns = table.metadata, table.columns
        mechanism = None
        if self.params.dp and budget is not None:
            require_declared(table, columns, where=f"step '{budget.step}'", component=self.name)
            missing = [c for c in columns if not meta.columns[c].is_public_domain]
            if missing:
                raise ComponentError(
                    f"step '{budget.step}': example: column '{missing[0]}' has no public domain; declare its "
                    "categories in the metadata (reading them from the data would leak)"
                )
            mechanism = DiscreteLaplace(1, column_epsilon(budget, len(columns)))
        self._metadata, self._marginals = meta, {}
        totals, cells = [], []
        for col in columns:
            edges, labels, counts = self._histogram(table.df[col], meta.columns[col])
            if mechanism is not None and budget is not None:
                counts = add_noise(budget, mechanism, counts, note=f"histogram of '{col}'")
                totals.append(float(counts.sum()))
                cells.append(counts.size)
            probs = np.clip(counts, 0, None)
            probs = probs / probs.sum() if probs.sum() > 0 else np.full(len(probs), 1 / len(probs))
            self._marginals[col] = {"edges": edges, "labels": labels, "probs": probs}
        # inverse-variance mean of the noisy totals (a total's noise variance grows with its cells)
        self._rows = float(np.average(totals, weights=1.0 / np.asarray(cells))) if totals else None

    def estimated_rows(self) -> int | None:
        """After a DP fit: the noisy histogram totals' weighted mean (DP); else ``None``."""
        return None if self._rows is None else max(round(self._rows), 1)

    def _histogram(self, s: pd.Series, meta: ColumnMeta) -> tuple[np.ndarray | None, list[Any], np.ndarray]:
        """Counts over the domain, plus a trailing 'missing' cell when the column is nullable."""
        tail = [float(s.isna().sum())] if meta.nullable else []
        if meta.is_numeric:
            values = s.dropna().to_numpy(dtype=float)
            lo, hi = meta.bounds if meta.bounds is not None else (values.min(), values.max())
            edges = np.linspace(lo, hi, self.params.bins + 1)
            counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
            return edges, [], np.append(counts.astype(float), tail)
        if meta.type == "boolean":
            labels: list[Any] = [False, True]
        elif meta.categories is not None:
            labels = [str(c) for c in meta.categories]
        else:
            labels = sorted(s.dropna().astype(str).unique())
        vc = s.dropna().astype(str).value_counts()
        counts = np.array([vc.get(str(label), 0) for label in labels], dtype=float)
        return None, labels, np.append(counts, tail)

    # -- sampling -------------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._metadata is None:
            raise ComponentError("example: call fit() before sample()")
        rng = np.random.default_rng(seed)
        out: dict[str, Any] = {}
        for col, m in self._marginals.items():
            meta = self._metadata.columns[col]
            cell = rng.choice(len(m["probs"]), size=n, p=m["probs"])
            missing = cell == len(m["probs"]) - 1 if meta.nullable else np.zeros(n, dtype=bool)
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
            "rows": self._rows,
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
        self._rows = state.get("rows")
        self._marginals = {
            c: {
                "edges": None if m["edges"] is None else np.asarray(m["edges"]),
                "labels": list(m["labels"]),
                "probs": np.asarray(m["probs"]),
            }
            for c, m in state["marginals"].items()
        }
