"""ModelState: the saved state plugins share (safedata_core/components/state.py)."""

from __future__ import annotations

import json

import pytest

from safedata_core import ComponentError
from safedata_core.components import ModelState
from safedata_core.testing.fixtures import tiny_table


def _state() -> ModelState:
    return ModelState(tiny_table().metadata, {"cpts": [[0.25, 0.75]]}, {"mode": "dp"}, 41)


def test_to_dict_writes_the_common_keys_around_the_parts_and_survives_json() -> None:
    state = _state().to_dict()
    assert list(state) == ["metadata", "cpts", "facts", "estimated_rows"]
    back = ModelState.from_dict(json.loads(json.dumps(state)), ("cpts",), where="t")
    assert back.parts == {"cpts": [[0.25, 0.75]]}
    assert back.facts == {"mode": "dp"} and back.estimated_rows == 41
    assert back.metadata.to_dict() == tiny_table().metadata.to_dict()


def test_facts_are_copied_not_shared() -> None:
    facts = {"mode": "dp"}
    state = ModelState(tiny_table().metadata, {}, facts).to_dict()
    state["facts"]["mode"] = "changed"
    assert facts == {"mode": "dp"}


def test_a_state_without_a_part_is_refused_in_one_line_naming_it() -> None:
    state = _state().to_dict()
    del state["cpts"]
    with pytest.raises(ComponentError, match=r"^bayes_net: the saved state has no 'cpts'; .*fit and save") as err:
        ModelState.from_dict(state, ("cpts",), where="bayes_net")
    assert "\n" not in str(err.value)


def test_missing_facts_and_estimate_read_as_empty() -> None:
    state = _state().to_dict()
    del state["facts"], state["estimated_rows"]
    back = ModelState.from_dict(state, ("cpts",), where="t")
    assert back.facts == {} and back.estimated_rows is None


@pytest.mark.parametrize("rows", ["12", True, [3]])
def test_an_estimate_that_is_not_a_number_is_refused(rows: object) -> None:
    state = {**_state().to_dict(), "estimated_rows": rows}
    with pytest.raises(ComponentError, match="estimated_rows"):
        ModelState.from_dict(state, ("cpts",), where="t")


def test_a_part_named_like_a_common_key_is_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        ModelState(tiny_table().metadata, {"facts": []}).to_dict()
