"""Search space: ranges from the Params schema, decoding, data-independent sampling."""

from __future__ import annotations

import pytest

from safedata_core import Engine
from safedata_core.errors import PipelineValidationError
from safedata_core.tune.space import SearchSpace, param_range
from safedata_core.tune.spec import ParamRange, SearchEntry
from tests.core.tune.fakes import HistParams

pytest.importorskip("skopt")


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return Engine(autoload=False, plugins=["tests.core.tune.fakes"]).registry


def test_auto_ranges_come_from_the_params_schema() -> None:
    assert param_range(HistParams, "bins", "x") == ParamRange(low=2, high=64, log=False)
    assert param_range(HistParams, "smoothing", "x") == ParamRange(low=0.01, high=100.0, log=True)  # 10^4 span
    assert param_range(HistParams, "dp", "x") == ParamRange(choices=[True, False])
    with pytest.raises(PipelineValidationError, match="no param"):
        param_range(HistParams, "nope", "x")


def test_points_decode_to_configs_with_fixed_params(registry) -> None:  # type: ignore[no-untyped-def]
    from skopt.space import Categorical, Integer, Real

    entries = [
        SearchEntry(use="noisy_histogram", params={"bins": "auto", "smoothing": ParamRange(choices=[0.5, 2.0])}),
        SearchEntry(use="noisy_histogram", fixed={"bins": 3}),
    ]
    space = SearchSpace(entries, registry)
    dims = space.dimensions()
    assert space.names == ["use", "0:noisy_histogram.bins", "0:noisy_histogram.smoothing"]
    assert isinstance(dims[0], Categorical) and isinstance(dims[1], Integer) and isinstance(dims[2], Categorical)
    assert not any(isinstance(d, Real) for d in dims)
    cfg = space.decode([0, 7, 1])
    assert cfg.use == "noisy_histogram" and cfg.params == {"bins": 7, "smoothing": 2.0}
    assert space.decode([1, 7, 1]).params == {"bins": 3}
    assert "bins=7" in cfg.key()


def test_random_configs_depend_on_the_seed_only(registry) -> None:  # type: ignore[no-untyped-def]
    space = SearchSpace([SearchEntry(use="noisy_histogram", params={"bins": "auto", "smoothing": "auto"})], registry)
    a, b = space.sample(6, seed=3), space.sample(6, seed=3)
    assert a == b and len({c.key() for c in a}) > 1
    assert all(2 <= c.params["bins"] <= 64 and 0.01 <= c.params["smoothing"] <= 100 for c in a)


def test_unknown_and_unsearchable_components_are_refused(registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PipelineValidationError, match="no installed component"):
        SearchSpace([SearchEntry(use="nope")], registry)
    with pytest.raises(PipelineValidationError, match="tune searches"):
        SearchSpace([SearchEntry(use="laplace")], registry)
    with pytest.raises(PipelineValidationError, match="no param"):
        SearchSpace([SearchEntry(use="noisy_histogram", params={"nope": ParamRange(low=1, high=2)})], registry)


def test_split_fractions_break_the_stick() -> None:
    from safedata_core.tune.space import split_fractions

    assert split_fractions([0.25, None]) == [0.25, 0.75]
    assert split_fractions([None, None, None]) == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert split_fractions([0.5, 0.5, None]) == [0.5, 0.25, 0.25]
    assert sum(split_fractions([0.9, 0.1, None])) == pytest.approx(1.0)


def test_multi_step_entries_search_the_budget_split(registry) -> None:  # type: ignore[no-untyped-def]
    from skopt.space import Real

    from safedata_core.tune.spec import StepEntry

    entry = SearchEntry(
        steps=[
            StepEntry(use="noisy_histogram", params={"bins": "auto"}, share=ParamRange(low=0.2, high=0.8)),
            StepEntry(use="noisy_histogram", fixed={"smoothing": 3.0}),
        ]
    )
    space = SearchSpace([SearchEntry(use="noisy_histogram"), entry], registry)
    assert space.names == ["use", "1.0:noisy_histogram.bins", "1.0:noisy_histogram.share"]
    assert isinstance(space.dimensions()[2], Real)
    cfg = space.decode([1, 9, 0.3])
    assert cfg.use == "noisy_histogram+noisy_histogram" and len(cfg.steps) == 2
    assert [s.fraction for s in cfg.steps] == pytest.approx([0.3, 0.7])
    assert cfg.steps[0].params == {"bins": 9} and cfg.steps[1].params == {"smoothing": 3.0}
    assert cfg.params["steps"][1] == {"use": "noisy_histogram", "params": {"smoothing": 3.0}, "fraction": 0.7}
    assert "@0.300" in cfg.key() and space.decode([0, 9, 0.3]).steps == ()
    assert [p.fraction for p in space.default(1).parts()] == [0.5, 0.5]
    sampled = [c for c in space.sample(40, seed=0) if c.steps]
    assert sampled and all(0.2 <= c.steps[0].fraction <= 0.8 for c in sampled)
    assert len({round(c.steps[0].fraction, 6) for c in sampled}) > 1  # the split is searched
    with pytest.raises(PipelineValidationError, match="not a DP synthesizer"):
        SearchSpace([SearchEntry(steps=[StepEntry(use="suppress"), StepEntry(use="noisy_histogram")])], registry)
