"""One trial: fit (or apply) a configuration on the training part, release, score on the held-out part.

``run_trial`` is a plain function of picklable arguments, so trials run in
this process, in local processes or on Dask workers like bench jobs. Modes:

* ``private``: the fit gets a :class:`~safedata_core.tune.capped.CappedShare`
  (zCDP ``rho``) on a scratch ledger and the score is a DP computation on a
  second capped share (the held-out records are disjoint from the training
  ones, split by a keyed per-record hash: parallel composition). Only the
  selection's bound is charged to the tune's ledger (see ``search``).
* ``dp`` (public mode on proxy data, and the final run): a DP fit at the given
  (epsilon, delta) on a ledger of its own; exact scores (the data is public,
  or the figures are internal evaluation).
* ``nonprivate``: ``dp: false`` fits and SDC methods; exact scores.
"""

from __future__ import annotations

import math
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Literal

from safedata_core.tune.space import Config

__all__ = ["TrialJob", "TrialResult", "run_trial"]

TrialMode = Literal["private", "dp", "nonprivate"]


@dataclass
class TrialJob:
    """Everything a trial needs (picklable)."""

    index: int
    config: Config
    mode: TrialMode
    train: Any  # Table
    holdout: Any  # Table
    label: str
    weights: dict[str, float]
    epsilon: float = math.inf
    delta: float = 0.0
    rho: float = 0.0
    rows: int | None = None
    bins: int = 20
    fidelity_columns: int = 6
    evaluate_risk: bool = False
    seed: int = 0
    plugins: tuple[str, ...] = ()
    keep_release: bool = False


@dataclass
class TrialResult:
    index: int
    config: Config
    status: str = "ok"
    scores: dict[str, float] = field(default_factory=dict)
    objective: float = math.nan
    epsilon: float = 0.0
    seconds: float = 0.0
    constraints: dict[str, Any] = field(default_factory=dict)
    release: Any = None  # Table, kept only when asked
    ledger: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        return {
            "trial": self.index,
            "use": self.config.use,
            "params": self.config.params,
            "status": self.status,
            "epsilon": self.epsilon,
            "objective": self.objective,
            **{f"score_{k}": v for k, v in self.scores.items()},
            **self.constraints,
            "seconds": self.seconds,
        }


_ENGINES: dict[tuple[str, ...], Any] = {}


def _registry(plugins: tuple[str, ...]) -> Any:
    from safedata_core import Engine

    if plugins not in _ENGINES:
        _ENGINES[plugins] = Engine(plugins=list(plugins))
    return _ENGINES[plugins].registry


def _release(job: TrialJob, info: Any, result: TrialResult) -> tuple[Any, Any]:
    """(released table, the fit's share or None)."""
    from safedata_core.privacy import Budget, Ledger
    from safedata_core.tune.capped import capped_share

    params = dict(job.config.params)
    if info.kind == "sdc":
        if job.mode == "private":
            raise ValueError("SDC methods are not DP: not in private mode")
        return info.cls(params).apply(job.train, seed=job.seed).table, None
    share: Any = None
    if job.mode == "private":
        share = capped_share("synth", job.config.use, job.rho, job.delta)
    elif job.mode == "dp":
        ledger = Ledger(Budget(job.epsilon, job.delta), accountant="rdp")
        share = ledger.share("synth", job.config.use, Budget(job.epsilon, job.delta))
    elif "dp" in info.cls.Params.model_fields:
        params["dp"] = False
    model = info.cls(params)
    model.fit(job.train, budget=share, seed=job.seed)
    n = job.rows
    if share is not None:
        n = n or model.estimated_rows()
        if n is None:
            raise ValueError(f"{job.config.use} gives no DP row count: set data.rows")
    n = int(n or len(job.train))
    return model.sample(n, seed=job.seed + 1), share


def run_trial(job: TrialJob) -> TrialResult:
    """Run one trial; errors become its status (the search goes on)."""
    from safedata_core.tune.capped import capped_share, trial_ledger_dict
    from safedata_core.tune.objective import Scorer, combine, risk_and_sdc

    result = TrialResult(job.index, job.config)
    t0 = time.perf_counter()
    try:
        info = _registry(job.plugins).get(job.config.use)
        release, share = _release(job, info, result)
        score_share = capped_share("score", "tune", job.rho, job.delta) if job.mode == "private" else None
        scorer = Scorer(job.label, job.weights, bins=job.bins, columns=job.fidelity_columns, seed=job.seed)
        result.scores = scorer.score(release.df, job.holdout.df, score_share)
        result.objective = combine(result.scores, job.weights)
        if share is not None:
            result.epsilon = float(share.spent().epsilon)
            result.ledger = trial_ledger_dict(share) if job.mode == "private" else share._ledger.to_dict()
        if job.evaluate_risk:
            result.constraints = risk_and_sdc(
                _registry(job.plugins), job.train, job.holdout, release, list(job.train.metadata.quasi_identifiers)
            )
        if job.keep_release:
            result.release = release
    except Exception as exc:  # a failed trial scores nothing; its error stays visible in trials.csv
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        result.status = f"error: {type(exc).__name__}: {msg}"[:300]
        if job.mode == "private" and "cap" not in msg:
            result.status += " | " + traceback.format_exc(limit=1).splitlines()[-1][:100]
    result.seconds = time.perf_counter() - t0
    return result
