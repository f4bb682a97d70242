"""Shared params: DP defaults replace only the fields not given, and only when ``dp`` is true."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from safedata_deep.params import DeepParams


def test_dp_defaults_apply_only_under_dp_and_only_to_fields_not_given() -> None:
    assert (DeepParams().epochs, DeepParams().batch_size) == (20, 1000)  # dp is the default
    assert DeepParams(epochs=3).epochs == 3 and DeepParams(epochs=3).batch_size == 1000
    plain = DeepParams(dp=False)
    assert (plain.epochs, plain.batch_size) == (300, 500)  # the papers' settings
    assert DeepParams.model_validate({"dp": "false"}).epochs == 300


def test_unknown_or_out_of_range_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        DeepParams.model_validate({"epoch": 3})
    with pytest.raises(ValidationError):
        DeepParams(dp_preprocess_fraction=1.0)
