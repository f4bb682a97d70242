"""The profile step as a component: the profile is its result and, with the rare mask, a fact for later steps."""

from __future__ import annotations

from safedata_core.components import StepInputs
from safedata_core.default_plugins.profile import ProfileStep
from safedata_core.testing.fixtures import tiny_table


def test_profile_step_leaves_the_profile_and_rare_mask_as_facts() -> None:
    table = tiny_table(60)
    out = ProfileStep({"k": 3}).run_step(StepInputs(step="p", use="profile", source=table, seed=0))
    assert out.result is out.facts["profile"] and out.result["quasi_identifiers"] == ["age", "sex", "region"]
    assert out.facts["rare_mask"].shape == (60,) and out.facts["rare_mask"].dtype == bool and out.table is None
