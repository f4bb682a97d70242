"""Section verdicts (pass / warn / fail) against the pipeline's ``report.thresholds`` or the defaults.

Threshold keys (all optional in a pipeline's ``report: {thresholds: {...}}``):

* ``max_risk`` (0.10): an attack whose control-adjusted risk is above it fails;
  one whose interval's upper end is above it warns.
* ``min_utility`` (0.80): a release whose mean utility score is below it warns;
  below ``min_utility - utility_margin`` it fails.
* ``utility_margin`` (0.10): see above.
* ``min_k`` (5): an SDC release that is not k-anonymous for this k on the
  profiled quasi-identifiers warns.
* ``max_suppression`` (0.05): an SDC release that suppressed more than this
  share of records warns.
* ``max_epsilon`` (10.0): a run that spent more epsilon than this warns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_THRESHOLDS", "VERDICTS", "merge_thresholds", "overall", "worst"]

DEFAULT_THRESHOLDS: dict[str, float] = {
    "max_risk": 0.10,
    "min_utility": 0.80,
    "utility_margin": 0.10,
    "min_k": 5.0,
    "max_suppression": 0.05,
    "max_epsilon": 10.0,
}
VERDICTS = ("pass", "warn", "fail", "not_applicable")
_RANK = {"not_applicable": -1, "pass": 0, "warn": 1, "fail": 2}


def merge_thresholds(given: Mapping[str, float] | None) -> tuple[dict[str, float], list[str]]:
    """The thresholds in force, and a warning for each unknown key the pipeline set."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(DEFAULT_THRESHOLDS))
    merged = {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in given.items() if k in DEFAULT_THRESHOLDS}}
    warnings = [
        f"report.thresholds.{k} is not a known threshold (known: {', '.join(DEFAULT_THRESHOLDS)})" for k in unknown
    ]
    return merged, warnings


def worst(verdicts: list[str]) -> str:
    """The most severe verdict of a list (``not_applicable`` when empty)."""
    if not verdicts:
        return "not_applicable"
    return max(verdicts, key=lambda v: _RANK[v])


def overall(sections: Mapping[str, Mapping[str, Any]], *, run_failed: bool) -> str:
    """The run's verdict: ``fail`` when the run failed, else the worst section verdict."""
    if run_failed:
        return "fail"
    v = worst([s["verdict"] for s in sections.values()])
    return "pass" if v == "not_applicable" else v
