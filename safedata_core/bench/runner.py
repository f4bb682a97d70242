"""Run benchmark jobs: fit on the train split, sample, evaluate on the holdout; serially, in processes or on Dask.

Each job builds its own :class:`~safedata_core.Engine` (so it can run in another
process or on a Dask worker), loads its dataset, fits the synthesizer with a
fresh ledger (epsilon ``inf`` = non-private fit: ``params.dp = False`` and no
budget), samples as many rows as the train split has, and evaluates it
with the registered metrics and attacks (:mod:`safedata_core.bench.evaluate`);
the row's ``evaluators`` column names the components that gave figures and
``evaluator_errors`` says why any figure is missing. ``grid.fast`` asks for a
lighter evaluation (see :data:`FAST_EVALUATION`). ``grid.eps_lower_runs`` adds
the optional ``eps_lower`` column: the empirical DP audit of
:mod:`safedata_core.dpaudit` run on ``grid.eps_lower_rows`` rows of the train
split for every DP row (``None`` for non-private rows; an audit error goes to
``evaluator_errors``).

Datasets are read with their metadata (``grid.metadata_for``). With
``grid.public_domain_from_data`` every domain still inferred from the data is
treated as public: for benchmarking only, the row is marked
``domains_from_data`` and is not an end-to-end DP result.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any

import numpy as np

from safedata_core.bench import evaluate as ev
from safedata_core.bench.evaluate import FAST_EVALUATION
from safedata_core.bench.grid import BenchGrid, BenchJob
from safedata_core.components.synthesizer import Synthesizer
from safedata_core.errors import SafedataError

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.engine import Engine

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
_ENGINES: dict[tuple[str, ...], Engine] = {}


def _engine(plugins: tuple[str, ...]) -> Engine:
    from safedata_core import Engine

    if plugins not in _ENGINES:
        _ENGINES[plugins] = Engine(plugins=list(plugins))
    return _ENGINES[plugins]


def _split(engine: Engine, grid: BenchGrid, dataset: str, seed: int) -> tuple[Table, Table]:
    metadata = grid.metadata_for(dataset)
    train = engine.read_table(dataset, metadata)
    if grid.public_domain_from_data:  # benchmarking only: the row is marked, not an end-to-end DP result
        from safedata_core.data import Table
        from safedata_core.data.review import confirm_metadata

        train = Table(train.df, confirm_metadata(train.metadata))
    if dataset == "builtin:adult":
        holdout = engine.read_table("builtin:adult_test", metadata)
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


def _label(grid: BenchGrid, train: Table) -> str:
    if grid.label:
        train.require_columns([grid.label], where="bench label")
        return grid.label
    if "income" in train.columns:
        return "income"
    cats = [c for c, m in train.metadata.columns.items() if m.type in ("categorical", "boolean")]
    if not cats:
        raise SafedataError("bench: no categorical column to use as the TSTR label (give --label COLUMN)")
    return str(cats[-1])


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
        "domains_from_data": bool(grid.public_domain_from_data),
    }
    if grid.eps_lower_runs is not None:
        row["eps_lower"] = None
    try:
        engine = _engine(tuple(grid.plugins))
        info = engine.registry.get(job.synthesizer)
        synth_cls = info.cls
        if not issubclass(synth_cls, Synthesizer):
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
        scores, used, errors = ev.evaluate(engine.registry, train, holdout, synth, label, job.seed, fast=grid.fast)
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


def _eps_lower(
    cls: type[Synthesizer[Any]], params: dict[str, Any], train: Table, job: BenchJob, grid: BenchGrid
) -> tuple[float | None, str]:
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


def _drain(pool: Executor, todo: list[BenchJob], grid: BenchGrid, done: Callable[[dict[str, Any]], None]) -> None:
    """Submit every job to ``pool`` (processes, or a Dask client's executor) and pass on each row as it finishes."""
    for fut in as_completed([pool.submit(run_job, j, grid) for j in todo]):
        done(fut.result())


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
            executor: Executor = session.client.get_executor(pure=False)  # a concurrent.futures executor
            _drain(executor, todo, grid, done)
    elif jobs > 1:
        import multiprocessing as mp

        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            _drain(pool, todo, grid, done)
    else:
        for j in todo:
            done(run_job(j, grid))
    order = {(j.dataset, j.synthesizer, j.epsilon, j.repeat): i for i, j in enumerate(todo)}
    return sorted(rows, key=lambda r: order[(r["dataset"], r["synthesizer"], r["epsilon"], r["repeat"])])
