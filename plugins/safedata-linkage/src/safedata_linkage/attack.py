"""The ``linkage`` attack: link two partial views of a record through the release (anonymeter's linkability).

The original columns are split into two auxiliary sets A and B (two external
datasets the attacker holds about the same people). For each target record the
attacker looks up the released records closest to its A-part and to its B-part
(``n_neighbors`` each, Gower distance; or, in ``exact`` mode, the released
records equal on those columns); the two parts are linked when the two sets share
a record. Distances are computed once per pair of distinct rows, within category groups
first (see :mod:`safedata_linkage.shared`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Attack, AttackResult
from safedata_core.data import Table
from safedata_core.errors import DataError

__all__ = ["LinkageAttack", "default_aux_split"]


def default_aux_split(table: Table, columns: list[str]) -> tuple[list[str], list[str]]:
    """Split ``columns`` in two, alternating by number of distinct values so both halves can identify."""
    nunique = table.df[columns].nunique(dropna=False)
    ordered = sorted(columns, key=lambda c: (-int(nunique[c]), columns.index(c)))
    return ordered[0::2], ordered[1::2]


class LinkageAttack(Attack):
    """Linkage: re-link two auxiliary views of original records through the release.

    The attacker holds, for ``n_attacks`` target records, the values of two column
    sets (``aux_cols``; default: the quasi-identifiers, or else all shared columns,
    split in two). Each view is matched to the release by exact match or by
    Gower nearest neighbours; the target is linked when both views reach a common
    released record among their ``n_neighbors`` closest (``nearest``) or among all
    exact matches (``exact``). ``noise`` perturbs the attacker's numbers (Gaussian,
    as a share of each column's standard deviation). The baseline links random
    released records; the control rate is the same attack on holdout records.

    **Privacy guarantee**: none; an evaluation that reads the original data.

    **Assumptions**: the attacker sees the whole release; without a control table
    the random-guess baseline is the control.

    **Example**: ``{"use": "linkage", "target": "synth", "params": {"n_attacks": 2000, "n_neighbors": 1}}``
    """

    name = "linkage"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        aux_cols: tuple[list[str], list[str]] | None = Field(
            None, description="The two column sets the attacker holds (default: quasi-identifiers split in two)."
        )
        n_attacks: int = Field(2000, ge=1, description="Target records attacked (and control records).")
        n_neighbors: int = Field(1, ge=1, description="Released records considered per view.")
        mode: Literal["nearest", "exact"] = Field("nearest", description="Gower nearest neighbours or exact match.")
        noise: float = Field(0.0, ge=0, description="Gaussian noise on the attacker's numbers (share of column std).")
        columns: list[str] | None = Field(None, description="Columns to split when aux_cols is not given.")

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        from safedata_core.evaluation import resolve_columns

        p = self.params
        where = "linkage params"
        rng = np.random.default_rng(seed)
        if p.aux_cols is not None:
            aux_a, aux_b = list(p.aux_cols[0]), list(p.aux_cols[1])
            if not aux_a or not aux_b:
                raise DataError(f"{where}.aux_cols: both column sets need at least one column")
            resolve_columns(aux_a + aux_b, original, released, control, where=f"{where}.aux_cols")
        else:
            cols = resolve_columns(p.columns, original, released, control, where=f"{where}.columns")
            qis = [c for c in original.metadata.quasi_identifiers if c in cols] if p.columns is None else []
            cols = qis if len(qis) >= 2 else cols
            if len(cols) < 2:
                raise DataError(f"{where}.columns: linkage needs at least two columns (list two or more)")
            aux_a, aux_b = default_aux_split(original, cols)
        targets = self._targets(original, rng)
        ctrl = self._targets(control, rng) if control is not None else None
        hits = self._link(released, targets, aux_a, aux_b)
        n = len(hits)
        k = min(p.n_neighbors, len(released))
        # baseline: each view is linked to k random released records
        rand_a, rand_b = (rng.integers(0, len(released), size=(n, k)) for _ in range(2))
        baseline = int((rand_a[:, :, None] == rand_b[:, None, :]).any(axis=(1, 2)).sum())
        ctrl_hits = self._link(released, ctrl, aux_a, aux_b) if ctrl is not None else None
        return AttackResult.from_counts(
            successes=int(hits.sum()),
            baseline_successes=baseline,
            n_attempts=n,
            control_successes=int(ctrl_hits.sum()) if ctrl_hits is not None else None,
            n_control=len(ctrl_hits) if ctrl_hits is not None else None,
            details={"aux_cols": [aux_a, aux_b], "mode": p.mode, "n_neighbors": k, "noise": p.noise},
        )

    def _targets(self, table: Table, rng: np.random.Generator) -> Table:
        rows = rng.choice(len(table), size=min(self.params.n_attacks, len(table)), replace=False)
        df = table.df.iloc[rows].reset_index(drop=True)
        if self.params.noise > 0:
            df = df.copy()
            for c in df.columns:
                meta = table.metadata.columns.get(c)
                if meta is not None and meta.type in ("numerical", "integer"):
                    std = float(np.nanstd(table.df[c].to_numpy(dtype=float)))
                    df[c] = df[c] + rng.normal(0.0, self.params.noise * std, size=len(df))
        return Table(df, table.metadata)

    def _link(self, released: Table, targets: Table, aux_a: list[str], aux_b: list[str]) -> np.ndarray:
        """Boolean per target: do its two views reach a common released record."""
        from safedata_core.evaluation import encode_gower
        from safedata_linkage.shared import shared_nearest_unique

        if self.params.mode == "exact":
            enc = encode_gower([released, targets], aux_a + aux_b)
            return np.isin(_row_keys(enc[1]), _row_keys(enc[0]))
        views = [encode_gower([released, targets], aux) for aux in (aux_a, aux_b)]
        k = min(self.params.n_neighbors, len(released))
        return shared_nearest_unique((views[0][1], views[1][1]), (views[0][0], views[1][0]), k)


def _row_keys(enc: Any) -> np.ndarray:
    mat = np.ascontiguousarray(np.column_stack([enc.numeric, enc.codes.astype(np.float64)]))
    return mat.view(np.dtype((np.void, mat.shape[1] * 8))).ravel()
