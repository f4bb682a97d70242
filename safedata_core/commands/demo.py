"""``safedata demo [--out DIR] [--rows N]``: the end-to-end demo on the embedded UCI Adult data.

The demo builds its pipeline from what is installed (``engine.registry``):
profile -> an SDC release (``generalize`` then ``suppress`` to k=5 with the
hierarchies shipped in ``safedata_core/data/datasets/hierarchies/``) and a DP
synthetic release at epsilon 1 with the best installed DP synthesizer (falling
back to the ``example`` plugin) -> every installed attack of the demo's list
against each release -> utility metrics -> the report. Components that are
not installed are skipped, so the demo works on a bare core plus the example
plugin and gets richer as plugins are installed.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safedata_core.commands import make_engine
from safedata_core.components.params import fit_params
from safedata_core.errors import SafedataError

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers
    from safedata_core.engine import Engine
    from safedata_core.pipeline.runner import RunResult

__all__ = ["DP_PREFERENCE", "demo_pipeline", "fit_params", "hierarchy_files", "run", "run_demo"]

DP_PREFERENCE: tuple[str, ...] = ("mst", "aim", "bayes_net", "gaussian_copula", "tvae", "ctgan", "example")
ATTACKS: tuple[str, ...] = ("linkage", "membership_inference", "attribute_inference", "singling_out", "dcr")
METRICS: tuple[str, ...] = (
    "ks_complement",
    "tv_complement",
    "marginal_2way",
    "correlation_difference",
    "tstr",
    "detection",
)
LABEL = "income"
K = 5
# keep the neural synthesizers inside the demo's time budget (5 minutes on 2 cores)
FAST_PARAMS: dict[str, dict[str, Any]] = {"ctgan": {"epochs": 3}, "tvae": {"epochs": 3}}
# generalize then suppress (as docs/examples/adult-sdc.yaml): recode less, then blank the few cells left below k.
# On Adult, the level-sum loss with 3% left to suppress keeps age in 5-year bands and marital status and race
# exact (the entropy loss recodes those categories wholesale and keeps exact ages: lower 1- and 2-way fidelity).
TWO_STEP_GENERALIZE: dict[str, Any] = {"suppression_limit": 0.03, "suppress_outliers": False, "loss": "height"}
# attack sizes pinned for the demo's time budget (the singling-out search dominates otherwise)
ATTACK_PARAMS: dict[str, dict[str, Any]] = {"singling_out": {"n_attacks": 500}}


def hierarchy_files() -> dict[str, str]:
    """Absolute paths of the ARX hierarchy files shipped for ``builtin:adult``, by column."""
    folder = resources.files("safedata_core.data.datasets") / "hierarchies"
    out = {}
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith("adult_") and name.endswith(".csv"):
            out[name[len("adult_") : -len(".csv")]] = str(Path(str(entry)).resolve())
    return dict(sorted(out.items()))


def _sdc_offers(qis: list[str], hierarchies: dict[str, str]) -> dict[str, Any]:
    """Values the demo offers to SDC parameters of the same name."""
    return {"k": K, "quasi_identifiers": qis, "qis": qis, "hierarchies": hierarchies}


def _eval_offers(qis: list[str]) -> dict[str, Any]:
    """Values the demo offers to attack and metric parameters of the same name."""
    return {
        "label": LABEL,
        "target_column": LABEL,
        "label_column": LABEL,
        "secret": LABEL,
        "secrets": [LABEL],
        "secret_column": LABEL,
        "sensitive": [LABEL],
        "aux_cols": qis,
        "auxiliary": qis,
    }


def _accountant() -> str:
    from safedata_core.privacy.accountants import accountant_names

    return "rdp" if "rdp" in accountant_names() else "basic"


def demo_pipeline(engine: Engine, *, holdout: str | float = "builtin:adult_test", seed: int = 7) -> dict[str, Any]:
    """The demo pipeline for what ``engine`` has installed."""
    registry = engine.registry
    names = {info.name: info for info in registry}
    meta_qis = ["age", "education", "marital_status", "race", "sex", "native_country"]
    hier = hierarchy_files()
    sdc_offered, eval_offered = _sdc_offers(meta_qis, hier), _eval_offers(meta_qis)
    steps: list[dict[str, Any]] = [{"id": "profile", "use": "profile", "params": {"k": K}}]
    releases: list[str] = []
    sdc_input = "data"
    two_step = all(n in names and names[n].kind == "sdc" for n in ("generalize", "suppress"))
    for use, sid in (("generalize", "sdc_generalize"), ("suppress", "sdc")):
        info = names.get(use)
        if info is None or info.kind != "sdc":
            continue
        # with suppress installed, generalize may leave up to 5% of records below k (less recoding) for it
        extra = TWO_STEP_GENERALIZE if two_step and use == "generalize" else None
        params = fit_params(info.cls.Params, sdc_offered, extra)
        if params is None:
            continue
        steps.append({"id": sid, "use": use, "input": sdc_input, "params": params})
        sdc_input = sid
    if sdc_input != "data":
        releases.append(sdc_input)
    synth = next(
        (n for n in DP_PREFERENCE if n in names and names[n].kind == "synthesizer" and names[n].privacy == "dp"), None
    )
    if synth is not None:
        params = fit_params(names[synth].cls.Params, {}, FAST_PARAMS.get(synth)) or {}
        steps.append({"id": "synthetic", "use": synth, "privacy": {"epsilon": 1.0, "delta": 1e-6}, "params": params})
        releases.append("synthetic")
    for kind, wanted in (("attack", ATTACKS), ("metric", METRICS)):
        for use in wanted:
            info = names.get(use)
            if info is None or info.kind != kind:
                continue
            offered = eval_offered if use not in ("ks_complement", "tv_complement") else {}
            params = fit_params(info.cls.Params, offered, ATTACK_PARAMS.get(use))
            if params is None:
                continue
            for target in releases:
                steps.append({"id": f"{use}_{target}"[:60], "use": use, "target": target, "params": params})
    return {
        "version": 1,
        "name": "adult-demo",
        "data": {"source": "builtin:adult", "holdout": holdout},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": _accountant()},
        "steps": steps,
        "report": {"formats": ["json", "html"]},
        "seed": seed,
    }


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the end-to-end demo on the embedded UCI Adult dataset")
    p.add_argument("--out", default="demo-run", help="run directory (default: demo-run)")
    p.add_argument("--force", action="store_true", help="reuse a non-empty run directory")
    p.add_argument(
        "--rows",
        type=int,
        default=None,
        help="use a random sample of N training rows (faster; the holdout is then a random 25%%)",
    )
    p.add_argument("--seed", type=int, default=7, help="pipeline seed (default: 7)")
    return p


def run_demo(engine: Engine, out: Path, *, force: bool = False, rows: int | None = None, seed: int = 7) -> RunResult:
    """Build and run the demo pipeline; returns the :class:`RunResult`."""
    data = None
    holdout: str | float = "builtin:adult_test"
    if rows is not None:
        if rows < 100:
            raise SafedataError(f"demo --rows {rows}: give at least 100 rows")
        table = engine.read_table("builtin:adult")
        if rows < len(table):
            table = table.with_df(table.df.sample(rows, random_state=seed).reset_index(drop=True))
        data, holdout = table, 0.25
    pipeline = demo_pipeline(engine, holdout=holdout, seed=seed)
    return engine.run(pipeline, data=data, out=out, force=force)


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The short table the demo prints."""
    lines = [f"{'step':<28} {'component':<22} {'kind':<12} {'seconds':>8}  result"]
    for step in report["steps"]:
        res = step.get("result") or {}
        if step["kind"] == "attack":
            ci = res.get("risk_ci") or [0, 0]
            what = f"risk {res.get('risk', 0):.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
        elif step["kind"] == "metric":
            score = res.get("score")
            what = f"score {score:.3f}" if isinstance(score, (int, float)) else "score n/a"
        elif step["kind"] == "profile":
            k_anon = res.get("risk", {}).get("k_anonymity")
            what = f"k={k_anon}, {res.get('rare_records')} records in classes < {res.get('k')}"
        elif step.get("spent"):
            what = f"{step['rows']} rows, epsilon {step['spent']['epsilon']:.3g} spent"
        else:
            what = f"{step.get('rows')} rows" + (
                f", {res.get('records_modified')} records modified" if "records_modified" in res else ""
            )
        lines.append(
            f"{step['step'][:28]:<28} {step['use'][:22]:<22} {step['kind']:<12} {step['seconds']:>8.2f}  {what}"
        )
    s = report["summary"]
    lines.append(
        "verdict: " + s["verdict"].upper() + " (" + ", ".join(f"{k} {v}" for k, v in s["verdicts"].items()) + ")"
    )
    return lines


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    out = Path(args.out)
    result = run_demo(engine, out, force=args.force, rows=args.rows, seed=args.seed)
    for line in summary_lines(result.report):
        print(line)
    if not result.ok:
        print(f"error: demo failed: {result.error}", file=sys.stderr)
        print(f"report: {out / 'internal' / 'report.html'}")
        return 1
    print(f"release (safe to publish): {out / 'release'}")
    print(f"report: {out / 'internal' / 'report.html'} (full evaluation, not for publication)")
    return 0
