"""Plain-language texts: the internal audit narrative, the release narrative and ``model_card.md``.

The audit narrative (:func:`audit_narrative`) belongs to the internal report:
it quotes row counts and attack results of the real data. The model card
travels with the release package, so :func:`render_model_card` renders it
from the release view (:func:`safedata_core.report.release.release_view`):
only public settings and DP quantities, never the input's size or any exact
statistic of the real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["audit_narrative", "release_narrative", "render_model_card", "write_model_card"]


def _eps(x: Any) -> str:
    return "—" if x is None else f"{float(x):.3g}"


def _step_sentence(step: dict[str, Any], comp: dict[str, Any]) -> str:
    kind, sid, use = step["kind"], step["step"], step["use"]
    res = step.get("result") or {}
    secs = f"{step.get('seconds', 0):.1f}s"
    if kind == "profile":
        risk = res.get("risk", {})
        return (
            f"Step '{sid}' profiled the input: it is {risk.get('k_anonymity')}-anonymous on "
            f"{', '.join(res.get('quasi_identifiers', [])) or 'no quasi-identifiers'}, with "
            f"{res.get('rare_records', 0)} records in classes smaller than {res.get('k')}."
        )
    if kind == "synthesizer":
        spent = step.get("spent")
        how = (
            f"under differential privacy, spending epsilon={_eps(spent['epsilon'])}, delta={spent['delta']:.2g}"
            if spent
            else "without a formal privacy guarantee"
        )
        rows = step.get("rows")
        return f"Step '{sid}' fitted the '{use}' synthesizer {how}, and sampled {rows} synthetic rows ({secs})."
    if kind == "sdc":
        return (
            f"Step '{sid}' applied '{use}' to the real records: {res.get('records_modified', '?')} records and "
            f"{res.get('cells_modified', '?')} cells were modified ({secs})."
        )
    if kind == "mechanism":
        spent = step.get("spent") or {}
        return f"Step '{sid}' released the output of the '{use}' mechanism (epsilon={_eps(spent.get('epsilon'))})."
    if kind == "attack":
        ci = res.get("risk_ci") or [0, 0]
        return (
            f"Step '{sid}' ran the '{use}' attack against '{comp.get('target')}': success rate "
            f"{res.get('success_rate', 0):.3f} vs baseline {res.get('baseline_rate', 0):.3f}, risk "
            f"{res.get('risk', 0):.3f} (95% CI {ci[0]:.3f}–{ci[1]:.3f})."
        )
    if kind == "metric":
        score = res.get("score")
        return f"Step '{sid}' measured '{use}' on '{comp.get('target')}': {score if score is None else f'{score:.3f}'}."
    return f"Step '{sid}' ran '{use}'."


def audit_narrative(report: dict[str, Any]) -> list[str]:
    """What was done, in order, as plain sentences (from the steps, the ledger and the audit chain)."""
    run, data, ledger = report["run"], report.get("data") or {}, report["privacy"]["ledger"]
    comps = {c["step"]: c for c in report.get("components", [])}
    out = [
        f"At {run['finished_at']} safedata-core {run['versions'].get('safedata-core', '?')} ran pipeline "
        f"'{run['name']}' (SHA-256 {run['pipeline_sha256'][:16]}…) with seed {run['seed']}."
    ]
    if data:
        out.append(
            f"It read {data.get('rows')} rows and {len(data.get('columns', []))} columns from "
            f"{data.get('source')}; {data.get('holdout_rows', 0)} real rows were held out of every release "
            "as the attacks' control set and the metrics' test set."
        )
        if data.get("dropped_direct_identifiers"):
            out.append("Direct identifiers were dropped first: " + ", ".join(data["dropped_direct_identifiers"]) + ".")
    for step in report.get("steps", []):
        out.append(_step_sentence(step, comps.get(step["step"], {})))
    if ledger.get("budget"):
        spent = ledger.get("spent") or {}
        out.append(
            f"The privacy ledger records {len(ledger.get('charges', []))} charges, composed with the "
            f"{ledger.get('accountant')} accountant to epsilon={_eps(spent.get('epsilon'))}, "
            f"delta={spent.get('delta', 0):.2g}, within the budget epsilon={_eps(ledger['budget']['epsilon'])}, "
            f"delta={ledger['budget']['delta']:.2g}."
        )
    else:
        out.append("The pipeline set no privacy budget, so no differential privacy guarantee is claimed.")
    failed = run.get("failed_step")
    if run["status"] != "succeeded":
        where = f"at step '{failed['step']}' ({failed['use']})" if failed else "before any step ran"
        out.append(f"The run FAILED {where}: {run.get('error')}. Nothing was released.")
    else:
        released = [r["step"] for r in report.get("releases", []) if r.get("released")]
        out.append(f"The run succeeded in {run['seconds']:.1f}s and released: {', '.join(released) or 'nothing'}.")
    out.append(
        f"Every event above is sealed in a hash-chained audit log ending in {run['audit_head'][:16]}…; "
        "check it with `safedata audit verify RUN_DIR`."
    )
    return out


def _release_sentence(r: dict[str, Any]) -> str:
    sid, use, kind = r["step"], r["use"], r["kind"]
    rows = r["table"]["rows"]
    if r["dp"]:
        return (
            f"Step '{sid}' released {rows} rows made by '{use}' ({kind}) under differential privacy, spending "
            f"epsilon={_eps(r['epsilon'])}, delta={(r['delta'] or 0):.2g}."
        )
    if kind == "sdc":
        return f"Step '{sid}' released {rows} real records treated by '{use}' (SDC): {r['label']}."
    return f"Step '{sid}' released {rows} rows made by '{use}' ({kind}): {r['label']}."


def release_narrative(view: dict[str, Any]) -> list[str]:
    """What the release package holds and how it was made, from a release view only (no real-data facts)."""
    run, priv = view["run"], view["privacy"]
    ledger = priv["ledger"]
    out = [
        f"safedata-core {run['versions'].get('safedata-core', '?')} ran pipeline '{run['name']}' "
        f"(SHA-256 {run['pipeline_sha256'][:16]}…) with seed {run['seed']} on {view['data'].get('source')}."
    ]
    noise = priv.get("noise")
    if noise == "secure":
        out.append("DP noise came from a cryptographically secure generator, independent of the published seed.")
    elif noise:
        out.append(f"DP noise came from the reproducible test generator ('{noise}'): it can be rebuilt from the seed.")
    out += [_release_sentence(r) for r in view["releases"]]
    if ledger.get("budget"):
        spent = ledger.get("spent") or {}
        out.append(
            f"The privacy ledger records {len(ledger.get('charges') or [])} charges, composed with the "
            f"{ledger.get('accountant')} accountant to epsilon={_eps(spent.get('epsilon'))}, "
            f"delta={spent.get('delta', 0):.2g}, within the budget epsilon={_eps(ledger['budget']['epsilon'])}, "
            f"delta={ledger['budget']['delta']:.2g}."
        )
    failed = run.get("failed_step")
    if run["status"] != "succeeded":
        where = f" at step '{failed['step']}' ({failed['use']})" if failed else ""
        out.append(f"The run FAILED{where}: nothing was released.")
    return out


def render_model_card(report: dict[str, Any]) -> str:
    """A Markdown model card for the release package (``report`` may be the full report or its release view)."""
    from safedata_core.report.release import release_view

    view = release_view(report)
    run, priv = view["run"], view["privacy"]
    ledger, comp = priv["ledger"], view["compliance"]
    badge = comp.get("badge")
    lines = [
        f"# Model card: {run['name']}",
        "",
        f"**{view['dp_headline']}.**",
        "",
        f"*Run {run['id']}, pipeline SHA-256 `{run['pipeline_sha256']}`, seed {run['seed']}, "
        f"status **{run['status']}**, released {run.get('released_on') or '—'}.*",
        "",
        f"Compliance badge: {badge['label']} ({', '.join(badge['releases'])})"
        if badge
        else f"No compliance badge: {comp.get('no_badge_reason')}.",
        "",
        "## Data",
        "",
        f"- Source: {view['data'].get('source') or '—'}. Its size and statistics are not published here: "
        "they are not differentially private.",
        "",
        "## Privacy",
        "",
        f"- Noise: {priv.get('noise') or 'none (no DP step)'}",
    ]
    if ledger.get("budget"):
        spent = ledger.get("spent") or {}
        lines.append(
            f"- Budget: epsilon={_eps(spent.get('epsilon'))}, delta={spent.get('delta', 0):.2g} spent of "
            f"epsilon={_eps(ledger['budget']['epsilon'])}, delta={ledger['budget']['delta']:.2g} "
            f"({ledger.get('accountant')} accountant, {len(ledger.get('charges') or [])} charges; see ledger.json)"
        )
    else:
        lines.append("- The pipeline set no privacy budget: no differential privacy guarantee is claimed.")
    lines += [f"- Warning: {w}" for w in priv["dp_warnings"]]
    lines += ["", "## Releases", ""]
    if not view["releases"]:
        lines += ["Nothing was released.", ""]
    for r in view["releases"]:
        c = r["component"]
        lines += [
            f"### `{r['step']}` — {r['use']} ({r['kind']})",
            "",
            f"- Component: {c.get('summary') or ''} (from {c.get('distribution') or c.get('plugin')} "
            f"{c.get('version') or ''})".rstrip(),
            f"- Parameters: `{r['params']}`",
            f"- Privacy: {r['label']}"
            + (
                f"; spent epsilon={_eps(r['epsilon'])}, delta={(r['delta'] or 0):.2g}"
                if r["epsilon"] is not None
                else ""
            ),
            f"- Documented guarantee: {c.get('privacy_guarantee') or 'not documented'}",
            f"- Assumptions: {c.get('assumptions') or 'not documented'}",
            f"- Released table: {r['table']['rows']} rows, columns {', '.join(r['table']['columns'])}",
        ]
        if r.get("sdc"):
            lines.append(
                f"- SDC (not DP): k-anonymity {r['sdc'].get('k_anonymity')} on "
                f"{', '.join(r['sdc'].get('quasi_identifiers') or []) or 'no quasi-identifiers'} (released table)"
            )
        lines.append("")
    lines += [
        "## Evaluation",
        "",
        "- Attacks, fidelity and utility were measured against the real data. Those results are not "
        "differentially private; they are in the data steward's internal report and are not published.",
        "",
        "## Intended use and limitations",
        "",
        "- Intended for analysis and software testing where the documented guarantee suffices; "
        "not for decisions about the individuals in the source data.",
        "- Synthetic rows are not real people; statistics beyond the evaluated ones may be distorted.",
        "- SDC releases carry no formal guarantee; their protection holds only against the assumed intruder.",
        "",
        "## What was done",
        "",
        *[f"{i}. {s}" for i, s in enumerate(release_narrative(view), 1)],
        "",
        f"*{comp['disclaimer']}*",
        "",
    ]
    return "\n".join(lines)


def write_model_card(report: dict[str, Any], folder: Path) -> Path:
    """Write ``model_card.md`` (rendered from the release view of ``report``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model_card.md"
    path.write_text(render_model_card(report), encoding="utf-8")
    return path
