"""What ``safedata tune --out DIR`` writes.

* ``best.yaml``: the chosen configuration as a ready pipeline (``safedata validate`` accepts it);
* ``trials.csv``: every trial (params, epsilon, objective, constraints, seconds, status); in private
  mode only the best trial's figures (the bound covers releasing the best output only) and the
  full table goes to ``internal/trials.csv``, which is NOT DP and must not be published;
* ``tune.html``: the mode, the total epsilon spent (tuning included), the best configuration and
  the Pareto front of epsilon vs utility vs risk as inline SVG;
* ``summary.json`` and ``ledger.json`` (the tune's own ledger: the tuning charge or the final run);
* ``release/synthetic.csv``: the released table (private mode: the best trial's; public mode: the
  final run's), absent when nothing was released.

It also appends the result to the stored index of :mod:`safedata_core.tune.store`.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from safedata_core.tune.search import MODE_TEXT, TuneResult, penalised

__all__ = ["best_pipeline", "pareto_front", "released_only", "write_outputs"]


def best_pipeline(result: TuneResult, registry: Any) -> dict[str, Any] | None:
    """A pipeline document running the chosen configuration once (privacy = the tune's total budget)."""
    if result.best is None:
        return None
    spec, config = result.spec, result.best.config
    data: dict[str, Any] = {"source": spec.data.source}
    if spec.data.metadata:
        data["metadata"] = spec.data.metadata
    if config.steps:
        return _multi_pipeline(result, data)
    info = registry.get(config.use)
    step: dict[str, Any] = {"id": "synthetic" if info.kind == "synthesizer" else "sdc", "use": config.use}
    doc: dict[str, Any] = {"version": 1, "name": f"{spec.name}-best", "data": data}
    if spec.privacy is not None and info.kind == "synthesizer":
        budget = {"epsilon": spec.privacy.epsilon, "delta": spec.privacy.delta}
        doc["privacy"] = {**budget, "accountant": "rdp"}
        step["privacy"] = budget
    elif "dp" in info.cls.Params.model_fields:
        config = type(config)(config.use, {**config.params, "dp": False})
    step["params"] = config.params
    doc["steps"] = [step]
    doc["seed"] = spec.seed
    return doc


def _multi_pipeline(result: TuneResult, data: dict[str, Any]) -> dict[str, Any]:
    """A multi-step candidate as a pipeline: one DP step per part with its fraction of the budget and of the
    rows (the rows of the tune's release, a DP figure); the tuned release is the union of their tables."""
    assert result.best is not None and result.spec.privacy is not None
    spec, parts, privacy = result.spec, result.best.config.parts(), result.spec.privacy
    total = len(result.release) if result.release is not None else None
    steps = []
    for j, part in enumerate(parts):
        f = part.fraction
        step: dict[str, Any] = {
            "id": f"synthetic_{j}",
            "use": part.use,
            "privacy": {"epsilon": privacy.epsilon * f, "delta": privacy.delta * f},
            "params": part.params,
        }
        if total is not None:
            step["rows"] = max(1, round(total * f))
        steps.append(step)
    budget = {"epsilon": privacy.epsilon, "delta": privacy.delta, "accountant": "rdp"}
    return {"version": 1, "name": f"{spec.name}-best", "data": data, "privacy": budget, "steps": steps,
            "seed": spec.seed}  # fmt: skip


def released_only(row: dict[str, Any]) -> dict[str, Any]:
    """A private-mode trial row without what its run on the data produced (not covered by the bound)."""
    keep = ("trial", "use", "params", "epsilon")
    return {**{k: row[k] for k in keep}, "status": "not released", "objective": math.nan, "seconds": math.nan}


def pareto_front(rows: list[dict[str, Any]]) -> list[int]:
    """Indices of rows no other row beats on all of: epsilon (lower), objective (higher), risk (lower)."""

    def key(r: dict[str, Any]) -> tuple[float, float, float]:
        risk = r.get("risk")
        return (float(r["epsilon"]), -float(r["objective"]), float(risk) if risk is not None else 0.0)

    ok = [i for i, r in enumerate(rows) if r["status"] == "ok" and math.isfinite(float(r["objective"]))]
    front = []
    for i in ok:
        a = key(rows[i])
        dominated = any(
            all(b <= x for b, x in zip(key(rows[j]), a, strict=True)) and key(rows[j]) != a for j in ok if j != i
        )
        if not dominated:
            front.append(i)
    return front


def _html(result: TuneResult, rows: list[dict[str, Any]]) -> str:
    from safedata_core.report.svg import scatter

    front = set(pareto_front(rows))
    best = result.best.index if result.best else None

    def label(i: int) -> str:
        return "best" if rows[i]["trial"] == best else ("Pareto front" if i in front else "other trials")

    ok = [i for i, r in enumerate(rows) if r["status"] == "ok" and math.isfinite(float(r["objective"]))]
    charts = [
        scatter(
            "Trials: epsilon vs objective",
            [(label(i), float(rows[i]["epsilon"]), float(rows[i]["objective"]), 0.0, 0.0) for i in ok],
            x_label="epsilon of the trial",
            y_label="objective (higher is better)",
        )
    ]
    if any(rows[i].get("risk") is not None for i in ok):
        charts.append(
            scatter(
                "Trials: risk vs objective",
                [
                    (label(i), float(rows[i]["risk"]), float(rows[i]["objective"]), 0.0, 0.0)
                    for i in ok
                    if rows[i].get("risk") is not None
                ],
                x_label="membership-inference AUC (lower is safer)",
                y_label="objective",
            )
        )
    s = result.summary()
    esc = html.escape
    best_txt = (
        "none (no trial succeeded, or zero trials were drawn)"
        if s["best"] is None
        else esc(
            f"{s['best']['use']} {json.dumps(s['best']['params'], default=str)} objective={s['best']['objective']:.4f}"
        )
    )
    dp_line = (
        "<p><strong>NOT differentially private.</strong> This tune and its result give no DP guarantee.</p>"
        if not result.dp
        else f"<p>Total epsilon spent, tuning included: <strong>{result.epsilon_spent:.6g}</strong> "
        f"(delta {result.spec.privacy.delta if result.spec.privacy else 0:g}).</p>"
    )
    table = "".join(
        f"<tr><td>{r['trial']}</td><td>{esc(r['use'])}</td><td>{esc(json.dumps(r['params'], default=str))}</td>"
        f"<td>{float(r['epsilon']):.4g}</td><td>{float(r['objective']):.4f}</td><td>{float(r['seconds']):.1f}</td>"
        f"<td>{esc(str(r['status']))}</td></tr>"
        for r in rows
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>safedata tune: "
        f"{esc(result.spec.name)}</title></head><body style='font-family:system-ui,sans-serif;max-width:60em'>"
        f"<h1>Tuning: {esc(result.spec.name)}</h1><p>Mode: <strong>{esc(MODE_TEXT[result.mode])}</strong></p>"
        f"{dp_line}<p>Best configuration: {best_txt}</p>{_private_note(result)}{''.join(charts)}"
        "<h2>Trials</h2><table><tr><th>trial</th><th>use</th><th>params</th><th>epsilon</th><th>objective</th>"
        f"<th>seconds</th><th>status</th></tr>{table}</table></body></html>"
    )


def _private_note(result: TuneResult) -> str:
    if result.mode != "private":
        return ""
    d = result.details
    return (
        f"<p>{d.get('trials_drawn')} trials drawn ({html.escape(json.dumps(d.get('distribution')))}), each "
        f"rho={d.get('rho_per_trial', 0):.4g}-zCDP (epsilon {d.get('epsilon_per_trial', 0):.4g} on its own). Only the "
        "best trial's output is released; the other trials' figures are in internal/trials.csv, which is "
        "not DP and must not be published.</p>"
    )


def write_outputs(result: TuneResult, out: Path, registry: Any, *, fingerprint: str | None = None) -> dict[str, Path]:
    """Write every output file into ``out``; returns name -> path."""
    import pandas as pd
    import yaml

    from safedata_core.data.io import write_table
    from safedata_core.tune.store import record_result

    out.mkdir(parents=True, exist_ok=True)
    rows = [r.row() for r in result.trials]
    for r, t in zip(rows, result.trials, strict=True):
        r["penalised"] = penalised(t, result.spec)
    paths: dict[str, Path] = {}

    def csv(table: list[dict[str, Any]], path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([{**r, "params": json.dumps(r["params"], default=str)} for r in table]).to_csv(path, index=False)
        return path

    if result.mode == "private":
        # only the best trial's output is covered by the selection bound: the other trials' scores, statuses
        # and timings stay internal (the configurations and K were drawn independently of the data)
        paths["internal_trials"] = csv(rows, out / "internal" / "trials.csv")
        rows = [r if result.best is not None and r["trial"] == result.best.index else released_only(r) for r in rows]
    paths["trials"] = csv(rows, out / "trials.csv")
    doc = best_pipeline(result, registry)
    if doc is not None:
        paths["pipeline"] = out / "best.yaml"
        header = f"# {MODE_TEXT[result.mode]}\n# written by safedata tune; run: safedata run best.yaml --out RUN\n"
        if result.best is not None and result.best.config.steps:
            header += "# multi-step: the tuned release is the union of the steps' released tables\n"
        paths["pipeline"].write_text(header + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    paths["html"] = out / "tune.html"
    paths["html"].write_text(_html(result, rows), encoding="utf-8")
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(json.dumps(result.summary(), indent=2, default=str) + "\n", encoding="utf-8")
    if result.ledger is not None:
        paths["ledger"] = out / "ledger.json"
        paths["ledger"].write_text(json.dumps(result.ledger, indent=2, default=str) + "\n", encoding="utf-8")
    if result.release is not None:
        paths["release"] = write_table(result.release, out / "release" / "synthetic.csv")
    if fingerprint is not None and result.best is not None:
        record_result(
            {
                "fingerprint": fingerprint,
                "dp": result.dp,
                "mode": result.mode,
                "epsilon": result.spec.privacy.epsilon if result.spec.privacy else math.inf,
                "use": result.best.config.use,
                "params": result.best.config.params,
                "objective": result.best.objective,
                "pipeline": str(paths.get("pipeline", "")),
            }
        )
    return paths
