"""Vectorised check-digit validators: Luhn (payment cards), ISO 13616 mod-97 (IBAN), Verhoeff (Aadhaar).

Each validator takes a pandas Series of strings that already hold only the
characters of the identifier (separators removed) and returns a boolean numpy
array. Work is vectorised over records; the only loops are over character
positions (at most a few dozen).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["digit_matrix", "iban_valid", "luhn_valid", "verhoeff_valid"]

# Verhoeff dihedral-group tables (multiplication d, permutation p), as plain rows: the numpy arrays
# are built on use, so importing this module does not need numpy
_VERHOEFF_D_ROWS = (
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
)
_VERHOEFF_P_ROWS = (
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 4, 2, 1],
    [8, 9, 1, 6, 0, 4, 3, 5, 7, 2],
    [9, 4, 5, 8, 3, 1, 2, 0, 6, 7],
    [4, 2, 8, 6, 5, 7, 1, 3, 9, 0],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
)


def digit_matrix(digits: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Right-aligned matrix of digit values (``-1`` = padding) and the string lengths.

    ``digits`` must hold strings of ASCII digits only.
    """
    s = digits.astype(str)
    lengths = s.str.len().to_numpy(dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 0
    if width == 0:
        return np.zeros((len(s), 0), dtype=np.int8), lengths
    padded = s.str.rjust(width, "/")  # '/' is the byte just below '0' -> value -1
    raw = np.frombuffer("".join(padded.tolist()).encode("ascii"), dtype=np.uint8).reshape(len(s), width)
    return raw.astype(np.int16) - ord("0"), lengths


def luhn_valid(digits: pd.Series) -> np.ndarray:
    """True where the digit string passes the Luhn (mod-10) check used by payment card numbers."""
    if len(digits) == 0:
        return np.zeros(0, dtype=bool)
    mat, lengths = digit_matrix(digits)
    rev = mat[:, ::-1]  # rightmost digit first
    pad = rev < 0
    vals = np.where(pad, 0, rev)
    doubled = vals.copy()
    doubled[:, 1::2] = vals[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    return np.asarray((doubled.sum(axis=1) % 10 == 0) & (lengths > 1))


def verhoeff_valid(digits: pd.Series) -> np.ndarray:
    """True where the digit string (check digit last) passes the Verhoeff check used by Aadhaar."""
    if len(digits) == 0:
        return np.zeros(0, dtype=bool)
    mat, lengths = digit_matrix(digits)
    rev = mat[:, ::-1]
    table_d, table_p = np.array(_VERHOEFF_D_ROWS, dtype=np.int8), np.array(_VERHOEFF_P_ROWS, dtype=np.int8)
    c = np.zeros(len(digits), dtype=np.int64)
    for i in range(rev.shape[1]):
        col = rev[:, i]
        live = col >= 0
        step = table_d[c, table_p[i % 8, np.where(live, col, 0)]]
        c = np.where(live, step, c)
    return np.asarray((c == 0) & (lengths > 1))


def iban_valid(iban: pd.Series) -> np.ndarray:
    """True where an upper-case IBAN without spaces passes the ISO 13616 mod-97 check."""
    if len(iban) == 0:
        return np.zeros(0, dtype=bool)
    s = iban.astype(str)
    rearranged = s.str[4:] + s.str[:4]
    lengths = rearranged.str.len().to_numpy(dtype=np.int64)
    width = int(lengths.max())
    padded = rearranged.str.ljust(width, " ")
    raw = np.frombuffer("".join(padded.tolist()).encode("ascii", "replace"), dtype=np.uint8).reshape(len(s), width)
    is_digit = (raw >= ord("0")) & (raw <= ord("9"))
    is_alpha = (raw >= ord("A")) & (raw <= ord("Z"))
    value = np.where(is_digit, raw.astype(np.int64) - ord("0"), raw.astype(np.int64) - ord("A") + 10)
    ok = np.ones(len(s), dtype=bool)
    r = np.zeros(len(s), dtype=np.int64)
    for i in range(width):
        live = i < lengths
        ok &= ~live | is_digit[:, i] | is_alpha[:, i]
        v = value[:, i]
        nxt = np.where(v >= 10, (r * 100 + v) % 97, (r * 10 + v) % 97)
        r = np.where(live & (is_digit[:, i] | is_alpha[:, i]), nxt, r)
    return np.asarray(ok & (r == 1))
