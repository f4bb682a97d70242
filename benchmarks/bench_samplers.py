"""Speed of the exact noise samplers and of add_noise (charge + noise), from the secure ChaCha20 source.

    .venv/bin/python benchmarks/bench_samplers.py [--n 1000000]

Prints the median of 5 runs per case. The exact samplers use only uniform integers and
vectorised rejection rounds, so their cost is linear in the number of draws.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from safedata_core.privacy import Budget, DiscreteGaussian, DiscreteLaplace, Laplace, Ledger, NoiseSource, add_noise
from safedata_core.privacy.samplers import discrete_gaussian, discrete_laplace


def _median(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="draws per case")
    n = ap.parse_args().n
    gen = NoiseSource.secure().generator
    cases = {
        "discrete_laplace scale 1": lambda: discrete_laplace(1.0, n, gen),
        "discrete_laplace scale 100": lambda: discrete_laplace(100.0, n, gen),
        "discrete_gaussian sigma 1": lambda: discrete_gaussian(1.0, n, gen),
        "discrete_gaussian sigma 40": lambda: discrete_gaussian(40.0, n, gen),
        "numpy float laplace (not DP-safe, reference)": lambda: gen.laplace(0.0, 1.0, n),
    }

    def charged(mech):  # type: ignore[no-untyped-def]
        share = Ledger(Budget(10.0, 1e-5)).share("bench", "bench", Budget(10.0, 1e-5))
        return lambda: add_noise(share, mech, np.zeros(n))

    cases["add_noise DiscreteLaplace(1, 1.0)"] = charged(DiscreteLaplace(1, 1.0))
    cases["add_noise DiscreteGaussian(20.0)"] = charged(DiscreteGaussian(20.0))
    cases["add_noise Laplace(50.0, 1.0, changed=1) on reals"] = charged(Laplace(50.0, 1.0, changed=1))
    print(f"{n:,} draws per case, median of 5 runs")
    for name, fn in cases.items():
        print(f"  {name:<52} {_median(fn):7.3f} s")


if __name__ == "__main__":
    main()
