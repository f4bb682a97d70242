"""HyperLogLog distinct counts over partitions (Flajolet et al. 2007), vectorised with numpy.

A partition's registers are the per-bucket maxima of the rank of a 64-bit hash;
partitions merge by element-wise maximum; the estimate uses the usual bias
constant and linear counting for small cardinalities. With ``b = 14`` (16,384
registers) the relative standard error is about 0.8%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BITS", "estimate", "registers"]

BITS = 14


def registers(values: pd.Series | np.ndarray, bits: int = BITS) -> np.ndarray:
    """The HLL registers (uint8, ``2**bits`` of them) of the non-missing ``values``."""
    m = 1 << bits
    s = pd.Series(values).dropna()
    out = np.zeros(m, dtype=np.uint8)
    if s.empty:
        return out
    h = pd.util.hash_array(s.to_numpy(), categorize=False).astype(np.uint64)
    bucket = (h >> np.uint64(64 - bits)).astype(np.int64)
    rest = h << np.uint64(bits)  # the remaining 64 - bits bits, left-aligned
    # rank = position of the first 1-bit in ``rest`` (1-based), 64 - bits + 1 when all are zero
    top = np.zeros(len(rest), dtype=np.int64)
    nz = rest > 0
    top[nz] = np.frexp(rest[nz].astype(np.float64))[1]  # highest set bit + 1 (float rounding: rare +1)
    rank = np.where(nz, 65 - np.minimum(top, 64), 64 - bits + 1).astype(np.uint8)
    np.maximum.at(out, bucket, rank)
    return out


def estimate(regs: np.ndarray) -> float:
    """Cardinality estimate from merged registers."""
    m = float(len(regs))
    alpha = 0.7213 / (1.0 + 1.079 / m)
    raw = alpha * m * m / float(np.sum(np.exp2(-regs.astype(np.float64))))
    zeros = int((regs == 0).sum())
    if raw <= 2.5 * m and zeros:
        return float(m * np.log(m / zeros))
    return raw
