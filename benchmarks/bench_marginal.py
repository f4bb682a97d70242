"""Benchmark the marginal synthesizers (mst, aim; bayes_net when installed) on UCI Adult.

For each synthesizer and seed: DP fit on ``builtin:adult`` at the given
epsilon (delta 1e-5 by default), sample as many rows as the training set, and
report

* TSTR ROC AUC: sklearn HistGradientBoostingClassifier trained on the synthetic
  rows, scored on ``builtin:adult_test`` (label ``income``); train-on-real for reference;
* 1-way / 2-way fidelity: 1 - total variation distance between real and
  synthetic marginals, averaged over columns / column pairs, on a fixed
  discretisation taken from the real training data (numbers: 16 quantile bins
  with repeated edges merged, so spikes such as ``capital_gain == 0`` are one
  bin; categories as they are; missing as its own value);
* fit seconds (wall clock, includes the DP domain building).

* the project's ``tstr`` metric (safedata_core's TSTRMetric, holdout ``adult_test``) next to it.

Run: ``.venv/bin/python benchmarks/bench_marginal.py`` (3 seeds; add ``--quick``
for one seed). AIM names no target: the Adult metadata marks ``income`` with the ``label``
role, so its workload is every 2-way marginal plus every 3-way marginal holding the label.
``--aim-seconds`` is AIM's planning budget (default 60 s) and ``--aim-round-seconds`` its
planning figure per round (default 1.5 s, so 40 rounds; fewer, less noisy measurements gave a
higher AUC at epsilon 1 than the 120 rounds of 0.5 s). ``--only aim`` runs one synthesizer;
``--params '{"dp": false}'`` overrides its params.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from typing import Any

import numpy as np
import pandas as pd

LABEL = "income"
POSITIVE = ">50K"


def discretise(real: pd.DataFrame, df: pd.DataFrame) -> np.ndarray:
    """Integer codes of ``df`` on bins/categories fixed from ``real`` (one column per column)."""
    out = []
    for col in real.columns:
        r = real[col]
        if pd.api.types.is_numeric_dtype(r) and not pd.api.types.is_bool_dtype(r):
            edges = np.unique(np.nanquantile(r.to_numpy(dtype=float), np.linspace(0, 1, 17)))
            x = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
            codes = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
            codes = np.where(np.isnan(x), len(edges), codes)
        else:
            cats = sorted(r.dropna().astype(str).unique())
            cat = pd.Categorical(df[col].astype(object).where(df[col].notna(), None), categories=cats)
            codes = np.where(cat.codes < 0, len(cats), cat.codes)
        out.append(codes.astype(np.int64))
    return np.stack(out, axis=1)


def fidelity(real: pd.DataFrame, synth: pd.DataFrame) -> tuple[float, float]:
    """Average (1 - TVD) over 1-way and over 2-way marginals."""
    a, b = discretise(real, real), discretise(real, synth[real.columns])
    size = np.maximum(a.max(axis=0), b.max(axis=0)) + 1

    def tvd(cols: tuple[int, ...]) -> float:
        dims = [int(size[c]) for c in cols]
        fa = np.bincount(np.ravel_multi_index([a[:, c] for c in cols], dims), minlength=int(np.prod(dims)))
        fb = np.bincount(np.ravel_multi_index([b[:, c] for c in cols], dims), minlength=int(np.prod(dims)))
        return 0.5 * float(np.abs(fa / fa.sum() - fb / fb.sum()).sum())

    d = a.shape[1]
    one = 1 - np.mean([tvd((i,)) for i in range(d)])
    two = 1 - np.mean([tvd(p) for p in itertools.combinations(range(d), 2)])
    return float(one), float(two)


def tstr_auc(train: pd.DataFrame, test: pd.DataFrame, seed: int) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    features = [c for c in train.columns if c != LABEL]
    cats = [c for c in features if not pd.api.types.is_numeric_dtype(train[c]) or pd.api.types.is_bool_dtype(train[c])]

    def prep(df: pd.DataFrame) -> pd.DataFrame:
        x = df[features].copy()
        for c in cats:
            x[c] = pd.Categorical(
                x[c].astype(object).where(x[c].notna(), None),
                categories=sorted(set(train[c].dropna().astype(str)) | set(test[c].dropna().astype(str))),
            )
        for c in features:
            if c not in cats:
                x[c] = pd.to_numeric(x[c], errors="coerce").astype(float)
        return x

    y = (train[LABEL].astype(str) == POSITIVE).to_numpy()
    if y.all() or not y.any():
        return 0.5
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    clf.fit(prep(train), y)
    return float(roc_auc_score(test[LABEL].astype(str) == POSITIVE, clf.predict_proba(prep(test))[:, 1]))


def run(
    name: str, cls: type, params: dict[str, Any], epsilon: float, delta: float, seed: int, real: Any, test: Any
) -> dict[str, Any]:
    from safedata_core.default_plugins.metrics_ml import TSTRMetric
    from safedata_core.testing import make_budget

    model = cls(params)
    private = params.get("dp", True) and epsilon != float("inf")
    budget = make_budget(epsilon, delta, component=name) if private else None
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(real, budget=budget, seed=seed)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    released = model.sample(len(real), seed=seed + 1000)
    synth = released.df
    one, two = fidelity(real.df, synth)
    metric = TSTRMetric({"label": LABEL}).compute(real, released, holdout=test, seed=seed).score
    return {
        "synthesizer": name,
        "seed": seed,
        "auc": tstr_auc(synth, test.df, seed),
        "tstr": metric,
        "fid1": one,
        "fid2": two,
        "seconds": seconds,
        "cpu": cpu,
        "eps_spent": budget.spent().epsilon if budget else float("inf"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, AIM limited to 60 s")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--only", nargs="*", default=None, help="synthesizers to run (default: mst aim bayes_net)")
    parser.add_argument("--aim-seconds", type=float, default=60.0)
    parser.add_argument(
        "--aim-round-seconds",
        type=float,
        default=1.5,
        help="AIM's planning figure for one round (1.5 s: 40 rounds in 60 s on 2 busy cores)",
    )
    parser.add_argument("--params", default="{}", help="JSON params merged into every synthesizer's")
    args = parser.parse_args()

    from safedata_core.data import read_table
    from safedata_core.engine import Engine

    real = read_table("builtin:adult")
    test = read_table("builtin:adult_test")
    seeds = [0] if args.quick else list(range(args.seeds))
    registry = Engine(autoload=True).registry
    plan: list[tuple[str, dict[str, Any]]] = [
        ("mst", {}),
        ("aim", {"max_seconds": args.aim_seconds, "round_seconds": args.aim_round_seconds, "progress": False}),
        ("bayes_net", {}),
    ]
    ref = tstr_auc(real.df, test.df, 0)
    extra = json.loads(args.params)
    print(f"UCI Adult, epsilon={args.epsilon:g}, delta={args.delta:g}, seeds={seeds}; train-on-real AUC {ref:.3f}")
    rows = []
    for name, params in plan:
        if args.only and name not in args.only:
            continue
        try:
            cls = registry.get(name).cls
        except Exception:
            print(f"{name}: not installed, skipped")
            continue
        for seed in seeds:
            r = run(name, cls, {**params, **extra}, args.epsilon, args.delta, seed, real, test)
            rows.append(r)
            print(
                f"  {name:10s} seed {seed}: AUC {r['auc']:.3f}  tstr metric {r['tstr']:.3f}  fid1 {r['fid1']:.3f}  "
                f"fid2 {r['fid2']:.3f}  fit {r['seconds']:.1f}s (cpu {r['cpu']:.1f}s, load "
                f"{os.getloadavg()[0]:.1f})  eps spent {r['eps_spent']:.6f}",
                flush=True,
            )
    if rows:
        table = pd.DataFrame(rows).groupby("synthesizer", sort=False)[["auc", "tstr", "fid1", "fid2", "seconds", "cpu"]]
        summary = table.mean().join(table.std(ddof=0), rsuffix="_sd")
        print("\nmean (sd) over seeds")
        for name, r in summary.iterrows():
            print(
                f"  {name:10s} AUC {r['auc']:.3f} ({r['auc_sd']:.3f})  tstr metric {r['tstr']:.3f}  "
                f"fid1 {r['fid1']:.3f}  fid2 {r['fid2']:.3f}  fit {r['seconds']:.1f}s (cpu {r['cpu']:.1f}s)"
            )


if __name__ == "__main__":
    main()
