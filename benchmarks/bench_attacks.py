"""Time every built-in attack and metric on UCI Adult (32,561 x 15) and the linkage attack at 30k x 30k.

Run: ``.venv/bin/python benchmarks/bench_attacks.py`` (``--quick`` uses 5,000 rows).
The released table is a bootstrap resample of Adult and the holdout another
sample, so figures reflect a realistic, non-degenerate workload.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from safedata_core.data.io import read_table
from safedata_core.default_plugins.attacks import (
    AttributeInferenceAttack,
    DCRAttack,
    MembershipInferenceAttack,
    SinglingOutAttack,
)
from safedata_core.default_plugins.metrics import (
    HistogramOverlapMetric,
    JSDivergenceMetric,
    KSComplementMetric,
    TVComplementMetric,
)
from safedata_core.default_plugins.metrics_ml import DetectionMetric, TSTRMetric
from safedata_core.default_plugins.metrics_pairs import CorrelationDifferenceMetric, Marginal2WayMetric


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="use 5,000 rows instead of the full table")
    args = ap.parse_args()
    adult = read_table("builtin:adult")
    rng = np.random.default_rng(0)
    n = 5000 if args.quick else len(adult)
    original = adult.with_df(adult.df.iloc[rng.choice(len(adult), n, replace=False)].reset_index(drop=True))
    released = adult.with_df(adult.df.sample(n, replace=True, random_state=1).reset_index(drop=True))
    holdout = adult.with_df(adult.df.sample(min(n, 10_000), random_state=2).reset_index(drop=True))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"original {original.df.shape}, released {released.df.shape}, holdout {holdout.df.shape}, cores {cores}")
    attacks = [
        SinglingOutAttack({"mode": "univariate"}),
        SinglingOutAttack({"mode": "multivariate"}),
        AttributeInferenceAttack({}),
        MembershipInferenceAttack({}),
        DCRAttack({}),
    ]
    try:
        from safedata_linkage.attack import LinkageAttack

        attacks.append(LinkageAttack({"columns": original.columns}))
    except ImportError:
        LinkageAttack = None  # type: ignore[assignment,misc]
        print("safedata-linkage not installed; skipping linkage")
    for attack in attacks:
        t0 = time.perf_counter()
        res = attack.run(original, released, holdout, seed=0)
        print(f"{attack.name:24s} {getattr(attack.params, 'mode', ''):12s} {time.perf_counter() - t0:7.2f} s  "
              f"risk={res.risk:+.3f} ci=({res.risk_ci[0]:+.3f}, {res.risk_ci[1]:+.3f}) n={res.n_attempts}")
    metrics = [
        KSComplementMetric({}), TVComplementMetric({}), JSDivergenceMetric({}), HistogramOverlapMetric({}),
        CorrelationDifferenceMetric({}), Marginal2WayMetric({}), TSTRMetric({"label": "income"}), DetectionMetric({}),
    ]
    for metric in metrics:
        t0 = time.perf_counter()
        res = metric.compute(original, released, holdout=holdout, seed=0)
        print(f"{metric.name:24s} {'':12s} {time.perf_counter() - t0:7.2f} s  score={res.score:.4f}")
    if LinkageAttack is None:
        return
    m = 5000 if args.quick else 30_000
    big = adult.with_df(adult.df.iloc[:m].reset_index(drop=True))
    t0 = time.perf_counter()
    res = LinkageAttack({"columns": big.columns, "n_attacks": m}).run(big, big, None, seed=0)
    print(f"linkage {m} x {m} (all rows attacked, released = original): {time.perf_counter() - t0:.2f} s  "
          f"risk={res.risk:+.3f}")


if __name__ == "__main__":
    main()
