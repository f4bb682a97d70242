"""Benchmark of the deep synthesizers (ctgan, tvae) on UCI Adult, non-private and at epsilon 1, 3, 8.

For each model and privacy setting: fit on builtin:adult (train split), sample
32,561 rows, and report

* TSTR ROC AUC: HistGradientBoostingClassifier trained on the synthetic rows,
  tested on builtin:adult_test (label ``income``), next to train-on-real;
* 1-way / 2-way marginal fidelity: 1 - total variation distance, averaged over
  columns / column pairs (numeric columns in 20 equal-width bins over the
  public bounds, missing values as their own cell);
* fit seconds per epoch (non-private: the training loop's own timing; DP,
  which reports no timing: fit seconds / epochs, preprocessing included), and
  the DP / non-DP epoch-time ratio at the same (expected) batch size.

Run from the repository root::

    .venv/bin/python benchmarks/bench_deep.py --quick      # 3 epochs, minutes
    .venv/bin/python benchmarks/bench_deep.py              # DP defaults; non-private at 30 epochs, batch 500
    .venv/bin/python benchmarks/bench_deep.py --epochs 50 --batch-size 500  # one setting for all fits
    .venv/bin/python benchmarks/bench_deep.py --models tvae --epsilons none,3 --epochs 3 --batch-size 500 \
        --params '{"embedding_dim": 128, "compress_dims": [128, 128], "decompress_dims": [128, 128], "threads": 2}'
        # same architecture in both modes (epoch-time ratio)
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

EPSILONS: tuple[float | None, ...] = (None, 1.0, 3.0, 8.0)
DELTA = 1e-6
BINS = 20


def _codes(df: pd.DataFrame, meta: Any) -> dict[str, np.ndarray]:
    """Integer cell codes per column (last code = missing) for marginal comparisons."""
    out = {}
    for col in df.columns:
        m = meta.columns[col]
        s = df[col]
        if m.is_numeric:
            lo, hi = m.bounds
            edges = np.linspace(lo, hi, BINS + 1)
            v = s.to_numpy(dtype=float)
            code = np.clip(np.searchsorted(edges, np.clip(v, lo, hi), side="right") - 1, 0, BINS - 1)
            out[col] = np.where(np.isnan(v), BINS, code)
        else:
            cats = [str(c) for c in (m.categories or ["False", "True"])]
            lookup = {c: i for i, c in enumerate(cats)}
            out[col] = s.astype(object).map(lambda v, lk=lookup, k=len(cats): lk.get(str(v), k) if pd.notna(v) else k)
            out[col] = out[col].to_numpy(dtype=np.int64)
    return out


def _tvd(a: np.ndarray, b: np.ndarray, size: int) -> float:
    pa = np.bincount(a, minlength=size) / len(a)
    pb = np.bincount(b, minlength=size) / len(b)
    return 0.5 * float(np.abs(pa - pb).sum())


def fidelity(real: pd.DataFrame, synth: pd.DataFrame, meta: Any) -> tuple[float, float]:
    """(1-way, 2-way) mean of 1 - TVD."""
    rc, sc = _codes(real, meta), _codes(synth, meta)
    sizes = {c: int(max(rc[c].max(), sc[c].max())) + 1 for c in rc}
    one = np.mean([1 - _tvd(rc[c], sc[c], sizes[c]) for c in rc])
    two = []
    for a, b in itertools.combinations(rc, 2):
        size = sizes[a] * sizes[b]
        two.append(1 - _tvd(rc[a] * sizes[b] + rc[b], sc[a] * sizes[b] + sc[b], size))
    return float(one), float(np.mean(two))


def tstr_auc(train: pd.DataFrame, test: pd.DataFrame) -> float:
    """ROC AUC on ``test`` of a HistGradientBoostingClassifier trained on ``train`` (label income)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    train = train[train["income"].notna()]
    y_train = (train["income"] == ">50K").to_numpy()
    y_test = (test["income"] == ">50K").to_numpy()
    if y_train.all() or not y_train.any():
        return float("nan")
    feats = [c for c in train.columns if c != "income"]

    def prep(df: pd.DataFrame) -> pd.DataFrame:
        out = df[feats].copy()
        for c in feats:
            if out[c].dtype == object or str(out[c].dtype) == "boolean":
                out[c] = pd.Categorical(out[c].astype(str), categories=sorted(set(train[c].astype(str))))
        return out

    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    clf.fit(prep(train), y_train)
    return float(roc_auc_score(y_test, clf.predict_proba(prep(test))[:, 1]))


def run(
    models: list[str],
    epochs: int | None,
    batch_size: int | None,
    epsilons: tuple[float | None, ...],
    nonprivate_epochs: int = 30,
    extra_params: dict[str, Any] | None = None,
    seed: int = 0,
    save_dir: str | None = None,
) -> list[dict[str, Any]]:
    """Fit every model at every setting; DP fits use the models' DP defaults unless epochs/batch_size are given.

    ``extra_params`` are set on every fit (explicit values override the DP defaults, so giving the
    architecture here makes DP and non-private fits use the same networks); the fit uses ``seed``
    and sampling ``seed + 1``; ``save_dir`` writes each synthetic sample as CSV.
    """
    from safedata_core.data import read_table
    from safedata_core.testing import make_budget

    train, test = read_table("builtin:adult"), read_table("builtin:adult_test")
    print(f"train-on-real AUC: {tstr_auc(train.df, test.df):.4f}", flush=True)
    rows = []
    for name in models:
        cls = _component(name)
        for eps in epsilons:
            params: dict[str, Any] = {"dp": eps is not None, "progress": False, **(extra_params or {})}
            if epochs is not None or eps is None:
                params["epochs"] = epochs if epochs is not None else nonprivate_epochs
            if batch_size is not None or eps is None:
                params["batch_size"] = batch_size if batch_size is not None else 500
            model = cls(params)
            budget = make_budget(eps, DELTA) if eps is not None else None
            t0 = time.perf_counter()
            model.fit(train, budget=budget, seed=seed)
            fit_s = time.perf_counter() - t0
            synth = model.sample(len(train), seed=seed + 1).df
            if save_dir is not None:
                synth.to_csv(
                    f"{save_dir}/{name}_{'nonprivate' if eps is None else f'eps{eps:g}'}_s{seed}.csv", index=False
                )
            one, two = fidelity(train.df, synth, train.metadata)
            extras = model.report_extras()
            row = {
                "model": name,
                "epsilon": eps,
                "seed": seed,
                "epochs": model.params.epochs,
                "batch_size": model.params.batch_size,
                "fit_seconds": round(fit_s, 1),
                # DP fits report no timing (it depends on the row count): time them here, preprocessing included
                "seconds_per_epoch": round(
                    extras["training"].get("seconds_per_epoch") or fit_s / model.params.epochs, 3
                ),
                "tstr_auc": round(tstr_auc(synth, test.df), 4),
                "fidelity_1way": round(one, 4),
                "fidelity_2way": round(two, 4),
                "spent_epsilon": None if budget is None else round(budget.spent().epsilon, 4),
                "noise_multiplier": None if extras["dp"] is None else round(extras["dp"]["noise_multiplier"], 4),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def _component(name: str) -> Any:
    if name == "ctgan":
        from safedata_ctgan.synthesizer import CTGANSynthesizer

        return CTGANSynthesizer
    from safedata_tvae.synthesizer import TVAESynthesizer

    return TVAESynthesizer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 epochs per fit (a smoke run, not a quality run)")
    ap.add_argument("--epochs", type=int, default=None, help="all fits (default: DP defaults / --nonprivate-epochs)")
    ap.add_argument("--nonprivate-epochs", type=int, default=30, help="epochs of the non-private fits")
    ap.add_argument("--batch-size", type=int, default=None, help="all fits (default: DP default / 500 non-private)")
    ap.add_argument("--models", default="ctgan,tvae")
    ap.add_argument("--epsilons", default="none,1,3,8", help="comma list; 'none' = non-private")
    ap.add_argument("--params", default=None, help="JSON dict of params set on every fit (e.g. the architecture)")
    ap.add_argument("--seed", type=int, default=0, help="fit seed (sampling uses seed + 1)")
    ap.add_argument("--save-dir", default=None, help="write each synthetic sample as CSV into this folder")
    args = ap.parse_args(argv)
    extra = json.loads(args.params) if args.params else None
    epochs = 3 if args.quick else args.epochs
    epsilons = tuple(None if e.strip() == "none" else float(e) for e in args.epsilons.split(","))
    rows = run(
        args.models.split(","),
        epochs,
        args.batch_size,
        epsilons,
        args.nonprivate_epochs,
        extra,
        args.seed,
        args.save_dir,
    )
    print("\nmodel  epsilon  epochs batch  AUC     1-way   2-way   s/epoch")
    for r in rows:
        print(
            f"{r['model']:<6} {r['epsilon']!s:<8} {r['epochs']:<6} {r['batch_size']:<6} {r['tstr_auc']:.4f}  "
            f"{r['fidelity_1way']:.4f}  {r['fidelity_2way']:.4f}  {r['seconds_per_epoch']:.2f}"
        )
    for name in args.models.split(","):
        base = [r for r in rows if r["model"] == name and r["epsilon"] is None]
        dp = [r for r in rows if r["model"] == name and r["epsilon"] is not None]
        if base and dp:
            ratio = np.mean([r["seconds_per_epoch"] for r in dp]) / base[0]["seconds_per_epoch"]
            batches = sorted({r["batch_size"] for r in base + dp})
            same = "same batch size" if len(batches) == 1 else f"batch sizes {batches}"
            nets = f"params {extra}" if extra else "each mode's default networks"
            print(f"{name}: DP / non-DP seconds per epoch ({same}; {nets}): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
