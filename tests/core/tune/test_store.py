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
