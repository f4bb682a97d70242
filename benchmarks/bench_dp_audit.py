"""Empirical DP audit of the DP synthesizers on 1,000 rows of UCI Adult (issue 14's figures).

For each synthesizer: ``runs`` DP fits on each of D (1,000 Adult rows with the
published public metadata) and D' = D plus a canary, at epsilon 1 (delta
1e-6), secure noise; test statistic and threshold chosen on half the runs,
``eps_lower`` from Clopper-Pearson bounds (95%) on the other half; then the
power check: the same audit with ``params.dp = false``, which must give
``eps_lower > 1``. Prints one line per synthesizer and writes
``benchmarks/results/dp_audit.json``.

Run (the full figures, about 2 x 200 x 2 fits per synthesizer):
    .venv/bin/python benchmarks/bench_dp_audit.py --runs 200 --jobs 2
Smoke run:
    .venv/bin/python benchmarks/bench_dp_audit.py --runs 10
The same audit from the command line: ``safedata dp-audit --synthesizer mst --runs 200 --epsilon 1 --dp-off``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DEFAULT = ("mst", "bayes_net", "gaussian_copula", "example")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthesizers", default=",".join(DEFAULT))
    ap.add_argument("--runs", type=int, default=200, help="fits per side (default 200)")
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--delta", type=float, default=1e-6)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-power", action="store_true", help="skip the dp-off power check")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "dp_audit.json"))
    args = ap.parse_args()

    from safedata_core.dpaudit import run_audit

    results = []
    for name in [s.strip() for s in args.synthesizers.split(",") if s.strip()]:
        t0 = time.perf_counter()
        res = run_audit(
            name,
            runs=args.runs,
            epsilon=args.epsilon,
            delta=args.delta,
            rows=args.rows,
            dp_off=not args.no_power,
            jobs=args.jobs,
        )
        print(res.summary(), flush=True)
        print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
        results.append(res.to_dict())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = (
        f"python benchmarks/bench_dp_audit.py --synthesizers {args.synthesizers} --runs {args.runs} "
        f"--epsilon {args.epsilon:g} --delta {args.delta:g} --rows {args.rows}"
    )
    out.write_text(json.dumps({"command": command, "results": results}, indent=2, default=str) + "\n")
    print(f"\n{'synthesizer':<18}{'claimed':>9}{'eps_lower':>11}{'power eps_lower':>17}")
    for r in results:
        power = r["power"]["eps_lower"] if r["power"] and r["power"].get("available") else float("nan")
        print(f"{r['synthesizer']:<18}{r['epsilon']:>9g}{r['eps_lower']:>11.3f}{power:>17.3f}")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
