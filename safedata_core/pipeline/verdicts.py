"""A run's outcome for its caller: the overall verdict and one verdict (with reasons) per release.

The report judges sections as ``pass``, ``warn``, ``fail`` or ``not_applicable``.
A caller acting on a run (a CI job, ``safedata run``'s exit code) needs less:
``fail`` when something the report judged failed, else ``pass`` (a warning is
printed but does not fail the run), and ``None`` when the run itself failed.

Per-release verdicts come from ``report["releases"][i]["verdict"]`` (and
``"reasons"``) when the report builder provides them; otherwise they are
derived here from the attack, utility and SDC sections, whose entries name the
release they judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Outcome", "run_outcome"]


@dataclass
class Outcome:
    """``verdict`` of the run, ``releases`` (step -> verdict) and ``failures`` (one line per failing release)."""

    verdict: str | None
    releases: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _binary(verdict: str | None) -> str:
    return "fail" if verdict == "fail" else "pass"


def _judged(report: dict[str, Any], step: str) -> list[tuple[str, str]]:
    """``(verdict, reason)`` of every section entry that judged release ``step`` (when the report has none)."""
    out: list[tuple[str, str]] = []
    thresholds = report.get("thresholds") or {}
    for a in (report.get("attacks") or {}).get("results", []):
        if a.get("target") == step and a.get("verdict") in ("warn", "fail"):
            ci = a.get("risk_ci") or [None, None]
            out.append(
                (
                    a["verdict"],
                    f"attack {a['step']} ({a['use']}): risk {a['risk']:.3f} (95% CI up to {ci[1]:.3f}) "
                    f"vs max_risk {thresholds.get('max_risk', '?')}",
                )
            )
    utility = report.get("utility") or {}
    for reason in utility.get("reasons", []):
        if reason.startswith(f"'{step}':"):
            mean = (utility.get("per_release") or {}).get(step)
            lo = thresholds.get("min_utility", 0.8) - thresholds.get("utility_margin", 0.1)
            verdict = "fail" if mean is not None and mean < lo else "warn"
            out.append((verdict, reason.split(":", 1)[1].strip()))
    for chain in (report.get("sdc") or {}).get("chains", []):
        if chain.get("release") == step and chain.get("verdict") in ("warn", "fail"):
            reasons = [r for r in (report.get("sdc") or {}).get("reasons", []) if r.startswith(f"{step}:")]
            out += [(chain["verdict"], r.split(":", 1)[1].strip()) for r in reasons]
    return out


def run_outcome(report: dict[str, Any]) -> Outcome:
    """The run's verdict and per-release verdicts, from its (full) report."""
    if (report.get("run") or {}).get("status") != "succeeded":
        return Outcome(verdict=None)
    outcome = Outcome(verdict=_binary((report.get("summary") or {}).get("verdict")))
    for release in report.get("releases", []):
        if not release.get("released"):
            continue
        step = release["step"]
        if "verdict" in release:
            verdict = release["verdict"]
            judged = [(verdict, r) for r in release.get("reasons", [])]
        else:
            judged = _judged(report, step)
            verdict = "fail" if any(v == "fail" for v, _ in judged) else "pass"
        outcome.releases[step] = _binary(verdict)
        if verdict == "fail":
            why = "; ".join(r for v, r in judged if v == "fail") or "see internal/report.html"
            outcome.failures.append(f"release '{step}' FAILED: {why}")
        outcome.warnings += [f"release '{step}': {r}" for v, r in judged if v == "warn"]
    if outcome.verdict == "fail" and not outcome.failures:
        sections = ("privacy", "sdc", "attacks", "utility")
        outcome.failures = [
            f"{key} FAILED: {r}"
            for key in sections
            if (report.get(key) or {}).get("verdict") == "fail"
            for r in report[key].get("reasons", [])
        ] or ["the report's verdict is FAIL (see internal/report.html)"]
    return outcome
