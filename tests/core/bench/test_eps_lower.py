"""The optional ``eps_lower`` column of ``safedata bench``: the empirical DP audit per DP row."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from safedata_core.bench import BenchGrid, run_grid, write_leaderboard
from safedata_core.commands.bench import grid_command

PLUGINS = ["tests.core.bench.fakes", "tests.core.dpaudit.fakes"]


def test_eps_lower_column_catches_the_leaky_synthesizer(tmp_path: Path) -> None:
    grid = BenchGrid(
        synthesizers=["leaky_fake", "uniform_domain"],
        epsilon=[0.1],
        rows=200,
        fast=True,
        plugins=PLUGINS,
        eps_lower_runs=40,
        eps_lower_rows=100,
    )
    rows = {r["synthesizer"]: r for r in run_grid(grid)}
    assert all(r["status"] == "ok" for r in rows.values()), [r["status"] for r in rows.values()]
    # releasing the input is caught far above the claim; a sample from public domains alone is not
    assert rows["leaky_fake"]["eps_lower"] > 1.0
    assert rows["uniform_domain"]["eps_lower"] <= 0.1
    write_leaderboard(list(rows.values()), tmp_path, command=grid_command(grid))
    board = pd.read_csv(tmp_path / "leaderboard.csv")
    assert {"eps_lower_mean", "eps_lower_std"} <= set(board.columns)
    md = (tmp_path / "leaderboard.md").read_text()
    assert "| eps_lower |" in md and "--eps-lower 40" in md and "lower bound on epsilon" in md


def test_no_flag_no_column_and_non_private_rows_stay_empty(tmp_path: Path) -> None:
    plain = BenchGrid(synthesizers=["uniform_domain"], epsilon=[math.inf], rows=100, fast=True, plugins=PLUGINS)
    rows = run_grid(plain)
    assert "eps_lower" not in rows[0]
    write_leaderboard(rows, tmp_path, command="test")
    assert "eps_lower" not in (tmp_path / "leaderboard.md").read_text()
    audited = BenchGrid(**{**plain.model_dump(), "eps_lower_runs": 4})
    (row,) = run_grid(audited)
    assert row["status"] == "ok" and row["eps_lower"] is None
