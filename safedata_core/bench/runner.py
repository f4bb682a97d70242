"""Run benchmark jobs: fit on the train split, sample, evaluate on the holdout; serially, in processes or on Dask.

Each job builds its own :class:`~safedata_core.Engine` (so it can run in another
process or on a Dask worker), loads its dataset, fits the synthesizer with a
fresh ledger (epsilon ``inf`` = non-private fit: ``params.dp = False`` and no
budget), samples as many rows as the train split has, and evaluates. Figures
come from registered components when they are installed and report them
(``tstr``, ``detection``, ``marginal_2way``, ``membership_inference``,
``dcr``), otherwise from :mod:`safedata_core.bench.evaluate`; the row's
``evaluators`` column says which, and ``evaluator_errors`` holds the error of
every registered component that failed (its figure then comes from the
built-in fallback). ``grid.fast`` asks for a lighter evaluation (see
:data:`FAST_EVALUATION`). ``grid.eps_lower_runs`` adds the optional
``eps_lower`` column: the empirical DP audit of :mod:`safedata_core.dpaudit`
run on ``grid.eps_lower_rows`` rows of the train split for every DP row
(``None`` for non-private rows; an audit error goes to ``evaluator_errors``).
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from safedata_core.bench import evaluate as ev
from safedata_core.bench.grid import BenchGrid, BenchJob
from safedata_core.errors import SafedataError

__all__ = ["FAST_EVALUATION", "METRIC_COLUMNS", "OPTIONAL_COLUMNS", "run_grid", "run_job"]

METRIC_COLUMNS: tuple[str, ...] = (
    "tstr_auc",
    "fidelity_1way",
    "fidelity_2way",
    "detection_auc",
    "exact_copy_rate",
    "mia_auc",
    "fit_seconds",
    "sample_seconds",
    "peak_memory_mb",
)
#: columns a row has only when the grid asks for them
OPTIONAL_COLUMNS: tuple[str, ...] = ("eps_lower",)
#: parameters offered to the evaluating components when ``grid.fast`` is set (each takes those it has)
FAST_EVALUATION: dict[str, Any] = {"max_iter": 20, "max_rows": 2000, "n_attacks": 200, "n_samples": 1000}
_ENGINES: dict[tuple[str, ...], Any] = {}


def _engine(plugins: tuple[str, ...]) -> Any:
    from safedata_core import Engine

    if plugins not in _ENGINES:
        _ENGINES[plugins] = Engine(plugins=list(plugins))
    return _ENGINES[plugins]


def _split(engine: Any, grid: BenchGrid, dataset: str, seed: int) -> tuple[Any, Any]:
    train = engine.read_table(dataset)
    if dataset == "builtin:adult":
        holdout = engine.read_table("builtin:adult_test")
    else:
        idx = np.random.default_rng(seed).permutation(len(train))
        cut = max(1, int(len(train) * 0.2))
        holdout = train.with_df(train.df.iloc[np.sort(idx[:cut])].reset_index(drop=True))
        train = train.with_df(train.df.iloc[np.sort(idx[cut:])].reset_index(drop=True))
    if grid.rows is not None:
        if grid.rows < len(train):
            train = train.with_df(train.df.sample(grid.rows, random_state=seed).reset_index(drop=True))
        if grid.rows < len(holdout):
            holdout = holdout.with_df(holdout.df.sample(grid.rows, random_state=seed + 1).reset_index(drop=True))
    return train, holdout


def _label(grid: BenchGrid, train: Any) -> str:
    if grid.label:
        train.require_columns([grid.label], where="bench label")
        return grid.label
    if "income" in train.columns:
        return "income"
    cats = [c for c, m in train.metadata.columns.items() if m.type in ("categorical", "boolean")]
    if not cats:
        raise SafedataError("bench: no categorical column to use as the TSTR label (give --label COLUMN)")
    return cats[-1]


def _registered(engine: Any, name: str, kind: str) -> Any | None:
    try:
        info = engine.registry.get(name)
    except Exception:
        return None
    return info if info.kind == kind else None


def _from_details(details: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    """The first finite number among ``details[key]`` for ``keys``; a key may be a dotted path (``tstr.roc_auc``)."""
    for k in keys:
        v: Any = details
        for part in k.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v)):
            return float(v)
    return None


def _evaluate(
    engine: Any, train: Any, holdout: Any, synth: Any, label: str, seed: int, *, fast: bool = False
) -> tuple[dict[str, float], str, str]:
    """The row's figures, the registered components that gave them, and the errors of those that failed."""
    from safedata_core.components.params import fit_params

    offered = {"label": label, "target_column": label, "label_column": label, **(FAST_EVALUATION if fast else {})}
    out: dict[str, float] = {}
    used: list[str] = []
    errors: list[str] = []

    def component(name: str, kind: str, pick: Callable[[Any], float | None]) -> float | None:
        info = _registered(engine, name, kind)
        if info is None:
            return None
        params = fit_params(info.cls.Params, offered)
        if params is None:
            errors.append(f"{name}: its parameters do not validate with {sorted(offered)}")
            return None
        try:
            comp = info.cls(params)
            res = (
                comp.compute(train, synth, holdout=holdout, seed=seed)
                if kind == "metric"
                else comp.run(train, synth, holdout, seed=seed)
            )
            value = pick(res)
        except Exception as exc:  # the built-in fallback gives the figure; the error stays visible in the row
            msg = str(exc).splitlines()[0] if str(exc) else ""
            errors.append(f"{name}: {type(exc).__name__}: {msg}"[:200])
            return None
        if value is not None:
            used.append(name)
        else:
            errors.append(f"{name}: reported no usable figure")
        return value

    real, fake, hold = train.df, synth.df, holdout.df
    iters = {"max_iter": FAST_EVALUATION["max_iter"]} if fast else {}
    tstr = component(
        "tstr", "metric", lambda r: _from_details(r.details, ("tstr.roc_auc", "auc", "roc_auc", "tstr_auc"))
    )
    out["tstr_auc"] = tstr if tstr is not None else ev.tstr_auc(fake, hold, label, seed=seed, **iters)
    out["fidelity_1way"] = ev.fidelity_1way(real, fake)
    two = component("marginal_2way", "metric", lambda r: float(r.score) if math.isfinite(r.score) else None)
    out["fidelity_2way"] = two if two is not None else ev.fidelity_2way(real, fake)
    det = component("detection", "metric", lambda r: _from_details(r.details, ("auc", "roc_auc", "detection_auc")))
    out["detection_auc"] = det if det is not None else ev.detection_auc(real, fake, seed=seed, **iters)
    dcr = component(
        "dcr",
        "attack",
        lambda r: _from_details(r.details, ("exact_copy_rate", "exact_match_rate", "exact_matches", "share_exact")),
    )
    out["exact_copy_rate"] = dcr if dcr is not None else ev.exact_copy_rate(real, fake)
    mia = component(
        "membership_inference",
        "attack",
        lambda r: _from_details(r.details, (f"{r.details.get('method')}.auc", "auc", "roc_auc")),
    )
    out["mia_auc"] = mia if mia is not None else ev.mia_auc(real, hold, fake, seed=seed)
    return out, ",".join(used) or "builtin", "; ".join(errors)


def run_job(job: BenchJob, grid: BenchGrid) -> dict[str, Any]:
    """Fit, sample and evaluate one combination; errors become a row with ``status`` = the error."""
    from safedata_core.privacy import Budget, Ledger

    row: dict[str, Any] = {
        "dataset": job.dataset,
        "synthesizer": job.synthesizer,
        "epsilon": job.epsilon,
        "repeat": job.repeat,
        "seed": job.seed,
        "status": "ok",
        "epsilon_spent": None,
        **dict.fromkeys(METRIC_COLUMNS),
        "evaluators": "",
        "evaluator_errors": "",
    }
    if grid.eps_lower_runs is not None:
        row["eps_lower"] = None
    try:
        engine = _engine(tuple(grid.plugins))
        info = engine.registry.get(job.synthesizer)
        if info.kind != "synthesizer":
            raise SafedataError(f"bench: '{job.synthesizer}' is a {info.kind}, not a synthesizer")
        train, holdout = _split(engine, grid, job.dataset, job.seed)
        label = _label(grid, train)
        params = dict(grid.params.get(job.synthesizer, {}))
        private = not math.isinf(job.epsilon)
        budget = None
        if private:
            if info.privacy != "dp":
                row["status"] = "skipped: not a DP synthesizer (use epsilon inf)"
                return row
            from safedata_core.privacy.accountants import accountant_names

            accountant = "rdp" if "rdp" in accountant_names() else "basic"
            ledger = Ledger(Budget(job.epsilon, grid.delta), accountant=accountant)
            budget = ledger.share("synth", job.synthesizer, Budget(job.epsilon, grid.delta))
        elif "dp" in info.cls.Params.model_fields:
            params["dp"] = False
        synth_cls = info.cls
        model = synth_cls(params)
        tracemalloc.start()
        t0 = time.perf_counter()
        model.fit(train, budget=budget, seed=job.seed)
        t1 = time.perf_counter()
        synth = model.sample(len(train), seed=job.seed + 1)
        t2 = time.perf_counter()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        row.update(
            fit_seconds=t1 - t0,
            sample_seconds=t2 - t1,
            peak_memory_mb=peak / 2**20,
            epsilon_spent=budget.spent().epsilon if budget is not None else math.inf,
        )
        scores, used, errors = _evaluate(engine, train, holdout, synth, label, job.seed, fast=grid.fast)
        row.update(scores, evaluators=used, evaluator_errors=errors)
        if grid.eps_lower_runs is not None and private:
            row["eps_lower"], audit_error = _eps_lower(synth_cls, params, train, job, grid)
            if audit_error:
                row["evaluator_errors"] = "; ".join(e for e in (row["evaluator_errors"], audit_error) if e)
    except Exception as exc:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        row["status"] = f"error: {type(exc).__name__}: {msg}"[:300]
    return row


def _eps_lower(cls: Any, params: dict[str, Any], train: Any, job: BenchJob, grid: BenchGrid) -> tuple[Any, str]:
    """The empirical DP audit's epsilon lower bound for this row, or ``(None, error)``."""
    from safedata_core.dpaudit import run_audit

    rows = min(grid.eps_lower_rows, len(train))
    table = train.with_df(train.df.sample(rows, random_state=job.seed).reset_index(drop=True))
    try:
        res = run_audit(
            cls,
            params=params,
            table=table,
            runs=int(grid.eps_lower_runs or 0),
            epsilon=job.epsilon,
            delta=grid.delta,
            seed=job.seed,
            progress=False,
        )
    except Exception as exc:  # the row keeps its other figures; the error stays visible
        msg = str(exc).splitlines()[0] if str(exc) else ""
        return None, f"dp-audit: {type(exc).__name__}: {msg}"[:200]
    return res.eps_lower, ""


def _run_job_args(args: tuple[BenchJob, BenchGrid]) -> dict[str, Any]:
    return run_job(*args)


def run_grid(
    grid: BenchGrid, *, jobs: int = 1, dask: str | None = None, progress: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Run every job of ``grid``: in this process, in ``jobs`` processes, or on a Dask cluster."""
    todo = grid.jobs()
    rows: list[dict[str, Any]] = []

    def done(row: dict[str, Any]) -> None:
        rows.append(row)
        if progress is not None:
            progress(row)

    if dask is not None:
        from contextlib import nullcontext

        from safedata_core.execution import active_session, dask_session

        current = active_session()  # an open session (e.g. a caller's cluster) is used as is
        with nullcontext(current) if current is not None else dask_session(dask, workers=max(jobs, 2)) as session:
            from dask.distributed import as_completed

            futures = session.client.map(_run_job_args, [(j, grid) for j in todo], pure=False)
            for fut in as_completed(futures):
                done(fut.result())
    elif jobs > 1:
        import multiprocessing as mp

        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            for row in pool.map(_run_job_args, [(j, grid) for j in todo]):
                done(row)
    else:
        for j in todo:
            done(run_job(j, grid))
    order = {(j.dataset, j.synthesizer, j.epsilon, j.repeat): i for i, j in enumerate(todo)}
    return sorted(rows, key=lambda r: order[(r["dataset"], r["synthesizer"], r["epsilon"], r["repeat"])])
