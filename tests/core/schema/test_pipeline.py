"""The pipeline envelope: finite real budgets, safe names and ids, the noise mode and its deprecated alias."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from safedata_core import Engine, PipelineValidationError
from safedata_core.schema import Pipeline


def pipeline(**overrides: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"data": {"source": "builtin:adult"}, "steps": [{"id": "p", "use": "profile"}]}
    p.update(overrides)
    return p


@pytest.mark.parametrize("epsilon", [True, float("inf"), float("nan"), "1.0", -1.0, 0.0, 10**400])
def test_epsilon_must_be_a_finite_positive_number(epsilon: Any) -> None:
    with pytest.raises(PipelineValidationError, match=r"privacy\.epsilon"):
        Engine(autoload=False).validate(pipeline(privacy={"epsilon": epsilon}))


@pytest.mark.parametrize("field", ["delta", "epsilon"])
def test_step_shares_refuse_booleans_and_infinities(field: str) -> None:
    for bad in (True, float("inf")):
        step = {"id": "p", "use": "profile", "privacy": {"epsilon": 1.0, field: bad}}
        with pytest.raises(ValidationError, match=field):
            Pipeline.model_validate(pipeline(steps=[step]))


def test_integer_epsilon_is_still_fine() -> None:
    assert Pipeline.model_validate(pipeline(privacy={"epsilon": 2})).privacy.epsilon == 2.0  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", ".hidden", "a..b", "tab\tname", "new\nline", "", "x" * 101])
def test_unsafe_pipeline_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="name"):
        Pipeline.model_validate(pipeline(name=name))


@pytest.mark.parametrize("step_id", ["a/b", "..", "A", "x" * 65, "ok\n"])
def test_unsafe_step_ids_are_refused(step_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        Pipeline.model_validate(pipeline(steps=[{"id": step_id, "use": "profile"}]))


def test_safe_names_pass() -> None:
    assert Pipeline.model_validate(pipeline(name="adult-release_v1.2")).name == "adult-release_v1.2"


def test_seed_and_rows_refuse_booleans() -> None:
    with pytest.raises(ValidationError, match="seed"):
        Pipeline.model_validate(pipeline(seed=True))


def test_noise_defaults_to_secure() -> None:
    privacy = Pipeline.model_validate(pipeline(privacy={"epsilon": 1.0})).privacy
    assert privacy is not None and privacy.noise == "secure" and privacy.secure is True


@pytest.mark.parametrize(("secure", "noise"), [(False, "reproducible-test"), (True, "secure")])
def test_secure_is_a_deprecated_alias(secure: bool, noise: str) -> None:
    resolved = Engine(autoload=False).validate(pipeline(privacy={"epsilon": 1.0, "secure": secure}))
    assert resolved.pipeline.privacy is not None and resolved.pipeline.privacy.noise == noise
    assert any("privacy.secure is deprecated" in w for w in resolved.warnings)
    assert any("NOT differentially private" in w for w in resolved.warnings) is (not secure)


def test_secure_contradicting_noise_is_refused() -> None:
    with pytest.raises(ValidationError, match="contradicts noise"):
        Pipeline.model_validate(pipeline(privacy={"epsilon": 1.0, "secure": False, "noise": "secure"}))


def test_a_model_round_trips_without_the_deprecation_warning() -> None:
    model = Pipeline.model_validate(pipeline(privacy={"epsilon": 1.0, "noise": "reproducible-test"}))
    resolved = Engine(autoload=False).validate(model)
    assert resolved.pipeline.privacy == model.privacy
    assert not any("deprecated" in w for w in resolved.warnings)
