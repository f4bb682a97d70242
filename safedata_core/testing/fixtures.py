"""Small deterministic tables for tests (core and plugins)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.data import ColumnMeta, Metadata, Table

__all__ = ["tiny_metadata", "tiny_table"]


def tiny_metadata() -> Metadata:
    """Public metadata of :func:`tiny_table`: every domain is declared."""
    return Metadata(
        columns={
            "age": ColumnMeta(type="integer", role="quasi_identifier", bounds=(18, 90)),
            "income": ColumnMeta(type="numerical", role="sensitive", bounds=(0, 200_000)),
            "sex": ColumnMeta(type="categorical", role="quasi_identifier", categories=["F", "M"]),
            "region": ColumnMeta(
                type="categorical", role="quasi_identifier", categories=["north", "south", "east", "west"]
            ),
            "smoker": ColumnMeta(type="boolean", role="other"),
        }
    )


def tiny_table(n: int = 200, seed: int = 0, *, with_missing: bool = True) -> Table:
    """A mixed-type table (integer, float, categorical, boolean) with a few missing values."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    sex = rng.choice(["F", "M"], n)
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2, 0.1])
    income = np.round(np.clip(rng.lognormal(10, 0.5, n) + 300 * (age - 18), 0, 200_000), 2)
    smoker = rng.random(n) < 0.25
    df = pd.DataFrame({"age": age, "income": income, "sex": sex, "region": region, "smoker": smoker})
    if with_missing:
        df.loc[rng.choice(n, max(1, n // 40), replace=False), "income"] = np.nan
        df["region"] = df["region"].astype(object)
        df.loc[rng.choice(n, max(1, n // 50), replace=False), "region"] = None
    return Table.from_dataframe(df, tiny_metadata())
