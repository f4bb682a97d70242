"""Per-column marginals of the Gaussian copula: map values to uniforms (``encode``) and back (``decode``).

*Numeric* columns keep a CDF as piecewise-linear knots ``(xs, Fs)``; a vertical
step (two knots at one x) is a point mass such as ``capital_gain == 0``, a flat
piece is a gap. The knots come from a parametric family picked by a
Kolmogorov-Smirnov goodness-of-fit score, from the empirical distribution, or
(DP) from a Laplace histogram over the column's public bounds. Missing values
are a point mass at the bottom of the uniform scale (probability ``p_missing``).
Integer columns are treated as continuous values rounded to the nearest whole
number, so the encoded uniform of value ``v`` lies in ``[F(v - 1/2), F(v + 1/2)]``.

*Categorical* and *boolean* columns use frequency-interval encoding: categories
sorted by probability each own an interval of [0, 1] as wide as their
probability; missing is a category (label ``None``).

Encoding draws the uniform at random inside the interval of a value (a
randomised probability integral transform), so atoms do not create ties. A
value the marginal cannot represent (missing when there is no missing mass,
or a category outside the labels with no missing label) encodes to NaN.
Public fine cells and grouping by mass come from
:mod:`safedata_core.privacy.discretize`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["Marginal", "cells_to_knots", "fit_parametric"]

MarginalKind = Literal["numeric", "categorical", "boolean"]
_FAMILIES = ("norm", "lognorm", "gamma", "beta", "uniform")


def cells_to_knots(lo: np.ndarray, hi: np.ndarray, weight: np.ndarray, integer: bool) -> tuple[np.ndarray, np.ndarray]:
    """CDF knots of a distribution spread uniformly inside each cell (integer cells widened by 1/2)."""
    w = np.clip(np.asarray(weight, dtype=float), 0.0, None)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    c = np.cumsum(w)
    c[-1] = 1.0
    half = 0.5 if integer else 0.0
    xs = np.column_stack([lo - half, hi + half]).ravel()
    fs = np.column_stack([c - w, c]).ravel()
    return xs, np.maximum.accumulate(fs)


def _ks(sorted_x: np.ndarray, cdf: Any, integer: bool) -> float:
    """Kolmogorov-Smirnov distance between the sample and a continuous CDF (continuity-corrected for integers)."""
    values, counts = np.unique(sorted_x, return_counts=True)
    ecdf = np.cumsum(counts) / len(sorted_x)
    half = 0.5 if integer else 0.0
    upper = np.abs(ecdf - cdf(values + half))
    lower = np.abs(np.r_[0.0, ecdf[:-1]] - cdf(values - half))
    return float(max(upper.max(), lower.max()))


def fit_parametric(x: np.ndarray, integer: bool, bounds: tuple[float, float] | None) -> tuple[str, Any, float]:
    """Best of normal, log-normal, gamma, beta and uniform by KS distance (moment fits, fast).

    Returns (family name, frozen scipy distribution, KS distance).
    """
    from scipy import stats

    xs = np.sort(x)
    m, s = float(xs.mean()), float(xs.std())
    lo, hi = (float(xs[0]), float(xs[-1])) if bounds is None else (float(bounds[0]), float(bounds[1]))
    cands: dict[str, Any] = {}
    if s > 0:
        cands["norm"] = stats.norm(m, s)
        span = hi - lo
        if xs[0] > 0:
            lx = np.log(xs)
            cands["lognorm"] = stats.lognorm(float(lx.std()) or 1e-6, scale=float(np.exp(lx.mean())))
        if xs[0] >= 0 and m > 0:
            cands["gamma"] = stats.gamma(m * m / (s * s), scale=s * s / m)
        if span > 0:
            mu, var = (m - lo) / span, (s / span) ** 2
            common = mu * (1 - mu) / var - 1 if var > 0 else -1
            if 0 < mu < 1 and common > 0:
                cands["beta"] = stats.beta(mu * common, (1 - mu) * common, loc=lo, scale=span)
        cands["uniform"] = stats.uniform(xs[0], max(xs[-1] - xs[0], 1e-12))
    if not cands:
        return "constant", None, float("inf")
    scored = {name: _ks(xs, dist.cdf, integer) for name, dist in cands.items()}
    best = min(scored, key=scored.__getitem__)
    return best, cands[best], scored[best]


@dataclass
class Marginal:
    """One column's marginal distribution; see the module docstring."""

    name: str
    kind: MarginalKind
    family: str
    integer: bool = False
    p_missing: float = 0.0
    xs: np.ndarray | None = None
    fs: np.ndarray | None = None
    labels: list[Any] | None = None  # sorted by probability, may contain None (= missing)
    probs: np.ndarray | None = None
    clip: tuple[float, float] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def numeric_from_knots(
        cls,
        name: str,
        family: str,
        xs: np.ndarray,
        fs: np.ndarray,
        *,
        integer: bool,
        p_missing: float,
        clip: tuple[float, float] | None,
    ) -> Marginal:
        return cls(
            name,
            "numeric",
            family,
            integer=integer,
            p_missing=float(p_missing),
            xs=np.asarray(xs, float),
            fs=np.asarray(fs, float),
            clip=clip,
        )

    @classmethod
    def discrete(cls, name: str, kind: MarginalKind, family: str, labels: list[Any], weights: np.ndarray) -> Marginal:
        w = np.clip(np.asarray(weights, dtype=float), 0.0, None)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
        order = np.argsort(-w, kind="stable")
        return cls(name, kind, family, labels=[labels[i] for i in order], probs=w[order])

    @property
    def has_missing(self) -> bool:
        """True when sampling can produce missing values."""
        return self.p_missing > 0 if self.kind == "numeric" else None in (self.labels or [])

    # -- numeric CDF -------------------------------------------------------
    def _cdf(self, x: np.ndarray, *, left: bool) -> np.ndarray:
        assert self.xs is not None and self.fs is not None
        xs, fs = self.xs, self.fs
        i_r = np.searchsorted(xs, x, side="right")
        j = np.clip(i_r - 1, 0, len(xs) - 2)
        denom = xs[j + 1] - xs[j]
        frac = np.clip(np.where(denom > 0, (x - xs[j]) / np.where(denom > 0, denom, 1.0), 1.0), 0.0, 1.0)
        right = np.where(i_r == 0, 0.0, np.where(i_r >= len(xs), 1.0, fs[j] + frac * (fs[j + 1] - fs[j])))
        if not left:
            return right
        i_l = np.searchsorted(xs, x, side="left")
        return np.where(i_l < i_r, fs[np.clip(i_l, 0, len(fs) - 1)], right)

    # -- encode / decode -----------------------------------------------------
    def encode(self, s: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """Uniforms in (0, 1) for the values of ``s``, drawn inside each value's CDF interval (NaN: no interval)."""
        v = rng.random(len(s))
        if self.kind == "numeric":
            x = s.to_numpy(dtype=float)
            miss = np.isnan(x)
            xf = np.where(miss, 0.0, x)
            if self.integer:
                lo, hi = self._cdf(xf - 0.5, left=False), self._cdf(xf + 0.5, left=False)
            else:
                lo, hi = self._cdf(xf, left=True), self._cdf(xf, left=False)
            u = self.p_missing + (1 - self.p_missing) * (lo + v * (hi - lo))
            return np.where(miss, v * self.p_missing if self.p_missing > 0 else np.nan, u)
        assert self.labels is not None and self.probs is not None
        pos = {lab: i for i, lab in enumerate(self.labels)}
        other = pos.get(None, -1)  # missing or out-of-domain values
        if self.kind == "boolean":
            b = s.astype("boolean")
            codes = np.where(b.fillna(False).to_numpy(dtype=bool), pos.get(True, other), pos.get(False, other))
            codes = np.where(b.isna().to_numpy(), other, codes)
        else:
            real = [lab for lab in self.labels if lab is not None]
            cat = pd.Categorical(s.astype(object).where(s.notna(), None), categories=real).codes
            lookup = np.array([pos[lab] for lab in real] + [other], dtype=np.int64)
            codes = lookup[np.where(cat < 0, len(real), cat)]
        before = np.cumsum(self.probs) - self.probs
        safe = np.maximum(codes, 0)
        return np.where(codes >= 0, before[safe] + v * self.probs[safe], np.nan)

    def decode(self, u: np.ndarray) -> Any:
        """Values for uniforms ``u``."""
        if self.kind == "numeric":
            assert self.xs is not None and self.fs is not None
            miss = u < self.p_missing
            w = np.clip((u - self.p_missing) / max(1 - self.p_missing, 1e-12), 0.0, 1.0)
            x = np.interp(w, self.fs, self.xs)
            if self.integer:
                x = np.round(x) + 0.0  # no -0.0
            if self.clip is not None:
                x = np.clip(x, *self.clip)
            return np.where(miss, np.nan, x)
        assert self.labels is not None and self.probs is not None
        cum = np.cumsum(self.probs)
        idx = np.clip(np.searchsorted(cum, u, side="right"), 0, len(self.labels) - 1)
        values = np.array([*self.labels, None], dtype=object)[idx]
        if self.kind == "boolean":
            return pd.array(values, dtype="boolean")
        values[pd.isna(values)] = np.nan
        return values

    # -- state ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def arr(a: np.ndarray | None) -> list[float] | None:
            return None if a is None else np.asarray(a).tolist()

        return {
            "name": self.name,
            "kind": self.kind,
            "family": self.family,
            "integer": self.integer,
            "p_missing": self.p_missing,
            "xs": arr(self.xs),
            "fs": arr(self.fs),
            "labels": self.labels,
            "probs": arr(self.probs),
            "clip": None if self.clip is None else list(self.clip),
            "extras": self.extras,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Marginal:
        def arr(a: list[float] | None) -> np.ndarray | None:
            return None if a is None else np.asarray(a, dtype=float)

        return cls(
            d["name"],
            d["kind"],
            d["family"],
            integer=d["integer"],
            p_missing=d["p_missing"],
            xs=arr(d["xs"]),
            fs=arr(d["fs"]),
            labels=d["labels"],
            probs=arr(d["probs"]),
            clip=None if d["clip"] is None else (d["clip"][0], d["clip"][1]),
            extras=dict(d["extras"]),
        )
