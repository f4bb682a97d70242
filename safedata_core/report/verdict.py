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
* ``proxy_warn_u`` (0.30) and ``proxy_fail_u`` (0.80): an SDC release that keeps
  a column whose Theil's U for a suppressed or generalised quasi-identifier
  reaches ``proxy_warn_u`` warns, from ``proxy_fail_u`` (the kept column
  nearly determines the hidden one) it fails; see
  :mod:`safedata_core.report.proxies`.

:data:`DEFAULT_THRESHOLDS` is the one source of these values and
:data:`THRESHOLD_HELP` of what they mean; every message that quotes a threshold
formats it with :func:`threshold_text`, so the report never shows two versions
of one limit.

Every released table also gets its own verdict (:func:`release_verdicts`): the
worst of the checks that concern it (attacks targeting it, its mean utility,
its SDC chain and proxy columns, its DP label), each a ``{check, verdict,
reason}`` with a one-line reason naming the check, e.g.
``dcr attack 'dcr_synth': risk 0.990 > max_risk 0.10``. :func:`failing_releases`
lists the failing ones for the CLI's exit-3 message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "CHECKS",
    "CHECK_ORDER",
    "DEFAULT_THRESHOLDS",
    "THRESHOLD_HELP",
    "VERDICTS",
    "by_severity",
    "failing_releases",
    "merge_thresholds",
    "overall",
    "release_verdicts",
    "threshold_text",
    "threshold_value",
    "worst",
]

DEFAULT_THRESHOLDS: dict[str, float] = {
    "max_risk": 0.10,
    "min_utility": 0.80,
    "utility_margin": 0.10,
    "min_k": 5.0,
    "max_suppression": 0.05,
    "max_epsilon": 10.0,
    "proxy_warn_u": 0.30,
    "proxy_fail_u": 0.80,
}
THRESHOLD_HELP: dict[str, str] = {
    "max_risk": "an attack whose risk is above it fails; one whose 95% interval reaches above it warns",
    "min_utility": "a release whose mean utility is below it warns",
    "utility_margin": "a release whose mean utility is below min_utility minus this margin fails",
    "min_k": "an SDC release with records in groups smaller than k (on the quasi-identifiers) warns",
    "max_suppression": "an SDC release that suppressed values of more than this share of records warns",
    "max_epsilon": "a run that spent more epsilon than this warns",
    "proxy_warn_u": "an SDC release keeping a column with Theil's U at least this for a hidden quasi-identifier warns",
    "proxy_fail_u": "... and from this value (the kept column nearly determines the hidden one) it fails",
}
# the kinds of check a release verdict is made of, in the order reasons are listed within one severity
CHECKS = ("proxy", "dp", "sdc", "attack", "utility")
CHECK_ORDER = {c: i for i, c in enumerate(CHECKS)}
_PERCENT = frozenset({"max_suppression"})
_INTEGER = frozenset({"min_k"})


def threshold_value(key: str, thresholds: Mapping[str, float]) -> str:
    """A threshold's value as every message shows it: ``0.10``, ``5``, ``5%``, ``10`` (from ``thresholds``)."""
    value = float(thresholds[key])
    if key in _PERCENT:
        return f"{value:.0%}"
    if key in _INTEGER or key == "max_epsilon":
        return f"{value:g}"
    return f"{value:.2f}"


def threshold_text(key: str, thresholds: Mapping[str, float]) -> str:
    """``"<name> <value>"``, e.g. ``"max_risk 0.10"``: how a reason quotes a threshold."""
    return f"{key} {threshold_value(key, thresholds)}"


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


def by_severity(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The failing/warning checks, most severe first; within a severity by :data:`CHECK_ORDER`, then by risk.

    Proxy columns lead (they are specific to the release and say what to drop),
    then DP, SDC targets, attacks (highest risk first) and utility.
    """
    bad = [c for c in checks if c["verdict"] in ("warn", "fail") and c.get("reason")]
    return sorted(
        bad,
        key=lambda c: (-_RANK[c["verdict"]], CHECK_ORDER.get(c.get("check", ""), 9), -float(c.get("value") or 0.0)),
    )


def release_checks(report: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every check that concerns each released table: ``{check, verdict, reason}`` (reason ``None`` when fine).

    Checks per release: every attack whose target is the release, the release's
    mean utility, its SDC step's own checks (k-anonymity, suppression, proxy
    columns; the chain's when it is the chain's last step) and, for a DP
    component's release, whether DP holds for it.
    """
    attacks = report["attacks"]["results"]
    utility = report["utility"].get("release_verdicts") or {}
    sdc = {s["step"]: s for s in report["sdc"].get("steps", [])}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in report.get("releases", []):
        step = r["step"]
        checks = [
            {"check": "attack", "verdict": a["verdict"], "reason": a.get("reason"), "value": a.get("risk")}
            for a in attacks
            if a.get("target") == step
        ]
        if step in utility:
            checks.append({"check": "utility", **utility[step]})
        entry = sdc.get(step) or {}
        checks += [dict(c) for c in entry.get("checks") or []]
        if r.get("privacy") == "dp" and not r.get("dp") and r.get("label"):
            checks.append({"check": "dp", "verdict": "warn", "reason": str(r["label"])})
        out[step] = checks
    return out


def release_verdicts(report: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each released table's verdict and reasons (most severe first) from the report's sections.

    The verdict is the worst of :func:`release_checks`; a release no check
    concerns passes.
    """
    out: dict[str, tuple[str, list[str]]] = {}
    for step, checks in release_checks(report).items():
        v = worst([c["verdict"] for c in checks if c["verdict"] in _RANK])
        out[step] = ("pass" if v == "not_applicable" else v, [c["reason"] for c in by_severity(checks)])
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
