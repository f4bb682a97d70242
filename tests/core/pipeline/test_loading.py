"""One reader for every data source: paths relative to the pipeline, schemes kept, a one-line refusal."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest

from safedata_core import DataError, Engine, hookspecs
from safedata_core.hookspecs import PROJECT_NAME
from safedata_core.pipeline.loading import drop_direct_identifiers, read_source, resolve_source
from safedata_core.testing.fixtures import tiny_metadata, tiny_table


def test_resolve_source_keeps_schemes_and_absolute_paths(tmp_path: Path) -> None:
    assert resolve_source("builtin:adult", tmp_path) == "builtin:adult"
    assert resolve_source("data/x.csv", tmp_path) == str(tmp_path / "data" / "x.csv")
    assert resolve_source(str(tmp_path / "y.csv"), Path("/elsewhere")) == str(tmp_path / "y.csv")


def test_engine_and_runner_read_through_the_same_reader(tmp_path: Path) -> None:
    engine = Engine(autoload=False)
    path = tmp_path / "t.csv"
    tiny_table(30).df.to_csv(path, index=False)
    meta = tmp_path / "t.meta.yaml"
    tiny_metadata().dump(meta)
    assert len(read_source(engine.pm, str(path), meta)) == len(engine.read_table(str(path), meta)) == 30
    bare = pluggy.PluginManager(PROJECT_NAME)  # no reader at all
    bare.add_hookspecs(hookspecs)
    with pytest.raises(DataError, match=r"^no reader recognised data source 'x.csv' \(give a CSV/Parquet path"):
        read_source(bare, "x.csv")


def test_direct_identifiers_are_dropped_from_table_and_holdout_unless_kept() -> None:
    meta = tiny_metadata().model_dump()
    meta["columns"]["region"]["role"] = "direct_identifier"
    table = tiny_table(10).with_df(tiny_table(10).df)
    table = type(table).from_dataframe(table.df, type(table.metadata).model_validate(meta))
    kept, held, dropped = drop_direct_identifiers(table, table, keep=False)
    assert dropped == ["region"] and "region" not in kept.columns and held is not None and "region" not in held.columns
    assert drop_direct_identifiers(table, None, keep=True) == (table, None, [])
