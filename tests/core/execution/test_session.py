"""Dask sessions: LocalCluster and addresses, the active session, the pipeline's execution field."""

from __future__ import annotations

import builtins
from typing import Any

import pandas as pd
import pytest

from safedata_core.errors import SafedataError
from safedata_core.execution import active_session, is_dask_frame, pipeline_session, require_dask
from safedata_core.schema.pipeline import ExecutionSpec


def test_active_session_is_the_open_one(session: Any) -> None:
    assert active_session() is session
    assert session.workers == 2
    assert session.address == "local"


def test_pipeline_session_prefers_the_open_session(session: Any) -> None:
    with pipeline_session(ExecutionSpec(engine="dask", address="tcp://nowhere:1")) as s:
        assert s is session


def test_pipeline_session_local_engine_is_none() -> None:
    with pipeline_session(ExecutionSpec()) as s:
        assert s is None or s is active_session()


def test_is_dask_frame(session: Any) -> None:
    import dask.dataframe as dd

    df = pd.DataFrame({"a": [1, 2, 3]})
    assert is_dask_frame(dd.from_pandas(df, npartitions=2))
    assert not is_dask_frame(df)


def test_bad_address_is_one_line() -> None:
    from safedata_core.execution import dask_session

    with pytest.raises(SafedataError, match="not a scheduler address"), dask_session("localhost:8786"):
        pass


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith(("dask", "distributed")):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(SafedataError, match=r"pip install 'safedata-core\[dask\]'"):
        require_dask("--dask local")


def test_execution_field_checks_dask_only_settings() -> None:
    assert ExecutionSpec(engine="dask", partitions=4).partitions == 4
    with pytest.raises(ValueError, match="need engine: dask"):
        ExecutionSpec(engine="local", address="tcp://h:8786")
