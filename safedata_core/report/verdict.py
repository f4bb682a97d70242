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

Every released table also gets its own verdict (:func:`release_verdicts`): the
worst of the checks that concern it (attacks targeting it, its mean utility,
its SDC chain, its DP label), each with a one-line reason naming the check, e.g.
``dcr attack 'dcr_synth': risk 0.990 > max_risk 0.1``. :func:`failing_releases`
lists the failing ones for the CLI's exit-3 message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEFAULT_THRESHOLDS",
    "VERDICTS",
    "failing_releases",
    "merge_thresholds",
    "overall",
    "release_verdicts",
    "worst",
]

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


def _by_severity(checks: list[tuple[str, str]]) -> list[str]:
    """Reasons of the failing/warning checks, most severe first (stable within a severity)."""
    bad = [(v, r) for v, r in checks if v in ("warn", "fail")]
    return [r for _, r in sorted(bad, key=lambda vr: -_RANK[vr[0]])]


def release_verdicts(report: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each released table's verdict and reasons (most severe first) from the report's sections.

    Checks per release: every attack whose target is the release, the release's
    mean utility, its SDC step (the chain's verdict when it is the chain's last
    step) and, for a DP component's release, whether DP is claimed for it.
    A release no check concerns passes.
    """
    attacks = report["attacks"]["results"]
    utility = report["utility"].get("release_verdicts") or {}
    sdc = {s["step"]: s for s in report["sdc"].get("steps", [])}
    out: dict[str, tuple[str, list[str]]] = {}
    for r in report.get("releases", []):
        step = r["step"]
        checks = [(a["verdict"], a["reason"]) for a in attacks if a.get("target") == step and a.get("reason")]
        if step in utility:
            checks.append((utility[step]["verdict"], utility[step]["reason"]))
        if step in sdc:
            checks += [(sdc[step]["verdict"], reason) for reason in sdc[step].get("reasons", [])]
        if r.get("privacy") == "dp" and not r.get("dp") and r.get("label"):
            checks.append(("warn", str(r["label"])))
        verdicts = [v for v, _ in checks if v in _RANK]
        v = worst(verdicts)
        out[step] = ("pass" if v == "not_applicable" else v, _by_severity(checks))
    return out


def failing_releases(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(step id, one-line reason)`` for each release whose verdict is ``fail``.

    A failing check that concerns no released table (an attack or metric aimed
    at an intermediate table or at the input) is listed under its own step id,
    so a ``fail`` verdict always names something. Empty for a failed run (it
    released nothing) and for a run whose verdict is not ``fail``.
    """
    if report["run"]["status"] != "succeeded":
        return []
    releases = report.get("releases", [])
    out = [(r["step"], r["reasons"][0]) for r in releases if r.get("verdict") == "fail" and r.get("reasons")]
    named = {r["step"] for r in releases}
    for a in report["attacks"]["results"]:
        if a["verdict"] == "fail" and a.get("target") not in named:
            out.append((a["step"], a.get("reason") or f"attack '{a['step']}' failed"))
    for target, check in (report["utility"].get("release_verdicts") or {}).items():
        if check["verdict"] == "fail" and target not in named:
            out.append((target, check["reason"]))
    return out
