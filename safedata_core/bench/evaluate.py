"""Built-in evaluators for the benchmark (used when no registered metric/attack provides the figure).

* ``tstr_auc``: train a gradient-boosted classifier on the synthetic rows, test on the real holdout (ROC AUC).
* ``fidelity_1way``: mean over columns of 1 - KS (numbers) or 1 - TVD (categories).
* ``fidelity_2way``: mean over column pairs of 1 - TVD of the binned joint distribution.
* ``detection_auc``: cross-validated AUC of a classifier telling real from synthetic rows (0.5 = indistinguishable).
* ``exact_copy_rate``: share of synthetic rows equal to some training row.
* ``mia_auc``: distance-to-closest-synthetic-record membership attack: AUC of training rows vs holdout rows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from safedata_core.default_plugins.metrics import ks_complement, tv_complement
from safedata_core.report.fidelity import column_codes

__all__ = [
    "Encoder",
    "detection_auc",
    "exact_copy_rate",
    "fidelity_1way",
    "fidelity_2way",
    "mia_auc",
    "tstr_auc",
]

MAX_ROWS = 5000


def _is_num(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


class Encoder:
    """Numeric feature matrix fitted on a real table: standardised numbers, one-hot categories, NaN indicators."""

    def __init__(self, real: pd.DataFrame, *, exclude: tuple[str, ...] = ()) -> None:
        self.num = [c for c in real.columns if c not in exclude and _is_num(real[c])]
        self.cat = [c for c in real.columns if c not in exclude and not _is_num(real[c])]
        nums = real[self.num].astype(float)
        self.mean, self.std = nums.mean().fillna(0.0), nums.std().replace(0, 1).fillna(1.0)
        self.levels = {c: real[c].dropna().astype(str).value_counts().index[:30].tolist() for c in self.cat}

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        parts = []
        if self.num:
            nums = df[self.num].apply(pd.to_numeric, errors="coerce").astype(float)
            z = ((nums - self.mean) / self.std).to_numpy()
            parts += [np.nan_to_num(z), np.isnan(z).astype(float)]
        for c in self.cat:
            cat = pd.Categorical(df[c].astype("object").where(df[c].notna(), None), categories=self.levels[c])
            parts.append(pd.get_dummies(cat, dummy_na=True).to_numpy(dtype=float))
        return np.hstack(parts) if parts else np.zeros((len(df), 1))


def _tree_features(
    real: pd.DataFrame, others: list[pd.DataFrame], exclude: tuple[str, ...] = ()
) -> tuple[list[np.ndarray], np.ndarray]:
    """Compact features for gradient-boosted trees: numbers as they are (NaN kept), categories as codes."""
    cols = [c for c in real.columns if c not in exclude]
    is_cat = np.array([not _is_num(real[c]) for c in cols], dtype=bool)
    levels = {
        c: {v: i for i, v in enumerate(real[c].dropna().astype(str).value_counts().index[:250])}
        for c, cat in zip(cols, is_cat, strict=True)
        if cat
    }

    def encode(df: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(df), len(cols)), dtype=float)
        for j, c in enumerate(cols):
            if c in levels:
                codes = df[c].astype("object").where(df[c].notna(), None).map(levels)
                out[:, j] = pd.to_numeric(codes, errors="coerce").to_numpy(dtype=float)
            else:
                out[:, j] = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
        return out

    return [encode(real), *[encode(o) for o in others]], is_cat


def _sample(df: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return df if len(df) <= n else df.sample(n, random_state=seed)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else 0.5


def tstr_auc(
    train_synth: pd.DataFrame, test_real: pd.DataFrame, label: str, *, seed: int = 0, max_iter: int = 100
) -> float:
    """ROC AUC on the real holdout of a classifier trained on the synthetic rows (binary: positive = 2nd class)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    classes = sorted(test_real[label].dropna().astype(str).unique())
    if len(classes) < 2:
        return float("nan")
    positive = classes[-1]
    synth = train_synth[train_synth[label].notna()]
    y_train = (synth[label].astype(str) == positive).to_numpy()
    real = test_real[test_real[label].notna()]
    y_test = (real[label].astype(str) == positive).to_numpy()
    if len(np.unique(y_train)) < 2:
        return 0.5
    (x_test, x_train), is_cat = _tree_features(real, [synth], exclude=(label,))
    model = HistGradientBoostingClassifier(max_iter=max_iter, categorical_features=is_cat, random_state=seed)
    model.fit(x_train, y_train)
    return _auc(y_test, model.predict_proba(x_test)[:, 1])


def fidelity_1way(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    scores = [
        (ks_complement if _is_num(real[c]) else tv_complement)(real[c], synth[c])
        for c in real.columns
        if c in synth.columns
    ]
    valid = [s for s in scores if not np.isnan(s)]
    return float(np.mean(valid)) if valid else float("nan")


def fidelity_2way(real: pd.DataFrame, synth: pd.DataFrame, *, max_columns: int = 15) -> float:
    coded = {}
    for c in list(real.columns)[:max_columns]:
        if c in synth.columns:
            out = column_codes(real[c], synth[c])
            if out is not None:
                coded[c] = out
    scores = []
    for a, b in itertools.combinations(coded, 2):
        la, ra, sa = coded[a]
        lb, rb, sb = coded[b]
        nb = len(lb)
        cells = len(la) * nb
        p = np.bincount(ra * nb + rb, minlength=cells) / len(ra)
        q = np.bincount(sa * nb + sb, minlength=cells) / max(len(sa), 1)
        scores.append(1 - 0.5 * np.abs(p - q).sum())
    return float(np.mean(scores)) if scores else float("nan")


def detection_auc(real: pd.DataFrame, synth: pd.DataFrame, *, seed: int = 0, max_iter: int = 60) -> float:
    """3-fold cross-validated AUC of real-vs-synthetic classification on up to 5,000 rows of each."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_predict

    n = min(len(real), len(synth), MAX_ROWS)
    r, s = _sample(real, n, seed), _sample(synth, n, seed + 1)
    (xr, xs), is_cat = _tree_features(r, [s])
    x = np.vstack([xr, xs])
    y = np.r_[np.zeros(len(r)), np.ones(len(s))]
    model = HistGradientBoostingClassifier(max_iter=max_iter, categorical_features=is_cat, random_state=seed)
    proba = cross_val_predict(model, x, y, cv=3, method="predict_proba")[:, 1]
    return _auc(y, proba)


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()


def exact_copy_rate(train: pd.DataFrame, synth: pd.DataFrame) -> float:
    cols = [c for c in train.columns if c in synth.columns]
    return float(np.isin(_row_hashes(synth[cols]), _row_hashes(train[cols])).mean()) if len(synth) else 0.0


def mia_auc(train: pd.DataFrame, holdout: pd.DataFrame, synth: pd.DataFrame, *, seed: int = 0) -> float:
    """Members (training rows) vs non-members (holdout rows), scored by closeness to the synthetic rows."""
    from sklearn.neighbors import NearestNeighbors

    n = min(len(train), len(holdout), 2000)
    members, others = _sample(train, n, seed), _sample(holdout, n, seed + 1)
    enc = Encoder(train)
    nn = NearestNeighbors(n_neighbors=1).fit(enc.transform(_sample(synth, MAX_ROWS, seed + 2)))
    d_in = nn.kneighbors(enc.transform(members))[0][:, 0]
    d_out = nn.kneighbors(enc.transform(others))[0][:, 0]
    return _auc(np.r_[np.ones(n), np.zeros(n)], -np.r_[d_in, d_out])
