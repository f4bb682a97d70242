"""Record swapping pairs: same stratum, each row at most once, selected records paired with the pool."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.sdc import swap_pairs


def _df() -> pd.DataFrame:
    return pd.DataFrame({"region": ["n", "n", "n", "n", "s", "s", "s"], "x": range(7)})


def test_selected_records_are_paired_among_themselves_within_strata() -> None:
    sel = np.ones(7, dtype=bool)
    pairs = swap_pairs(_df(), sel, sel, ["region"], np.random.default_rng(1))
    assert pairs.shape == (3, 2) and pairs.dtype == np.int64  # 4 north -> 2 pairs, 3 south -> 1 pair
    regions = _df()["region"].to_numpy()
    assert all(regions[a] == regions[b] for a, b in pairs)
    assert len(set(pairs.ravel().tolist())) == 6


def test_selected_records_take_partners_from_the_rest_of_the_pool() -> None:
    sel = np.array([True, False, False, False, True, False, False])
    pool = np.array([True, True, False, True, True, True, False])
    pairs = swap_pairs(_df(), sel, pool, ["region"], np.random.default_rng(2))
    assert sorted(pairs[:, 0].tolist()) == [0, 4]
    partner = dict(pairs.tolist())
    assert partner[0] in (1, 3) and partner[4] == 5  # same stratum, in the pool, not selected


def test_without_strata_everyone_is_one_stratum() -> None:
    sel = np.array([True, True, False, False, False, False, False])
    pairs = swap_pairs(_df(), sel, np.ones(7, dtype=bool), [], np.random.default_rng(3))
    assert pairs.shape == (2, 2) and set(pairs[:, 1].tolist()) <= {2, 3, 4, 5, 6}
    assert swap_pairs(_df(), np.zeros(7, dtype=bool), np.zeros(7, dtype=bool), [], np.random.default_rng(0)).shape == (
        0,
        2,
    )


def test_swap_pairs_reads_0_1_numeric_masks_like_bool_masks() -> None:
    df = pd.DataFrame({"g": ["a", "a", "b", "b", "a", "b", "a", "b"]})
    sel = np.array([1.0, 0, 1, 0, 1, 0, 0, 1])  # e.g. a mask computed in floats
    pool = np.ones(8)
    for s, p in ((sel, pool), (sel, sel)):
        want = swap_pairs(df, s.astype(bool), p.astype(bool), ["g"], np.random.default_rng(5))
        got = swap_pairs(df, s, p, ["g"], np.random.default_rng(5))
        np.testing.assert_array_equal(got, want)
        assert len(want) >= 1
        assert (df["g"].to_numpy()[want[:, 0]] == df["g"].to_numpy()[want[:, 1]]).all()  # within a stratum
