"""The microaggregation SDC components: ``mdav``, ``individual_ranking`` and ``rank_swap``."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core import ComponentError, SDCMethod, SDCResult, Table
from safedata_core.sdc import base_changes, sse_sst
from safedata_microaggregation.algorithms import (
    aggregate_groups,
    individual_ranking_groups,
    mdav_groups,
    rank_swap,
    standardise,
)

__all__ = ["IndividualRankingMethod", "MDAVMethod", "RankSwapMethod"]


class MicroParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    k: int = Field(3, ge=2, description="Minimum group size: every released value vector is shared by k records.")
    columns: list[str] | None = Field(None, description="Numeric columns; default: the numeric quasi-identifiers.")
    by: list[str] = Field(default_factory=list, description="Strata: records are grouped only within equal values.")
    aggregation: Literal["mean", "median"] = Field("mean", description="Group value that replaces the originals.")


class RankSwapParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    p: float = Field(5.0, gt=0.0, le=100.0, description="Window in percent of the records: values move < p% ranks.")
    columns: list[str] | None = Field(None, description="Numeric columns; default: the numeric quasi-identifiers.")
    by: list[str] = Field(default_factory=list, description="Strata: values are swapped only within equal values.")


def _columns(table: Table, given: list[str] | None, by: list[str], where: str) -> list[str]:
    meta = table.metadata
    cols = list(given) if given is not None else [c for c in meta.quasi_identifiers if meta.columns[c].is_numeric]
    if not cols:
        raise ComponentError(
            f"{where}: no numeric columns (give params.columns or mark numeric columns role: quasi_identifier)"
        )
    table.require_columns(cols, where=f"{where}.columns")
    table.require_columns(by, where=f"{where}.by")
    bad = [c for c in cols if not meta.columns[c].is_numeric]
    if bad:
        raise ComponentError(f"{where}.columns: '{bad[0]}' is {meta.columns[bad[0]].type}, not numeric (drop it)")
    if set(cols) & set(by):
        raise ComponentError(f"{where}: a column is both treated and a stratum (remove it from `columns` or `by`)")
    return cols


def _strata(df: pd.DataFrame, by: list[str], treated: np.ndarray) -> list[np.ndarray]:
    """Row positions of the treated records of each stratum."""
    if not by:
        return [np.flatnonzero(treated)]
    ids = df.groupby(by, dropna=False, sort=True).ngroup().to_numpy()
    pos = np.flatnonzero(treated)
    order = pos[np.argsort(ids[pos], kind="stable")]
    cuts = np.flatnonzero(np.diff(ids[order])) + 1
    return np.split(order, cuts)


class _Micro(SDCMethod):
    """Shared apply(): group treated records per stratum, aggregate, report."""

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        cols = _columns(table, p.columns, p.by, self.name)
        treated = self.target_mask(rows, len(table), self.name)
        df = table.df.copy()
        values = table.df[cols].to_numpy(dtype=float)
        new = values.copy()
        small: list[int] = []
        for pos in _strata(table.df, p.by, treated):
            if len(pos) == 0:
                continue
            if len(pos) < p.k:
                small.append(len(pos))
            new[pos] = self._aggregate(values[pos], p.k, p.aggregation)
        for j, c in enumerate(cols):
            out = new[:, j]
            if table.metadata.columns[c].type == "integer" and p.aggregation == "median":
                out = np.round(out)
            df[c] = out
        qis = [c for c in table.metadata.quasi_identifiers if c in table.columns] or cols
        changes = base_changes(table.df, df, method=self.name, qis=qis, targeted=treated)
        changes.update(
            {
                "columns": cols,
                "k": p.k,
                "aggregation": p.aggregation,
                "strata_below_k": len(small),
                "information_loss": sse_sst(table.df, df, cols),
            }
        )
        return SDCResult(table.with_df(df), changes)

    @abstractmethod
    def _aggregate(self, x: np.ndarray, k: int, how: str) -> np.ndarray:
        """Microaggregated values of ``x`` (rows of one stratum), groups of at least ``k``."""


class MDAVMethod(_Micro):
    """Multivariate microaggregation with MDAV on standardised columns (sdcMicro's method "mdav").

    Records are z-scored (population sd; a missing value counts as the mean
    for the distance), grouped by fixed-size MDAV into groups of k (the last
    group holds k..2k-1) within each stratum, and each value is replaced by its
    group's mean or median in the original units. Missing values stay missing.

    **Privacy guarantee**: k-anonymity on the treated numeric columns: every
    released vector of them is shared by at least k records of its stratum
    (a stratum with fewer than k treated records becomes one group). No DP.

    **Assumptions**: the columns are numeric and comparable after
    standardisation; information loss is reported as 100 * SSE / SST.

    **Example**: ``{id: micro, use: mdav, params: {k: 5, columns: [age, hours_per_week]}}``
    """

    name = "mdav"
    Params = MicroParams

    def _aggregate(self, x: np.ndarray, k: int, how: str) -> np.ndarray:
        return aggregate_groups(x, mdav_groups(standardise(x), k), how)


class IndividualRankingMethod(_Micro):
    """Univariate microaggregation (individual ranking): each column is sorted and averaged in runs of k.

    **Privacy guarantee**: every released value of a column is shared by at
    least k records of its stratum, column by column (not jointly). No DP.

    **Assumptions**: columns are protected one at a time, so multivariate
    combinations may still be unique; information loss is lower than MDAV's.

    **Example**: ``{id: ir, use: individual_ranking, params: {k: 3, columns: [income]}}``
    """

    name = "individual_ranking"
    Params = MicroParams

    def _aggregate(self, x: np.ndarray, k: int, how: str) -> np.ndarray:
        labels = individual_ranking_groups(x, k)
        return np.column_stack([aggregate_groups(x[:, j : j + 1], labels[:, j], how)[:, 0] for j in range(x.shape[1])])


class RankSwapMethod(SDCMethod):
    """Rank swapping: values of each column are permuted among records whose ranks differ by less than p%.

    Sorted values are cut into blocks of ``p`` percent of the (stratum's
    treated) records and shuffled at random within each block.

    **Privacy guarantee**: none formal (SDC). A released value belongs to a
    record of similar rank, so exact matching on it fails; each column's
    marginal distribution is kept exactly.

    **Assumptions**: columns are swapped independently, so correlations weaken
    as ``p`` grows.

    **Example**: ``{id: rs, use: rank_swap, params: {p: 5, columns: [income]}}``
    """

    name = "rank_swap"
    Params = RankSwapParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        cols = _columns(table, p.columns, p.by, self.name)
        treated = self.target_mask(rows, len(table), self.name)
        rng = np.random.default_rng(seed)
        df = table.df.copy()
        strata = _strata(table.df, p.by, treated)
        for c in cols:
            x = table.df[c].to_numpy(dtype=float)
            out = x.copy()
            for pos in strata:
                out[pos] = rank_swap(x[pos], p.p, rng)
            df[c] = out
        qis = [c for c in table.metadata.quasi_identifiers if c in table.columns] or cols
        changes: dict[str, Any] = base_changes(table.df, df, method=self.name, qis=qis, targeted=treated)
        changes.update({"columns": cols, "p": p.p, "information_loss": sse_sst(table.df, df, cols)})
        return SDCResult(table.with_df(df), changes)
