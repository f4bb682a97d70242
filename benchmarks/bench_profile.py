"""Benchmark ``safedata profile`` on a synthetic 1,000,000 x 20 table (target: CLI on CSV under 20 s on 2 cores).

Run: ``.venv/bin/python benchmarks/bench_profile.py`` (``--quick`` for 100,000 rows,
``--rows N`` for any size, ``--csv`` to include writing and reading a CSV file).
Prints the seconds spent building the Table (type inference and coercion),
profiling it (identifiers, QIs, risk) and, with ``--csv``, the whole CLI run.

``--cli N`` measures the end-to-end command instead: the CSV is written once, then
``safedata profile FILE`` runs N times in a subprocess (median wall and CPU
time, user + sys), next to a baseline measured in the same run: a bare
``pandas.read_csv`` of the same file in a subprocess. The ratio to it is robust
to other load on the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """20 columns: ids, PII, demographic QIs, dates, sensitive values, weights and free text."""
    rng = np.random.default_rng(seed)
    first = np.array(["James", "Mary", "John", "Linda", "Wei", "Priya", "Carlos", "Fatima", "Olga", "David"])
    last = np.array(["Smith", "Khan", "Chen", "Garcia", "Novak", "Rossi", "Kumar", "Brown", "Okafor", "Tanaka"])
    i = np.arange(n)
    f, lname = rng.integers(0, 10, n), rng.integers(0, 10, n)
    birth = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 60 * 365, n), unit="D")
    notes = np.array(["no issue", "call back later", "prefers post", "moved house", "complaint resolved"])
    return pd.DataFrame(
        {
            "record_id": i,
            "full_name": np.char.add(np.char.add(first[f], " "), last[lname]),
            "email": np.char.add(np.char.add(np.char.add(first[f], "."), i.astype(str)), "@example.com"),
            "phone": np.char.add("+44 20 ", rng.integers(10_000_000, 99_999_999, n).astype(str)),
            "age": rng.integers(16, 95, n),
            "sex": rng.choice(["F", "M"], n),
            "race": rng.choice(["A", "B", "C", "D", "E"], n, p=[0.6, 0.15, 0.1, 0.1, 0.05]),
            "marital_status": rng.choice(["single", "married", "divorced", "widowed"], n),
            "country": rng.choice([f"country_{k}" for k in range(60)], n),
            "zip_code": rng.integers(10_000, 99_999, n).astype(str),
            "date_of_birth": birth.strftime("%Y-%m-%d"),
            "education": rng.choice([f"level_{k}" for k in range(16)], n),
            "occupation": rng.choice([f"job_{k}" for k in range(30)], n),
            "income": np.round(rng.lognormal(10, 0.8, n), 2),
            "diagnosis": rng.choice([f"icd_{k}" for k in range(40)], n),
            "hours": rng.integers(1, 80, n),
            "weight": rng.uniform(50, 500, n).round(1),
            "score": rng.normal(0, 1, n),
            "smoker": rng.choice(["yes", "no"], n),
            "notes": rng.choice(notes, n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--csv", action="store_true", help="also time the CLI on a CSV file")
    parser.add_argument("--cli", type=int, default=0, metavar="N", help="time `safedata profile` on CSV N times")
    args = parser.parse_args()
    n = 100_000 if args.quick else args.rows
    os.environ.setdefault("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "1")
    if args.cli:
        cli_runs(n, args.cli)
        return

    from safedata_core.data import Metadata, Table
    from safedata_core.inventory import build_profile

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    df = synthetic(n)
    print(f"rows={n:,} columns={df.shape[1]} cpus={cpus}")
    t0, c0 = time.perf_counter(), time.process_time()
    table = Table.from_dataframe(df)
    t1, c1 = time.perf_counter(), time.process_time()
    profile, _ = build_profile(table, progress=False)
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"table (inference + coercion):     wall {t1 - t0:6.2f} s  cpu {c1 - c0:6.2f} s")
    print(f"profile (identifiers, QIs, risk): wall {t2 - t1:6.2f} s  cpu {c2 - c1:6.2f} s")
    print(f"total in memory:                  wall {t2 - t0:6.2f} s  cpu {c2 - c0:6.2f} s  (target < 60 s on 2 cores)")
    if hasattr(os, "getloadavg"):
        print(f"load average during the run: {os.getloadavg()[0]:.1f} (wall time is inflated when > cpus)")
    print(f"direct identifiers: {profile['direct_identifiers']}")
    print(
        f"quasi-identifiers: {profile['quasi_identifiers']}; k={profile['risk']['k_anonymity']}, "
        f"uniques={profile['risk']['sample_uniques']:,}"
    )
    declared = Metadata(columns={"weight": table.metadata.columns["weight"].model_copy(update={"role": "weight"})})
    t3, c3 = time.perf_counter(), time.process_time()
    weighted, _ = build_profile(Table.from_dataframe(df, declared), progress=False)
    t4, c4 = time.perf_counter(), time.process_time()
    print(
        f"weighted profile incl. table:     wall {t4 - t3:6.2f} s  cpu {c4 - c3:6.2f} s "
        f"(expected re-identifications {weighted['risk']['individual_risk']['expected_reidentifications']:.0f})"
    )
    if args.csv:
        from safedata_core.cli import main as cli

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.csv"
            df.to_csv(path, index=False)
            t5, c5 = time.perf_counter(), time.process_time()
            rc = cli(["profile", str(path), "--out", str(Path(tmp) / "out"), "--no-progress"])
            t6, c6 = time.perf_counter(), time.process_time()
        print(f"CLI on CSV (read + profile + write): wall {t6 - t5:6.2f} s  cpu {c6 - c5:6.2f} s (exit {rc})")


def _child(cmd: list[str]) -> tuple[float, float]:
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def cli_runs(n: int, repeats: int) -> None:
    """`safedata profile` on a CSV, ``repeats`` times, against a bare pandas.read_csv in the same run."""
    import shutil
    import statistics
    import sys

    exe = shutil.which("safedata", path=os.path.dirname(sys.executable)) or "safedata"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        synthetic(n).to_csv(path, index=False)
        read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"]
        prof = [exe, "profile", str(path), "--out", str(Path(tmp) / "out"), "--no-progress"]
        rows = {"pandas.read_csv (baseline)": [], "safedata profile": []}
        for _ in range(repeats):
            for label, cmd in (("pandas.read_csv (baseline)", read), ("safedata profile", prof)):
                load = os.getloadavg()[0]
                wall, cpu = _child(cmd)
                rows[label].append((wall, cpu, load))
                print(f"  {label:28s} wall {wall:7.2f} s  cpu {cpu:7.2f} s  load {load:.1f}", flush=True)
    med = {k: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v)) for k, v in rows.items()}
    base, prof_t = med["pandas.read_csv (baseline)"], med["safedata profile"]
    print(f"rows={n:,} columns=20; median of {repeats}:")
    print(f"  pandas.read_csv   wall {base[0]:7.2f} s  cpu {base[1]:7.2f} s")
    print(
        f"  safedata profile  wall {prof_t[0]:7.2f} s  cpu {prof_t[1]:7.2f} s  "
        f"(cpu ratio to read_csv {prof_t[1] / base[1]:.2f}; target < 20 s)"
    )


if __name__ == "__main__":
    main()
