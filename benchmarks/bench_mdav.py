"""MDAV speed: 100,000 rows x 5 numeric columns, k = 5 (target: < 30 s on 2 cores).

Times the ``mdav`` component end to end (standardise, group, aggregate, change
report) and the grouping alone, and prints the information loss.

Run: .venv/bin/python benchmarks/bench_mdav.py [--rows 100000] [--cols 5] [--k 5] [--quick]
(--quick: 20,000 rows). Needs the plugin: pip install --no-deps -e plugins/safedata-microaggregation
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=5)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    args = parser.parse_args()
    n = 20_000 if args.quick else args.rows

    from safedata_microaggregation.algorithms import mdav_groups, standardise
    from safedata_microaggregation.components import MDAVMethod

    from safedata_core import Table

    rng = np.random.default_rng(0)
    # correlated, skewed columns like income-type microdata
    base = rng.normal(size=(n, args.cols)) @ rng.normal(size=(args.cols, args.cols))
    df = pd.DataFrame(np.exp(base / 3), columns=[f"x{j}" for j in range(args.cols)])
    table = Table.from_dataframe(df)

    t0 = time.perf_counter()
    labels = mdav_groups(standardise(df.to_numpy()), args.k)
    t_group = time.perf_counter() - t0
    sizes = np.bincount(labels)

    t0, c0 = time.perf_counter(), time.process_time()
    res = MDAVMethod({"k": args.k, "columns": list(df.columns)}).apply(table, seed=0)
    t_total, c_total = time.perf_counter() - t0, time.process_time() - c0

    print(f"MDAV {n} rows x {args.cols} cols, k={args.k}, cpu count {os.cpu_count()}")
    print(f"  grouping only : {t_group:.2f} s ({len(sizes)} groups, sizes {sizes.min()}..{sizes.max()})")
    print(f"  mdav component: {t_total:.2f} s wall, {c_total:.2f} s CPU (target < 30 s)")
    print(f"  load average  : {', '.join(f'{x:.1f}' for x in os.getloadavg())} (busy machine: slower wall time)")
    print(f"  SSE/SST       : {res.changes['information_loss']['sse_sst_percent']:.2f} %")


if __name__ == "__main__":
    main()
