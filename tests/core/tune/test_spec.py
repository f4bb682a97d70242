"""The TUNE document: modes, ranges and constraints are checked before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safedata_core.errors import PipelineValidationError
from safedata_core.tune.spec import ParamRange, load_tune, tune_json_schema


def doc(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "mode": "private",
        "data": {"source": "builtin:adult"},
        "privacy": {"epsilon": 2.0, "delta": 1e-6},
        "search": [{"use": "mst", "params": {"bins": "auto"}}],
    }
    base.update(over)
    return base


def problems(d: dict[str, Any]) -> str:
    with pytest.raises(PipelineValidationError) as exc:
        load_tune(d)
    return " ".join(msg for _, msg in exc.value.problems)


def test_a_valid_document_loads_with_defaults() -> None:
    spec = load_tune(doc())
    assert spec.trials.distribution == "poisson" and spec.objective.weights() == {"tstr_auc": 1.0}
    assert spec.search[0].params["bins"] == "auto"


def test_modes_and_privacy_must_agree() -> None:
    assert "nonprivate is allowed only with DP off" in problems(doc(mode="nonprivate"))
    assert "needs privacy" in problems(doc(privacy=None))
    assert "data.proxy" in problems(doc(mode="public"))
    assert "not DP" in problems(doc(constraints={"max_seconds": 10}))
    assert "not DP" in problems(doc(constraints={"max_risk": 0.6}))


def test_ranges_objectives_and_files_are_checked(tmp_path: Path) -> None:
    assert "low < high" in problems(doc(search=[{"use": "mst", "params": {"bins": {"low": 8, "high": 2}}}]))
    assert "low > 0" in problems(doc(search=[{"use": "mst", "params": {"bins": {"low": 0, "high": 9, "log": True}}}]))
    assert "objective weight" in problems(doc(objective={"tstr_auc": 0}))
    assert "extra" in problems(doc(surprise=1)).lower() or "not permitted" in problems(doc(surprise=1))
    assert "no such tune file" in problems(tmp_path / "missing.yaml")  # type: ignore[arg-type]
    (tmp_path / "list.yaml").write_text("- 1\n")
    assert "mapping" in problems(tmp_path / "list.yaml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either"):
        ParamRange(choices=[1], low=0, high=2)


def test_the_json_schema_describes_the_document() -> None:
    schema = tune_json_schema()
    assert schema["title"] == "safedata tune file"
    assert {"mode", "data", "search", "privacy", "trials", "objective", "constraints"} <= set(schema["properties"])


def test_multi_step_candidates_are_checked() -> None:
    two = [{"use": "mst", "share": {"low": 0.2, "high": 0.8}}, {"use": "aim"}]
    spec = load_tune(doc(search=[{"steps": two}]))
    assert spec.search[0].steps is not None and spec.search[0].label == "mst+aim"
    assert "either use" in problems(doc(search=[{"use": "mst", "steps": two}]))
    assert "either use" in problems(doc(search=[{}]))
    assert "last step" in problems(doc(search=[{"steps": [{"use": "mst"}, {"use": "aim", "share": 0.5}]}]))
    assert "0 < share < 1" in problems(doc(search=[{"steps": [{"use": "mst", "share": 1.5}, {"use": "aim"}]}]))
    bad_range = [{"use": "mst", "share": {"low": 0.0, "high": 0.5}}, {"use": "aim"}]
    assert "0 < share < 1" in problems(doc(search=[{"steps": bad_range}]))
    assert "at least 2" in problems(doc(search=[{"steps": [{"use": "mst"}]}]))
    assert "inside each of its steps" in problems(doc(search=[{"steps": two, "fixed": {"bins": 4}}]))
    assert "not in nonprivate mode" in problems(doc(mode="nonprivate", privacy=None, search=[{"steps": two}]))
