"""safedata_core.execution.support: a Dask run with a step that cannot run on Dask is refused before any step."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core import Engine, SafedataError
from safedata_core.testing.fixtures import tiny_table


def _engine() -> Engine:
    return Engine(autoload=False, plugins=["tests.fake_plugins.good_synth"])


def test_a_step_without_dask_support_is_refused_naming_the_alternatives(tmp_path: Path) -> None:
    engine = _engine()
    assert not engine.registry.get("resample").cls.supports_dask
    on_dask = sorted(i.name for i in engine.registry if i.cls.supports_dask)
    assert on_dask, "the core ships components that run on Dask"
    p = {
        "data": {"source": "mem"},
        "execution": {"engine": "dask"},
        "steps": [{"id": "copy", "use": "resample", "rows": 20}],
    }
    out = tmp_path / "run"
    with pytest.raises(SafedataError) as err:
        engine.run(p, data=tiny_table(40), out=out)
    message = str(err.value)
    assert message.startswith("step 'copy' (resample) does not run on Dask")
    assert f"components that run on Dask: {', '.join(on_dask)}" in message
    assert "execution: {engine: local}" in message and "\n" not in message
    assert not out.exists()


def test_a_holdout_is_refused_on_dask(tmp_path: Path) -> None:
    engine = _engine()
    metric = next(i.name for i in engine.registry if i.cls.supports_dask and i.kind == "metric")
    p = {
        "data": {"source": "mem", "holdout": 0.2},
        "execution": {"engine": "dask"},
        "steps": [{"id": "m", "use": metric, "target": "data"}],
    }
    with pytest.raises(SafedataError, match=r"^data\.holdout is not supported on Dask \(split the holdout"):
        engine.run(p, data=tiny_table(40), out=tmp_path / "run")
    assert not (tmp_path / "run").exists()
