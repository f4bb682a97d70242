"""``--set KEY=VALUE`` overrides: dotted paths, steps by id or index, YAML-typed values, one-line errors."""

from __future__ import annotations

from typing import Any

import pytest

from safedata_core import SafedataError
from safedata_core.pipeline.overrides import apply_overrides, parse_override


def _doc() -> dict[str, Any]:
    return {
        "name": "p",
        "privacy": {"epsilon": 1.0},
        "steps": [{"id": "protect", "use": "mdav"}, {"id": "synth", "use": "mst", "params": {"bins": 4}}],
    }


def test_values_are_typed_by_yaml() -> None:
    assert parse_override("a.b=0.5") == (["a", "b"], 0.5)
    assert parse_override("seed=7") == (["seed"], 7)
    assert parse_override("x=true") == (["x"], True)
    assert parse_override("cols=[age, sex]") == (["cols"], ["age", "sex"])
    assert parse_override("name=a=b") == (["name"], "a=b")
    assert parse_override("report.formats=") == (["report", "formats"], None)


def test_paths_walk_mappings_and_steps_by_id_or_index() -> None:
    doc = _doc()
    out = apply_overrides(
        doc,
        [
            "steps.synth.privacy.epsilon=0.5",  # the step has no privacy yet: created
            "steps.synth.params.bins=8",
            "steps.0.params.k=5",
            "privacy.delta=1e-6",
            "seed=3",
        ],
    )
    assert out["steps"][1] == {"id": "synth", "use": "mst", "params": {"bins": 8}, "privacy": {"epsilon": 0.5}}
    assert out["steps"][0]["params"] == {"k": 5}
    assert out["privacy"] == {"epsilon": 1.0, "delta": 1e-6} and out["seed"] == 3
    assert doc == _doc()  # the original document is not changed


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("steps.synht.privacy.epsilon=1", "'steps' has no entry 'synht' (known: protect, synth)"),
        ("steps.7=1", "'steps' has no entry '7' (known: protect, synth)"),
        ("name.x=1", "'name' is a value, not a section (set 'name' itself)"),
        ("privacy.epsilon.x=1", "'privacy.epsilon' is a value, not a section"),
        ("noequals", "give KEY=VALUE with a dotted key"),
        ("a..b=1", "give KEY=VALUE with a dotted key"),
        ("a=[1,", "the value is not valid YAML"),
    ],
)
def test_mistakes_are_one_line_errors(override: str, message: str) -> None:
    with pytest.raises(SafedataError) as info:
        apply_overrides(_doc(), [override])
    assert message in str(info.value) and str(info.value).startswith(f"--set '{override}': ")
    assert "\n" not in str(info.value)
