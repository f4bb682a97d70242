"""Built-in SDC methods: generalize, suppress, swap, pram, noise and top_bottom_code.

Each wraps an algorithm from :mod:`safedata_core.sdc` and returns an
``SDCResult`` whose ``changes`` report records and cells modified, the
method's own counts, information loss, and the k-anonymity risk before and
after on the quasi-identifiers. With ``rows`` (the runner's ``target: rare``
mask) only those records are changed.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import SDCMethod, SDCResult
from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.errors import ComponentError
from safedata_core.hookspecs import hookimpl
from safedata_core.inventory.risk import rare_mask
from safedata_core.schema.pipeline import PATH_FIELD
from safedata_core.sdc import (
    GeneralisationSpace,
    Hierarchy,
    add_noise,
    apply_levels,
    apply_transition,
    base_changes,
    changed_cells,
    check_matrix,
    discernibility,
    flat_hierarchy,
    generalisation_height,
    interval_hierarchy,
    invariant_matrix,
    load_arx_hierarchy,
    local_suppression,
    nonuniform_entropy,
    search_lattice,
    sse_sst,
    suppress_records,
    swap_pairs,
    top_bottom_code,
    uniform_retention_matrix,
)

__all__ = [
    "GeneralizeMethod",
    "NoiseMethod",
    "PramMethod",
    "SuppressMethod",
    "SwapMethod",
    "TopBottomCodeMethod",
]

_CFG = ConfigDict(extra="forbid", frozen=True)
_QI_FIELD = Field(None, description="QI columns; default: the metadata's quasi_identifier columns.")


def _qis(table: Table, given: list[str] | None, where: str) -> list[str]:
    qis = list(given) if given is not None else table.metadata.quasi_identifiers
    if not qis:
        raise ComponentError(
            f"{where}: no quasi-identifiers (mark columns role: quasi_identifier in the metadata "
            "or give params.quasi_identifiers)"
        )
    table.require_columns(qis, where=f"{where}.quasi_identifiers")
    return qis


def _numeric_columns(table: Table, given: list[str] | None, where: str) -> list[str]:
    meta = table.metadata
    cols = list(given) if given is not None else [c for c in meta.quasi_identifiers if meta.columns[c].is_numeric]
    if not cols:
        raise ComponentError(f"{where}: no numeric columns to treat (give params.columns)")
    table.require_columns(cols, where=f"{where}.columns")
    bad = [c for c in cols if not meta.columns[c].is_numeric]
    if bad:
        raise ComponentError(f"{where}.columns: '{bad[0]}' is {meta.columns[bad[0]].type}, not numeric (drop it)")
    return cols


def _with_types(table: Table, df: pd.DataFrame, categorical: list[str]) -> Table:
    """Released table; columns that became text (generalised numbers) are declared categorical."""
    cols: dict[str, ColumnMeta] = {}
    for name, col in table.metadata.columns.items():
        if name in categorical and col.type != "categorical":
            cols[name] = ColumnMeta(type="categorical", role=col.role, nullable=True, inferred=col.inferred)
        elif name in categorical:
            cols[name] = col.model_copy(update={"categories": None})
        else:
            cols[name] = col
    return Table(df, Metadata(columns=cols))


# -- generalize ----------------------------------------------------------------


class GeneralizeParams(BaseModel):
    model_config = _CFG

    quasi_identifiers: list[str] | None = _QI_FIELD
    k: int = Field(5, ge=2, description="Target k: every released QI class has at least k records.")
    suppression_limit: float = Field(
        0.0, ge=0.0, le=1.0, description="Largest share of all records that may be suppressed (ARX's limit)."
    )
    hierarchies: dict[str, str] = Field(
        default_factory=dict,
        description="column -> ARX hierarchy CSV (value;level1;...); absolute or relative to the pipeline file.",
        json_schema_extra=PATH_FIELD,
    )
    intervals: dict[str, list[float]] = Field(
        default_factory=dict, description="numeric column -> nested bin widths, e.g. [5, 10, 20]; top level is '*'."
    )
    loss: Literal["entropy", "height"] = Field(
        "entropy", description="Information loss the search minimises: ARX non-uniform entropy or level sum."
    )
    levels: dict[str, int] | None = Field(
        None, description="Fixed levels per QI (skips the search); records still below k are suppressed."
    )
    suppress_outliers: bool = Field(
        True,
        description="Suppress the records still below k; false leaves them for a later `suppress` step "
        "(the search still bounds them by suppression_limit).",
    )


class GeneralizeMethod(SDCMethod):
    """Full-domain generalisation to k-anonymity with the least information loss (ARX's optimum).

    Every QI gets one level of its hierarchy (ARX CSV file, numeric interval
    rule, or the flat ``value -> *``). A best-first search over the lattice
    returns the node of minimal loss at which at most ``suppression_limit`` of
    the records sit in classes below ``k``; those records are suppressed
    (every QI set to ``*``, or missing for numeric columns), or, with
    ``suppress_outliers: false``, left for a following ``suppress`` step that
    blanks single cells instead of whole records.

    **Privacy guarantee**: k-anonymity on the declared QIs for the treated
    records (each released QI combination of treated records occurs at least k
    times; the suppressed records form one class of at least k). With
    ``suppress_outliers: false`` only after a following ``suppress`` step. No DP.

    **Assumptions**: the QI list is complete; an intruder knows QI values, not
    the hierarchy choice. Missing values are a category of their own. Columns
    generalised above level 0 become text (categorical). Under ``target: rare``
    only the rare records are generalised and the suppression limit is a share
    of all records.

    **Example**: ``{id: gen, use: generalize, params: {k: 5, suppression_limit: 0.04,
    intervals: {age: [5, 10, 20]}, hierarchies: {education: hier/education.csv}}}``
    """

    name = "generalize"
    Params = GeneralizeParams

    def _hierarchies(self, table: Table, qis: list[str]) -> dict[str, Hierarchy]:
        p = self.params
        unknown = [c for c in [*p.hierarchies, *p.intervals] if c not in qis]
        if unknown:
            raise ComponentError(
                f"generalize: a hierarchy is given for '{unknown[0]}', which is not a quasi-identifier "
                f"(QIs: {', '.join(qis)})"
            )
        out: dict[str, Hierarchy] = {}
        for c in qis:
            if c in p.hierarchies:
                out[c] = load_arx_hierarchy(c, p.hierarchies[c])
            elif c in p.intervals:
                if not table.metadata.columns[c].is_numeric:
                    raise ComponentError(f"generalize.intervals.{c}: column is not numeric (give a hierarchy file)")
                out[c] = interval_hierarchy(c, p.intervals[c])
            else:
                out[c] = flat_hierarchy(c)
        return out

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        qis = _qis(table, p.quasi_identifiers, "generalize")
        treated = self.target_mask(rows, len(table), "generalize")
        hierarchies = self._hierarchies(table, qis)
        space = GeneralisationSpace(table.df, qis, hierarchies, rows=treated)
        max_out = int(np.floor(p.suppression_limit * len(table) + 1e-9))
        search: dict[str, Any]
        if p.levels is not None:
            missing = [c for c in qis if c not in p.levels]
            if missing:
                raise ComponentError(f"generalize.levels: no level for QI '{missing[0]}' (give one per QI)")
            levels = {c: int(p.levels[c]) for c in qis}
            for c, lv in levels.items():
                if not 0 <= lv <= hierarchies[c].height:
                    raise ComponentError(
                        f"generalize.levels.{c}: {lv} is outside 0..{hierarchies[c].height} "
                        "(pick a level of its hierarchy)"
                    )
            search = {"mode": "fixed"}
        else:
            res = search_lattice(space, k=p.k, max_outliers=max_out, loss=p.loss)
            levels = res.levels
            search = {"mode": "optimal", "nodes_checked": res.nodes_checked, "lattice_size": res.lattice_size}
        node = [levels[c] for c in qis]
        below_k = space.outlier_mask(node, p.k)
        outliers = below_k if p.suppress_outliers else np.zeros_like(below_k)
        gen = apply_levels(table.df, hierarchies, levels, rows=treated)
        out = suppress_records(gen, qis, outliers)
        changed_types = [c for c in qis if levels[c] > 0 or (outliers.any() and out[c].dtype == object)]
        changes = base_changes(table.df, out, method=self.name, qis=qis, k=p.k, targeted=treated)
        changes.update(
            {
                "levels": levels,
                "search": search,
                "records_suppressed": int(outliers.sum()),
                "records_below_k_left": int((below_k & ~outliers).sum()),
                "suppression_limit_records": max_out,
                "information_loss": {
                    **generalisation_height(levels, {c: h.height for c, h in hierarchies.items()}),
                    "nonuniform_entropy": space.loss(node, "entropy"),
                    "discernibility": discernibility(out, qis, outliers),
                },
            }
        )
        return SDCResult(_with_types(table, out, changed_types), changes)


# -- suppress --------------------------------------------------------------------


class SuppressParams(BaseModel):
    model_config = _CFG

    quasi_identifiers: list[str] | None = _QI_FIELD
    k: int = Field(5, ge=2, description="Records in QI classes smaller than k get QI cells blanked.")


class SuppressMethod(SDCMethod):
    """Local suppression: blank few QI cells of records in classes below k until they reach k.

    Greedy rounds: each record still below k blanks the QI cell that puts it in
    the largest class; leftovers lose all QIs and the all-blank class is padded
    to k. Blank cells are missing values.

    **Privacy guarantee**: k-anonymity on the QIs for the treated records,
    with a blank (missing) value counted as a category of its own. No DP.

    **Assumptions**: an intruder cannot tell why a value is missing; the cell
    count is small but not guaranteed minimal (greedy).

    **Example**: ``{id: sup, use: suppress, target: rare, params: {k: 5}}``
    """

    name = "suppress"
    Params = SuppressParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        qis = _qis(table, p.quasi_identifiers, "suppress")
        treated = self.target_mask(rows, len(table), "suppress")
        res = local_suppression(table.df, qis, p.k, rows=treated)
        changes = base_changes(table.df, res.df, method=self.name, qis=qis, k=p.k, targeted=treated)
        changes.update(
            {
                "cells_suppressed": int(res.mask.sum()),
                "cells_suppressed_by_column": dict(zip(qis, res.mask.sum(axis=0).astype(int).tolist(), strict=True)),
                "records_with_suppression": int(res.mask.any(axis=1).sum()),
                "rounds": res.rounds,
                "k_reached": res.k_reached,
                "information_loss": {
                    "nonuniform_entropy": nonuniform_entropy(table.df, res.df, qis),
                    "discernibility": discernibility(res.df, qis),
                    "share_cells_suppressed": float(res.mask.mean()) if res.mask.size else 0.0,
                },
            }
        )
        return SDCResult(table.with_df(res.df), changes)


# -- swap ------------------------------------------------------------------------


class SwapParams(BaseModel):
    model_config = _CFG

    quasi_identifiers: list[str] | None = _QI_FIELD
    variables: list[str] | None = Field(
        None, description="Columns exchanged between paired records; default: the QIs not in `by`."
    )
    by: list[str] = Field(default_factory=list, description="Strata: partners share these columns' values.")
    k: int = Field(5, ge=2, description="Without a target mask, records in QI classes below k are swapped.")


class SwapMethod(SDCMethod):
    """Targeted record swapping: risky records exchange variables with partners of the same stratum.

    Without ``rows`` the risky records are those in QI classes below ``k`` and
    partners are drawn from the other records of the stratum; with ``rows``
    (``target: rare``) the targeted records are paired among themselves.

    **Privacy guarantee**: none formal (SDC). A swapped record's values of the
    swap variables belong to another record, so a match on them is uncertain.

    **Assumptions**: strata (``by``) hold enough partners; the marginal and
    joint distribution of the swapped variables are kept exactly, relations
    between swapped and other variables are perturbed.

    **Example**: ``{id: swap, use: swap, params: {variables: [age, race], by: [sex]}}``
    """

    name = "swap"
    Params = SwapParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        qis = _qis(table, p.quasi_identifiers, "swap")
        table.require_columns(p.by, where="swap.by")
        variables = p.variables if p.variables is not None else [c for c in qis if c not in p.by]
        if not variables:
            raise ComponentError("swap.variables: nothing to swap (give columns not listed in `by`)")
        table.require_columns(variables, where="swap.variables")
        if set(variables) & set(p.by):
            raise ComponentError("swap: a column is both swapped and a stratum (remove it from `variables` or `by`)")
        n = len(table)
        if rows is None:
            selected = rare_mask(table.df, qis, p.k)
            pool = np.ones(n, dtype=bool)
        else:
            selected = pool = self.target_mask(rows, n, "swap")
        rng = np.random.default_rng(seed)
        pairs = swap_pairs(table.df, selected, pool, p.by, rng)
        df = table.df.copy()
        if len(pairs):
            a, b = pairs[:, 0], pairs[:, 1]
            for c in variables:
                col = df[c].to_numpy(copy=True)
                col[a], col[b] = df[c].to_numpy()[b], df[c].to_numpy()[a]
                df[c] = pd.Series(col, index=df.index).astype(df[c].dtype)
        numeric = [c for c in variables if table.metadata.columns[c].is_numeric]
        swapped_selected = np.zeros(n, dtype=bool)
        swapped_selected[pairs.reshape(-1)] = True
        changes = base_changes(table.df, df, method=self.name, qis=qis, k=p.k, targeted=selected)
        changes.update(
            {
                "pairs_swapped": len(pairs),
                "records_swapped": int(2 * len(pairs)),
                "selected_unswapped": int((selected & ~swapped_selected).sum()),
                "variables": variables,
                "by": list(p.by),
                "information_loss": {
                    **({"sse_sst": sse_sst(table.df, df, numeric)} if numeric else {}),
                    "share_records_swapped": 2 * len(pairs) / n if n else 0.0,
                },
            }
        )
        return SDCResult(table.with_df(df), changes)


# -- pram ------------------------------------------------------------------------


class PramParams(BaseModel):
    model_config = _CFG

    columns: list[str] | None = Field(None, description="Categorical columns to randomise; default: categorical QIs.")
    quasi_identifiers: list[str] | None = _QI_FIELD
    p_stay: float = Field(0.8, gt=0.0, le=1.0, description="Retention probability on the base matrix's diagonal.")
    invariant: bool = Field(True, description="Use the invariant matrix (expected frequencies kept).")
    matrix: dict[str, dict[str, dict[str, float]]] | None = Field(
        None, description="Given matrices: column -> from-category -> to-category -> probability (rows sum to 1)."
    )


class PramMethod(SDCMethod):
    """PRAM: each categorical value is redrawn from a row of a transition matrix.

    The default matrix keeps ``p_stay`` on the diagonal and is made invariant
    (expected category frequencies of the treated records unchanged). A given
    matrix (``matrix``) is used as is for its columns.

    **Privacy guarantee**: plausible deniability of each released category:
    any original category with a non-zero transition probability could have
    produced it. No DP.

    **Assumptions**: the transition matrix may be published (it is needed for
    unbiased analysis); missing values are kept.

    **Example**: ``{id: pram, use: pram, params: {columns: [race], p_stay: 0.9}}``
    """

    name = "pram"
    Params = PramParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        meta = table.metadata
        if p.columns is not None:
            cols = list(p.columns)
        else:
            cols = [c for c in meta.quasi_identifiers if meta.columns[c].type in ("categorical", "boolean")]
        if not cols:
            raise ComponentError("pram: no categorical columns to randomise (give params.columns)")
        table.require_columns(cols, where="pram.columns")
        bad = [c for c in cols if meta.columns[c].type not in ("categorical", "boolean", "text")]
        if bad:
            raise ComponentError(f"pram.columns: '{bad[0]}' is {meta.columns[bad[0]].type}; PRAM needs categories")
        qis = [c for c in (p.quasi_identifiers or meta.quasi_identifiers) if c in table.columns] or cols
        treated = self.target_mask(rows, len(table), "pram")
        rng = np.random.default_rng(seed)
        df = table.df.copy()
        matrices: dict[str, Any] = {}
        for c in cols:
            s = table.df[c]
            codes, cats = pd.factorize(s.astype(object), sort=True)
            given = (p.matrix or {}).get(c)
            if given is None and len(cats) == 0:  # an entirely missing column: nothing to randomise
                matrices[c] = {"categories": [], "matrix": []}
                continue
            if given is not None:
                cats, m = self._given(c, given, list(cats))
                codes = pd.Index(cats).get_indexer(s.astype(object))
                codes[s.isna().to_numpy()] = -1
            else:
                counts = np.bincount(codes[treated & (codes >= 0)], minlength=len(cats))
                m = invariant_matrix(counts, p.p_stay) if p.invariant else uniform_retention_matrix(len(cats), p.p_stay)
            new = codes.copy()
            sel = treated & (codes >= 0)
            new[sel] = apply_transition(codes[sel], m, rng)
            values = np.asarray(cats, dtype=object)[np.where(new >= 0, new, 0)]
            col = s.astype(object).to_numpy(copy=True)
            col[sel] = values[sel]
            df[c] = pd.Series(col, index=df.index).astype(s.dtype) if s.dtype == "boolean" else col
            matrices[c] = {"categories": [str(x) for x in cats], "matrix": np.round(m, 6).tolist()}
        changes = base_changes(table.df, df, method=self.name, qis=qis, targeted=treated)
        changed = changed_cells(table.df, df, cols) & table.df[cols].notna().to_numpy()
        changes.update(
            {
                "columns": cols,
                "invariant": p.invariant,
                "transition_matrices": matrices,
                "information_loss": {"share_values_changed": float(changed[treated].mean()) if treated.any() else 0.0},
            }
        )
        return SDCResult(table.with_df(df), changes)

    @staticmethod
    def _given(col: str, given: dict[str, dict[str, float]], observed: list[Any]) -> tuple[list[Any], np.ndarray]:
        cats = list(dict.fromkeys([*given, *(t for row in given.values() for t in row)]))
        missing = [str(v) for v in observed if str(v) not in given]
        if missing:
            raise ComponentError(
                f"pram.matrix.{col}: category '{missing[0]}' has no row (give a row for every category in the data)"
            )
        m = np.zeros((len(cats), len(cats)))
        pos = {c: i for i, c in enumerate(cats)}
        for a, row in given.items():
            for b, prob in row.items():
                m[pos[a], pos[b]] = prob
        empty = m.sum(axis=1) == 0  # categories that only appear as targets stay as they are
        m[empty, np.flatnonzero(empty)] = 1.0
        return cats, check_matrix(m, f"pram.matrix.{col}")


# -- noise -----------------------------------------------------------------------


class NoiseParams(BaseModel):
    model_config = _CFG

    columns: list[str] | None = Field(None, description="Numeric columns; default: the numeric QIs.")
    quasi_identifiers: list[str] | None = _QI_FIELD
    kind: Literal["additive", "multiplicative"] = Field("additive", description="Noise model.")
    level: float = Field(
        0.1, gt=0.0, le=10.0, description="Relative level: additive sd = level * column sd; multiplicative sd = level."
    )


class NoiseMethod(SDCMethod):
    """Additive or multiplicative Gaussian noise on numeric columns at a relative level.

    Additive: ``x + N(0, (level * sd)^2)`` (sd of the treated values);
    multiplicative: ``x * (1 + N(0, level^2))``. Integer columns are rounded;
    declared bounds are respected by clipping.

    **Privacy guarantee**: none formal (SDC, not DP: the noise is not
    calibrated to a sensitivity). Exact matches on noisy columns become unlikely.

    **Assumptions**: analyses tolerate the added variance; means are kept in
    expectation, variances grow by ``level^2`` (additive).

    **Example**: ``{id: noise, use: noise, params: {columns: [income], level: 0.2}}``
    """

    name = "noise"
    Params = NoiseParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        cols = _numeric_columns(table, p.columns, "noise")
        treated = self.target_mask(rows, len(table), "noise")
        rng = np.random.default_rng(seed)
        df = table.df.copy()
        for c in cols:
            meta = table.metadata.columns[c]
            x = table.df[c].to_numpy(dtype=float)
            noisy = add_noise(x[treated], kind=p.kind, level=p.level, rng=rng)
            if meta.type == "integer":
                noisy = np.round(noisy)
            if meta.bounds is not None:
                noisy = np.clip(noisy, *meta.bounds)
            new = x.copy()
            new[treated] = noisy
            df[c] = new
        qis = [c for c in (p.quasi_identifiers or table.metadata.quasi_identifiers) if c in table.columns] or cols
        changes = base_changes(table.df, df, method=self.name, qis=qis, targeted=treated)
        changes.update(
            {"columns": cols, "kind": p.kind, "level": p.level, "information_loss": sse_sst(table.df, df, cols)}
        )
        return SDCResult(table.with_df(df), changes)


# -- top_bottom_code --------------------------------------------------------------


class TopBottomParams(BaseModel):
    model_config = _CFG

    top: dict[str, float] = Field(default_factory=dict, description="column -> values above it are top-coded.")
    bottom: dict[str, float] = Field(default_factory=dict, description="column -> values below it are bottom-coded.")
    replace_with: Literal["threshold", "mean"] = Field(
        "threshold", description="Replacement: the threshold, or the mean of the coded values on that side."
    )
    quasi_identifiers: list[str] | None = _QI_FIELD


class TopBottomCodeMethod(SDCMethod):
    """Top and bottom coding: extreme values of numeric columns are replaced at a threshold.

    **Privacy guarantee**: none formal (SDC). Outlying values, which single
    out records, are no longer released.

    **Assumptions**: thresholds are chosen by the data steward (e.g. a high
    quantile); with ``replace_with: mean`` the column total is kept.

    **Example**: ``{id: tbc, use: top_bottom_code, params: {top: {capital_gain: 20000}}}``
    """

    name = "top_bottom_code"
    Params = TopBottomParams

    def apply(self, table: Table, *, seed: int, rows: np.ndarray | None = None) -> SDCResult:
        p = self.params
        cols = list(dict.fromkeys([*p.top, *p.bottom]))
        if not cols:
            raise ComponentError("top_bottom_code: give params.top and/or params.bottom thresholds per column")
        cols = _numeric_columns(table, cols, "top_bottom_code")
        treated = self.target_mask(rows, len(table), "top_bottom_code")
        df = table.df.copy()
        coded: dict[str, dict[str, int]] = {}
        for c in cols:
            x = table.df[c].to_numpy(dtype=float)
            new, hi, lo = top_bottom_code(
                x[treated], top=p.top.get(c), bottom=p.bottom.get(c), replace_with=p.replace_with
            )
            full = x.copy()
            full[treated] = new
            df[c] = full
            coded[c] = {"top": int(hi.sum()), "bottom": int(lo.sum())}
        qis = [c for c in (p.quasi_identifiers or table.metadata.quasi_identifiers) if c in table.columns] or cols
        changes = base_changes(table.df, df, method=self.name, qis=qis, targeted=treated)
        changes.update({"coded": coded, "information_loss": sse_sst(table.df, df, cols)})
        return SDCResult(table.with_df(df), changes)


@hookimpl
def register_sdc_methods(register: Any) -> None:
    for cls in (GeneralizeMethod, SuppressMethod, SwapMethod, PramMethod, NoiseMethod, TopBottomCodeMethod):
        register(cls)
