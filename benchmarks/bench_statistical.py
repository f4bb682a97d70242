"""Benchmark of the statistical synthesizers (``bayes_net``, ``gaussian_copula``) on builtin:adult.

Measures, for each synthesizer at epsilon 1 (and non-private), against the
``example`` independent-marginals baseline at the same epsilon:

* fit + sample time for 32,561 rows,
* 2-way marginal fidelity: 1 - mean total variation distance over all column
  pairs, numeric columns cut into 10 quantile bins of the real data (missing
  values are a bin of their own),
* train-on-synthetic, test-on-real ROC AUC on adult_test with sklearn's
  HistGradientBoostingClassifier (label ``income``).

Run: ``.venv/bin/python benchmarks/bench_statistical.py [--quick] [--seeds N]``.
The fidelity and AUC are evaluations on the original data, not DP releases.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from safedata_core.data import Table, read_table
from safedata_core.testing import make_budget

EPSILON = 1.0
DELTA = 1e-6
N_BINS = 10
LABEL = "income"


def _binned(real: Table, other: pd.DataFrame) -> pd.DataFrame:
    """Columns as strings; numeric columns cut at the real data's deciles; missing is its own value."""
    out = {}
    for col in real.columns:
        meta = real.metadata.columns[col]
        s = other[col]
        if meta.is_numeric:
            edges = np.unique(np.nanquantile(real.df[col].to_numpy(dtype=float), np.linspace(0, 1, N_BINS + 1)))
            codes = np.searchsorted(edges[1:-1], s.to_numpy(dtype=float), side="right").astype(str)
            out[col] = np.where(s.isna().to_numpy(), "<NA>", codes)
        else:
            out[col] = s.astype(str).where(s.notna(), "<NA>").to_numpy()
    return pd.DataFrame(out)


def marginal_2way(real: Table, synth: Table) -> float:
    """1 - mean total variation distance over all column pairs (numeric columns binned)."""
    a, b = _binned(real, real.df), _binned(real, synth.df)
    tvds = []
    for x, y in itertools.combinations(real.columns, 2):
        p = a.groupby([x, y]).size() / len(a)
        q = b.groupby([x, y]).size() / len(b)
        p, q = p.align(q, fill_value=0.0)
        tvds.append(0.5 * float(np.abs(p - q).sum()))
    return 1.0 - float(np.mean(tvds))


def _features(df: pd.DataFrame, real: Table) -> tuple[pd.DataFrame, np.ndarray]:
    x = df.drop(columns=[LABEL]).copy()
    for col in x.columns:
        meta = real.metadata.columns[col]
        if not meta.is_numeric:
            cats = [str(c) for c in meta.categories] if meta.categories is not None else None
            x[col] = pd.Categorical(x[col].astype(object).where(x[col].notna(), None), categories=cats)
    y = (df[LABEL].astype(str) == ">50K").to_numpy()
    return x, y


def tstr_auc(synth: Table, real: Table, test: Table, seed: int = 0) -> float:
    """ROC AUC on the test split of a HistGradientBoostingClassifier trained on ``synth``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    x, y = _features(synth.df, real)
    if len(np.unique(y)) < 2:
        return 0.5
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed).fit(x, y)
    xt, yt = _features(test.df, real)
    return float(roc_auc_score(yt, clf.predict_proba(xt)[:, 1]))


def _run(make: Callable[[], Any], dp: bool, real: Table, seed: int) -> tuple[Table, float, Any]:
    model = make()
    budget = make_budget(EPSILON, DELTA, component=model.name) if dp else None
    t0 = time.perf_counter()
    model.fit(real, budget=budget, seed=seed)
    synth = model.sample(len(real), seed=seed + 1)
    elapsed = time.perf_counter() - t0
    if budget is not None:
        spent = budget.spent().epsilon
        assert spent <= EPSILON * (1 + 1e-9), f"{model.name} overspent: {spent}"
    return synth, elapsed, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, skip the non-private runs")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per DP configuration (default 3)")
    args = parser.parse_args()

    from safedata_bayesnet.synthesizer import BayesNetSynthesizer
    from safedata_copula.synthesizer import GaussianCopulaSynthesizer
    from safedata_example.synthesizer import IndependentMarginalsSynthesizer

    real = read_table("builtin:adult")
    test = read_table("builtin:adult_test")
    seeds = [0] if args.quick else list(range(args.seeds))
    configs: list[tuple[str, Callable[[], Any], bool]] = [
        ("example (DP eps=1)", lambda: IndependentMarginalsSynthesizer({"dp": True}), True),
        ("bayes_net PrivBayes (DP eps=1)", lambda: BayesNetSynthesizer({"dp": True}), True),
        ("gaussian_copula (DP eps=1, delta=1e-6)", lambda: GaussianCopulaSynthesizer({"dp": True}), True),
    ]
    if not args.quick:
        configs += [
            ("bayes_net hill_climb BIC (non-private)", lambda: BayesNetSynthesizer({"dp": False}), False),
            (
                "bayes_net Chow-Liu tree (non-private)",
                lambda: BayesNetSynthesizer({"dp": False, "structure": "tree"}),
                False,
            ),
            ("gaussian_copula auto marginals (non-private)", lambda: GaussianCopulaSynthesizer({"dp": False}), False),
        ]
    print(f"builtin:adult train n={len(real)}, test n={len(test)}; seeds={seeds}")
    print(f"real data: 2-way fidelity 1.000, TSTR AUC (train on real) {tstr_auc(real, real, test):.4f}")
    header = f"{'synthesizer':45s} {'fit+sample s':>14s} {'2-way fidelity':>16s} {'TSTR AUC':>10s}"
    print(header)
    print("-" * len(header))
    for label, make, dp in configs:
        times, fids, aucs = [], [], []
        extras: dict[str, Any] = {}
        for seed in seeds if dp else seeds[:1]:
            synth, elapsed, model = _run(make, dp, real, seed)
            times.append(elapsed)
            fids.append(marginal_2way(real, synth))
            aucs.append(tstr_auc(synth, real, test, seed))
            extras = model.report_extras()
        print(
            f"{label:45s} {np.mean(times):8.2f} (max {max(times):5.2f}) {np.mean(fids):9.4f} +- {np.std(fids):.4f}"
            f" {np.mean(aucs):7.4f} +- {np.std(aucs):.4f}"
        )
        if "network_edges" in extras:
            print(f"    last network: degree {extras.get('degree')}, {len(extras['network_edges'])} edges")


if __name__ == "__main__":
    main()
