"""Column codecs: bins by mass, point masses kept, values decoded inside their bin."""

from __future__ import annotations

import numpy as np
import pandas as pd
from safedata_bayesnet.discretize import ColumnCodec, build_codecs, dp_fine_cells, group_by_mass

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import tiny_table


def test_group_by_mass_keeps_heavy_cell_alone() -> None:
    w = np.array([1, 1, 90, 1, 1, 1, 1, 1, 1, 2], dtype=float)
    g = group_by_mass(w, 4)
    assert np.all(np.diff(g) >= 0)
    heavy = g[2]
    assert np.sum(g == heavy) == 1  # the 90% cell is a bin of its own


def test_dp_fine_cells_make_bounds_single_value_cells() -> None:
    lo, hi = dp_fine_cells((0, 99999), integer=True, n_cells=64)
    assert (lo[0], hi[0]) == (0, 0) and (lo[-1], hi[-1]) == (99999, 99999)
    assert np.all(lo[1:] == hi[:-1] + 1)  # integer ranges tile the domain
    lo2, hi2 = dp_fine_cells((17, 90), integer=True, n_cells=128)
    assert np.array_equal(lo2, hi2) and len(lo2) == 74  # one cell per value


def _spiky_table(n: int = 4000, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    gain = np.where(rng.random(n) < 0.9, 0.0, rng.integers(100, 20000, n).astype(float))
    age = rng.integers(18, 80, n).astype(float)
    meta = Metadata(columns={"gain": ColumnMeta(type="integer", bounds=(0, 99999)),
                             "age": ColumnMeta(type="integer", bounds=(17, 90))})
    return Table.from_dataframe(pd.DataFrame({"gain": gain, "age": age}), meta)


def test_non_private_codec_keeps_spike_and_decodes_inside_bin() -> None:
    table = _spiky_table()
    codecs = build_codecs(table, n_bins=8, n_fine=64, budget=None, epsilon=0.0, delta=0.0,
                          rng=np.random.default_rng(0), where="test")
    gain = codecs[0]
    codes = gain.encode(table.df["gain"])
    decoded = gain.decode(codes, np.random.default_rng(1))
    assert abs(np.mean(decoded == 0) - np.mean(table.df["gain"] == 0)) < 1e-12  # the zero bin decodes to 0 exactly
    assert np.array_equal(gain.encode(pd.Series(decoded)), codes)  # values stay in their bin
    assert len(np.unique(decoded[codes == codes.max()])) > 5  # spread inside a bin, not one centre value


def test_categorical_codec_missing_is_last_code() -> None:
    table = tiny_table(300)
    codecs = build_codecs(table, n_bins=8, n_fine=32, budget=None, epsilon=0.0, delta=0.0,
                          rng=np.random.default_rng(0), where="test")
    region = next(c for c in codecs if c.name == "region")
    codes = region.encode(table.df["region"])
    assert region.missing and set(codes[table.df["region"].isna().to_numpy()]) == {region.n_values}
    back = region.decode(codes, np.random.default_rng(0))
    assert pd.Series(back).isna().sum() == table.df["region"].isna().sum()


def test_codec_state_round_trip() -> None:
    table = _spiky_table(500)
    codec = build_codecs(table, n_bins=8, n_fine=32, budget=None, epsilon=0.0, delta=0.0,
                         rng=np.random.default_rng(0), where="test")[0]
    again = ColumnCodec.from_dict(codec.to_dict())
    codes = codec.encode(table.df["gain"])
    a, b = codec.decode(codes, np.random.default_rng(3)), again.decode(codes, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
