"""Time calibrate_noise / dpsgd_epsilon for typical DP-SGD runs (RDP, and PRV with --prv).

Run: ``.venv/bin/python benchmarks/bench_calibrate.py`` (add ``--prv`` to also time the
slower PLD-based ``prv`` accountant; ``--quick`` runs one repeat). Prints the median
wall time of each call over the repeats; the target for RDP calibration is well under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import time

from safedata_core.privacy import calibrate_noise, calibrate_noise_epochs, dpsgd_epsilon

CASES = [
    # (label, target_epsilon, delta, sample_rate, steps)
    ("issue: eps=1, q=0.01, 1000 steps", 1.0, 1e-5, 0.01, 1000),
    ("Adult-like: eps=3, q=500/32561, 50 epochs", 3.0, 1e-5, 500 / 32561, 3256),
    ("MNIST-like: eps=2, q=256/60000, 60 epochs", 2.0, 1e-5, 256 / 60000, 14063),
    ("opacus test: eps=8, q=0.04, 2000 steps", 8.0, 1e-5, 0.04, 2000),
]


def _time(fn, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="one repeat per case")
    ap.add_argument("--prv", action="store_true", help="also time the prv accountant (several seconds per case)")
    args = ap.parse_args()
    repeats = 1 if args.quick else 5
    accountants = ["rdp", "prv"] if args.prv else ["rdp"]
    print(f"{'case':48s} {'acct':4s} {'sigma':>10s} {'eps(sigma)':>11s} {'calibrate s':>12s} {'epsilon s':>10s}")
    for label, eps, delta, q, steps in CASES:
        for acc in accountants:
            t_cal, sigma = _time(lambda: calibrate_noise(eps, delta, q, steps, acc), 1 if acc == "prv" else repeats)  # noqa: B023
            t_eps, got = _time(lambda: dpsgd_epsilon(sigma, q, steps, delta, acc), repeats)  # noqa: B023
            print(f"{label:48s} {acc:4s} {sigma:10.6f} {got:11.6f} {t_cal:12.4f} {t_eps:10.4f}")
    t, sigma = _time(lambda: calibrate_noise_epochs(1.0, 1e-5, dataset_size=32561, batch_size=256, epochs=20), repeats)
    print(f"{'calibrate_noise_epochs(1.0, n=32561, b=256, 20 ep)':48s} rdp  {sigma:10.6f} {'':11s} {t:12.4f}")


if __name__ == "__main__":
    main()
