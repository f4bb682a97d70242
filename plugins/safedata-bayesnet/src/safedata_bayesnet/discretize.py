"""Building the column codecs of ``bayes_net``: from the data (non-private) or from DP measurements.

Under DP every column must be declared public metadata (the caller runs
:func:`~safedata_core.privacy.require_declared`), and the codecs use only:

* public facts: type, bounds, categories, ``nullable``;
* released DP measurements, one per *task* of :func:`measurement_plan`, each
  with an equal part of the binning epsilon:

  - ``histogram``: a numeric column's noisy fine-cell histogram over its
    public bounds (plus a missing cell when the column is nullable); it gives
    the decoding weights and the bins (grouped by noisy mass);
  - ``select``: a DP selection of the categories of a categorical column
    without public categories (:func:`~safedata_core.privacy.dp_select_categories`);
  - ``missing``: a noisy count of the missing or out-of-domain values of a
    nullable categorical or boolean column.

A column keeps a missing code only when it is nullable AND its released
missing count clears :func:`~safedata_core.privacy.discretize.keeps_missing`
(post-processing). So a column declared ``nullable: false`` never gets missing
values, and a nullable column without missing values almost never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from safedata_bayesnet.codec import CodecKind, ColumnCodec
from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.execution import is_dask_frame
from safedata_core.execution.primitives import noisy_histogram_counts
from safedata_core.privacy import DiscreteLaplace, PrivacyEvent, add_noise, dp_select_categories, noisy_histogram
from safedata_core.privacy.discretize import empirical_cells, fine_cells, group_by_mass, keeps_missing

if TYPE_CHECKING:
    from safedata_core.privacy import BudgetShare

__all__ = ["Task", "binning_events", "build_codecs", "codec_kind", "measurement_plan"]

Task = Literal["histogram", "select", "missing"]


def codec_kind(name: str, meta: ColumnMeta, where: str) -> CodecKind:
    """The codec kind of a column; datetime and text columns are refused."""
    if meta.is_numeric:
        return "numeric"
    if meta.type in ("boolean", "categorical"):
        return meta.type  # type: ignore[return-value]
    raise ComponentError(
        f"{where}: column '{name}' has type {meta.type}, which is not supported; drop the column or "
        "declare it categorical/numerical in the metadata"
    )


def measurement_plan(meta: Metadata, columns: list[str], where: str) -> list[tuple[str, Task]]:
    """The DP measurements the codecs need, from public metadata only (see the module docstring)."""
    plan: list[tuple[str, Task]] = []
    for col in columns:
        cm = meta.columns[col]
        kind = codec_kind(col, cm, where)
        if kind == "numeric":
            plan.append((col, "histogram"))
            continue
        if kind == "categorical" and not cm.is_public_domain:
            plan.append((col, "select"))
        if cm.nullable:
            plan.append((col, "missing"))
    return plan


def binning_events(plan: list[tuple[str, Task]], epsilon: float, delta: float) -> list[PrivacyEvent]:
    """The privacy events :func:`build_codecs` records for ``plan`` (for planning the step's budget)."""
    if not plan:
        return []
    eps_task = epsilon / len(plan)
    n_select = sum(1 for _, t in plan if t == "select")
    return [
        PrivacyEvent("approx", eps_task, delta / n_select) if t == "select" else DiscreteLaplace(1, eps_task).event()
        for _, t in plan
    ]


def build_codecs(
    table: Table,
    *,
    n_bins: int,
    n_fine: int,
    budget: BudgetShare | None,
    epsilon: float,
    delta: float,
    where: str,
) -> list[ColumnCodec]:
    """Codecs for all columns of ``table``: from the data, or (with ``budget``) from DP measurements.

    Under DP, ``epsilon`` is split evenly over the tasks of :func:`measurement_plan`
    and ``delta`` over its ``select`` tasks.
    """
    meta = table.metadata
    if budget is None:
        return [_plain_codec(col, table.df[col], meta.columns[col], n_bins, n_fine, where) for col in table.columns]
    plan = measurement_plan(meta, list(table.columns), where)
    if any(t == "select" for _, t in plan) and delta <= 0:
        first = next(c for c, t in plan if t == "select")
        raise ComponentError(
            f"{where}: categorical column '{first}' has no public categories and the step has delta=0; declare its "
            "categories in the metadata or give the step a delta > 0"
        )
    eps_task = epsilon / len(plan) if plan else 0.0
    delta_select = delta / max(1, sum(1 for _, t in plan if t == "select"))
    tasks = {(c, t) for c, t in plan}
    counted: dict[str, np.ndarray] | None = None
    if is_dask_frame(table.df):  # Dask: every binning count in one pass over the partitions
        from safedata_bayesnet.distributed import column_counts

        counted = column_counts(table, tasks, n_fine, where)
    codecs = []
    for col in table.columns:
        cm, s = meta.columns[col], table.df[col]
        note = f"{where}: '{col}'"
        if codec_kind(col, cm, where) == "numeric":
            exact = counted[col] if counted is not None else None
            codecs.append(_dp_numeric(col, s, cm, n_bins, n_fine, budget, eps_task, note, exact))
            continue
        if cm.type == "boolean":
            labels: list[object] = [False, True]
        elif (col, "select") in tasks:
            labels = list(
                dp_select_categories(
                    s.dropna().astype(str).to_numpy(),
                    budget=budget,
                    epsilon=eps_task,
                    delta=delta_select,
                    note=f"{note} domain",
                )
            )
        else:
            labels = [str(v) for v in cm.categories or []]
        codec = ColumnCodec(col, cm.type, False, labels=labels)  # type: ignore[arg-type]
        if (col, "missing") in tasks:
            n_other = float(counted[col]) if counted is not None else float(np.sum(codec.encode(s) < 0))
            noisy = float(add_noise(budget, DiscreteLaplace(1, eps_task), n_other, note=f"{note} missing count")[()])
            codec.missing = keeps_missing(noisy, 1.0 / eps_task)
        if not labels and not codec.missing:
            raise ComponentError(
                f"{where}: the DP selection kept no category of column '{col}' (too few records per category at "
                "this epsilon); declare its categories in the metadata or drop the column"
            )
        codecs.append(codec)
    return codecs


def _dp_numeric(
    col: str,
    s: pd.Series,
    cm: ColumnMeta,
    n_bins: int,
    n_fine: int,
    budget: BudgetShare,
    eps: float,
    note: str,
    exact: np.ndarray | None = None,
) -> ColumnCodec:
    """One noisy histogram over the public fine cells (plus a missing cell when nullable).

    ``exact``: the fine-cell counts when they were counted already (over Dask partitions).
    """
    assert cm.bounds is not None
    lo, hi = fine_cells(cm.bounds, cm.type == "integer", n_fine)
    codec = ColumnCodec(col, "numeric", False, integer=cm.type == "integer", cell_lo=lo, cell_hi=hi)
    if exact is not None:
        noisy = noisy_histogram_counts(exact, budget=budget, epsilon=eps, note=f"{note} histogram")
    else:
        fine = codec.fine_codes(s)
        if not cm.nullable:
            fine = fine[fine < len(hi)]  # a missing value in a non-nullable column is counted nowhere
        noisy = noisy_histogram(fine, len(hi) + int(cm.nullable), budget=budget, epsilon=eps, note=f"{note} histogram")
    codec.cell_weight = np.clip(noisy[: len(hi)], 0.0, None)
    codec.cell_bin = group_by_mass(codec.cell_weight, n_bins)
    codec.missing = bool(cm.nullable) and keeps_missing(float(noisy[-1]), 1.0 / eps)
    return codec


def _plain_codec(col: str, s: pd.Series, cm: ColumnMeta, n_bins: int, n_fine: int, where: str) -> ColumnCodec:
    """NON-PRIVATE codec read from the data (exact cells, observed categories, observed missingness)."""
    kind = codec_kind(col, cm, where)
    has_missing = bool(s.isna().any())
    if kind == "boolean":
        return ColumnCodec(col, "boolean", has_missing, labels=[False, True])
    if kind == "categorical":
        if cm.categories is not None:
            labels = [str(v) for v in cm.categories]
        else:
            labels = sorted(s.dropna().astype(str).unique().tolist())
        outside = not set(s.dropna().astype(str)) <= set(labels)
        return ColumnCodec(col, "categorical", has_missing or outside, labels=labels)
    lo, hi, weight = empirical_cells(s.dropna().to_numpy(dtype=float), n_fine)
    return ColumnCodec(
        col,
        "numeric",
        has_missing,
        integer=cm.type == "integer",
        cell_lo=lo,
        cell_hi=hi,
        cell_weight=weight,
        cell_bin=group_by_mass(weight, n_bins),
    )
