"""Reversible encoding of a table into the matrix the deep synthesizers (CTGAN, TVAE) train on.

* Numeric columns: mode-specific normalisation (Xu et al. 2019): a Bayesian
  Gaussian mixture per column; a value becomes ``alpha = (x - mu_k) / (4 sd_k)``
  (tanh output) plus a one-hot of its mode ``k`` sampled from the posterior,
  with one extra "missing" mode.
* Categorical / boolean columns: one-hot over the categories, plus a
  "missing" slot (values outside the domain also land there).

Under DP nothing here reads the data outside :class:`~safedata_deep.dpplan.DPQueries`:
numeric bounds must be public; the mixture is fitted to pseudo-points drawn
from a discrete-Laplace histogram over those bounds (post-processing);
categories come from public metadata or a DP selection; the missing slot
always exists. The encoding of each row afterwards depends on that row and on
its own random draws only (the numeric mode is sampled from the posterior with
the generator the caller passes: the share's secure generator under DP).

A column declared ``nullable: false`` keeps its missing slot for training (a
value outside the domain still needs somewhere to go), but decoding and the
samplers never pick it (:meth:`DataTransformer.allowed_mask`), so no missing
value is generated in it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta
from safedata_deep.dpplan import DPQueries

__all__ = ["ColumnTransform", "DataTransformer", "Span"]

_SUPPORTED = {"numerical", "integer", "categorical", "boolean"}


@dataclass(frozen=True)
class Span:
    """A block of the encoded matrix: ``tanh`` (one scalar) or ``softmax`` (a one-hot)."""

    start: int
    end: int
    activation: Literal["tanh", "softmax"]
    column: str
    discrete: bool  # a one-hot of a categorical/boolean column (CTGAN conditions on these)


@dataclass
class ColumnTransform:
    """The fitted encoding of one column (JSON-able through :meth:`to_dict`)."""

    name: str
    ctype: str
    means: list[float] = field(default_factory=list)
    stds: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    low: float = 0.0
    high: float = 0.0
    categories: list[str] = field(default_factory=list)
    missing_slot: bool = True
    nullable: bool = True  # declared metadata: False = the missing slot is never generated

    @property
    def numeric(self) -> bool:
        return self.ctype in ("numerical", "integer")

    @property
    def n_slots(self) -> int:
        """Width of the softmax block (modes or categories, plus missing)."""
        base = len(self.means) if self.numeric else len(self.categories)
        return base + int(self.missing_slot)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class DataTransformer:
    """Fit once (DP-accounted or not), then encode rows and decode model output."""

    def __init__(self, columns: list[ColumnTransform]) -> None:
        self.columns = columns
        self.spans: list[Span] = []
        pos = 0
        for col in columns:
            if col.numeric:
                self.spans.append(Span(pos, pos + 1, "tanh", col.name, False))
                pos += 1
            self.spans.append(Span(pos, pos + col.n_slots, "softmax", col.name, not col.numeric))
            pos += col.n_slots
        self.output_dim = pos

    # -- fitting -----------------------------------------------------------
    @classmethod
    def fit(
        cls,
        table: Table,
        *,
        queries: DPQueries | None,
        max_modes: int,
        gmm_rows: int,
        hist_bins: int,
        seed: int,
        component: str,
    ) -> DataTransformer:
        """Fit the per-column encodings; with ``queries`` every data access is a charged DP query."""
        rng = np.random.default_rng(seed)
        columns: list[ColumnTransform] = []
        for name in table.columns:
            meta = table.metadata.columns[name]
            if meta.type not in _SUPPORTED:
                raise ComponentError(
                    f"{component}: column '{name}' has type {meta.type}, which is not supported; drop it or "
                    "convert it to a numerical or categorical column"
                )
            s = table.df[name]
            if meta.is_numeric:
                columns.append(_fit_numeric(name, s, meta, queries, max_modes, gmm_rows, hist_bins, rng, component))
            else:
                columns.append(_fit_discrete(name, s, meta, queries))
        return cls(columns)

    @staticmethod
    def count_queries(table: Table) -> tuple[int, int]:
        """(counting queries, category selections) a DP fit of this table makes."""
        meta = table.metadata.columns
        numeric = sum(1 for c in table.columns if meta[c].is_numeric)
        select = sum(1 for c in table.columns if meta[c].type == "categorical" and not meta[c].is_public_domain)
        return numeric, select

    def allowed_mask(self) -> np.ndarray:
        """Boolean mask over the encoded columns: False at the missing slot of a non-nullable column."""
        mask = np.ones(self.output_dim, dtype=bool)
        softmax = [s for s in self.spans if s.activation == "softmax"]
        for col, span in zip(self.columns, softmax, strict=True):
            if col.missing_slot and not col.nullable:
                mask[span.end - 1] = False
        return mask

    # -- encoding ----------------------------------------------------------
    def transform(self, df: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Encoded float32 matrix, and the slot codes (n, n_discrete) of the discrete columns.

        ``rng`` draws each numeric value's mode (row by row, independently); under
        DP pass the share's noise generator, so no row's encoding depends on the
        pipeline seed or on its position.
        """
        n = len(df)
        out = np.zeros((n, self.output_dim), dtype=np.float32)
        codes: list[np.ndarray] = []
        spans = iter(self.spans)
        for col in self.columns:
            if col.numeric:
                alpha_span, mode_span = next(spans), next(spans)
                alpha, slot = _encode_numeric(col, df[col.name].to_numpy(dtype=float), rng)
                out[:, alpha_span.start] = alpha
                out[np.arange(n), mode_span.start + slot] = 1.0
            else:
                span = next(spans)
                slot = self.discrete_slots(col, df[col.name])
                out[np.arange(n), span.start + slot] = 1.0
                codes.append(slot)
        disc = np.stack(codes, axis=1) if codes else np.zeros((n, 0), dtype=np.int64)
        return out, disc

    @staticmethod
    def discrete_slots(col: ColumnTransform, s: pd.Series) -> np.ndarray:
        """Slot index of each value: its category, or the missing slot (missing / outside the domain)."""
        missing = len(col.categories)
        present = s.notna().to_numpy()
        as_str = s.astype(object).where(present, "").astype(str)
        codes = pd.Categorical(as_str, categories=col.categories).codes.astype(np.int64)
        slot = np.where(present & (codes >= 0), codes, missing)
        if not col.missing_slot and (slot == missing).any():
            raise ComponentError(f"column '{col.name}': value outside the fitted categories (refit the model)")
        return slot

    def inverse_transform(self, data: np.ndarray) -> pd.DataFrame:
        """Decode model output (tanh alphas, one-hots or probabilities) back to a DataFrame.

        The missing slot of a non-nullable column is never chosen.
        """
        out: dict[str, Any] = {}
        data = np.where(self.allowed_mask()[None, :], data, -np.inf)
        spans = iter(self.spans)
        for col in self.columns:
            if col.numeric:
                alpha_span, mode_span = next(spans), next(spans)
                alpha = np.clip(data[:, alpha_span.start], -1, 1)
                slot = np.argmax(data[:, mode_span.start : mode_span.end], axis=1)
                out[col.name] = _decode_numeric(col, alpha, slot)
            else:
                span = next(spans)
                slot = np.argmax(data[:, span.start : span.end], axis=1)
                labels = np.array([*col.categories, None], dtype=object)[slot]
                if col.ctype == "boolean":
                    bools = pd.Series(labels, dtype=object).map({"True": True, "False": False})
                    out[col.name] = pd.array(bools.to_numpy(dtype=object), dtype="boolean")
                else:
                    labels[pd.isna(labels)] = np.nan
                    out[col.name] = labels
        return pd.DataFrame(out)

    # -- state -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> DataTransformer:
        return cls([ColumnTransform(**c) for c in state["columns"]])


# -- numeric columns ---------------------------------------------------------
def _fit_numeric(
    name: str,
    s: pd.Series,
    meta: ColumnMeta,
    queries: DPQueries | None,
    max_modes: int,
    gmm_rows: int,
    hist_bins: int,
    rng: np.random.Generator,
    component: str,
) -> ColumnTransform:
    values = s.to_numpy(dtype=float)
    present = ~np.isnan(values)
    if queries is not None:
        if meta.bounds is None or not meta.is_public_domain:
            raise ComponentError(
                f"{component}: column '{name}' has no public bounds; declare bounds: [low, high] in the metadata "
                "(reading them from the data would leak)"
            )
        low, high = float(meta.bounds[0]), float(meta.bounds[1])
        points = _dp_pseudo_points(name, values, present, low, high, queries, hist_bins, gmm_rows, rng)
        missing_slot = True
    else:
        observed = values[present]
        if meta.bounds is not None:
            low, high = float(meta.bounds[0]), float(meta.bounds[1])
        elif observed.size:
            low, high = float(observed.min()), float(observed.max())
        else:
            low, high = 0.0, 0.0
        points = observed if observed.size <= gmm_rows else rng.choice(observed, gmm_rows, replace=False)
        missing_slot = bool((~present).any())
    means, stds, weights = _fit_modes(points, low, high, max_modes, int(rng.integers(2**31 - 1)))
    return ColumnTransform(
        name=name,
        ctype=meta.type,
        means=means,
        stds=stds,
        weights=weights,
        low=low,
        high=high,
        missing_slot=missing_slot,
        nullable=bool(meta.nullable),
    )


def _dp_pseudo_points(
    name: str,
    values: np.ndarray,
    present: np.ndarray,
    low: float,
    high: float,
    queries: DPQueries,
    hist_bins: int,
    n_points: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Points drawn from a Laplace histogram over the public bounds (the only data access)."""
    edges = np.linspace(low, high, hist_bins + 1)
    clipped = np.clip(values, low, high)
    codes = np.where(present, np.clip(np.searchsorted(edges, clipped, side="right") - 1, 0, hist_bins - 1), hist_bins)
    noisy = queries.histogram(codes, hist_bins + 1, f"'{name}' mode histogram")
    from safedata_core.privacy import nonnegative_normalise

    probs = np.asarray(nonnegative_normalise(noisy[:hist_bins]), dtype=float)
    if not np.isfinite(probs).all() or probs.sum() <= 0:
        probs = np.full(hist_bins, 1.0 / hist_bins)
    probs = probs / probs.sum()
    bins = rng.choice(hist_bins, size=n_points, p=probs)
    return rng.uniform(edges[bins], edges[bins + 1])


def _fit_modes(
    points: np.ndarray, low: float, high: float, max_modes: int, seed: int
) -> tuple[list[float], list[float], list[float]]:
    """Bayesian GMM (Dirichlet-process prior, as in CTGAN) modes: means, sds, weights."""
    scale = max(abs(high - low), abs(high), 1.0)
    floor = 1e-3 * scale
    distinct = np.unique(points)
    if distinct.size < 2:
        centre = float(distinct[0]) if distinct.size else (low + high) / 2
        return [centre], [floor], [1.0]
    from sklearn.mixture import BayesianGaussianMixture

    gmm = BayesianGaussianMixture(
        n_components=int(min(max_modes, distinct.size)),
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=100,
        n_init=1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on tiny or spiky columns is harmless here
        gmm.fit(points.reshape(-1, 1))
    keep = gmm.weights_ > 0.005
    if not keep.any():
        keep = gmm.weights_ == gmm.weights_.max()
    means = gmm.means_.ravel()[keep]
    stds = np.maximum(np.sqrt(gmm.covariances_.ravel()[keep]), floor)
    weights = gmm.weights_[keep] / gmm.weights_[keep].sum()
    order = np.argsort(means)
    return means[order].tolist(), stds[order].tolist(), weights[order].tolist()


def _encode_numeric(col: ColumnTransform, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, mode slot): the mode sampled from the posterior; missing values go to the last slot."""
    present = ~np.isnan(x)
    xv = np.clip(np.where(present, x, col.means[0]), col.low, col.high)
    means, stds, weights = np.asarray(col.means), np.asarray(col.stds), np.asarray(col.weights)
    z = (xv[:, None] - means[None, :]) / stds[None, :]
    logp = np.log(weights)[None, :] - np.log(stds)[None, :] - 0.5 * z**2
    gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, size=logp.shape)))
    mode = np.argmax(logp + gumbel, axis=1)
    alpha = np.clip(z[np.arange(len(x)), mode] / 4.0, -0.99, 0.99)
    slot = np.where(present, mode, len(means))
    return np.where(present, alpha, 0.0).astype(np.float32), slot


def _decode_numeric(col: ColumnTransform, alpha: np.ndarray, slot: np.ndarray) -> np.ndarray:
    means, stds = np.asarray(col.means), np.asarray(col.stds)
    missing = slot >= len(means)
    mode = np.minimum(slot, len(means) - 1)
    x = np.clip(alpha * 4.0 * stds[mode] + means[mode], col.low, col.high)
    if col.ctype == "integer":
        x = np.round(x)
    return np.where(missing, np.nan, x)


def _fit_discrete(name: str, s: pd.Series, meta: ColumnMeta, queries: DPQueries | None) -> ColumnTransform:
    if meta.type == "boolean":
        categories = ["False", "True"]
    elif meta.categories is not None and meta.is_public_domain:
        categories = list(dict.fromkeys(str(c) for c in meta.categories))
    elif queries is not None:
        values = s.dropna().astype(str).to_numpy(dtype=object)
        categories = queries.select_categories(values, f"'{name}' category selection")
        if not categories and not meta.nullable:
            # post-processing of the DP selection: nothing could be generated in a column declared non-nullable
            raise ComponentError(
                f"column '{name}': the DP category selection kept no category and the column is declared "
                "nullable: false; declare its categories in the metadata (or raise the step's budget)"
            )
    else:
        categories = sorted(s.dropna().astype(str).unique().tolist())
    col = ColumnTransform(
        name=name, ctype=meta.type, categories=categories, missing_slot=True, nullable=bool(meta.nullable)
    )
    if queries is None:
        slots = DataTransformer.discrete_slots(col, s)
        col.missing_slot = bool((slots == len(categories)).any())
    return col
