"""The stored-results index and recommended_config."""

from __future__ import annotations

from pathlib import Path

from safedata_core import Engine
from safedata_core.tune.store import dataset_fingerprint, recommended_config, record_result


def test_recommended_config_picks_the_nearest_dp_result_within_budget(tmp_path: Path) -> None:
    path = tmp_path / "idx.jsonl"
    base = {"fingerprint": "abc", "dp": True, "mode": "private", "params": {}, "pipeline": "p.yaml"}
    record_result({**base, "epsilon": 1.0, "use": "a", "objective": 0.7}, path)
    record_result({**base, "epsilon": 2.0, "use": "b", "objective": 0.8}, path)
    record_result({**base, "epsilon": 2.0, "use": "c", "objective": 0.9}, path)
    record_result({**base, "epsilon": float("inf"), "use": "d", "dp": False, "objective": 1.0}, path)
    with path.open("a") as fh:
        fh.write("{torn\n")
    assert recommended_config("abc", 5.0, path=path)["use"] == "c"  # type: ignore[index]
    assert recommended_config("abc", 1.5, path=path)["use"] == "a"  # type: ignore[index]
    assert recommended_config("abc", 0.5, path=path) is None
    assert recommended_config("zzz", 5.0, path=path) is None
    assert recommended_config("abc", 5.0, path=tmp_path / "none.jsonl") is None


def test_fingerprint_uses_public_metadata_only() -> None:
    table = Engine(autoload=False).read_table("builtin:adult")
    small = table.with_df(table.df.head(10))
    assert dataset_fingerprint(table) == dataset_fingerprint(small)  # values and row count do not matter
    assert dataset_fingerprint(table) != dataset_fingerprint(table.select(["age", "sex"]))


def test_schema_fingerprint_is_the_table_fingerprint_from_the_schema_alone() -> None:
    from safedata_core.tune import schema_fingerprint

    table = Engine(autoload=False).read_table("builtin:adult")
    types = {c: m.type for c, m in table.metadata.columns.items()}
    assert schema_fingerprint(list(table.columns), types) == dataset_fingerprint(table)
    assert schema_fingerprint(list(table.columns)[::-1], types) != dataset_fingerprint(table)  # order counts
    changed = {**types, "age": "categorical"}
    assert schema_fingerprint(list(table.columns), changed) != dataset_fingerprint(table)
    undeclared = {k: v for k, v in types.items() if k != "age"}
    assert schema_fingerprint(list(table.columns), undeclared) != dataset_fingerprint(table)


def test_recommended_config_filters_multi_step_and_uninstalled_results(tmp_path: Path) -> None:
    path = tmp_path / "idx.jsonl"
    base = {"fingerprint": "abc", "dp": True, "mode": "public", "pipeline": "p.yaml"}
    steps = {"steps": [{"use": "a", "params": {}, "fraction": 0.7}, {"use": "b", "params": {}, "fraction": 0.3}]}
    record_result({**base, "epsilon": 1.0, "use": "a", "params": {"bins": 4}, "objective": 0.6}, path)
    record_result({**base, "epsilon": 1.5, "use": "z", "params": {}, "objective": 0.95}, path)
    record_result({**base, "epsilon": 2.0, "use": "a+b", "params": steps, "objective": 0.9}, path)
    record_result({**base, "epsilon": "oops", "use": "a", "params": {}, "objective": 1.0}, path)  # skipped
    best = recommended_config("abc", 2.0, path=path)
    assert best is not None and best["use"] == "a+b" and best["steps"] == steps["steps"]
    single = recommended_config("abc", 2.0, path=path, single_step=True)
    assert single is not None and single["use"] == "z" and single["steps"] is None
    installed = recommended_config("abc", 2.0, path=path, single_step=True, uses=["a", "b"])
    assert installed is not None and installed["use"] == "a" and installed["params"] == {"bins": 4}
    assert recommended_config("abc", 2.0, path=path, uses=["a", "b"])["use"] == "a+b"  # type: ignore[index]
    assert recommended_config("abc", 2.0, path=path, uses=["b"]) is None
