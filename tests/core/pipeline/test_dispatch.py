"""Steps dispatch themselves: a plugin's own kind runs with no core change; traits refuse a step before any runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from safedata_core import Engine, SafedataError
from safedata_core.testing.fixtures import tiny_table
from tests.core.pipeline import fakes
from tests.fake_plugins import sixth_kind
from tests.fake_plugins.mechanisms import make_plugin


def _engine(*extra: Any) -> Engine:
    return Engine(autoload=False, plugins=["tests.fake_plugins.good_synth", "tests.fake_plugins.sixth_kind", *extra])


def test_a_kind_defined_by_a_plugin_runs_through_the_engine(tmp_path: Path) -> None:
    engine = _engine()
    info = engine.registry.get("distinct_counts")
    assert (info.kind, info.plugin) == ("summary", "tests.fake_plugins.sixth_kind")
    sixth_kind.SEEN.clear()
    p = {
        "data": {"source": "mem"},
        "steps": [
            {"id": "copy", "use": "resample", "rows": 60},
            {"id": "counts", "use": "distinct_counts", "input": "copy", "params": {"columns": ["sex", "region"]}},
        ],
    }
    result = engine.run(p, data=tiny_table(120), out=tmp_path / "run")
    assert result.ok, result.error
    copy = result.released["copy"]
    step = next(s for s in result.report["steps"] if s["step"] == "counts")
    assert step["kind"] == "summary" and not step["released"]
    assert step["result"] == {"sex": copy["sex"].nunique(), "region": copy["region"].nunique()}
    assert step["extras"] == {"described_rows": 60}
    assert sixth_kind.SEEN == [{"data": None, "holdout": None, "budget": None}]  # post-processing sees no private table
    assert sorted(result.released) == ["copy"]


def test_a_post_processing_kind_is_refused_on_the_input_data(tmp_path: Path) -> None:
    p = {
        "data": {"source": "mem"},
        "steps": [{"id": "counts", "use": "distinct_counts", "params": {"columns": ["sex"]}}],
    }
    out = tmp_path / "run"
    with pytest.raises(SafedataError, match=r"^step 'counts' \(distinct_counts\): .*reads_data = False"):
        _engine().run(p, data=tiny_table(50), out=out)
    assert not out.exists()


def test_a_mechanism_that_releases_no_table_is_refused_before_any_step(tmp_path: Path) -> None:
    p = {
        "data": {"source": "mem"},
        "privacy": {"epsilon": 1.0, "delta": 1e-6},
        "steps": [
            {"id": "copy", "use": "resample", "rows": 20},
            {"id": "noisy", "use": "laplace", "params": {"sensitivity": 1.0}},
        ],
    }
    engine = _engine()
    assert not engine.registry.get("laplace").cls.releases_table
    assert engine.registry.get("dp_aggregate").cls.releases_table
    out = tmp_path / "run"
    with pytest.raises(SafedataError) as err:
        engine.run(p, data=tiny_table(50), out=out)
    message = str(err.value)
    # refused at validation now (before the runner's own trait check), naming the step and the fix
    assert "steps[1].use" in message and "releases no table" in message and "dp_aggregate" in message
    assert not out.exists()  # nothing ran, nothing was written


class _NeedsDelta(fakes.NoisyCountSynthesizer):
    """The noisy-count synthesizer, declared as needing delta > 0.

    **Privacy guarantee**: epsilon-DP (add/remove one record): one Laplace count, sensitivity 1.

    **Assumptions**: every column has a declared domain.
    """

    name = "needs_delta"
    requires_delta: ClassVar[bool] = True


@pytest.mark.parametrize(("delta", "refused"), [(0.0, True), (1e-6, False)])
def test_a_component_that_requires_delta_is_refused_with_a_zero_delta(delta: float, refused: bool) -> None:
    engine = _engine(make_plugin("register_synthesizers", _NeedsDelta))
    p = {
        "data": {"source": "mem"},
        "privacy": {"epsilon": 1.0, "delta": delta},
        "steps": [{"id": "synth", "use": "needs_delta", "rows": 10}],
    }
    if refused:
        with pytest.raises(SafedataError, match=r"step 'synth'.*'needs_delta' needs delta > 0"):
            engine.run(p, data=tiny_table(50))
    else:
        assert engine.run(p, data=tiny_table(50)).ok


def test_the_profile_step_is_a_registered_component() -> None:
    engine = Engine(autoload=False)
    info = engine.registry.get("profile")
    assert (info.kind, info.distribution) == ("profile", "safedata-core")
    p = {"data": {"source": "mem"}, "steps": [{"id": "prof", "use": "profile", "params": {"k": 3}}]}
    result = engine.run(p, data=tiny_table(80))
    assert result.ok, result.error
    assert result.report["profile"]["quasi_identifiers"] == ["age", "sex", "region"]
    assert next(s for s in result.report["steps"] if s["step"] == "prof")["kind"] == "profile"
