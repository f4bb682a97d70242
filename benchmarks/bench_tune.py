"""Done-when figures of ``safedata tune`` on UCI Adult: tuned vs default configuration at the same total epsilon.

For each seed:

* ``default``: MST with its default params (the first DP synthesizer the demo picks), DP fit on
  ``builtin:adult`` at epsilon 2 (delta 1e-6), as many rows as its DP row estimate;
* ``private``: ``safedata tune`` in private mode on ``builtin:adult``, total epsilon 2 (the
  Papernot & Steinke charge), released data = the best trial's;
* ``public``: ``safedata tune`` in public mode with the first half of ``builtin:adult_test``
  as the proxy (Bayesian search), then one charged run of the best configuration on
  ``builtin:adult`` at epsilon 2.

Every release is scored by TSTR ROC AUC (``safedata_core.bench.evaluate.tstr_auc``, label
``income``) on the SECOND half of ``builtin:adult_test``, which no tune has seen. Writes
``results.json`` in ``--out`` (default ``benchmarks/results/tune/``) and prints a table.

Run: ``nice .venv/bin/python benchmarks/bench_tune.py`` (``--seeds 0 1 2``, ``--modes private public``,
``--rows N``: a seeded sample of N Adult rows for every mode, the same sample for the default run).
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
PLUGINS = ["safedata_marginal"]
AIM_FIXED = {"target": "income", "progress": False, "round_iters": 30, "final_iters": 300}
SEARCH: list[dict[str, Any]] = [
    {"use": "aim", "params": {"max_rounds": {"choices": [8, 16]}, "degree": {"choices": [2, 3]}}, "fixed": AIM_FIXED},
    {"use": "aim", "params": {"bins": {"low": 6, "high": 24, "log": True}}, "fixed": {**AIM_FIXED, "max_rounds": 12}},
    {"use": "mst", "params": {"bins": {"low": 4, "high": 32, "log": True}}, "fixed": {}},
]


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


def auc(release: Any, evaluation: Any) -> float:
    from safedata_core.bench.evaluate import tstr_auc

    return float(tstr_auc(release.df, evaluation.df, "income"))


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


def run_mode(mode: str, seed: int, proxy_csv: Path, meta: Path, out: Path, rows: int | None) -> Any:
    from safedata_core.tune import tune

    doc: dict[str, Any] = {
        "name": f"adult-{mode}-{seed}",
        "mode": mode,
        "data": {"source": "builtin:adult", "label": "income", "holdout": 0.3, "rows": rows},
        "privacy": {"epsilon": EPSILON, "delta": DELTA},
        "search": SEARCH,
        "seed": seed,
        "plugins": PLUGINS,
    }
    if mode == "private":
        doc["trials"] = {"distribution": "poisson", "mean": 3}
    else:
        doc["data"]["proxy"] = str(proxy_csv)
        doc["data"]["metadata"] = str(meta)
        doc["trials"] = {"calls": 6, "initial": 3}
    return tune(doc, out / f"{mode}-{seed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--modes", nargs="+", default=["default", "private", "public"])
    ap.add_argument("--rows", type=int, help="a seeded sample of N Adult rows for every mode (faster)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "tune"))
    args = ap.parse_args()
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
            t0 = time.perf_counter()
            if mode == "default":
                release, ledger = run_default(eng, seed, args.rows)
                row = {"config": "mst {}", "trials": 0, "charges": [c["mechanism"] for c in ledger["charges"]]}
                spent = ledger["spent"]["epsilon"]
            else:
                res = run_mode(mode, seed, tmp / "proxy.csv", tmp / "adult.meta.yaml", out, args.rows)
                release = res.release
                led = res.ledger or {"charges": []}
                row = {
                    "config": res.best.config.key() if res.best else None,
                    "trials": len(res.trials),
                    "trials_ok": sum(t.status == "ok" for t in res.trials),
                    "charges": [f"{c['step']}:{c['mechanism']}" for c in led["charges"]],
                    **{k: v for k, v in res.details.items() if k in ("rho_per_trial", "epsilon_per_trial")},
                }
                spent = res.epsilon_spent
            row.update(
                mode=mode,
                seed=seed,
                epsilon_spent=spent,
                tstr_auc=auc(release, evaluation) if release is not None else None,
                seconds=time.perf_counter() - t0,
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
