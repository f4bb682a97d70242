"""``safedata bench``: one leaderboard row per combination with every column filled, serial and in processes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from safedata_core.bench import (
    METRIC_COLUMNS,
    BenchGrid,
    aggregate,
    load_grid,
    parse_epsilons,
    run_grid,
    write_leaderboard,
)
from safedata_core.bench import evaluate as ev
from safedata_core.cli import main
from safedata_core.errors import SafedataError

PLUGINS = ["safedata_example", "tests.core.bench.fakes"]


def test_parse_epsilons() -> None:
    assert parse_epsilons("1, 3,inf") == [1.0, 3.0, math.inf]
    with pytest.raises(SafedataError, match="not a number"):
        parse_epsilons("1,abc")
    with pytest.raises(SafedataError, match="positive"):
        parse_epsilons("0")


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


def test_cli_grid_file_with_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        f"synthesizers: [example]\nepsilon: [1, inf]\nrepeats: 1\nrows: 200\nfast: true\nplugins: {PLUGINS}\n"
    )
    from safedata_core import commands

    monkeypatch.setattr(commands, "make_engine", lambda _a: __import__("safedata_core").Engine(plugins=PLUGINS))
    assert load_grid(grid).epsilon == [1.0, math.inf]
    assert main(["bench", str(grid), "--jobs", "2", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "leaderboard:" in out and "--epsilon 1,inf" in out
    board = pd.read_csv(tmp_path / "out" / "leaderboard.csv")
    assert len(board) == 2 and (board["runs"] == 1).all()


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


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--epsilon", "1"]) == 2
    assert "give --synthesizers" in capsys.readouterr().err
    assert main(["bench", "--synthesizers", "nope", "--out", str(tmp_path)]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["bench", "--synthesizers", "ks_complement", "--out", str(tmp_path)]) == 2
    assert "not a synthesizer" in capsys.readouterr().err
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        assert main(["bench", "--synthesizers", "example", "--dask", "local", "--out", str(tmp_path)]) == 2
        assert "pip install 'dask[distributed]'" in capsys.readouterr().err


def test_figures_come_from_the_registered_components(table: Any) -> None:
    from safedata_core import Engine

    registry = Engine(autoload=False).registry
    names = {n for f in ev.FIGURES.values() for n in f.components}
    assert names == {
        "tstr",
        "ks_complement",
        "tv_complement",
        "marginal_2way",
        "detection",
        "dcr",
        "membership_inference",
    }
    df = table.df
    train = table.with_df(df.iloc[:150].reset_index(drop=True))
    hold = table.with_df(df.iloc[150:].reset_index(drop=True))
    figures, used, errors = ev.evaluate(registry, train, hold, train, "sex", 0, fast=True)
    assert errors == "" and set(used.split(",")) == names
    # a release that copies the training rows: perfect fidelity, every row an exact copy
    assert figures["fidelity_1way"] == pytest.approx(1.0) and figures["fidelity_2way"] == pytest.approx(1.0)
    assert figures["exact_copy_rate"] == pytest.approx(1.0)
    assert all(v is not None and 0.0 <= v <= 1.0 for v in figures.values())


def test_a_missing_component_is_named() -> None:
    class Empty:
        def get(self, name: str) -> None:
            raise KeyError(name)

    figures, used, errors = ev.evaluate(Empty(), None, None, None, "y", 0)
    assert used == "" and all(v is None for v in figures.values())
    assert "tstr: not installed" in errors and "membership_inference: not installed" in errors


def _claims(tmp_path: Path, n: int = 300) -> tuple[Path, Path]:
    """A non-Adult table (insurance claims) and its public metadata."""
    import numpy as np

    rng = np.random.default_rng(5)
    age = rng.integers(18, 80, n)
    df = pd.DataFrame(
        {
            "age": age,
            "plan": rng.choice(["basic", "silver", "gold"], n),
            "region": rng.choice(["north", "south", "east"], n),
            "cost": np.round(rng.gamma(2.0, 800.0, n) + 20 * age, 2),
            "claim": np.where(rng.random(n) < 0.2 + age / 200, "yes", "no"),
        }
    )
    data = tmp_path / "claims.csv"
    df.to_csv(data, index=False)
    meta = tmp_path / "claims.yaml"
    meta.write_text(
        "columns:\n"
        "  age: {type: integer, bounds: [18, 80]}\n"
        "  plan: {type: categorical, categories: [basic, silver, gold]}\n"
        "  region: {type: categorical, categories: [north, south, east]}\n"
        "  cost: {type: numerical, bounds: [0, 20000]}\n"
        "  claim: {type: categorical, categories: ['no', 'yes']}\n"
    )
    return data, meta


@pytest.fixture
def bench_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core import Engine, commands

    monkeypatch.setattr(commands, "make_engine", lambda _a: Engine(plugins=PLUGINS))


@pytest.mark.usefixtures("bench_engine")
def test_own_dataset_with_metadata_fills_every_dp_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, meta = _claims(tmp_path)
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"synthesizers: [example, uniform_domain]\nplugins: {PLUGINS}\nfast: true\n")
    args = ["bench", str(grid), "--epsilon", "1", "--dataset", str(data), "--label", "claim"]
    assert main([*args, "--metadata", str(meta), "--out", str(tmp_path / "ok")]) == 0
    captured = capsys.readouterr()
    assert f"--metadata {meta}" in captured.out and "did not produce figures" not in captured.err
    board = pd.read_csv(tmp_path / "ok" / "leaderboard.csv")
    assert len(board) == 2 and (board["runs"] == 1).all() and not board["domains_from_data"].any()
    cols = [f"{m}_mean" for m in METRIC_COLUMNS]
    assert not board[cols].isna().any().any()
    # without metadata every DP fit is refused: exit 1 with the reason, once, and a count
    assert main([*args, "--synthesizers", "example", "--repeats", "2", "--out", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "bench: 2 of 2 runs did not produce figures:" in err and "every run failed" in err
    assert err.count("cannot use column 'age'") == 1 and "  2 x error: ComponentError: " in err  # reason once


@pytest.mark.usefixtures("bench_engine")
def test_domains_from_the_data_are_marked_not_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, _ = _claims(tmp_path)
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"synthesizers: [example]\nplugins: {PLUGINS}\nfast: true\nlabel: claim\n")
    out = tmp_path / "out"
    cmd = ["bench", str(grid), "--epsilon", "1,inf", "--dataset", str(data), "--public-domain-from-data"]
    assert main([*cmd, "--out", str(out)]) == 0
    board = pd.read_csv(out / "leaderboard.csv").set_index("epsilon")
    assert (board["runs"] == 1).all()
    assert bool(board.loc[1.0, "domains_from_data"]) and not bool(board.loc[math.inf, "domains_from_data"])
    md = (out / "leaderboard.md").read_text()
    assert "| example † | 1 |" in md and "† not end-to-end DP: domains taken from the data" in md
    assert "not end-to-end DP" in (out / "leaderboard.html").read_text()
    assert "--public-domain-from-data" in capsys.readouterr().out


def test_grid_datasets_name_their_metadata(tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "synthesizers: [example]\nmetadata: all.yaml\n"
        "datasets: [builtin:adult, {source: claims.csv, metadata: claims.yaml}]\n"
    )
    loaded = load_grid(grid)
    assert loaded.datasets == ["builtin:adult", "claims.csv"]
    assert loaded.metadata_for("claims.csv") == "claims.yaml" and loaded.metadata_for("builtin:adult") == "all.yaml"
    grid.write_text("synthesizers: [example]\ndatasets: [{path: x.csv}]\n")
    with pytest.raises(SafedataError, match=r"a datasets entry is a path or \{source: PATH, metadata: FILE\}"):
        load_grid(grid)
