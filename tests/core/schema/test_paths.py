"""Relative paths resolve against the pipeline file's folder; --data-root confines every local path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from safedata_core import Engine, PipelineValidationError
from safedata_core.cli import main
from safedata_core.schema import resolve_pipeline
from safedata_core.schema.paths import PathOutsideRoot, resolve_path


def layout(tmp_path: Path) -> Path:
    """root/pipes/p.yaml naming ../data/d.csv, a metadata file and a hierarchy; returns the pipeline path."""
    (tmp_path / "root" / "data").mkdir(parents=True)
    (tmp_path / "root" / "pipes").mkdir()
    (tmp_path / "root" / "data" / "d.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "root" / "data" / "h.csv").write_text("x;*\ny;*\n")
    pipe = {
        "name": "p",
        "data": {"source": "../data/d.csv", "holdout": "../data/d.csv"},
        "steps": [
            {
                "id": "gen",
                "use": "generalize",
                "params": {"quasi_identifiers": ["b"], "hierarchies": {"b": "../data/h.csv"}},
            }
        ],
    }
    path = tmp_path / "root" / "pipes" / "p.yaml"
    path.write_text(yaml.safe_dump(pipe))
    return path


def test_relative_paths_resolve_against_the_pipeline_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = layout(tmp_path)
    monkeypatch.chdir(tmp_path)  # not the pipeline's folder
    resolved = Engine(autoload=False).validate(path)
    data = tmp_path / "root" / "data"
    assert Path(resolved.resolve_source(resolved.pipeline.data.source)).resolve() == data / "d.csv"
    gen = resolved.steps[0].params
    assert Path(gen.hierarchies["b"]).resolve() == data / "h.csv"  # type: ignore[union-attr]
    assert resolved.resolve_source("builtin:adult") == "builtin:adult"


def test_data_root_refuses_paths_outside_it(tmp_path: Path) -> None:
    path = layout(tmp_path)
    engine = Engine(autoload=False)
    assert resolve_pipeline(path, engine.registry, data_root=tmp_path / "root").data_root == tmp_path / "root"
    with pytest.raises(PipelineValidationError) as err:
        resolve_pipeline(path, engine.registry, data_root=tmp_path / "root" / "pipes")
    found = dict(err.value.problems)
    assert "outside the data root" in found["data.source"] and "outside the data root" in found["data.holdout"]
    assert "steps[0].params" in found


def test_data_root_follows_symlinks(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "secret.csv").write_text("a\n1\n")
    os.symlink(tmp_path / "secret.csv", tmp_path / "root" / "link.csv")
    with pytest.raises(PathOutsideRoot, match="outside the data root"):
        resolve_path("link.csv", tmp_path / "root", data_root=tmp_path / "root")
    with pytest.raises(PathOutsideRoot, match="file: URLs"):
        resolve_path("file:///etc/passwd", tmp_path / "root", data_root=tmp_path / "root")
    assert resolve_path("builtin:adult", tmp_path, data_root=tmp_path / "root") == "builtin:adult"


def test_dict_pipelines_resolve_against_the_data_root(tmp_path: Path) -> None:
    path = layout(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["data"] = {"source": "data/d.csv"}
    raw["steps"] = [{"id": "p", "use": "profile"}]
    resolved = resolve_pipeline(raw, Engine(autoload=False).registry, data_root=tmp_path / "root")
    assert resolved.resolve_source("data/d.csv") == str(tmp_path / "root" / "data" / "d.csv")
    raw["data"] = {"source": "/etc/passwd"}
    with pytest.raises(PipelineValidationError, match="outside the data root"):
        resolve_pipeline(raw, Engine(autoload=False).registry, data_root=tmp_path / "root")


def test_validate_cli_takes_data_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = layout(tmp_path)
    assert main(["validate", str(path), "--data-root", str(tmp_path / "root")]) == 0
    assert main(["validate", str(path), "--data-root", str(tmp_path / "root" / "pipes")]) == 2
    assert "data.source: '../data/d.csv' resolves to" in capsys.readouterr().err
