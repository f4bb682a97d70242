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

__all__ = ["TrialJob", "TrialResult", "mixture", "run_trial"]

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


def _fit_sample(info: Any, params: dict[str, Any], train: Any, share: Any, rows: int | None, seed: int) -> Any:
    """A fitted model's sample of ``rows`` (``None``: its DP row estimate, or the input size without DP)."""
    model = info.cls(params)
    model.fit(train, budget=share, seed=seed)
    n = rows
    if share is not None:
        n = n or model.estimated_rows()
        if n is None:
            raise ValueError(f"{info.name} gives no DP row count: set data.rows")
    return model.sample(int(n or len(train)), seed=seed + 1)


def mixture(parts: list[tuple[Any, dict[str, Any], Any, float]], train: Any, rows: int | None, seed: int) -> Any:
    """The release of a multi-step candidate: each ``(info, params, share, fraction)`` fits ``train`` on its
    share and samples its fraction of the rows (the total: ``rows`` or the DP row estimate of the step with
    the largest fraction); the samples are concatenated and shuffled (post-processing only)."""
    import numpy as np
    import pandas as pd

    models = []
    for j, (info, params, share, _) in enumerate(parts):
        model = info.cls(params)
        model.fit(train, budget=share, seed=seed + 7919 * j)
        models.append(model)
    fractions = np.array([p[3] for p in parts], dtype=float)
    total = rows or models[int(np.argmax(fractions))].estimated_rows()
    if total is None:
        raise ValueError(f"{parts[int(np.argmax(fractions))][0].name} gives no DP row count: set data.rows")
    counts = np.floor(fractions / fractions.sum() * int(total)).astype(int)
    counts[int(np.argmax(fractions))] += int(total) - int(counts.sum())
    frames = [
        m.sample(int(c), seed=seed + 7919 * j + 1) for j, (m, c) in enumerate(zip(models, counts, strict=True)) if c > 0
    ]
    df = pd.concat([f.df for f in frames], ignore_index=True)
    df = df.iloc[np.random.default_rng(seed).permutation(len(df))].reset_index(drop=True)
    return frames[0].with_df(df)


def _release(job: TrialJob, registry: Any) -> tuple[Any, list[Any]]:
    """(released table, the fits' shares)."""
    from safedata_core.privacy import Budget, Ledger
    from safedata_core.tune.capped import capped_share

    parts = job.config.parts()
    infos = [registry.get(p.use) for p in parts]
    if infos[0].kind == "sdc":
        if job.mode == "private":
            raise ValueError("SDC methods are not DP: not in private mode")
        return infos[0].cls(dict(parts[0].params)).apply(job.train, seed=job.seed).table, []
    shares: list[Any] = []
    ledger = Ledger(Budget(job.epsilon, job.delta), accountant="rdp") if job.mode == "dp" else None
    fitted: list[tuple[Any, dict[str, Any], Any, float]] = []
    for j, (part, info) in enumerate(zip(parts, infos, strict=True)):
        step = "synth" if len(parts) == 1 else f"synth.{j}"
        params = dict(part.params)
        share: Any = None
        if job.mode == "private":  # zCDP composes by adding rho: the parts together stay under the trial's cap
            share = capped_share(step, part.use, job.rho * part.fraction, job.delta)
        elif ledger is not None:
            f = part.fraction
            share = ledger.share(step, part.use, Budget(job.epsilon * f, job.delta * f))
        elif "dp" in info.cls.Params.model_fields:
            params["dp"] = False
        shares.append(share)
        fitted.append((info, params, share, part.fraction))
    if len(fitted) == 1:
        info, params, share, _ = fitted[0]
        return _fit_sample(info, params, job.train, share, job.rows, job.seed), shares
    return mixture(fitted, job.train, job.rows, job.seed), shares


def _spent(job: TrialJob, shares: list[Any]) -> tuple[float, dict[str, Any] | None]:
    """(epsilon of the trial's fits composed, their ledger(s)) at the trial's delta."""
    from safedata_core.privacy.rdp import RDPAccountant
    from safedata_core.tune.capped import trial_ledger_dict

    shares = [s for s in shares if s is not None]
    if not shares:
        return 0.0, None
    if len(shares) == 1:
        share = shares[0]
        led = trial_ledger_dict(share) if job.mode == "private" else share._ledger.to_dict()
        return float(share.spent().epsilon), led
    if job.mode != "private":  # one ledger holds every part
        led = shares[0]._ledger.to_dict()
        return float(led["spent"]["epsilon"]), led
    events = [e for s in shares for e in s.events()]
    eps = float(RDPAccountant().epsilon(events, job.delta))
    return eps, {"steps": [trial_ledger_dict(s) for s in shares], "spent": {"epsilon": eps, "delta": job.delta}}


def run_trial(job: TrialJob) -> TrialResult:
    """Run one trial; errors become its status (the search goes on)."""
    from safedata_core.tune.capped import capped_share
    from safedata_core.tune.objective import Scorer, combine, risk_and_sdc

    result = TrialResult(job.index, job.config)
    t0 = time.perf_counter()
    try:
        release, shares = _release(job, _registry(job.plugins))
        score_share = capped_share("score", "tune", job.rho, job.delta) if job.mode == "private" else None
        scorer = Scorer(job.label, job.weights, bins=job.bins, columns=job.fidelity_columns, seed=job.seed)
        result.scores = scorer.score(release.df, job.holdout.df, score_share)
        result.objective = combine(result.scores, job.weights)
        result.epsilon, result.ledger = _spent(job, shares)
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
