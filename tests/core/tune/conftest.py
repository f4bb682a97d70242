"""A tiny slice of UCI Adult on disk (CSV + declared metadata) for fast tunes."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core import Engine

COLUMNS = ["age", "education", "sex", "race", "income"]


@pytest.fixture(scope="session")
def tiny_adult(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(csv, metadata) of 400 Adult rows on five declared columns."""
    out = tmp_path_factory.mktemp("tiny_adult")
    table = Engine().read_table("builtin:adult").select(COLUMNS)
    df = table.df.sample(400, random_state=3).reset_index(drop=True)
    csv, meta = out / "tiny.csv", out / "tiny.meta.yaml"
    df.to_csv(csv, index=False)
    table.metadata.dump(meta)
    return csv, meta
