"""Leaderboard writers: ``runs.csv`` (one row per job), ``leaderboard.csv``/``.md``/``.html`` (mean and spread)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from safedata_core.bench.runner import METRIC_COLUMNS, OPTIONAL_COLUMNS
from safedata_core.report import svg

__all__ = ["aggregate", "write_leaderboard"]

KEYS = ["dataset", "synthesizer", "epsilon"]
NOT_END_TO_END = "not end-to-end DP: domains taken from the data (--public-domain-from-data)"
HIGHER_IS_BETTER = {
    "tstr_auc": True,
    "fidelity_1way": True,
    "fidelity_2way": True,
    "detection_auc": False,
    "exact_copy_rate": False,
    "mia_auc": False,
    "fit_seconds": False,
    "sample_seconds": False,
    "peak_memory_mb": False,
}


def aggregate(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per (dataset, synthesizer, epsilon): runs, failures, and ``<metric>_mean`` / ``<metric>_std``."""
    df = pd.DataFrame(list(rows))
    if df.empty:
        return pd.DataFrame(columns=[*KEYS, "runs", "failed"])
    df["ok"] = df["status"] == "ok"
    out = []
    for key, grp in df.groupby(KEYS, sort=False, dropna=False):
        good = grp[grp["ok"]]
        rec: dict[str, Any] = dict(zip(KEYS, key, strict=True))
        rec["runs"], rec["failed"] = len(good), int((~grp["ok"]).sum())
        rec["status"] = "ok" if len(good) else str(grp["status"].iloc[0])
        spent = pd.to_numeric(good["epsilon_spent"], errors="coerce")
        rec["epsilon_spent"] = float(spent.mean()) if len(good) else math.nan
        for m in [*METRIC_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in df.columns)]:
            vals = pd.to_numeric(good[m], errors="coerce")
            rec[f"{m}_mean"] = float(vals.mean()) if len(good) else math.nan
            rec[f"{m}_std"] = float(vals.std(ddof=1)) if len(good) > 1 else 0.0 if len(good) else math.nan
        from_data = grp["domains_from_data"] if "domains_from_data" in grp else pd.Series([False])
        # a DP row fitted on domains read from the data is not an end-to-end DP result
        rec["domains_from_data"] = bool(from_data.fillna(False).astype(bool).any()) and not math.isinf(rec["epsilon"])
        rec["evaluators"] = ";".join(sorted(set(good["evaluators"].astype(str)))) if len(good) else ""
        errs = good["evaluator_errors"].fillna("").astype(str) if "evaluator_errors" in good else []
        rec["evaluator_errors"] = "; ".join(sorted({e for e in errs if e}))
        out.append(rec)
    return pd.DataFrame(out)


def _metrics(board: pd.DataFrame) -> list[str]:
    """The figure columns of ``board``: every metric plus the optional ones the runs produced."""
    return [*METRIC_COLUMNS, *(c for c in OPTIONAL_COLUMNS if f"{c}_mean" in board.columns)]


def _name(rec: pd.Series) -> str:
    """The synthesizer's name, marked with a dagger when its DP row used domains read from the data."""
    return f"{rec['synthesizer']} †" if bool(rec.get("domains_from_data", False)) else str(rec["synthesizer"])


def _eps(e: float) -> str:
    return "inf" if math.isinf(e) else f"{e:g}"


def _cell(rec: pd.Series, m: str) -> str:
    mean, std = rec[f"{m}_mean"], rec[f"{m}_std"]
    if pd.isna(mean):
        return "—"
    digits = 2 if m.endswith(("seconds", "_mb")) else 3
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _markdown(board: pd.DataFrame, command: str) -> str:
    metrics = _metrics(board)
    head = ["dataset", "synthesizer", "ε", "runs", *metrics]
    lines = [
        f"Command: `{command}`",
        "",
        "Mean ± standard deviation over repeats. Higher is better for TSTR AUC and fidelity; "
        "for detection AUC and MIA AUC 0.5 is best; lower is better for the exact-copy rate, time and memory"
        + (
            "; eps_lower is the empirical DP audit's lower bound on epsilon (it must stay below ε)."
            if "eps_lower" in metrics
            else "."
        ),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for _, r in board.iterrows():
        cells = [
            str(r["dataset"]),
            _name(r),
            _eps(r["epsilon"]),
            f"{r['runs']}" + (f" ({r['failed']} failed)" if r["failed"] else ""),
        ]
        lines.append("| " + " | ".join(cells + [_cell(r, m) for m in metrics]) + " |")
    if "domains_from_data" in board and board["domains_from_data"].any():
        lines.append(f"\n† {NOT_END_TO_END}.")
    failed = board[board["runs"] == 0]
    for _, r in failed.iterrows():
        lines.append(f"\n- {r['synthesizer']} ε={_eps(r['epsilon'])}: {r['status']}")
    for _, r in board.iterrows():
        if r.get("evaluator_errors"):
            lines.append(f"\n- {r['synthesizer']} ε={_eps(r['epsilon'])}: figures missing: {r['evaluator_errors']}")
    return "\n".join(lines) + "\n"


def _html(board: pd.DataFrame, command: str) -> str:
    e = html.escape
    points = [
        (
            str(r["synthesizer"]),
            float(r["mia_auc_mean"]),
            float(r["tstr_auc_mean"]),
            float(r["tstr_auc_std"]),
            float(r["mia_auc_std"]),
        )
        for _, r in board.iterrows()
        if r["runs"] > 0
    ]
    plot = svg.scatter(
        "Privacy-utility: membership-inference AUC vs TSTR AUC (one point per epsilon)",
        points,
        x_label="membership-inference AUC (0.5 = no leak)",
        y_label="TSTR AUC (higher is better)",
    )
    metrics = _metrics(board)
    head = "".join(f"<th scope='col'>{e(h)}</th>" for h in ["dataset", "synthesizer", "ε", "runs", *metrics])
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v))}</td>"
            for v in [
                r["dataset"],
                _name(r),
                _eps(r["epsilon"]),
                r["runs"],
                *[_cell(r, m) for m in metrics],
            ]
        )
        + "</tr>"
        for _, r in board.iterrows()
    )
    marked = "domains_from_data" in board and bool(board["domains_from_data"].any())
    note = f"<p>† {e(NOT_END_TO_END)}.</p>" if marked else ""
    css = (
        "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:80rem;padding:0 1rem}"
        "table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #bbb;padding:.2rem .4rem}"
        "th{background:#eef3f8}svg{max-width:44rem;width:100%;height:auto}@media print{svg,table{break-inside:avoid}}"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>safedata leaderboard</title>"
        f"<style>{css}</style></head><body><h1>safedata benchmark leaderboard</h1>"
        f"<p>Command: <code>{e(command)}</code></p><p>Mean ± standard deviation over repeats.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}{plot}</body></html>"
    )


def write_leaderboard(rows: Sequence[dict[str, Any]], out: Path, *, command: str) -> pd.DataFrame:
    """Write runs.csv and leaderboard.{csv,md,html} into ``out``; returns the aggregated table."""
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(list(rows)).to_csv(out / "runs.csv", index=False)
    board = aggregate(rows)
    board.to_csv(out / "leaderboard.csv", index=False)
    (out / "leaderboard.md").write_text(_markdown(board, command), encoding="utf-8")
    (out / "leaderboard.html").write_text(_html(board, command), encoding="utf-8")
    return board
