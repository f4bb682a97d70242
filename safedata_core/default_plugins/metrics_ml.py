"""Built-in model-based metrics: ``tstr`` (train on the release, test on real data) and ``detection``.

Both use scikit-learn's HistGradientBoosting (imported only when a metric runs),
which handles missing values natively; categories are integer codes shared by
all tables and treated as categorical features when they have at most 255 codes.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Metric, MetricResult
from safedata_core.data import Table
from safedata_core.errors import ComponentError, DataError
from safedata_core.hookspecs import hookimpl

__all__ = ["DetectionMetric", "TSTRMetric", "feature_matrices"]


def feature_matrices(tables: list[Table], columns: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Float feature matrices (one per table) on shared category codes, and the categorical-feature mask."""
    from safedata_core.evaluation import as_numbers, is_numeric_column

    mats: list[list[np.ndarray]] = [[] for _ in tables]
    categorical = []
    for col in columns:
        if is_numeric_column(tables[0], col):
            for i, t in enumerate(tables):
                mats[i].append(as_numbers(t.df[col]))
            categorical.append(False)
            continue
        joined = pd.concat([t.df[col].reset_index(drop=True).astype(object) for t in tables], ignore_index=True)
        miss = joined.isna().to_numpy()
        labels = joined.astype(str).to_numpy(dtype=object)
        labels[miss] = None
        codes, uniques = pd.factorize(labels, use_na_sentinel=True)
        values = np.where(codes < 0, np.nan, codes.astype(float))
        start = 0
        for i, t in enumerate(tables):
            mats[i].append(values[start : start + len(t.df)])
            start += len(t.df)
        categorical.append(len(uniques) <= 255)
    out = [np.column_stack(m) if m else np.zeros((len(t.df), 0)) for m, t in zip(mats, tables, strict=True)]
    return out, np.asarray(categorical, dtype=bool)


def _model(task: str, categorical: np.ndarray, seed: int, max_iter: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    return cls(max_iter=max_iter, categorical_features=categorical if categorical.any() else None, random_state=seed)


def _fit(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Fit ``model``; a feature with no value at all in ``x`` becomes a constant 0 (HistGradientBoosting
    cannot bin an entirely missing feature, and a feature without values carries no information)."""
    empty = np.isnan(x).all(axis=0) if len(x) else np.zeros(x.shape[1], dtype=bool)
    if empty.any():
        x = x.copy()
        x[:, empty] = 0.0
    return model.fit(x, y)


def _one_openmp_thread() -> Any:
    """Context limiting OpenMP to one thread: on small, shared machines HistGradientBoosting's threads
    spin-wait against each other and run tens of times slower than one thread."""
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, so the limit below can see it)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _classification_scores(model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    pred = model.predict(x)
    out = {"accuracy": float(accuracy_score(y, pred)), "roc_auc": float("nan")}
    known = np.isin(y, model.classes_)
    if len(np.unique(y[known])) >= 2:
        proba = model.predict_proba(x[known])
        try:
            if len(model.classes_) == 2:
                out["roc_auc"] = float(roc_auc_score(y[known] == model.classes_[1], proba[:, 1]))
            else:
                out["roc_auc"] = float(
                    roc_auc_score(y[known], proba, multi_class="ovr", average="weighted", labels=model.classes_)
                )
        except ValueError:
            pass
    return out


def _regression_scores(model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import mean_absolute_error, r2_score

    pred = model.predict(x)
    return {"mae": float(mean_absolute_error(y, pred)), "r2": float(r2_score(y, pred))}


class TSTRMetric(Metric):
    """Train on the release, test on real data: does a model learnt from the release predict ``label``?

    A HistGradientBoosting model is trained on the released table and tested on the
    holdout (ROC AUC and accuracy for a categorical label, MAE and R^2 for a numeric
    one); the same model trained on the original table is the reference
    ("train on real"). The score is the TSTR ROC AUC (classification) or R^2
    (regression). Without a holdout, a random ``test_share`` of the original is the
    test set and the reference is trained on the rest (the released table may have
    seen those test rows, which flatters it).

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: the label is a column of every table; rows with a missing
    label are dropped; features are the other ``columns``.

    **Example**: ``{"use": "tstr", "target": "synth", "params": {"label": "income"}}``
    """

    name = "tstr"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        label: str = Field(description="Column to predict.")
        columns: list[str] | None = Field(None, description="Feature columns (default: all other shared columns).")
        task: Literal["auto", "classification", "regression"] = Field(
            "auto", description="Prediction task (auto: regression for numeric labels, else classification)."
        )
        test_share: float = Field(0.3, gt=0, lt=1, description="Test share of the original without holdout.")
        max_iter: int = Field(100, ge=1, description="Boosting iterations.")

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from safedata_core.evaluation import is_numeric_column, resolve_columns

        p = self.params
        for t, label in ((original, "original"), (released, "released"), (holdout, "holdout")):
            if t is not None and p.label not in t.df.columns:
                raise DataError(f"tstr params.label: column '{p.label}' is not in the {label} table (fix the name)")
        features = [
            c
            for c in resolve_columns(p.columns, original, released, holdout, where="tstr params.columns")
            if c != p.label
        ]
        if not features:
            raise ComponentError(
                f"tstr: no feature column besides the label '{p.label}' (give params.columns with other columns)"
            )
        task = p.task
        if task == "auto":
            task = "regression" if is_numeric_column(original, p.label) else "classification"
        real_train, source = original, "holdout"
        if holdout is not None:
            test = holdout
        else:
            rng = np.random.default_rng(seed)
            perm = rng.permutation(len(original))
            n_test = max(1, round(p.test_share * len(original)))
            test = original.with_df(original.df.iloc[perm[:n_test]].reset_index(drop=True))
            real_train = original.with_df(original.df.iloc[perm[n_test:]].reset_index(drop=True))
            source = "original_split"
        tables = [t.with_df(t.df[t.df[p.label].notna()].reset_index(drop=True)) for t in (released, real_train, test)]
        mats, categorical = feature_matrices(tables, features)
        ys = self._labels(tables, task)
        if len(ys[2]) == 0:
            raise ComponentError(
                f"tstr: the test set ({source}) has no row with a value for the label '{p.label}'; "
                "use a larger table or a holdout"
            )
        details: dict[str, Any] = {"label": p.label, "task": task, "test_set": source, "features": features}
        scorer = _classification_scores if task == "classification" else _regression_scores
        for name, (x, y) in {"tstr": (mats[0], ys[0]), "trtr": (mats[1], ys[1])}.items():
            if len(y) < 2 or len(np.unique(y)) < 2:
                details[name] = {"error": "the training table has fewer than two label values"}
                continue
            with _one_openmp_thread():
                model = _fit(_model(task, categorical, seed, p.max_iter), x, y)
                details[name] = scorer(model, mats[2], ys[2])
        key = "roc_auc" if task == "classification" else "r2"
        score = details["tstr"].get(key, float("nan"))
        ref = details["trtr"].get(key, float("nan"))
        details["relative_to_real"] = float(score / ref) if ref and np.isfinite(ref) and ref != 0 else float("nan")
        return MetricResult(score=float(score), details=details)

    def _labels(self, tables: list[Table], task: str) -> list[np.ndarray]:
        from safedata_core.evaluation import as_numbers

        if task == "regression":
            return [as_numbers(t.df[self.params.label]) for t in tables]
        return [t.df[self.params.label].astype(str).to_numpy() for t in tables]


class DetectionMetric(Metric):
    """Detection: cross-validated ROC AUC of a classifier telling original rows from released ones (0.5 is best).

    Up to ``max_rows`` rows of each table are labelled real/released and a
    HistGradientBoosting classifier is scored by ``folds``-fold cross-validation.
    ``details`` also gives ``detection_score = 1 - 2 * max(AUC - 0.5, 0)`` (1 is best).

    **Privacy guarantee**: none; an evaluation on the original data, not a release.

    **Assumptions**: the tables share ``columns``; missing values are kept as such.

    **Example**: ``{"use": "detection", "target": "synth", "params": {"max_rows": 10000}}``
    """

    name = "detection"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        columns: list[str] | None = Field(None, description="Columns the classifier sees (default: all shared).")
        max_rows: int = Field(10_000, ge=10, description="Rows sampled from each table.")
        folds: int = Field(3, ge=2, description="Cross-validation folds.")
        max_iter: int = Field(100, ge=1, description="Boosting iterations.")

    def compute(self, original: Table, released: Table, *, holdout: Table | None = None, seed: int = 0) -> MetricResult:
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import StratifiedKFold

        from safedata_core.evaluation import resolve_columns

        p = self.params
        cols = resolve_columns(p.columns, original, released, where="detection params.columns")
        rng = np.random.default_rng(seed)
        parts = []
        for t in (original, released):
            rows = rng.choice(len(t), size=min(p.max_rows, len(t)), replace=False)
            parts.append(t.with_df(t.df.iloc[rows][cols].reset_index(drop=True)))
        (xa, xb), categorical = feature_matrices(parts, cols)
        x = np.vstack([xa, xb])
        y = np.concatenate([np.zeros(len(xa)), np.ones(len(xb))])
        folds = min(p.folds, len(xa), len(xb))
        if folds < 2:
            raise ComponentError(
                f"detection: needs at least 2 rows in each table for cross-validation (got {len(xa)} original "
                f"and {len(xb)} released)"
            )
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        proba = np.empty(len(y))
        with _one_openmp_thread():
            for train, test in cv.split(x, y):  # one fit per fold (a handful), as cross_val_predict does
                model = _fit(_model("classification", categorical, seed, p.max_iter), x[train], y[train])
                proba[test] = model.predict_proba(x[test])[:, 1]
        auc = float(roc_auc_score(y, proba))
        return MetricResult(
            score=auc,
            details={"auc": auc, "detection_score": 1 - 2 * max(auc - 0.5, 0.0), "rows_per_table": len(xa)},
            higher_is_better=False,
        )


@hookimpl
def register_metrics(register: Any) -> None:
    register(TSTRMetric)
    register(DetectionMetric)
