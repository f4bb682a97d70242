"""Component: params from a mapping, the dp switch, kind bases, traits."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from safedata_core import Attack, Component, Metric, SDCMethod, Synthesizer
from safedata_core.components import DPParams, Profiler, StepInputs, StepOutput, kind_base
from safedata_core.default_plugins.profile import ProfileStep
from tests.fake_plugins.good_synth import ResampleSynthesizer
from tests.fake_plugins.sixth_kind import DistinctCounts, Summary


class _Kindless(Component):
    def run_step(self, inputs: StepInputs) -> StepOutput:
        return StepOutput()


def test_kind_base_is_the_direct_subclass_of_component_that_sets_kind() -> None:
    assert kind_base(ResampleSynthesizer) is Synthesizer
    assert kind_base(DistinctCounts) is Summary and DistinctCounts.kind == "summary"
    assert kind_base(ProfileStep) is Profiler
    assert kind_base(_Kindless) is None and kind_base(Component) is None


def test_traits_of_the_built_in_kinds() -> None:
    traits = {
        cls.kind: (cls.reads_data, cls.releases_table, cls.requires_delta, cls.supports_dask)
        for cls in (Synthesizer, SDCMethod, Attack, Metric, Profiler)
    }
    assert traits == {
        "synthesizer": (True, True, False, False),
        "sdc": (True, True, False, False),
        "attack": (True, False, False, False),
        "metric": (True, False, False, False),
        "profile": (True, False, False, False),
    }
    assert not Summary.reads_data


def test_params_are_validated_from_a_mapping_and_dp_params_forbid_unknown_keys() -> None:
    class P(DPParams):
        k: int = 2

    class Dp(ResampleSynthesizer):
        privacy: ClassVar[Any] = "dp"
        Params = P

    assert Dp({"k": 3}).params.k == 3 and Dp().dp_active and not Dp({"dp": False}).dp_active
    assert not ResampleSynthesizer().dp_active  # privacy = "none"
    with pytest.raises(ValidationError):
        Dp({"kk": 1})
    assert P.model_fields["dp"].default is True and P.model_fields["dp"].description
