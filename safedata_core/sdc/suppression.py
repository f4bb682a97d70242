"""Local suppression: blank quasi-identifier cells of records in classes smaller than k.

Greedy, in rounds. In each round every record still in a class below ``k``
blanks one more of its QI cells: the one whose suppression puts it in the
largest class, judged as if all such records blanked that column together
(ties go to the earlier column). Rounds repeat until no treatable record is
below ``k`` or every QI of those records is blank. A blank (missing) value is a
category of its own, as in :mod:`safedata_core.inventory.risk`, so records whose
QIs are all blank form one class; if that class ends up with fewer than ``k``
records, records from the largest classes are blanked too so that it reaches
``k`` (or the table is too small, which is reported as ``k_reached: false``).

Only records in ``rows`` (the treatable mask) are ever changed. The number of
blanked cells is small but not guaranteed minimal (the exact problem is NP-hard).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from safedata_core.inventory.risk import class_sizes

__all__ = ["SuppressionResult", "local_suppression"]


@dataclass(frozen=True)
class SuppressionResult:
    """Blanked QI cells (``mask`` is n x len(qis)) and whether every treatable record reached k."""

    df: pd.DataFrame
    mask: np.ndarray
    rounds: int
    k_reached: bool


def _blank(df: pd.DataFrame, col: str, where: np.ndarray) -> None:
    if where.any():
        df.loc[where, col] = np.nan


def local_suppression(
    df: pd.DataFrame, qis: Sequence[str], k: int, rows: np.ndarray | None = None
) -> SuppressionResult:
    """Suppress QI cells of treatable records until their classes reach ``k`` (see the module docstring)."""
    qis = list(qis)
    n = len(df)
    work = df[qis].copy()  # only the QIs change; the other columns are put back at the end
    for c in qis:  # a blanked string cell must be able to hold NaN
        if work[c].dtype != float:
            work[c] = work[c].astype(object)
    treatable = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    rounds = 0
    for rounds in range(1, len(qis) + 2):
        viol = (class_sizes(work, qis) < k) & treatable
        if not viol.any():
            rounds -= 1
            break
        blank = work[qis].isna().to_numpy()
        scores = np.full((n, len(qis)), -1, dtype=np.int64)
        for j, c in enumerate(qis):
            trial = work.copy()
            _blank(trial, c, viol)
            cand = viol & ~blank[:, j]
            scores[cand, j] = class_sizes(trial, qis)[cand]
        best = np.argmax(scores, axis=1)
        can = viol & (scores.max(axis=1) >= 0)
        if not can.any():
            break
        for j, c in enumerate(qis):
            _blank(work, c, can & (best == j))
    # fallback: anything still below k loses all its QIs, and the all-blank class is padded to k
    viol = (class_sizes(work, qis) < k) & treatable
    for c in qis:
        _blank(work, c, viol)
    k_reached = _pad_blank_class(work, qis, k, treatable)
    mask = work[qis].isna().to_numpy() & ~df[qis].isna().to_numpy()
    out = df.copy()
    for c in qis:
        out[c] = work[c]
    return SuppressionResult(df=out, mask=mask, rounds=rounds, k_reached=k_reached)


def _pad_blank_class(work: pd.DataFrame, qis: list[str], k: int, treatable: np.ndarray) -> bool:
    all_blank = work[qis].isna().all(axis=1).to_numpy()
    size = int(all_blank.sum())
    if size == 0 or size >= k:
        return bool(((class_sizes(work, qis) >= k) | ~treatable).all())
    need = k - size
    sizes = class_sizes(work, qis)
    keys = work.groupby(qis, dropna=False, sort=False).ngroup().to_numpy()
    donors = pd.DataFrame({"key": keys, "size": sizes, "ok": treatable & ~all_blank})
    donors = donors[donors["ok"]]
    big = donors[donors["size"] >= k + need]
    if len(big):
        # take `need` records from the largest class: it keeps at least k
        largest = big.loc[big["size"].idxmax(), "key"]
        take = big.index[big["key"] == largest][:need]
    else:
        # take whole classes, smallest first, until the blank class has k records
        class_tab = donors.groupby("key")["size"].first().sort_values()
        chosen = class_tab.index[: int(np.searchsorted(class_tab.cumsum().to_numpy(), need)) + 1]
        take = donors.index[donors["key"].isin(chosen)]
    pick = np.zeros(len(work), dtype=bool)
    pick[np.asarray(take, dtype=int)] = True
    for c in qis:
        _blank(work, c, pick)
    return bool(((class_sizes(work, qis) >= k) | ~treatable).all())
