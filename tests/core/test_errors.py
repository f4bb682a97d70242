"""safedata_core.errors: one family of user-facing errors, each a one-line message."""

from __future__ import annotations

import pytest

import safedata_core
from safedata_core import errors


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_a_safedata_error_exported_from_the_package(name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.SafedataError)
    assert getattr(safedata_core, name) is cls and cls.__module__ == "safedata_core"


def test_pipeline_validation_error_joins_its_problems_on_one_line() -> None:
    err = errors.PipelineValidationError([("steps[0].use", "unknown component 'x'"), ("", "no steps")])
    assert str(err) == "invalid pipeline: steps[0].use: unknown component 'x'; no steps"
    assert err.problems == [("steps[0].use", "unknown component 'x'"), ("", "no steps")]


def test_unknown_component_error_is_not_quoted_like_a_key_error() -> None:
    err = errors.UnknownComponentError("unknown component 'ctgam' (did you mean 'ctgan'?)")
    assert str(err) == "unknown component 'ctgam' (did you mean 'ctgan'?)"
    assert isinstance(err, KeyError) and str(errors.UnknownComponentError()) == ""


def test_plugin_errors_name_the_plugin_and_its_distribution() -> None:
    err = errors.PluginRegistrationError("duplicate component 'mst'", plugin="mst", distribution="safedata-marginal")
    assert isinstance(err, errors.PluginLoadError)
    assert (err.plugin, err.distribution, str(err)) == ("mst", "safedata-marginal", "duplicate component 'mst'")
