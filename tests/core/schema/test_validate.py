"""Two-phase pipeline validation: every problem reported with its path."""

from __future__ import annotations

from typing import Any

import pytest

from safedata_core import Engine, PipelineValidationError


def base(**overrides: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "version": 1,
        "data": {"source": "builtin:adult"},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic"},
        "steps": [{"id": "synth", "use": "example"}, {"id": "ks", "use": "ks_complement", "target": "synth"}],
    }
    p.update(overrides)
    return p


@pytest.fixture
def engine() -> Engine:
    return Engine(autoload=False, plugins=["safedata_example"])


def problems(engine: Engine, pipeline: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(PipelineValidationError) as err:
        engine.validate(pipeline)
    return dict(err.value.problems)


def test_valid_pipeline_gets_a_budget_plan(engine: Engine) -> None:
    resolved = engine.validate(base())
    assert resolved.budget_plan() == [{"step": "synth", "use": "example", "epsilon": 1.0, "delta": 1e-6}]


def test_unknown_envelope_key_has_path(engine: Engine) -> None:
    p = base()
    p["steps"][0]["paramz"] = {}
    assert problems(engine, p) == {"steps[0].paramz": "unknown key (remove it or check its spelling)"}


def test_unknown_component_and_param(engine: Engine) -> None:
    p = base(steps=[{"id": "synth", "use": "exampel"}, {"id": "s2", "use": "example", "params": {"binz": 3}}])
    found = problems(engine, p)
    assert "did you mean 'example'" in found["steps[0].use"]
    assert found["steps[1].params.binz"].startswith("unknown key")


def test_missing_step_reference(engine: Engine) -> None:
    p = base(
        steps=[
            {"id": "synth", "use": "example", "input": "nowhere"},
            {"id": "ks", "use": "ks_complement", "target": "ghost"},
        ]
    )
    found = problems(engine, p)
    assert "not an earlier step" in found["steps[0].input"]
    assert "not an earlier step" in found["steps[1].target"]


def test_shares_above_total(engine: Engine) -> None:
    p = base(
        steps=[
            {"id": "a", "use": "example", "privacy": {"epsilon": 0.7}},
            {"id": "b", "use": "example", "privacy": {"epsilon": 0.7}},
        ]
    )
    assert "above the total" in problems(engine, p)["privacy"]


def test_dp_step_without_budget(engine: Engine) -> None:
    p = base()
    del p["privacy"]
    assert "no privacy budget" in problems(engine, p)["privacy"]


def test_non_private_mode_needs_no_budget(engine: Engine) -> None:
    p = base(steps=[{"id": "synth", "use": "example", "params": {"dp": False}}])
    del p["privacy"]
    assert engine.validate(p).budget_plan() == []


def test_implicit_shares_split_what_is_left(engine: Engine) -> None:
    p = base(
        steps=[
            {"id": "a", "use": "example", "privacy": {"epsilon": 0.5}},
            {"id": "b", "use": "example"},
            {"id": "c", "use": "example"},
        ]
    )
    plan = {row["step"]: row["epsilon"] for row in engine.validate(p).budget_plan()}
    assert plan == {"a": 0.5, "b": 0.25, "c": 0.25}


def test_all_problems_reported_together(engine: Engine) -> None:
    p = base(steps=[{"id": "Bad Id", "use": "nope"}], seed=-1)
    found = problems(engine, p)
    assert {"steps[0].id", "seed"} <= set(found)


def test_requires_checks_installed_versions(engine: Engine) -> None:
    found = problems(engine, base(requires=["safedata-core>=99", "safedata-nonexistent"]))
    assert "is required" in found["requires[0]"] and "not installed" in found["requires[1]"]


def test_sdc_target_rare_needs_profile(engine: Engine) -> None:
    from tests.fake_plugins.mechanisms import BlankSDC, make_plugin

    eng = Engine(autoload=False, plugins=[make_plugin("register_sdc_methods", BlankSDC)])
    p = {"data": {"source": "builtin:adult"}, "steps": [{"id": "s", "use": "blank_sdc", "target": "rare"}]}
    assert "profile" in problems(eng, p)["steps[0].target"]
    p["steps"].insert(0, {"id": "profile", "use": "profile"})
    assert eng.validate(p).steps[1].target == "rare"


def test_intermediate_sdc_output_is_not_released_by_default() -> None:
    from tests.fake_plugins.mechanisms import BlankSDC, make_plugin

    eng = Engine(autoload=False, plugins=[make_plugin("register_sdc_methods", BlankSDC)])
    steps = [
        {"id": "a", "use": "blank_sdc"},
        {"id": "b", "use": "blank_sdc", "input": "a"},
        {"id": "c", "use": "blank_sdc", "release": True},
        {"id": "d", "use": "blank_sdc", "input": "c"},
    ]
    plan = {p.spec.id: p.releases for p in eng.validate({"data": {"source": "x"}, "steps": steps}).steps}
    assert plan == {"a": False, "b": True, "c": True, "d": True}


def test_dp_setting_warnings_reach_validate() -> None:
    from safedata_example.synthesizer import IndependentMarginalsSynthesizer

    from safedata_core.hookspecs import hookimpl

    class Warned(IndependentMarginalsSynthesizer):
        """Example that always warns.

        **Privacy guarantee**: as example.

        **Assumptions**: as example.
        """

        name = "warned"

        @classmethod
        def dp_warnings(cls, params, *, n_rows, epsilon, delta):  # type: ignore[no-untyped-def,override]
            return [f"rows={n_rows} eps={epsilon:g}"]

    class Plugin:
        @hookimpl
        def register_synthesizers(self, register):  # type: ignore[no-untyped-def]
            register(Warned)

    eng = Engine(autoload=False, plugins=[Plugin()])
    resolved = eng.validate(base(steps=[{"id": "synth", "use": "warned"}]))
    assert resolved.warnings == ["step 'synth' (warned): rows=32561 eps=1"]


def test_a_share_naming_only_epsilon_takes_an_equal_part_of_the_unnamed_delta(engine: Engine) -> None:
    # issue 16: `privacy: {epsilon: 1.0}` on a step used to give it delta 0
    p = base(privacy={"epsilon": 2.0, "delta": 4e-6})
    p["steps"] = [
        {"id": "a", "use": "example", "privacy": {"epsilon": 0.5}},
        {"id": "b", "use": "example", "privacy": {"epsilon": 0.5, "delta": 1e-6}},
        {"id": "c", "use": "example"},
    ]
    plan = {s["step"]: (s["epsilon"], s["delta"]) for s in engine.validate(p).budget_plan()}
    assert plan == {"a": (0.5, pytest.approx(1.5e-6)), "b": (0.5, 1e-6), "c": (1.0, pytest.approx(1.5e-6))}


def test_a_component_that_needs_delta_is_refused_at_validation(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_example.synthesizer import IndependentMarginalsSynthesizer

    monkeypatch.setattr(IndependentMarginalsSynthesizer, "requires_delta", True, raising=False)
    found = problems(engine, base(privacy={"epsilon": 1.0, "delta": 0.0}))
    assert "step 'synth'" in found["steps[0].privacy.delta"] and "needs delta > 0" in found["steps[0].privacy.delta"]
    engine.validate(base())  # with the pipeline's delta the same step is valid


def test_a_mechanism_that_releases_no_table_is_refused_at_validation() -> None:
    # issue 21: `use: laplace` validated and then failed mid-run
    engine = Engine(autoload=False)
    p = base(steps=[{"id": "noisy", "use": "laplace", "params": {"sensitivity": 1.0}}])
    found = problems(engine, p)
    assert "releases no table" in found["steps[0].use"] and "dp_aggregate" in found["steps[0].use"]
