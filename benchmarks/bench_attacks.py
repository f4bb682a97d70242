"""Time every built-in attack and metric on UCI Adult (32,561 x 15) and the linkage attack at 30k x 30k.

Run: ``.venv/bin/python benchmarks/bench_attacks.py`` (``--quick`` uses 5,000 rows).
The released table is a bootstrap resample of Adult and the holdout another
sample, so figures reflect a realistic, non-degenerate workload.

``--linkage-only`` times just the linkage attack at 30k x 30k (target < 10 s), median of
``--repeats`` runs, on two releases (the original itself, and a bootstrap resample), with
wall and CPU time, and as a same-run baseline the core's row-by-row ``shared_nearest``
(the previous implementation) against the new kernel at ``--baseline-rows`` rows; both
must give the same links.
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
    ap.add_argument("--linkage-only", action="store_true", help="only the linkage attack at 30k x 30k")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-rows", type=int, default=8000)
    args = ap.parse_args()
    adult = read_table("builtin:adult")
    if args.linkage_only:
        linkage_only(adult, args.repeats, args.baseline_rows)
        return
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
        print(
            f"{attack.name:24s} {getattr(attack.params, 'mode', ''):12s} {time.perf_counter() - t0:7.2f} s  "
            f"risk={res.risk:+.3f} ci=({res.risk_ci[0]:+.3f}, {res.risk_ci[1]:+.3f}) n={res.n_attempts}"
        )
    metrics = [
        KSComplementMetric({}),
        TVComplementMetric({}),
        JSDivergenceMetric({}),
        HistogramOverlapMetric({}),
        CorrelationDifferenceMetric({}),
        Marginal2WayMetric({}),
        TSTRMetric({"label": "income"}),
        DetectionMetric({}),
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
    print(
        f"linkage {m} x {m} (all rows attacked, released = original): {time.perf_counter() - t0:.2f} s  "
        f"risk={res.risk:+.3f}"
    )


def _timed(fn):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def linkage_only(adult, repeats: int, baseline_rows: int) -> None:  # type: ignore[no-untyped-def]
    import statistics

    from safedata_linkage.attack import LinkageAttack, default_aux_split
    from safedata_linkage.shared import shared_nearest_unique

    from safedata_core.evaluation import encode_gower, shared_nearest

    m = 30_000
    big = adult.with_df(adult.df.iloc[:m].reset_index(drop=True))
    boot = adult.with_df(adult.df.sample(m, replace=True, random_state=5).reset_index(drop=True))
    print(f"load average {os.getloadavg()[0]:.1f}")
    for label, released in (("released = original", big), ("released = bootstrap", boot)):
        runs = []
        for _ in range(repeats):
            attack = LinkageAttack({"columns": big.columns, "n_attacks": m})
            res, wall, cpu = _timed(lambda: attack.run(big, released, None, seed=0))  # noqa: B023
            runs.append((wall, cpu))
        print(
            f"linkage {m} x {m}, {label}: median wall {statistics.median(w for w, _ in runs):.2f} s, "
            f"cpu {statistics.median(c for _, c in runs):.2f} s (load {os.getloadavg()[0]:.1f}); "
            f"risk={res.risk:+.3f}"
        )
    k = baseline_rows
    rel = boot.with_df(boot.df.iloc[:k].reset_index(drop=True))
    tgt = big.with_df(big.df.iloc[:k].reset_index(drop=True))
    aux = default_aux_split(tgt, tgt.columns)
    views = [encode_gower([rel, tgt], cols) for cols in aux]
    q, c = (views[0][1], views[1][1]), (views[0][0], views[1][0])
    old, ow, oc = _timed(lambda: shared_nearest(q, c, 1))
    new, nw, nc = _timed(lambda: shared_nearest_unique(q, c, 1))
    print(
        f"same run, {k} x {k}: core shared_nearest wall {ow:.2f} s cpu {oc:.2f} s; new kernel wall {nw:.2f} s "
        f"cpu {nc:.2f} s; cpu ratio {oc / max(nc, 1e-9):.0f}x; same links: {bool((old == new).all())}"
    )


if __name__ == "__main__":
    main()
