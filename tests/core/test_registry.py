"""Registry validation: every bad component gets a loud, precise error."""

from __future__ import annotations

import pytest

from safedata_core import PluginRegistrationError, UnknownComponentError
from safedata_core.default_plugins.metrics import KSComplementMetric
from safedata_core.registry import Registry
from tests.fake_plugins.bad_name import ShoutingSynthesizer
from tests.fake_plugins.bad_params import LooseSynthesizer
from tests.fake_plugins.duplicate_name import ShadowKSMetric
from tests.fake_plugins.good_synth import ResampleSynthesizer


def test_valid_component_registers_with_provenance() -> None:
    reg = Registry()
    info = reg.add("synthesizer", ResampleSynthesizer, plugin="p", distribution="dist-a", version="1.0")
    assert reg.get("resample") is info
    assert info.to_dict()["distribution"] == "dist-a"
    assert reg.names("synthesizer") == ["resample"]


def test_bad_name_names_plugin_distribution_and_fix() -> None:
    with pytest.raises(PluginRegistrationError) as err:
        Registry().add("synthesizer", ShoutingSynthesizer, plugin="shout", distribution="safedata-shout", version="0.1")
    msg = str(err.value)
    assert "plugin 'shout' (safedata-shout 0.1)" in msg
    assert "register_synthesizers" in msg and "'CTGAN'" in msg and "snake_case" in msg


def test_params_must_forbid_extra_keys() -> None:
    with pytest.raises(PluginRegistrationError, match="must reject unknown keys"):
        Registry().add("synthesizer", LooseSynthesizer, plugin="loose")


def test_duplicate_names_both_distributions() -> None:
    reg = Registry()
    reg.add("metric", KSComplementMetric, plugin="core", distribution="safedata-core", version="0.1.0")
    with pytest.raises(PluginRegistrationError) as err:
        reg.add("metric", ShadowKSMetric, plugin="shadow", distribution="safedata-shadow", version="9.9")
    msg = str(err.value)
    assert "safedata-core 0.1.0" in msg and "safedata-shadow 9.9" in msg


def test_wrong_kind_and_instances_are_rejected() -> None:
    with pytest.raises(PluginRegistrationError, match="not a subclass of safedata_core.Metric"):
        Registry().add("metric", ResampleSynthesizer, plugin="p")
    with pytest.raises(PluginRegistrationError, match="not a subclass"):
        Registry().add("synthesizer", ResampleSynthesizer(), plugin="p")


def test_docstring_needs_privacy_guarantee() -> None:
    class Undocumented(ResampleSynthesizer):
        """No sections here."""

        name = "undocumented"

    with pytest.raises(PluginRegistrationError, match="Privacy guarantee"):
        Registry().add("synthesizer", Undocumented, plugin="p")


def test_privacy_must_be_declared() -> None:
    class NoPrivacy(ResampleSynthesizer):
        """Doc.

        **Privacy guarantee**: none.

        **Assumptions**: none.
        """

        name = "no_privacy"
        privacy = "maybe"  # type: ignore[assignment]

    with pytest.raises(PluginRegistrationError, match="privacy"):
        Registry().add("synthesizer", NoPrivacy, plugin="p")


def test_unknown_component_suggests_close_names_and_kind() -> None:
    reg = Registry()
    reg.add("metric", KSComplementMetric, plugin="core")
    with pytest.raises(UnknownComponentError, match="did you mean 'ks_complement'"):
        reg.get("ks_complemnt")
    with pytest.raises(UnknownComponentError, match="registered as a metric, not a synthesizer"):
        reg.get("ks_complement", kind="synthesizer")


def test_docstring_needs_every_required_section() -> None:
    from safedata_core.registry import REQUIRED_DOC_SECTIONS

    class NoAssumptions(ResampleSynthesizer):
        """Doc.

        **Privacy guarantee**: none.
        """

        name = "no_assumptions"

    assert "Assumptions" in REQUIRED_DOC_SECTIONS
    with pytest.raises(PluginRegistrationError, match=r"\*\*Assumptions\*\*"):
        Registry().add("synthesizer", NoAssumptions, plugin="p")
