"""The bench runner (safedata_core/bench/runner.py): one row per job, every column filled, evaluator errors kept."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from safedata_core.bench import METRIC_COLUMNS, BenchGrid, aggregate, run_grid, write_leaderboard

PLUGINS = ["safedata_example", "tests.core.bench.fakes"]


def test_two_synthesizers_two_epsilons_two_repeats(tmp_path: Path) -> None:
    grid = BenchGrid(
        synthesizers=["example", "uniform_domain"],
        epsilon=[1.0, math.inf],
        repeats=2,
        rows=200,
        fast=True,
        plugins=PLUGINS,
    )
    rows = run_grid(grid)
    assert len(rows) == 8 and all(r["status"] == "ok" for r in rows), [r["status"] for r in rows]
    # no registered evaluator raised (a release with one label class gives TSTR no figure: recorded, not raised)
    errors = [e for r in rows for e in r["evaluator_errors"].split("; ") if e]
    assert all(e.endswith("reported no usable figure") for e in errors), errors
    assert sum("tstr" in r["evaluators"].split(",") for r in rows) >= 6
    assert all(set(r["evaluators"].split(",")) >= {"detection", "dcr", "membership_inference"} for r in rows)
    board = write_leaderboard(rows, tmp_path, command="test")
    csv = pd.read_csv(tmp_path / "leaderboard.csv")
    assert len(csv) == 4 and set(zip(csv["synthesizer"], csv["epsilon"], strict=True)) == {
        ("example", 1.0),
        ("example", math.inf),
        ("uniform_domain", 1.0),
        ("uniform_domain", math.inf),
    }
    cols = [f"{m}_{s}" for m in METRIC_COLUMNS for s in ("mean", "std")]
    assert not csv[cols].isna().any().any()
    assert (csv["runs"] == 2).all()
    by = board.set_index(["synthesizer", "epsilon"])
    # independent marginals keep 1-way fidelity; uniform noise over the domain does not
    assert (
        by.loc[("example", math.inf), "fidelity_1way_mean"]
        > by.loc[("uniform_domain", math.inf), "fidelity_1way_mean"] + 0.2
    )
    # a uniform sample is trivially told apart from real rows and reveals no membership
    assert by.loc[("uniform_domain", 1.0), "detection_auc_mean"] > 0.9
    assert abs(by.loc[("uniform_domain", 1.0), "mia_auc_mean"] - 0.5) < 0.1
    assert by.loc[("example", 1.0), "epsilon_spent"] == pytest.approx(1.0, rel=0.05)
    md = (tmp_path / "leaderboard.md").read_text()
    assert md.count("| builtin:adult |") == 4 and "±" in md
    html = (tmp_path / "leaderboard.html").read_text()
    assert "<svg" in html and "Privacy-utility" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_a_failing_evaluator_leaves_its_figure_empty_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core.bench.runner import run_job
    from safedata_core.default_plugins.metrics_ml import TSTRMetric

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(TSTRMetric, "compute", broken)
    grid = BenchGrid(synthesizers=["example"], epsilon=[math.inf], rows=200, fast=True, plugins=PLUGINS)
    row = run_job(grid.jobs()[0], grid)
    assert row["status"] == "ok"
    assert row["evaluator_errors"] == "tstr: RuntimeError: boom"  # first line of the message only
    assert "tstr" not in row["evaluators"].split(",") and row["tstr_auc"] is None  # no second implementation
    assert row["fidelity_2way"] is not None and "marginal_2way" in row["evaluators"].split(",")
    board = aggregate([row])
    assert board["evaluator_errors"].iloc[0] == "tstr: RuntimeError: boom"


def test_a_component_that_is_not_a_synthesizer_is_an_error_row() -> None:
    from safedata_core.bench.runner import run_job

    grid = BenchGrid(synthesizers=["ks_complement"], epsilon=[math.inf], rows=100, plugins=PLUGINS)
    row = run_job(grid.jobs()[0], grid)
    assert row["status"] == "error: SafedataError: bench: 'ks_complement' is a metric, not a synthesizer"
    assert row["fit_seconds"] is None
