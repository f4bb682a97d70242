"""``safedata bench`` (safedata_core/commands/bench.py): grid files, flags, processes and one-line errors."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from safedata_core.bench import METRIC_COLUMNS, BenchGrid, load_grid
from safedata_core.cli import main
from safedata_core.commands.bench import grid_command

PLUGINS = ["safedata_example", "tests.core.bench.fakes"]


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


def test_grid_command_reproduces_the_grid() -> None:
    grid = BenchGrid(
        synthesizers=["example", "uniform_domain"],
        epsilon=[0.5, math.inf],
        datasets=["builtin:adult", "my data.csv"],
        repeats=2,
        rows=300,
        fast=True,
        seed=4,
    )
    command = grid_command(grid)
    assert command.startswith("safedata bench --synthesizers example,uniform_domain --epsilon 0.5,inf ")
    assert "--dataset 'my data.csv'" in command and "--rows 300" in command and "--seed 4" in command
    assert "--fast" in command and "--label" not in command and "--metadata" not in command
