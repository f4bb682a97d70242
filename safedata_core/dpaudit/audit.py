"""``run_audit``: the empirical DP audit of one synthesizer, end to end.

1. D = the audited table (default: 1,000 rows of UCI Adult with its declared
   public metadata), D' = D plus a canary (:mod:`~safedata_core.dpaudit.canary`).
2. ``runs`` fits on each of D and D' with a fresh share of (epsilon, delta)
   and secure noise; each release is ``sample_rows`` rows (default: ``len(D)``,
   the same on both sides so the row count itself reveals nothing).
3. The first half of the runs on each side chooses a statistic, threshold and
   direction; the second half gives ``eps_lower`` with Clopper-Pearson bounds
   at ``confidence`` (see :mod:`~safedata_core.dpaudit.bounds`).
4. Optionally (``dp_off``) a power check repeats 2-3 with the synthesizer's
   non-private mode (``params.dp = false``) and no budget: a test that cannot
   see a non-private fit cannot vouch for a private one. Its ``eps_lower``
   comes from the same procedure; ``eps_lower_same_statistic`` keeps the DP
   audit's statistic and only re-picks its threshold.

``eps_lower`` above the claimed epsilon means the synthesizer is not as
private as claimed (with probability at most ``1 - confidence`` of a false
alarm); ``eps_lower`` below it is what a correct DP synthesizer must give,
but it is evidence, not proof.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from safedata_core.components import Synthesizer
from safedata_core.data import Table
from safedata_core.dpaudit.bounds import max_eps_lower
from safedata_core.dpaudit.canary import audit_table, make_canary, neighbours
from safedata_core.dpaudit.runs import RunSpec, run_all
from safedata_core.dpaudit.selection import ChosenTest, evaluate_test, select_test
from safedata_core.dpaudit.statistics import statistic_names
from safedata_core.errors import SafedataError

__all__ = ["AuditResult", "run_audit"]


@dataclass
class AuditResult:
    """What one audit measured; ``to_dict`` is the JSON written by ``safedata dp-audit --out``."""

    synthesizer: str
    epsilon: float
    delta: float
    runs: int
    rows: int
    sample_rows: int
    confidence: float
    eps_lower: float
    statistic: str
    test: dict[str, Any]
    evaluation: dict[str, Any]
    noise_mode: str
    canary: dict[str, Any]
    #: the most eps_lower could be with these runs (a perfect test): a bound near it means "at least this much"
    max_eps_lower: float = float("nan")
    params: dict[str, Any] = field(default_factory=dict)
    power: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def below_claim(self) -> bool:
        return self.eps_lower <= self.epsilon

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["below_claim"] = self.below_claim
        return d

    def summary(self) -> str:
        verdict = "below the claim" if self.below_claim else "ABOVE the claim: not as private as claimed"
        lines = [
            f"dp-audit {self.synthesizer}: epsilon_lower = {self.eps_lower:.3f} vs claimed epsilon = "
            f"{self.epsilon:g} (delta {self.delta:g}) -> {verdict}",
            f"  {self.runs} runs per side on {self.rows} rows (+1 canary), {self.sample_rows} rows sampled per "
            f"run, {self.confidence:.0%} confidence, noise: {self.noise_mode}; the most these runs can show "
            f"is epsilon_lower = {self.max_eps_lower:.2f}",
            f"  test: {self.statistic} {'>=' if self.test['direction'] == 'ge' else '<='} "
            f"{self.test['threshold']:g}; on the evaluation half TPR={self.evaluation['tpr']:.3f} "
            f"FPR={self.evaluation['fpr']:.3f}",
        ]
        if self.power is not None:
            p = self.power
            lines.append(
                f"  power check (dp off): epsilon_lower = {p['eps_lower']:.3f} with {p['statistic']} "
                f"({'passes' if p['eps_lower'] > 1 else 'FAILS'}: must exceed 1); "
                f"same statistic as the DP audit: {p['eps_lower_same_statistic']:.3f}"
            )
        return "\n".join(lines)


def _resolve(synthesizer: str | type[Synthesizer]) -> type[Synthesizer]:
    if not isinstance(synthesizer, str):
        return synthesizer
    from safedata_core.engine import Engine

    info = Engine().registry.get(synthesizer, "synthesizer")
    cls: type[Synthesizer] = info.cls  # type: ignore[assignment]
    return cls


def _measure(
    cls: type[Synthesizer],
    params: dict[str, Any],
    d: Table,
    dprime: Table,
    canary: dict[str, Any],
    *,
    runs: int,
    epsilon: float | None,
    delta: float,
    seed: int,
    sample_rows: int,
    jobs: int,
    progress: bool,
    desc: str,
) -> tuple[np.ndarray, np.ndarray, str]:
    specs = [
        RunSpec(cls, params, table, epsilon, delta, seed + side * 1_000_003 + i, sample_rows, canary)
        for side, table in ((0, d), (1, dprime))
        for i in range(runs)
    ]
    results = run_all(specs, jobs=jobs, progress=progress, desc=desc)
    stats = np.vstack([r[0] for r in results])
    modes = sorted({r[1] for r in results})
    return stats[:runs], stats[runs:], ",".join(modes)


def _split(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    half = stats.shape[0] // 2
    return stats[:half], stats[half:]


def _select_and_evaluate(
    s_d: np.ndarray, s_dp: np.ndarray, names: list[str], *, delta: float, confidence: float
) -> tuple[ChosenTest, dict[str, Any]]:
    (sel_d, ev_d), (sel_dp, ev_dp) = _split(s_d), _split(s_dp)
    test = select_test(sel_d, sel_dp, names, delta=delta, confidence=confidence)
    return test, evaluate_test(test, ev_d, ev_dp, delta=delta, confidence=confidence)


def run_audit(
    synthesizer: str | type[Synthesizer],
    *,
    params: dict[str, Any] | None = None,
    table: Table | None = None,
    runs: int = 200,
    epsilon: float = 1.0,
    delta: float = 1e-6,
    rows: int = 1000,
    dataset: str = "builtin:adult",
    sample_rows: int | None = None,
    confidence: float = 0.95,
    dp_off: bool = False,
    jobs: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> AuditResult:
    """Audit ``synthesizer`` (a registered name or a class) at (epsilon, delta); see the module docstring."""
    if runs < 2:
        raise SafedataError(f"dp-audit: --runs {runs} is too few; give at least 2 (200 for a meaningful bound)")
    if not epsilon > 0:
        raise SafedataError(f"dp-audit: --epsilon {epsilon:g} must be > 0")
    if not 0 <= delta < 1:
        raise SafedataError(f"dp-audit: --delta {delta:g} must be in [0, 1)")
    if jobs < 1:
        raise SafedataError(f"dp-audit: --jobs {jobs}: give 1 or more")
    cls = _resolve(synthesizer)
    params = dict(params or {})
    if getattr(cls, "privacy", None) != "dp":
        raise SafedataError(f"dp-audit: '{cls.name}' is not a DP synthesizer (privacy = {cls.privacy!r})")
    t0 = time.perf_counter()
    base = table if table is not None else audit_table(dataset, rows, seed=seed)
    canary = make_canary(base)
    d, dprime = neighbours(base, canary)
    m = sample_rows or len(d)
    names = statistic_names(d.metadata)
    common: dict[str, Any] = {
        "runs": runs,
        "delta": delta,
        "seed": seed,
        "sample_rows": m,
        "jobs": jobs,
        "progress": progress,
    }
    s_d, s_dp, mode = _measure(cls, params, d, dprime, canary, epsilon=epsilon, desc=f"{cls.name} dp", **common)
    test, evaluation = _select_and_evaluate(s_d, s_dp, names, delta=delta, confidence=confidence)
    power = None
    if dp_off:
        power = _power_check(cls, params, d, dprime, canary, names, test, confidence=confidence, common=common)
    return AuditResult(
        synthesizer=cls.name,
        epsilon=epsilon,
        delta=delta,
        runs=runs,
        rows=len(d),
        sample_rows=m,
        confidence=confidence,
        eps_lower=float(evaluation["eps_lower"]),
        statistic=test.statistic,
        test=test.to_dict(),
        evaluation=evaluation,
        noise_mode=mode,
        max_eps_lower=max_eps_lower(runs - runs // 2, delta=delta, confidence=confidence),
        canary={k: (v.item() if hasattr(v, "item") else v) for k, v in canary.items()},
        params=params,
        power=power,
        seconds=time.perf_counter() - t0,
    )


def _power_check(
    cls: type[Synthesizer],
    params: dict[str, Any],
    d: Table,
    dprime: Table,
    canary: dict[str, Any],
    names: list[str],
    dp_test: ChosenTest,
    *,
    confidence: float,
    common: dict[str, Any],
) -> dict[str, Any]:
    """The same audit with the synthesizer's non-private mode (``params.dp = false``, no budget)."""
    if "dp" not in getattr(cls.Params, "model_fields", {}):
        return {"available": False, "reason": f"'{cls.name}' has no non-private mode (no 'dp' parameter)"}
    off = {**params, "dp": False}
    s_d, s_dp, _ = _measure(cls, off, d, dprime, canary, epsilon=None, desc=f"{cls.name} dp off", **common)
    delta = common["delta"]
    test, evaluation = _select_and_evaluate(s_d, s_dp, names, delta=delta, confidence=confidence)
    (sel_d, ev_d), (sel_dp, ev_dp) = _split(s_d), _split(s_dp)
    same = select_test(
        sel_d[:, [dp_test.index]], sel_dp[:, [dp_test.index]], [dp_test.statistic], delta=delta, confidence=confidence
    )
    same = ChosenTest(dp_test.index, same.statistic, same.threshold, same.direction, same.selection_eps)
    same_eval = evaluate_test(same, ev_d, ev_dp, delta=delta, confidence=confidence)
    return {
        "available": True,
        "eps_lower": float(evaluation["eps_lower"]),
        "statistic": test.statistic,
        "test": test.to_dict(),
        "evaluation": evaluation,
        "eps_lower_same_statistic": float(same_eval["eps_lower"]),
        "passes": bool(evaluation["eps_lower"] > 1.0),
    }
