"""Scores of a trial's release against held-out records: exact, or a DP computation (private mode).

Everything learnt from the release (classifier, category codes, bin edges) is
post-processing of a DP output; only counts over the held-out *private*
records are data accesses, and in private mode they get exact discrete
Gaussian noise through :func:`~safedata_core.privacy.add_noise` on the trial's
score share:

* ``tstr_auc``: a classifier trained on the release scores every held-out
  record; the positive and negative records are counted in ``bins`` score bins
  (one record changes one of ``2 * bins`` counts: L2 sensitivity 1) and the
  ROC AUC is read off the noisy histograms (ties within a bin count 1/2).
* ``accuracy``: counts of right and wrong predictions (sensitivity 1).
* ``fidelity_2way``: the joint counts of every pair of the first ``columns``
  columns (one record changes one cell in each of ``P`` pair tables: L2
  sensitivity ``sqrt(P)``), compared with the release's pair frequencies as
  ``1 - total variation distance``, averaged over pairs.

Each DP score gets an equal part of the score share's ``rho``.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.privacy import BudgetShare, DiscreteGaussian, add_noise

__all__ = ["Scorer", "auc_from_histograms", "combine"]


def _is_num(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


class _Encoder:
    """Codes learnt from the release only: categories by frequency, numbers as they are."""

    def __init__(self, synth: pd.DataFrame, columns: list[str]) -> None:
        self.columns = columns
        self.is_cat = np.array([not _is_num(synth[c]) for c in columns], dtype=bool)
        self.levels = {
            c: {v: i for i, v in enumerate(synth[c].dropna().astype(str).value_counts().index[:250])}
            for c, cat in zip(columns, self.is_cat, strict=True)
            if cat
        }

    def __call__(self, df: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(df), len(self.columns)), dtype=float)
        for j, c in enumerate(self.columns):
            if c in self.levels:
                codes = df[c].astype("object").where(df[c].notna(), None).astype(str).map(self.levels)
                out[:, j] = pd.to_numeric(codes, errors="coerce").to_numpy(dtype=float)
            else:
                out[:, j] = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        return out


def auc_from_histograms(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC of two score histograms over the same increasing bins (ties count 1/2); 0.5 when degenerate."""
    pos = np.clip(np.asarray(pos, dtype=float), 0, None)
    neg = np.clip(np.asarray(neg, dtype=float), 0, None)
    p_total, n_total = pos.sum(), neg.sum()
    if p_total <= 0 or n_total <= 0:
        return 0.5
    above = np.cumsum(pos[::-1])[::-1] - pos  # positives in strictly higher bins
    return float(np.sum(neg * (above + 0.5 * pos)) / (p_total * n_total))


def combine(scores: dict[str, float], weights: dict[str, float]) -> float:
    """Weighted mean of the scores (all in [0, 1])."""
    total = sum(weights.values())
    return float(sum(w * scores[k] for k, w in weights.items()) / total)


class Scorer:
    """Scores a release against held-out records, exactly (``share=None``) or with DP counts."""

    def __init__(self, label: str, weights: dict[str, float], *, bins: int = 20, columns: int = 6, seed: int = 0):
        self.label = label
        self.weights = weights
        self.bins = bins
        self.columns = columns
        self.seed = seed

    def _sigma(self, share: BudgetShare, sensitivity: float) -> float:
        rho = float(share.rho) / len(self.weights)  # type: ignore[attr-defined]
        return sensitivity / math.sqrt(2.0 * rho)

    def _count(self, share: BudgetShare | None, counts: np.ndarray, sensitivity: float, note: str) -> np.ndarray:
        if share is None:
            return counts.astype(float)
        mech = DiscreteGaussian(self._sigma(share, sensitivity), sensitivity, share.delta)
        return add_noise(share, mech, counts.astype(np.int64), note=note)

    def _predict(self, synth: pd.DataFrame, holdout: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """(probability of the positive class, true positive flags) for the held-out rows, or None."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        synth = synth[synth[self.label].notna()]
        classes = sorted(synth[self.label].astype(str).unique())
        if len(classes) < 2:
            return None
        positive = classes[-1]
        cols = [c for c in synth.columns if c != self.label and c in holdout.columns]
        enc = _Encoder(synth, cols)
        from threadpoolctl import threadpool_limits

        model = HistGradientBoostingClassifier(max_iter=60, categorical_features=enc.is_cat, random_state=self.seed)
        with threadpool_limits(1):  # trials run side by side; OpenMP threads would oversubscribe the cores
            model.fit(enc(synth), (synth[self.label].astype(str) == positive).to_numpy())
            prob = model.predict_proba(enc(holdout))[:, 1]
        truth = (holdout[self.label].astype(str) == positive).to_numpy()
        return prob, truth

    def score(self, synth: pd.DataFrame, holdout: pd.DataFrame, share: BudgetShare | None) -> dict[str, float]:
        """Each weighted score in [0, 1] (DP when ``share`` is given)."""
        out: dict[str, float] = {}
        if "tstr_auc" in self.weights or "accuracy" in self.weights:
            pred = self._predict(synth, holdout)
            if "tstr_auc" in self.weights:
                if pred is None:
                    counts = np.zeros(2 * self.bins, dtype=np.int64)
                    self._count(share, counts, 1.0, "tstr auc histograms")
                    out["tstr_auc"] = 0.5
                else:
                    prob, truth = pred
                    b = np.minimum((prob * self.bins).astype(int), self.bins - 1)
                    counts = np.bincount(b + self.bins * truth.astype(int), minlength=2 * self.bins)
                    noisy = self._count(share, counts, 1.0, "tstr auc histograms")
                    out["tstr_auc"] = auc_from_histograms(noisy[self.bins :], noisy[: self.bins])
            if "accuracy" in self.weights:
                right = 0 if pred is None else int(np.sum((pred[0] >= 0.5) == pred[1]))
                noisy = self._count(share, np.array([right, len(holdout) - right]), 1.0, "accuracy counts")
                noisy = np.clip(noisy, 0, None)
                out["accuracy"] = float(noisy[0] / noisy.sum()) if noisy.sum() > 0 else 0.0
        if "fidelity_2way" in self.weights:
            out["fidelity_2way"] = self._fidelity(synth, holdout, share)
        return out

    def _codes(self, synth: pd.Series, real: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
        """Codes of both columns on cells learnt from the release (last code: anything else / missing)."""
        if _is_num(synth) and _is_num(real):
            edges = np.unique(np.nanquantile(synth.to_numpy(dtype=float), np.linspace(0, 1, 9)[1:-1]))
            s = np.searchsorted(edges, synth.to_numpy(dtype=float), side="right")
            r = np.searchsorted(edges, real.to_numpy(dtype=float), side="right")
            n = len(edges) + 2
            s = np.where(np.isnan(synth.to_numpy(dtype=float)), n - 1, s)
            r = np.where(np.isnan(real.to_numpy(dtype=float)), n - 1, r)
            return s, r, n
        levels = {v: i for i, v in enumerate(synth.dropna().astype(str).value_counts().index[:20])}
        n = len(levels) + 1
        s = synth.astype("object").where(synth.notna(), None).astype(str).map(levels).fillna(n - 1)
        r = real.astype("object").where(real.notna(), None).astype(str).map(levels).fillna(n - 1)
        return s.to_numpy(dtype=np.int64), r.to_numpy(dtype=np.int64), n

    def _fidelity(self, synth: pd.DataFrame, holdout: pd.DataFrame, share: BudgetShare | None) -> float:
        cols = [c for c in synth.columns if c in holdout.columns][: self.columns]
        pairs = list(combinations(range(len(cols)), 2))
        if not pairs:
            return 1.0
        coded = [self._codes(synth[c], holdout[c]) for c in cols]
        real_tables, synth_tables = [], []
        for i, j in pairs:
            (si, ri, ni), (sj, rj, nj) = coded[i], coded[j]
            real_tables.append(np.bincount(ri * nj + rj, minlength=ni * nj))
            synth_tables.append(np.bincount(si * nj + sj, minlength=ni * nj) / max(len(synth), 1))
        sizes = [len(t) for t in real_tables]
        noisy = self._count(share, np.concatenate(real_tables), math.sqrt(len(pairs)), "2-way marginals")
        scores = []
        for k, part in enumerate(np.split(noisy, np.cumsum(sizes)[:-1])):
            part = np.clip(part, 0, None)
            p = part / part.sum() if part.sum() > 0 else np.full(part.shape, 1.0 / part.size)
            scores.append(1.0 - 0.5 * float(np.abs(p - synth_tables[k]).sum()))
        return float(np.mean(scores))


def risk_and_sdc(registry: Any, train: Table, holdout: Table, release: Table, qis: list[str]) -> dict[str, Any]:
    """Not-DP evaluation figures for the constraints: membership-inference AUC (the registered attack), smallest
    QI class, suppression."""
    from safedata_core.bench.evaluate import one_figure

    out: dict[str, Any] = {"risk": one_figure(registry, "mia_auc", train, holdout, release, seed=0)}
    real, released = train.df, release.df
    qis = [q for q in qis if q in released.columns]
    if qis:
        sizes = released.groupby(qis, dropna=False, observed=True).size()
        out["k"] = int(sizes.min()) if len(sizes) else 0
        before = float(real[qis].isna().to_numpy().mean())
        out["suppression"] = max(0.0, float(released[qis].isna().to_numpy().mean()) - before)
    return out
