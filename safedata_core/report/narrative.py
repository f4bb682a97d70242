"""Plain-language texts from ``report.json``: the audit narrative and ``model_card.md``."""

from __future__ import annotations

from typing import Any

__all__ = ["audit_narrative", "render_model_card"]


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


def _guarantee(comp: dict[str, Any]) -> str:
    return comp.get("privacy_guarantee") or "not documented"


def render_model_card(report: dict[str, Any]) -> str:
    """A Markdown model card for the run's releases."""
    run, data, summary = report["run"], report.get("data") or {}, report["summary"]
    comps = {c["step"]: c for c in report.get("components", [])}
    lines = [
        f"# Model card: {run['name']}",
        "",
        f"*Run {run['id']}, pipeline SHA-256 `{run['pipeline_sha256']}`, seed {run['seed']}, "
        f"status **{run['status']}**, verdict **{summary['verdict']}**.*",
        "",
    ]
    if summary.get("messages"):
        lines += ["## Summary", "", *[f"- {m}" for m in summary["messages"]], ""]
    lines += [
        "## Training data",
        "",
        f"- Source: {data.get('source', '—')} ({data.get('rows', '—')} rows, "
        f"{len(data.get('columns', []))} columns; holdout {data.get('holdout_rows', 0)} rows)",
        f"- Direct identifiers dropped: {', '.join(data.get('dropped_direct_identifiers') or []) or 'none'}",
        "",
    ]
    lines += ["## Releases", ""]
    releases = report.get("releases", [])
    if not releases:
        lines += ["Nothing was released.", ""]
    for r in releases:
        c = comps.get(r["step"], {})
        lines += [
            f"### `{r['step']}` — {r['use']} ({r['kind']})",
            "",
            f"- Component: {c.get('summary', '')} (from {c.get('distribution') or c.get('plugin')} "
            f"{c.get('version') or ''})".rstrip(),
            f"- Parameters: `{c.get('params', {})}`",
            "- Privacy: "
            + (
                f"differentially private, epsilon={_eps(r['epsilon'])}"
                if r["dp"]
                else f"no DP guarantee ({r['privacy']})"
            ),
            f"- Documented guarantee: {_guarantee(c)}",
            f"- Assumptions: {c.get('assumptions') or 'not documented'}",
            f"- Rows: {r['rows']}; mean utility: {report['utility']['per_release'].get(r['step'], '—')}",
            "",
        ]
    lines += ["## Evaluation", ""]
    for a in report["attacks"]["results"]:
        lines.append(
            f"- Attack `{a['use']}` on `{a['target']}`: risk {a['risk']:.3f} "
            f"(95% CI {a['risk_ci'][0]:.3f}–{a['risk_ci'][1]:.3f}) — {a['verdict']}"
        )
    for m in report["utility"]["results"]:
        s = m["score"]
        lines.append(f"- Metric `{m['use']}` on `{m['target']}`: {'—' if s is None else f'{s:.3f}'}")
    if not report["attacks"]["results"] and not report["utility"]["results"]:
        lines.append("No attacks or metrics were run.")
    lines += [
        "",
        "## Intended use and limitations",
        "",
        "- Intended for analysis and software testing where the documented guarantee suffices; "
        "not for decisions about the individuals in the source data.",
        "- Synthetic rows are not real people; statistics beyond the evaluated ones may be distorted.",
        "- SDC releases carry no formal guarantee; their protection holds only against the assumed intruder.",
        f"- {report['privacy']['note']}",
        "",
        "## Audit narrative",
        "",
        *[f"{i}. {s}" for i, s in enumerate(report.get("narrative", []), 1)],
        "",
        f"*{report['compliance']['disclaimer']}*",
        "",
    ]
    return "\n".join(lines)
