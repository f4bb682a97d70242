"""The leaderboard (safedata_core/bench/leaderboard.py): mean and spread per combination, failures and marks kept."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from safedata_core.bench import METRIC_COLUMNS, aggregate, write_leaderboard


def _row(synth: str, eps: float, repeat: int, tstr: float | None, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "dataset": "d.csv",
        "synthesizer": synth,
        "epsilon": eps,
        "repeat": repeat,
        "status": "ok",
        "epsilon_spent": eps if math.isfinite(eps) else math.inf,
        **dict.fromkeys(METRIC_COLUMNS, 0.5),
        "tstr_auc": tstr,
        "evaluators": "tstr",
        "evaluator_errors": "",
        "domains_from_data": False,
    }
    return row | extra


def test_aggregate_gives_mean_and_sample_spread_and_counts_failures() -> None:
    rows = [
        _row("a", 1.0, 0, 0.6),
        _row("a", 1.0, 1, 0.8),
        _row("a", 1.0, 2, None, status="error: RuntimeError: boom"),
        _row("b", math.inf, 0, 0.7, domains_from_data=True),
    ]
    board = aggregate(rows).set_index("synthesizer")
    assert board.loc["a", "runs"] == 2 and board.loc["a", "failed"] == 1 and board.loc["a", "status"] == "ok"
    assert board.loc["a", "tstr_auc_mean"] == pytest.approx(0.7)
    assert board.loc["a", "tstr_auc_std"] == pytest.approx(math.sqrt(0.02))  # ddof=1 over the two good runs
    assert board.loc["b", "tstr_auc_std"] == 0.0  # one run: no spread
    assert not board.loc["b", "domains_from_data"]  # a non-private row is never marked


def test_a_combination_with_no_good_run_keeps_its_status() -> None:
    board = aggregate([_row("a", 1.0, 0, None, status="skipped: not a DP synthesizer (use epsilon inf)")])
    assert board["runs"].iloc[0] == 0 and board["status"].iloc[0].startswith("skipped")
    assert math.isnan(board["tstr_auc_mean"].iloc[0])
    assert list(aggregate([]).columns) == ["dataset", "synthesizer", "epsilon", "runs", "failed"]


def test_write_leaderboard_marks_domains_from_data_and_names_missing_figures(tmp_path: Path) -> None:
    rows = [
        _row("a", 1.0, 0, 0.6, domains_from_data=True),
        _row("b", 1.0, 0, None, evaluator_errors="tstr: RuntimeError: boom"),
        _row("c", 1.0, 0, None, status="error: ComponentError: no budget"),
    ]
    board = write_leaderboard(rows, tmp_path, command="safedata bench x")
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 3 and len(board) == 3
    md = (tmp_path / "leaderboard.md").read_text()
    assert md.startswith("Command: `safedata bench x`") and "| d.csv | a † | 1 | 1 |" in md
    assert "† not end-to-end DP" in md
    assert "- b ε=1: figures missing: tstr: RuntimeError: boom" in md
    assert "- c ε=1: error: ComponentError: no budget" in md and "| d.csv | c | 1 | 0 (1 failed) | —" in md
