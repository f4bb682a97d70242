"""The three tuning modes: where the trials run, what they cost, what is released.

* ``public``: Bayesian search (scikit-optimize ``Optimizer``, ask/tell,
  constraints as penalties) on the user's public/proxy data, every trial a DP
  fit at the full budget on the proxy; then the chosen configuration runs once
  on the private data. Only that run is charged.
* ``private``: Papernot & Steinke (2022). The ledger is charged the bound of
  :mod:`safedata_core.privacy.hyperparameter` for the whole selection; the
  number of trials ``K`` is drawn from the secure noise source; the ``K``
  configurations are drawn at random from the space (random search: the
  theorem covers repeated runs of one mechanism, so no trial may depend on an
  earlier one's private score); each trial is ``rho``-zCDP (fit and DP score on
  disjoint parts); only the best trial's release is released.
* ``nonprivate``: Bayesian search on the data itself with ``dp: false`` fits and
  SDC methods; the result is not DP and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from safedata_core.errors import SafedataError
from safedata_core.tune.space import Config, SearchSpace
from safedata_core.tune.spec import TuneSpec
from safedata_core.tune.trial import TrialJob, TrialResult, run_trial

__all__ = ["TuneResult", "penalised", "run_tune"]

MODE_TEXT = {
    "public": "public: tuned on public/proxy data; only the final run on the private data is charged",
    "private": "private: DP hyperparameter selection (Papernot & Steinke 2022); the whole selection is charged",
    "nonprivate": "nonprivate: NOT differentially private (tuned and released without DP)",
}


@dataclass
class TuneResult:
    """What a tune found and spent."""

    mode: str
    spec: TuneSpec
    trials: list[TrialResult]
    best: TrialResult | None
    release: Any  # Table or None
    ledger: dict[str, Any] | None
    epsilon_spent: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def best_config(self) -> Config | None:
        return self.best.config if self.best is not None else None

    @property
    def dp(self) -> bool:
        return self.mode != "nonprivate" and not (self.best is not None and self.best.epsilon == 0)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "mode": self.mode,
            "mode_text": MODE_TEXT[self.mode],
            "dp": self.dp,
            "budget": self.spec.privacy.model_dump() if self.spec.privacy else None,
            "epsilon_spent": self.epsilon_spent,
            "trials_run": len(self.trials),
            "best": None
            if self.best is None
            else {
                "use": self.best.config.use,
                "params": self.best.config.params,
                "objective": self.best.objective,
                "trial": self.best.index,
            },
            **self.details,
        }


def penalised(result: TrialResult, spec: TuneSpec) -> float:
    """The objective minus ``penalty`` times each relative constraint violation (``-inf`` for failed trials)."""
    if result.status != "ok" or not math.isfinite(result.objective):
        return -math.inf
    c, value = spec.constraints, result.objective
    violations: list[float] = []
    if c.max_seconds is not None:
        violations.append(max(0.0, result.seconds / c.max_seconds - 1.0))
    if c.max_risk is not None and "risk" in result.constraints:
        violations.append(max(0.0, result.constraints["risk"] / c.max_risk - 1.0))
    if c.min_k is not None and "k" in result.constraints:
        violations.append(max(0.0, 1.0 - result.constraints["k"] / c.min_k))
    if c.max_suppression is not None and "suppression" in result.constraints:
        violations.append(max(0.0, result.constraints["suppression"] - c.max_suppression))
    result.constraints["penalty"] = c.penalty * sum(violations)
    return value - c.penalty * sum(violations)


def _label(spec: TuneSpec, table: Any) -> str:
    if spec.data.label:
        table.require_columns([spec.data.label], where="tune data.label")
        return spec.data.label
    if "income" in table.columns:
        return "income"
    cats = [c for c, m in table.metadata.columns.items() if m.type in ("categorical", "boolean")]
    if not cats:
        raise SafedataError("tune: no categorical column to predict; give data.label")
    return str(cats[-1])


def _subsample(table: Any, rows: int | None, seed: int) -> Any:
    if rows is None or rows >= len(table):
        return table
    return table.with_df(table.df.sample(rows, random_state=seed).reset_index(drop=True))


def _public_split(table: Any, fraction: float, seed: int) -> tuple[Any, Any]:
    idx = np.random.default_rng(seed).permutation(len(table))
    cut = max(1, int(len(table) * fraction))
    hold = table.with_df(table.df.iloc[np.sort(idx[:cut])].reset_index(drop=True))
    return table.with_df(table.df.iloc[np.sort(idx[cut:])].reset_index(drop=True)), hold


def _execute(jobs: list[TrialJob], spec: TuneSpec) -> Iterator[TrialResult]:
    """Run trials like bench runs its jobs: here, in local processes, or on Dask."""
    if spec.dask is not None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise SafedataError("tune dask: needs dask.distributed: pip install 'dask[distributed]'") from None
        cluster: Any = None
        if spec.dask == "local":
            cluster = LocalCluster(n_workers=spec.jobs, threads_per_worker=1)  # type: ignore[no-untyped-call]
        client = Client(cluster) if cluster is not None else Client(spec.dask)  # type: ignore[no-untyped-call]
        try:
            yield from client.gather(client.map(run_trial, jobs, pure=False))  # type: ignore[no-untyped-call]
        finally:
            client.close()  # type: ignore[no-untyped-call]
            if cluster is not None:
                cluster.close()
    elif spec.jobs > 1 and len(jobs) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=spec.jobs, mp_context=mp.get_context("spawn")) as pool:
            yield from pool.map(run_trial, jobs)
    else:
        for job in jobs:
            yield run_trial(job)


def _bayesian(spec: TuneSpec, space: SearchSpace, make_job: Callable[[int, Config], TrialJob]) -> list[TrialResult]:
    """Ask/tell Bayesian search (GP; random first points) with penalised objectives, ``jobs`` points at a time."""
    import warnings

    from safedata_core.tune.space import require_skopt

    require_skopt()
    from skopt import Optimizer

    opt = Optimizer(
        space.dimensions(),
        base_estimator="GP",
        n_initial_points=min(spec.trials.initial, spec.trials.calls),
        random_state=spec.seed,
    )
    results: list[TrialResult] = []
    while len(results) < spec.trials.calls:
        n = min(spec.jobs, spec.trials.calls - len(results))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skopt warns when it re-proposes a point
            points = opt.ask(n_points=n) if n > 1 else [opt.ask()]
        jobs = [make_job(len(results) + i, space.decode(list(p))) for i, p in enumerate(points)]
        batch = list(_execute(jobs, spec))
        values = [penalised(r, spec) for r in batch]
        finite = [v for v in values if math.isfinite(v)]
        worst = min(finite) - 1.0 if finite else -1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.tell([list(p) for p in points], [-(v if math.isfinite(v) else worst) for v in values])
        results.extend(batch)
    return results


def _best(results: list[TrialResult], spec: TuneSpec) -> TrialResult | None:
    scored = [(penalised(r, spec), r) for r in results]
    scored = [(v, r) for v, r in scored if math.isfinite(v)]
    return max(scored, key=lambda vr: vr[0])[1] if scored else None


def _job(spec: TuneSpec, base: dict[str, Any], index: int, config: Config, **kw: Any) -> TrialJob:
    return TrialJob(
        index=index,
        config=config,
        weights=spec.objective.weights(),
        bins=spec.objective.bins,
        fidelity_columns=spec.objective.fidelity_columns,
        seed=spec.seed + 1000 * index,
        plugins=tuple(spec.plugins),
        **base,
        **kw,
    )


def run_tune(spec: TuneSpec, *, engine: Any = None) -> TuneResult:
    """Run a validated tune; returns the trials, the best configuration, its release and the ledger."""
    from safedata_core import Engine
    from safedata_core.privacy import Budget, Ledger

    engine = engine or Engine(plugins=list(spec.plugins))
    space = SearchSpace(spec.search, engine.registry)
    private = _subsample(engine.read_table(spec.data.source, spec.data.metadata), spec.data.rows, spec.seed)
    label = _label(spec, private)
    ledger = Ledger(Budget(spec.privacy.epsilon, spec.privacy.delta)) if spec.privacy else None
    eps = spec.privacy.epsilon if spec.privacy else math.inf
    delta = spec.privacy.delta if spec.privacy else 0.0
    if spec.mode == "private":
        assert ledger is not None
        return _private(spec, space, private, label, ledger)
    if spec.mode == "public":
        assert spec.data.proxy is not None
        proxy = _subsample(engine.read_table(spec.data.proxy, spec.data.metadata), spec.data.rows, spec.seed + 1)
        train, hold = _public_split(proxy, spec.data.holdout, spec.seed)
    else:
        train, hold = _public_split(private, spec.data.holdout, spec.seed)
    risk = spec.constraints.max_risk is not None or spec.constraints.min_k is not None
    risk = risk or spec.constraints.max_suppression is not None
    base = dict(train=train, holdout=hold, label=label, epsilon=eps, delta=delta, evaluate_risk=risk)
    mode = "dp" if spec.mode == "public" else "nonprivate"
    trials = _bayesian(spec, space, lambda i, c: _job(spec, base, i, c, mode=mode))
    best = _best(trials, spec)
    release, final = None, None
    if best is not None:
        final = _final_run(spec, best.config, private, ledger, engine)
        release = final
    spent = ledger.spent().epsilon if ledger is not None else math.inf
    details = {"trials_charged": False, "final_run": "charged" if ledger is not None else "not DP"}
    return TuneResult(spec.mode, spec, trials, best, release, ledger.to_dict() if ledger else None, spent, details)


def _final_run(spec: TuneSpec, config: Config, table: Any, ledger: Any, engine: Any) -> Any:
    """Run ``config`` once on the private data (charged to ``ledger`` when DP; a multi-step candidate's
    parts each on their fraction of the budget)."""
    from safedata_core.privacy import Budget
    from safedata_core.tune.trial import mixture

    parts = config.parts()
    infos = [engine.registry.get(p.use) for p in parts]
    if infos[0].kind == "sdc":
        return infos[0].cls(dict(config.params)).apply(table, seed=spec.seed).table
    fitted: list[tuple[Any, dict[str, Any], Any, float]] = []
    for j, (part, info) in enumerate(zip(parts, infos, strict=True)):
        params, share = dict(part.params), None
        if ledger is not None and ledger.budget is not None:
            f, step = part.fraction, "final" if len(parts) == 1 else f"final.{j}"
            share = ledger.share(step, part.use, Budget(ledger.budget.epsilon * f, ledger.budget.delta * f))
        elif "dp" in info.cls.Params.model_fields:
            params["dp"] = False
        fitted.append((info, params, share, part.fraction))
    if len(fitted) > 1:
        return mixture(fitted, table, spec.data.rows if ledger is None else None, spec.seed)
    info, params, share, _ = fitted[0]
    model = info.cls(params)
    model.fit(table, budget=share, seed=spec.seed)
    n = model.estimated_rows() if share is not None else len(table)
    if n is None:
        raise SafedataError(f"tune: {config.use} gives no DP row count for the final release")
    return model.sample(int(n), seed=spec.seed + 1)


def _private(spec: TuneSpec, space: SearchSpace, private: Any, label: str, ledger: Any) -> TuneResult:
    from safedata_core.pipeline.holdout import holdout_key, split_holdout
    from safedata_core.privacy import Budget
    from safedata_core.privacy.hyperparameter import TrialDistribution, calibrate_rho, sample_trials, tuning_event

    assert spec.privacy is not None
    eps, delta = spec.privacy.epsilon, spec.privacy.delta
    if delta <= 0:
        raise SafedataError("tune private: the selection bound is in Rényi DP: give privacy.delta > 0")
    t = spec.trials
    dist = TrialDistribution(t.distribution, t.mean, t.eta)
    rho = calibrate_rho(eps, delta, dist)
    share = ledger.share("tuning", "tune", Budget(eps, delta))
    # K first (data-independent, from the secure source), then the charge, before anything touches the data
    k = sample_trials(dist, share.noise.generator)
    if k > t.max_trials:
        raise SafedataError(
            f"tune private: drew {k} trials, above trials.max_trials={t.max_trials}; raise max_trials "
            "(stopping early would break the selection bound)"
        )
    share.record(tuning_event(rho, dist, delta, trials=k), note=f"best of {k} trials ({dist.name})")
    train, hold = split_holdout(private, spec.data.holdout, holdout_key(spec.seed, secret=True))
    base = dict(train=train, holdout=hold, label=label, delta=delta, rho=rho, rows=spec.data.rows, keep_release=True)
    configs = space.sample(k, spec.seed) if k else []
    trials = list(_execute([_job(spec, base, i, c, mode="private") for i, c in enumerate(configs)], spec))
    best = _best(trials, spec)
    release = best.release if best is not None else None
    for r in trials:
        r.release = None
    details = {
        "trials_charged": True,
        "distribution": dist.to_params() | ({"gamma": dist.gamma} if dist.name != "poisson" else {}),
        "trials_drawn": k,
        "rho_per_trial": rho,
        "epsilon_per_trial": _rho_eps(rho, delta),
    }
    return TuneResult("private", spec, trials, best, release, ledger.to_dict(), ledger.spent().epsilon, details)


def _rho_eps(rho: float, delta: float) -> float:
    from safedata_core.tune.capped import rho_epsilon

    return rho_epsilon(rho, delta)
