"""The bench grid (safedata_core/bench/grid.py): epsilons, datasets with their metadata, jobs and errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from safedata_core.bench import BenchGrid, load_grid, parse_epsilons
from safedata_core.bench.grid import make_grid
from safedata_core.errors import SafedataError


def test_parse_epsilons() -> None:
    assert parse_epsilons("1, 3,inf") == [1.0, 3.0, math.inf]
    with pytest.raises(SafedataError, match="not a number"):
        parse_epsilons("1,abc")
    with pytest.raises(SafedataError, match="positive"):
        parse_epsilons("0")


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


def test_jobs_cover_the_grid_with_one_seed_per_repeat() -> None:
    grid = BenchGrid(synthesizers=["a", "b"], epsilon=[1.0, math.inf], repeats=3, seed=5)
    jobs = grid.jobs()
    assert len(jobs) == 2 * 2 * 3
    assert {j.seed for j in jobs} == {5, 1005, 2005}  # repeats differ, combinations of one repeat share a seed
    assert jobs[0].label == "builtin:adult a eps=1 repeat=0" and jobs[3].label.endswith("eps=inf repeat=0")


def test_flags_override_the_grid_file_and_bad_keys_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("synthesizers: [example]\nepsilon: [1]\nrepeats: 2\n")
    grid = load_grid(path, {"epsilon": "0.5,inf", "repeats": None})
    assert grid.epsilon == [0.5, math.inf] and grid.repeats == 2  # a flag not given leaves the file's value
    with pytest.raises(SafedataError, match=r"^bench: repeats: ") as err:
        make_grid({"synthesizers": ["example"], "repeats": "many"})
    assert "\n" not in str(err.value)
    with pytest.raises(SafedataError, match="not found"):
        load_grid(tmp_path / "missing.yaml")
    path.write_text("- example\n")
    with pytest.raises(SafedataError, match="must hold a mapping"):
        load_grid(path)
