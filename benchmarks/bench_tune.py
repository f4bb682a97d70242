"""Done-when figures of ``safedata tune`` on UCI Adult: tuned vs default configuration at the same total epsilon.

For each seed:

* ``default``: MST with its default params (the first DP synthesizer the demo picks), DP fit on
  ``builtin:adult`` at epsilon 2 (delta 1e-6), as many rows as its DP row estimate;
* ``private``: ``safedata tune`` in private mode on ``builtin:adult``, total epsilon 2 (the
  Papernot & Steinke charge), released data = the best trial's;
* ``public``: ``safedata tune`` in public mode with the first half of ``builtin:adult_test``
  as the proxy (Bayesian search), then one charged run of the best configuration on
  ``builtin:adult`` at epsilon 2.

Every release is scored by TSTR ROC AUC (the registered ``tstr`` metric through
``safedata_core.bench.evaluate.one_figure``, label ``income``, 100 boosting iterations) on the
SECOND half of ``builtin:adult_test``, which no tune has seen. Writes
``results.json`` in ``--out`` (default ``benchmarks/results/tune/``) and prints a table.

Run: ``nice .venv/bin/python benchmarks/bench_tune.py`` (``--seeds 0 1 2``, ``--modes private public``,
``--rows N``: a seeded sample of N Adult rows for every mode, the same sample for the default run).

``--full``: the whole of ``builtin:adult`` with the fast search (``--search fast``: MST, PrivBayes,
the DP Gaussian copula and a two-step PrivBayes + copula candidate whose budget split is searched;
no AIM, whose rounds take minutes on 32,561 rows). Every row records the wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

EPSILON, DELTA = 2.0, 1e-6
MEAN, CALLS = 3.0, 6  # --mean, --calls
PLUGINS = ["safedata_marginal", "safedata_bayesnet", "safedata_copula"]
AIM_FIXED = {"target": "income", "progress": False, "round_iters": 30, "final_iters": 300}
SEARCH: list[dict[str, Any]] = [
    {"use": "aim", "params": {"max_rounds": {"choices": [8, 16]}, "degree": {"choices": [2, 3]}}, "fixed": AIM_FIXED},
    {"use": "aim", "params": {"bins": {"low": 6, "high": 24, "log": True}}, "fixed": {**AIM_FIXED, "max_rounds": 12}},
    {"use": "mst", "params": {"bins": {"low": 4, "high": 32, "log": True}}, "fixed": {}},
]


BAYES = {"max_parents": {"choices": [2, 3, 4]}, "theta": {"low": 2.0, "high": 16.0, "log": True}}
COPULA = {"cells": {"low": 16, "high": 256, "log": True}, "marginal_share": {"low": 0.2, "high": 0.8}}
FAST: list[dict[str, Any]] = [
    {"use": "mst", "params": {"bins": {"low": 4, "high": 32, "log": True}}},
    {"use": "bayes_net", "params": {**BAYES, "structure_share": {"low": 0.1, "high": 0.5}}},
    {"use": "gaussian_copula", "params": COPULA},
    {
        "steps": [
            {"use": "bayes_net", "params": BAYES, "share": {"low": 0.3, "high": 0.9}},
            {"use": "gaussian_copula", "params": {"cells": {"low": 16, "high": 256, "log": True}}},
        ]
    },
]
SEARCHES = {"marginal": SEARCH, "fast": FAST}


def engine() -> Any:
    from safedata_core import Engine

    return Engine(autoload=False, plugins=PLUGINS)


def halves(eng: Any, seed: int) -> tuple[Any, Any]:
    test = eng.read_table("builtin:adult_test")
    idx = np.random.default_rng(1234).permutation(len(test))  # fixed: the same evaluation half for every seed
    cut = len(test) // 2
    proxy = test.with_df(test.df.iloc[np.sort(idx[:cut])].reset_index(drop=True))
    evaluation = test.with_df(test.df.iloc[np.sort(idx[cut:])].reset_index(drop=True))
    return proxy, evaluation


def auc(eng: Any, release: Any, proxy: Any, evaluation: Any, seed: int) -> float:
    """TSTR ROC AUC on ``evaluation`` through the registered ``tstr`` metric (bench's figure, full settings)."""
    from safedata_core.bench.evaluate import one_figure

    value = one_figure(eng.registry, "tstr_auc", proxy, evaluation, release, seed, label="income", fast=False)
    return float("nan") if value is None else float(value)


def run_default(eng: Any, seed: int, rows: int | None) -> Any:
    from safedata_core.privacy import Budget, Ledger

    info = eng.registry.get("mst")
    ledger = Ledger(Budget(EPSILON, DELTA))
    share = ledger.share("synthetic", "mst", Budget(EPSILON, DELTA))
    model = info.cls({})
    train = eng.read_table("builtin:adult")
    if rows is not None:  # the same public subsample the tune takes (data.rows, seeded)
        train = train.with_df(train.df.sample(rows, random_state=seed).reset_index(drop=True))
    model.fit(train, budget=share, seed=seed)
    return model.sample(int(model.estimated_rows() or 0), seed=seed + 1), ledger.to_dict()


def run_mode(
    mode: str, seed: int, proxy_csv: Path, meta: Path, out: Path, rows: int | None, search: str = "marginal"
) -> Any:
    from safedata_core.tune import tune

    doc: dict[str, Any] = {
        "name": f"adult-{mode}-{seed}",
        "mode": mode,
        "data": {"source": "builtin:adult", "label": "income", "holdout": 0.3, "rows": rows},
        "privacy": {"epsilon": EPSILON, "delta": DELTA},
        "search": SEARCHES[search],
        "seed": seed,
        "plugins": PLUGINS,
    }
    if mode == "private":
        doc["trials"] = {"distribution": "poisson", "mean": MEAN}
    else:
        doc["data"]["proxy"] = str(proxy_csv)
        doc["data"]["metadata"] = str(meta)
        doc["trials"] = {"calls": CALLS, "initial": min(3, CALLS)}
    return tune(doc, out / f"{mode}-{seed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--modes", nargs="+", default=["default", "private", "public"])
    ap.add_argument("--rows", type=int, help="a seeded sample of N Adult rows for every mode (faster)")
    ap.add_argument("--search", choices=sorted(SEARCHES), default="marginal", help="search space (see the docstring)")
    ap.add_argument("--full", action="store_true", help="the whole of builtin:adult with --search fast")
    ap.add_argument("--calls", type=int, default=6, help="optimizer calls of the public mode")
    ap.add_argument("--mean", type=float, default=3.0, help="mean number of trials (Poisson) of the private mode")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "tune"))
    args = ap.parse_args()
    if args.full:
        args.rows, args.search = None, "fast"
    global MEAN, CALLS
    MEAN, CALLS = args.mean, args.calls
    os.environ.setdefault("SAFEDATA_TUNE_INDEX", str(Path(args.out) / "index.jsonl"))
    eng = engine()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    proxy, evaluation = halves(eng, 0)
    tmp = Path(tempfile.mkdtemp(prefix="bench-tune-"))
    proxy.df.to_csv(tmp / "proxy.csv", index=False)
    proxy.metadata.dump(tmp / "adult.meta.yaml")
    rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        for mode in args.modes:
            t0, c0 = time.perf_counter(), time.process_time()
            if mode == "default":
                release, ledger = run_default(eng, seed, args.rows)
                row = {"config": "mst {}", "trials": 0, "charges": [c["mechanism"] for c in ledger["charges"]]}
                spent = ledger["spent"]["epsilon"]
            else:
                res = run_mode(mode, seed, tmp / "proxy.csv", tmp / "adult.meta.yaml", out, args.rows, args.search)
                release = res.release
                led = res.ledger or {"charges": []}
                row = {
                    "config": res.best.config.key() if res.best else None,
                    "trials": len(res.trials),
                    "trials_ok": sum(t.status == "ok" for t in res.trials),
                    "charges": [f"{c['step']}:{c['mechanism']}" for c in led["charges"]],
                    "ledger_spent": led.get("spent"),
                    "trials_drawn": res.details.get("trials_drawn"),
                    **{k: v for k, v in res.details.items() if k in ("rho_per_trial", "epsilon_per_trial")},
                }
                spent = res.epsilon_spent
            row.update(
                mode=mode,
                seed=seed,
                epsilon_spent=spent,
                tstr_auc=auc(eng, release, proxy, evaluation, seed) if release is not None else None,
                seconds=time.perf_counter() - t0,
                cpu_seconds=time.process_time() - c0,
                load=os.getloadavg()[0],
            )
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
            (out / "results.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
    print("\nmode      seeds  TSTR AUC (mean ± sd)   epsilon spent")
    for mode in args.modes:
        vals = [r["tstr_auc"] for r in rows if r["mode"] == mode and r["tstr_auc"] is not None]
        eps = [r["epsilon_spent"] for r in rows if r["mode"] == mode]
        if vals:
            print(f"{mode:<9} {len(vals):>5}  {np.mean(vals):.4f} ± {np.std(vals):.4f}        {max(eps):.6g}")


if __name__ == "__main__":
    main()
