"""Column codecs: bins by mass, point masses kept, values decoded inside their bin; DP codecs use public facts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_bayesnet.codec import ColumnCodec
from safedata_bayesnet.discretize import binning_events, build_codecs, measurement_plan

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import NoiseSource
from safedata_core.testing import make_budget, tiny_table


def _spiky_table(n: int = 4000, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    gain = np.where(rng.random(n) < 0.9, 0.0, rng.integers(100, 20000, n).astype(float))
    age = rng.integers(18, 80, n).astype(float)
    meta = Metadata(
        columns={
            "gain": ColumnMeta(type="integer", bounds=(0, 99999)),
            "age": ColumnMeta(type="integer", bounds=(17, 90)),
        }
    )
    return Table.from_dataframe(pd.DataFrame({"gain": gain, "age": age}), meta)


def _plain(table: Table, n_bins: int = 8, n_fine: int = 64) -> list[ColumnCodec]:
    return build_codecs(table, n_bins=n_bins, n_fine=n_fine, budget=None, epsilon=0.0, delta=0.0, where="test")


def test_non_private_codec_keeps_spike_and_decodes_inside_bin() -> None:
    table = _spiky_table()
    gain = _plain(table)[0]
    codes = gain.encode(table.df["gain"])
    decoded = gain.decode(codes, np.random.default_rng(1))
    assert abs(np.mean(decoded == 0) - np.mean(table.df["gain"] == 0)) < 1e-12  # the zero bin decodes to 0 exactly
    assert np.array_equal(gain.encode(pd.Series(decoded)), codes)  # values stay in their bin
    assert len(np.unique(decoded[codes == codes.max()])) > 5  # spread inside a bin, not one centre value


def test_categorical_codec_missing_is_last_code() -> None:
    table = tiny_table(300)
    region = next(c for c in _plain(table, n_fine=32) if c.name == "region")
    codes = region.encode(table.df["region"])
    assert region.missing and set(codes[table.df["region"].isna().to_numpy()]) == {region.n_values}
    back = region.decode(codes, np.random.default_rng(0))
    assert pd.Series(back).isna().sum() == table.df["region"].isna().sum()


def test_codec_state_round_trip() -> None:
    table = _spiky_table(500)
    codec = _plain(table, n_fine=32)[0]
    again = ColumnCodec.from_dict(codec.to_dict())
    codes = codec.encode(table.df["gain"])
    a, b = codec.decode(codes, np.random.default_rng(3)), again.decode(codes, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


def _mixed(nullable: bool, n: int = 3000) -> Table:
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "x": rng.integers(0, 50, n).astype(float),
            "c": rng.choice(["a", "b", "c"], n).astype(object),
            "f": rng.random(n) < 0.4,
            "j": rng.choice(["u", "v"], n),
        }
    )
    meta = Metadata.from_dict(
        {
            "columns": {
                "x": {"type": "integer", "bounds": [0, 49], "nullable": nullable},
                "c": {"type": "categorical", "categories": ["a", "b", "c"], "nullable": nullable},
                "f": {"type": "boolean", "nullable": nullable},
                "j": {"type": "categorical", "nullable": nullable},  # domain selected under DP
            }
        }
    )
    return Table.from_dataframe(df, meta)


def test_measurement_plan_comes_from_public_metadata_only() -> None:
    cols = ["x", "c", "f", "j"]
    assert measurement_plan(_mixed(True).metadata, cols, "t") == [
        ("x", "histogram"),
        ("c", "missing"),
        ("f", "missing"),
        ("j", "select"),
        ("j", "missing"),
    ]
    assert measurement_plan(_mixed(False).metadata, cols, "t") == [("x", "histogram"), ("j", "select")]
    events = binning_events(measurement_plan(_mixed(True).metadata, cols, "t"), 0.5, 1e-6)
    assert [e.mechanism for e in events] == ["geometric", "geometric", "geometric", "approx", "geometric"]
    assert [e.epsilon for e in events] == pytest.approx([0.1] * 5) and events[3].delta == pytest.approx(1e-6)


def test_dp_codecs_record_exactly_the_planned_events() -> None:
    table = _mixed(True)
    budget = make_budget(1.0, 1e-6)
    build_codecs(table, n_bins=8, n_fine=16, budget=budget, epsilon=0.5, delta=1e-6, where="t")
    planned = binning_events(measurement_plan(table.metadata, list(table.columns), "t"), 0.5, 1e-6)
    recorded = budget.events()
    assert [e.mechanism for e in recorded] == [e.mechanism for e in planned]
    assert [e.epsilon for e in recorded] == pytest.approx([e.epsilon for e in planned], rel=1e-12)
    assert [e.delta for e in recorded] == pytest.approx([e.delta for e in planned], rel=1e-12)


@pytest.mark.parametrize("noise_seed", range(5))
def test_dp_codecs_add_no_missing_code_to_columns_without_missing_values(noise_seed: int) -> None:
    budget = make_budget(1.0, 1e-6)
    budget.noise = NoiseSource.reproducible(noise_seed)
    codecs = build_codecs(_mixed(True), n_bins=8, n_fine=16, budget=budget, epsilon=1.0, delta=1e-6, where="t")
    assert [c.missing for c in codecs] == [False] * 4  # nullable, but the data has no missing value


def test_dp_codecs_keep_missing_code_when_many_values_are_missing() -> None:
    table = _mixed(True)
    df = table.df.copy()
    for col in df.columns:
        df[col] = df[col].astype(object)
        df.loc[df.index[::5], col] = None  # 20% missing everywhere
    codecs = build_codecs(
        Table.from_dataframe(df, table.metadata),
        n_bins=8,
        n_fine=16,
        budget=make_budget(1.0, 1e-6),
        epsilon=1.0,
        delta=1e-6,
        where="t",
    )
    assert [c.missing for c in codecs] == [True] * 4


def test_dp_codecs_of_non_nullable_columns_have_no_missing_code_even_with_missing_data() -> None:
    table = _mixed(False)
    df = table.df.copy().astype(object)
    df.loc[df.index[::5], :] = None
    codecs = build_codecs(
        Table.from_dataframe(df, table.metadata),
        n_bins=8,
        n_fine=16,
        budget=make_budget(1.0, 1e-6),
        epsilon=1.0,
        delta=1e-6,
        where="t",
    )
    assert [c.missing for c in codecs] == [False] * 4
    codes = np.column_stack([c.encode(df[c.name]) for c in codecs])
    assert np.array_equal((codes < 0).any(axis=1), df.isna().any(axis=1).to_numpy())  # those records get no code
