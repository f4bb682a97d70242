"""Synthetic PII fixtures for the inventory tests (generated, no real people)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.inventory.checksums import verhoeff_valid

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Sarah",
    "Priya",
    "Wei",
    "Carlos",
    "Fatima",
    "Olga",
    "Hiroshi",
]
LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Lopez",
    "Wilson",
    "Khan",
    "Chen",
    "Kumar",
    "Novak",
    "Tanaka",
    "Okafor",
    "Rossi",
    "Muller",
]


def digits_strings(rng: np.random.Generator, n: int, length: int, first_low: int = 1) -> pd.Series:
    first = rng.integers(first_low, 10, n).astype(str)
    rest = rng.integers(0, 10, (n, length - 1)).astype(str)
    return pd.Series([f + "".join(r) for f, r in zip(first, rest, strict=True)])


def aadhaar_numbers(rng: np.random.Generator, n: int, *, valid: bool) -> pd.Series:
    """12-digit numbers whose Verhoeff check digit is right (valid) or wrong (not valid)."""
    body = digits_strings(rng, n, 11, first_low=2)
    options = [body + str(d) for d in range(10)]
    ok = np.column_stack([verhoeff_valid(o) for o in options])  # exactly one check digit is valid per body
    pick = ok.argmax(axis=1) if valid else (ok.argmax(axis=1) + rng.integers(1, 10, n)) % 10
    return pd.Series([options[d][i] for i, d in enumerate(pick)])


def pii_frame(n: int = 300, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    users = [f"{f.lower()}.{ln.lower()}{i}" for i, (f, ln) in enumerate(zip(first, last, strict=True))]
    area = rng.integers(200, 999, n)
    mid = rng.integers(200, 999, n)
    end = rng.integers(0, 10000, n)
    notes_pool = ["called about billing", "prefers evening calls", "no further action", "sent letter"]
    notes = rng.choice(notes_pool, n).astype(object)
    idx = rng.choice(n, 20, replace=False)
    notes[idx] = [f"please mail {u}@example.org about the refund" for u in np.asarray(users)[idx]]
    nine = digits_strings(rng, n, 9).astype("int64")
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "full_name": [f"{f} {ln}" for f, ln in zip(first, last, strict=True)],
            "contact": [f"{u}@example.com" for u in users],
            "mobile": [f"+1 ({a}) {m}-{e:04d}" for a, m, e in zip(area, mid, end, strict=True)],
            "notes": notes,
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "ref_nine": nine,
            "ref_twelve": aadhaar_numbers(rng, n, valid=False).astype("int64"),
            "score": np.round(rng.normal(50, 10, n), 2),
        }
    )
