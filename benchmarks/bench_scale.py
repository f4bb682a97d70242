"""Scale benchmark: ``safedata profile`` and an MST run (epsilon 1) locally and on a 2-worker Dask LocalCluster.

Generates a seeded census-like table (20 mixed columns) as one Parquet file
written chunk by chunk, one row group per million rows (the whole table is
never in memory), then runs each command as a subprocess and reports its wall
time and the peak resident memory of every process it started (the CLI process
and every process it starts: on Dask the nanny and worker processes), sampled every 0.2 s with psutil.

Run (nice: it takes a while)::

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --rows 1000000 10000000
    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --rows 50000000 --local-limit-gib 12

``--in-process`` also times the local and the Dask code paths in the
benchmark's own process (Dask's synchronous scheduler), which separates the
cost of the code from that of the cluster. Data goes to ``--data`` (default /tmp/safedata-scale), results to
``benchmarks/results/scale.json`` (gitignored). Local runs get an address-space
limit (``--local-limit-gib``, default 14 GiB) so that a table too large for
pandas fails with a MemoryError instead of pulling the machine into swap or the
OOM killer; the failure is reported with the memory reached.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CHUNK = 1_000_000
REGIONS = [f"region_{i:02d}" for i in range(40)]
DISTRICTS = [f"district_{i:03d}" for i in range(300)]
MARITAL = ["single", "married", "divorced", "widowed", "separated", "civil_partner"]
EDUCATION = [f"edu_{i:02d}" for i in range(16)]
OCCUPATION = [f"occ_{i:02d}" for i in range(25)]
INDUSTRY = [f"ind_{i:02d}" for i in range(20)]
TENURE = ["owned", "mortgage", "rented", "social"]
CITIZEN = ["citizen", "resident", "other"]
LANGUAGE = [f"lang_{i}" for i in range(10)]
BIRTH = [f"country_{i:02d}" for i in range(30)]
EMPLOYMENT = ["employed", "self_employed", "unemployed", "student", "retired"]
COMMUTE = ["car", "bus", "train", "bike", "walk", "home", "other", "none"]
SEX = ["F", "M"]

CATEGORICAL = {
    "sex": SEX,
    "region": REGIONS,
    "district": DISTRICTS,
    "marital_status": MARITAL,
    "education": EDUCATION,
    "occupation": OCCUPATION,
    "industry": INDUSTRY,
    "tenure": TENURE,
    "citizenship": CITIZEN,
    "language": LANGUAGE,
    "birth_country": BIRTH,
    "employment": EMPLOYMENT,
    "commute": COMMUTE,
}
NUMERIC = {
    "age": ("integer", (0, 100)),
    "hours_per_week": ("integer", (0, 99)),
    "household_size": ("integer", (1, 12)),
    "children": ("integer", (0, 8)),
    "income": ("numerical", (0.0, 500_000.0)),
    "weight": ("numerical", (1.0, 400.0)),
}
QIS = ["age", "sex", "region", "marital_status"]


def _pick(rng: np.random.Generator, labels: list[str], n: int, skew: float = 1.2) -> np.ndarray:
    p = 1.0 / np.arange(1, len(labels) + 1) ** skew
    return rng.choice(len(labels), n, p=p / p.sum())


def chunk_columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` census-like rows as numpy arrays (categorical columns as label indices): correlated demographics,
    work, household and income (20 columns)."""
    rng = np.random.default_rng(seed)
    age = np.clip(rng.gamma(4.0, 10.0, n), 0, 100).astype(np.int64)
    adult = age >= 18
    edu = np.clip((rng.normal(7, 3, n) + (age > 25) * 2).astype(int), 0, 15)
    occ = np.where(adult, (edu * 1.5 + rng.integers(0, 6, n)).astype(int) % 25, 0)
    emp = np.where(age >= 67, 4, np.where(age < 18, 3, _pick(rng, EMPLOYMENT[:3], n, 2.0)))
    income = np.where(adult, np.exp(rng.normal(9.5 + edu * 0.06, 0.7, n)), 0.0)
    income = np.round(np.clip(income, 0, 500_000), 2)
    income[rng.random(n) < 0.02] = np.nan  # item non-response
    region = _pick(rng, REGIONS, n, 0.8)
    return {
        "age": age,
        "sex": rng.integers(0, 2, n),
        "region": region,
        "district": (region * 7 + rng.integers(0, 8, n)) % 300,
        "marital_status": np.where(age < 18, 0, _pick(rng, MARITAL, n, 1.0)),
        "education": edu,
        "occupation": occ,
        "industry": (occ + rng.integers(0, 3, n)) % 20,
        "hours_per_week": np.where(emp <= 1, np.clip(rng.normal(38, 8, n), 1, 99), 0).astype(np.int64),
        "income": income,
        "tenure": _pick(rng, TENURE, n, 0.7),
        "household_size": np.clip(rng.poisson(2.4, n) + 1, 1, 12),
        "children": np.clip(rng.poisson(0.8, n), 0, 8),
        "citizenship": _pick(rng, CITIZEN, n, 2.5),
        "language": _pick(rng, LANGUAGE, n, 2.0),
        "birth_country": _pick(rng, BIRTH, n, 2.0),
        "employment": emp,
        "commute": np.where(emp <= 1, _pick(rng, COMMUTE[:7], n, 1.0), 7),
        "disability": rng.random(n) < 0.08,
        "weight": np.round(rng.uniform(1.0, 400.0, n), 2),
    }


def chunk_table(n: int, seed: int) -> Any:
    """The rows of :func:`chunk_columns` as an Arrow table; labels are gathered by Arrow (no Python strings)."""
    import pyarrow as pa

    arrays = {}
    for name, values in chunk_columns(n, seed).items():
        if name in CATEGORICAL:
            arrays[name] = pa.array(CATEGORICAL[name], type=pa.string()).take(pa.array(values, type=pa.int32()))
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def chunk_frame(n: int, seed: int) -> pd.DataFrame:
    """The rows of :func:`chunk_table` as a pandas frame (text columns as Python strings)."""
    return pd.DataFrame(chunk_table(n, seed).to_pandas())


def metadata() -> dict[str, Any]:
    """Public metadata: every column declared with its domain (needed by DP MST), QIs and the weight."""
    cols: dict[str, Any] = {}
    for name, labels in CATEGORICAL.items():
        cols[name] = {"type": "categorical", "categories": labels, "nullable": False}
    for name, (ctype, bounds) in NUMERIC.items():
        cols[name] = {"type": ctype, "bounds": list(bounds), "nullable": name == "income"}
    cols["disability"] = {"type": "boolean", "nullable": False}
    for q in QIS:
        cols[q]["role"] = "quasi_identifier"
    cols["weight"]["role"] = "weight"
    return {"columns": cols}


def generate(rows: int, path: Path, seed: int = 0) -> Path:
    """Write ``rows`` rows to one Parquet file, one row group per million rows, chunk by chunk; skip when present."""
    import pyarrow.parquet as pq

    done = path.with_suffix(".complete")
    if path.exists() and done.exists() and done.read_text() == str(rows):
        return path
    seeds = np.random.SeedSequence(seed).generate_state((rows + CHUNK - 1) // CHUNK)
    writer = None
    try:
        for i, start in enumerate(range(0, rows, CHUNK)):
            table = chunk_table(min(CHUNK, rows - start), int(seeds[i]))
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=CHUNK)
    finally:
        if writer is not None:
            writer.close()
    done.write_text(str(rows))
    return path


def measure(cmd: list[str], *, limit_gib: float | None, cwd: Path, plugins: str) -> dict[str, Any]:
    """Run ``cmd``: wall time, exit code, CPU time and peak RSS of the main process and of each descendant.

    CPU time (user + system) is the larger of two counts: the ``RUSAGE_CHILDREN`` growth of this
    process (every descendant that was waited for) and the sum of each process's last sampled
    ``cpu_times`` (which also sees a process that was never reaped). Load averages are taken at the
    start and the end of the run.
    """
    import psutil

    def limit() -> None:
        os.nice(max(0, 10 - os.nice(0)))  # niceness 10 in all (not 10 on top of the caller's nice)
        if limit_gib is not None:
            cap = int(limit_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    load_start = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "SAFEDATA_LOAD_PLUGINS": plugins}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    main = psutil.Process(proc.pid)
    peaks: dict[int, tuple[str, int]] = {}
    cpu: dict[int, tuple[str, float]] = {}
    while proc.poll() is None:
        try:
            procs = [main, *main.children(recursive=True)]
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                role = "main" if p.pid == proc.pid else "subprocesses"
            except psutil.Error:
                continue
            cpu[p.pid] = (role, t.user + t.system)
            if rss > peaks.get(p.pid, ("", 0))[1]:
                peaks[p.pid] = (role, rss)
        time.sleep(0.2)
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sampled = sum(c for _, c in cpu.values())
    gib = lambda b: round(b / 2**30, 2)  # noqa: E731
    by_role: dict[str, list[float]] = {}
    for role, rss in peaks.values():
        by_role.setdefault(role, []).append(gib(rss))
    cpu_by_role: dict[str, float] = {}
    for role, c in cpu.values():
        cpu_by_role[role] = round(cpu_by_role.get(role, 0.0) + c, 1)
    tail = err.decode(errors="replace").strip().splitlines()[-1:] if proc.returncode else []
    return {
        "cmd": " ".join(cmd),
        "exit": proc.returncode,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(max(waited, sampled), 1),
        "cpu_sampled_by_role": cpu_by_role,
        "load_avg_start_end": [round(x, 2) for x in (*load_start, *os.getloadavg())],
        "peak_gib": {k: sorted(v, reverse=True) for k, v in by_role.items()},
        "max_process_gib": max((gib(r) for _, r in peaks.values()), default=0.0),
        "error": tail[0][:300] if tail else None,
    }


def pipeline(data: Path, meta: Path, rows_out: int) -> dict[str, Any]:
    return {
        "version": 1,
        "name": "scale-mst",
        "data": {"source": str(data), "metadata": str(meta)},
        "privacy": {"epsilon": 1.0, "delta": 1e-6},
        "steps": [
            {
                "id": "synth",
                "use": "mst",
                "rows": rows_out,
                "privacy": {"epsilon": 1.0},
                "params": {"bins": 16, "iters": 300},
            }
        ],
        "report": {"formats": ["json"], "release_formats": ["parquet"]},
        "seed": 1,
    }


def in_process(path: Path, meta: Path) -> dict[str, float]:
    """The code paths alone, in this process (Dask's synchronous scheduler): read/type, profile, MST fit."""
    import dask
    from safedata_marginal.mst import MSTSynthesizer

    from safedata_core.data import Metadata, Table
    from safedata_core.execution.reader import read_dask_table
    from safedata_core.inventory import build_profile
    from safedata_core.inventory.distributed import build_profile_distributed
    from safedata_core.testing import make_budget

    dask.config.set(scheduler="synchronous")
    declared = Metadata.load(meta)
    out: dict[str, float] = {}
    for engine in ("local", "dask"):
        t = time.perf_counter()
        if engine == "local":
            table = Table.from_dataframe(pd.read_parquet(path), declared)
        else:
            table = read_dask_table(str(path), declared)
        out[f"{engine}_read"] = time.perf_counter() - t
        t = time.perf_counter()
        if engine == "local":
            build_profile(table, sensitive=["income", "occupation"], progress=False)
        else:
            build_profile_distributed(table, sensitive=["income", "occupation"])
        out[f"{engine}_profile"] = time.perf_counter() - t
        t = time.perf_counter()
        MSTSynthesizer({"iters": 300}).fit(table, budget=make_budget(1.0, 1e-6), seed=0)
        out[f"{engine}_mst_fit"] = time.perf_counter() - t
        del table
    return {k: round(v, 1) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--data", default="/tmp/safedata-scale")
    ap.add_argument("--modes", nargs="+", default=["local", "dask"], choices=["local", "dask"])
    ap.add_argument("--tasks", nargs="+", default=["profile", "mst"], choices=["profile", "mst"])
    ap.add_argument("--local-limit-gib", type=float, default=14.0)
    ap.add_argument("--synthetic-rows", type=int, default=100_000, help="rows the MST step releases")
    ap.add_argument("--in-process", action="store_true", help="also time the local and Dask code paths in this process")
    ap.add_argument("--generate-only", action="store_true", help="write the Parquet files and stop")
    ap.add_argument("--plugins", default="safedata-marginal", help="SAFEDATA_LOAD_PLUGINS for the runs")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "scale.json"))
    args = ap.parse_args()

    import yaml

    root = Path(args.data)
    root.mkdir(parents=True, exist_ok=True)
    meta = root / "census.meta.yaml"
    meta.write_text(yaml.safe_dump(metadata(), sort_keys=False))
    safedata = str(Path(sys.executable).parent / "safedata")
    results_path = Path(args.out)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    for rows in args.rows:
        t0 = time.perf_counter()
        data = generate(rows, root / f"census-{rows}.parquet")
        print(f"{rows:>11,} rows: data ready in {time.perf_counter() - t0:.0f} s ({data})", flush=True)
        if args.generate_only:
            continue
        if args.in_process:
            results[f"in_process/{rows}"] = figures = in_process(data, meta)
            results_path.write_text(json.dumps(results, indent=2))
            print(f"{rows:>11,} in one process (seconds): {figures}", flush=True)
        spec = root / f"mst-{rows}.json"
        spec.write_text(json.dumps(pipeline(data, meta, args.synthetic_rows)))
        for task in args.tasks:
            for mode in args.modes:
                if task == "profile":
                    cmd = [safedata, "profile", str(data), "--metadata", str(meta), "--sensitive", "income,occupation"]
                    cmd += ["--out", str(root / f"profile-{mode}-{rows}"), "--no-progress"]
                else:
                    cmd = [safedata, "run", str(spec), "--out", str(root / f"run-{mode}-{rows}"), "--force"]
                if mode == "dask":
                    cmd += ["--dask", "local"]
                limit = args.local_limit_gib if mode == "local" else None
                res = measure(cmd, limit_gib=limit, cwd=root, plugins=args.plugins)
                results[f"{task}/{mode}/{rows}"] = res
                results_path.write_text(json.dumps(results, indent=2))
                status = "ok" if res["exit"] == 0 else f"exit {res['exit']}: {res['error']}"
                print(
                    f"{rows:>11,} {task:<8} {mode:<6} {res['seconds']:>8.1f} s  cpu {res['cpu_seconds']:>8.1f} s  "
                    f"load {res['load_avg_start_end']}  max process {res['max_process_gib']:.2f} GiB  "
                    f"{res['peak_gib']}  {status}",
                    flush=True,
                )
    print(f"wrote {results_path}")


if __name__ == "__main__":
    main()
