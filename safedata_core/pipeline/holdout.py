"""Splitting a fractional ``data.holdout`` off the input: one independent, keyed coin per record.

Each record goes to the holdout iff ``HMAC-SHA256(key, content(record))``, read
as a number in [0, 1), is below the fraction. The decision for a record
depends on its own content and the key only, so adding or removing one record
never moves another one between the training table and the holdout (a seeded
permutation of all rows, the former method, moved about 120 of 1,000 records
when one row was appended, so DP steps saw inputs differing in many records).

The key is a fresh secret per run (``secrets``) whenever the pipeline has a DP
step and secure noise; it is derived from the published seed only in the
reproducible-test noise mode and in pipelines without DP steps, where the
split must be reproducible.

What it costs: the holdout size is Binomial(n, fraction), not exactly
``round(n * fraction)``; identical records always land on the same side; and
the content hash is computed from the records' values, so a table read with
different column types (e.g. integers as text) splits differently.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import numpy as np
import pandas as pd

from safedata_core.data import Table
from safedata_core.errors import DataError

__all__ = ["holdout_key", "holdout_mask", "split_holdout"]


def holdout_key(seed: int, *, secret: bool) -> bytes:
    """The HMAC key: 32 fresh random bytes when ``secret``, else derived from ``seed``."""
    if secret:
        return secrets.token_bytes(32)
    return hashlib.sha256(f"safedata holdout split, seed {seed}".encode()).digest()


_NUMBER_KINDS = frozenset({"boolean", "integer", "floating", "mixed-integer-float", "decimal"})


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with numbers and booleans as float64, so that 5, 5.0 and a widened dtype hash alike.

    A column holding only numbers (or booleans) and missing values is converted whatever its
    dtype (``int64``, ``Int64``, ``object`` after a missing value was appended, ...); other
    columns are hashed by pandas as they are (text by value, every missing value alike).
    """
    converted: dict[str, pd.Series] = {}
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            converted[str(name)] = s.astype("float64")
        elif s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in _NUMBER_KINDS:
            converted[str(name)] = pd.to_numeric(s.where(s.notna())).astype("float64")
    if not converted:
        return df
    return pd.DataFrame({str(c): converted.get(str(c), df[c]) for c in df.columns}, copy=False)


def holdout_mask(df: pd.DataFrame, fraction: float, key: bytes) -> np.ndarray:
    """Boolean mask of the records that go to the holdout (``True``) under ``key``."""
    fingerprints = pd.util.hash_pandas_object(_canonical(df), index=False).to_numpy(np.uint64)
    raw = fingerprints.astype(">u8").tobytes()
    # one keyed PRF call per record (hmac has no batch form); everything else is vectorised
    digests = b"".join(hmac.digest(key, raw[i : i + 8], "sha256")[:8] for i in range(0, len(raw), 8))
    u = np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2.0**64
    return u < fraction


def split_holdout(table: Table, fraction: float, key: bytes) -> tuple[Table, Table]:
    """``(training table, holdout)``: each record independently, by its keyed content hash."""
    mask = holdout_mask(table.df, fraction, key)
    if mask.all() or not mask.any():
        raise DataError(
            f"data.holdout={fraction} left an empty {'training table' if mask.all() else 'holdout'}; "
            "use more rows or a fraction nearer 0.5"
        )
    holdout = table.with_df(table.df[mask].reset_index(drop=True))
    train = table.with_df(table.df[~mask].reset_index(drop=True))
    return train, holdout
