"""The lattice search finds ARX's optimal full-domain generalisation on ARX's Adult data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.inventory.risk import class_sizes
from safedata_core.sdc import (
    GeneralisationSpace,
    apply_levels,
    flat_hierarchy,
    interval_hierarchy,
    load_arx_hierarchy,
    search_lattice,
)
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def arx() -> tuple[dict, Table, GeneralisationSpace, dict]:
    ref_path = shared_data("reference_values", "kanonymity_expected.json")
    folder: Path = shared_data("arx_adult")
    ref = json.loads(ref_path.read_text())["arx_kanonymity_adult"]
    table = Table.from_dataframe(pd.read_csv(folder / "adult.csv", sep=";"))
    qis = ref["qi_order"]
    hier = {c: load_arx_hierarchy(c, folder / f"adult_hierarchy_{c}.csv") for c in qis}
    return ref, table, GeneralisationSpace(table.df, qis, hier), hier


@pytest.mark.reference
@pytest.mark.parametrize("case", range(4))
def test_arx_optimal_levels(arx: tuple, case: int) -> None:
    ref, table, space, hier = arx
    spec = ref["cases"][case]
    limit = int(np.floor(spec["suppression_limit"] * len(table)))
    res = search_lattice(space, k=spec["k"], max_outliers=limit, loss="entropy")
    assert list(res.levels.values()) == spec["optimal_levels"]
    assert res.loss == pytest.approx(spec["information_loss"], rel=1e-12)
    # the released records (outliers suppressed) are k-anonymous
    out = space.outlier_mask(list(res.levels.values()), spec["k"])
    gen = apply_levels(table.df, hier, res.levels)
    assert out.sum() <= limit
    assert class_sizes(gen.loc[~out], ref["qi_order"]).min() >= spec["k"]


def test_small_table_picks_cheapest_node() -> None:
    df = pd.DataFrame({"age": [21.0, 22, 23, 24, 26, 27, 28, 29], "sex": list("MFMFMFMF")})
    hier = {"age": interval_hierarchy("age", [5, 10]), "sex": flat_hierarchy("sex")}
    space = GeneralisationSpace(df, ["age", "sex"], hier)
    res = search_lattice(space, k=4, max_outliers=0, loss="height")
    # [20,25) and [25,30) hold 4 records each once sex is hidden; height 2 = (1, 1)
    assert res.levels == {"age": 1, "sex": 1}
    assert space.outliers([1, 1], 4) == 0
    assert space.outliers([1, 0], 4) == 8


# -- cheap exact checks against brute force (no reference data) ---------------------------------------------


def _table3(n: int = 120, seed: int = 1) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.integers(20, 60, n).astype(float),
            "zip": rng.choice(["a", "b", "c", "d", "e"], n),
            "sex": rng.choice(["F", "M"], n),
        }
    )
    hier = {"age": interval_hierarchy("age", [5, 10, 20]), "zip": flat_hierarchy("zip"), "sex": flat_hierarchy("sex")}
    return df, hier


def _sizes(df: pd.DataFrame, hier: dict, levels: dict) -> np.ndarray:
    gen = apply_levels(df, hier, levels)
    return class_sizes(gen, list(levels))


def test_class_weights_and_outliers_match_a_direct_count() -> None:
    df, hier = _table3()
    space = GeneralisationSpace(df, ["age", "zip", "sex"], hier)
    for levels in ([0, 0, 0], [1, 0, 1], [2, 1, 0], [4, 1, 1], [3, 0, 0]):
        lv = dict(zip(["age", "zip", "sex"], levels, strict=True))
        sizes = _sizes(df, hier, lv)
        np.testing.assert_array_equal(space.class_weights(levels)[space.inverse], sizes)
        for k in (2, 3, 5):
            assert space.outliers(levels, k) == int((sizes < k).sum())
            np.testing.assert_array_equal(space.outlier_mask(levels, k), sizes < k)
    assert space.loss([1, 0, 1], "height") == 2.0


def test_pair_bounds_are_the_outliers_of_each_pair() -> None:
    df, hier = _table3()
    space = GeneralisationSpace(df, ["age", "zip", "sex"], hier)
    tables = space.pair_outliers(3)
    assert [(i, j) for i, j, _ in tables] == [(0, 1), (0, 2), (1, 2)]
    for i, j, table in tables:
        cols = [["age", "zip", "sex"][i], ["age", "zip", "sex"][j]]
        assert table.shape == (space.heights[i] + 1, space.heights[j] + 1)
        for li in range(table.shape[0]):
            for lj in range(table.shape[1]):
                sizes = _sizes(df, hier, {cols[0]: li, cols[1]: lj})
                assert table[li, lj] == int((sizes < 3).sum())


@pytest.mark.parametrize(("k", "limit", "loss"), [(3, 0, "entropy"), (5, 6, "entropy"), (4, 3, "height")])
def test_search_finds_the_brute_force_optimum(k: int, limit: int, loss: str) -> None:
    import itertools

    df, hier = _table3()
    qis = ["age", "zip", "sex"]
    space = GeneralisationSpace(df, qis, hier)
    res = search_lattice(space, k=k, max_outliers=limit, loss=loss)  # type: ignore[arg-type]
    best = None
    for node in itertools.product(*(range(h + 1) for h in space.heights)):
        out = space.outliers(node, k)
        if out <= limit and (out == 0 or out >= k):
            key = (space.loss(node, loss), sum(node), node)  # type: ignore[arg-type]
            best = key if best is None or key < best else best
    assert best is not None
    assert (res.loss, tuple(res.levels.values())) == (best[0], best[2])
    assert res.lattice_size == 5 * 2 * 2 and 1 <= res.nodes_checked <= res.lattice_size
    assert res.outliers == space.outliers(best[2], k)


def test_large_key_spaces_are_renumbered_and_counted_exactly() -> None:
    # five columns with 12000 distinct values each: the mixed-radix key would pass 2^62 and is renumbered
    n = 12_000
    base = pd.DataFrame({f"c{j}": np.roll(np.arange(n), 37 * j).astype(str) for j in range(5)})
    df = pd.concat([base, base.iloc[: n // 2]], ignore_index=True)  # half the rows twice
    hier = {c: flat_hierarchy(c) for c in df.columns}
    space = GeneralisationSpace(df, list(df.columns), hier)
    for levels in ([0, 0, 0, 0, 0], [0, 1, 0, 1, 0], [1, 1, 1, 1, 0]):
        sizes = _sizes(df, hier, dict(zip(df.columns, levels, strict=True)))
        np.testing.assert_array_equal(space.class_weights(levels)[space.inverse], sizes)


def test_no_treated_records() -> None:
    df, hier = _table3(10)
    space = GeneralisationSpace(df, ["age", "zip", "sex"], hier, rows=np.zeros(10, dtype=bool))
    assert space.n_treated == 0 and space.class_weights([0, 0, 0]).size == 0
    assert space.outliers([0, 0, 0], 5) == 0 and not space.outlier_mask([0, 0, 0], 5).any()
    res = search_lattice(space, k=5, max_outliers=0)
    assert res.levels == {"age": 0, "zip": 0, "sex": 0} and res.loss == 0.0


def test_unreachable_k_names_the_fix() -> None:
    df, hier = _table3(10)
    space = GeneralisationSpace(df, ["age", "zip", "sex"], hier)
    from safedata_core.errors import DataError

    text = (
        "generalize: no generalisation reaches k=11 with at most 0 suppressed records "
        "(10 records treated; raise suppression_limit or lower k)"
    )
    with pytest.raises(DataError, match="^" + re.escape(text) + "$"):
        search_lattice(space, k=11, max_outliers=0)


def test_missing_quasi_identifier_values_form_their_own_class() -> None:
    # sex is missing for two records: they form a class of 2 of their own (like M and F), so k=2 holds at level 0
    df = pd.DataFrame({"sex": ["M", None, "M", None, "F", "F"]})
    space = GeneralisationSpace(df, ["sex"], {"sex": flat_hierarchy("sex")})
    assert space.cards[0][0] == 3
    assert space.outliers([0], 2) == 0
    assert space.outliers([0], 3) == 6  # every class has 2 records
    assert sorted(space.weights.tolist()) == [2, 2, 2]


def test_with_two_qis_every_visited_node_is_counted() -> None:
    # two QIs have one pair, which is the node itself: no pair bounds, so each visited node is counted once.
    # Order of visits (height loss, then sum, then levels): (0,0), (0,1), (1,0) fail with 8 outliers each,
    # (1,1) gives [20,25) and [25,30) four records each: 4 nodes checked.
    df = pd.DataFrame({"age": [21.0, 22, 23, 24, 26, 27, 28, 29], "sex": list("MFMFMFMF")})
    hier = {"age": interval_hierarchy("age", [5, 10]), "sex": flat_hierarchy("sex")}
    res = search_lattice(GeneralisationSpace(df, ["age", "sex"], hier), k=4, max_outliers=0, loss="height")
    assert res.levels == {"age": 1, "sex": 1} and res.outliers == 0
    assert (res.nodes_checked, res.lattice_size) == (4, 4 * 2)
    # k = 8 needs [20, 30) and no sex: (1, 1) fails, and is reached from both (0, 1) and (1, 0) but visited once;
    # visited: the five nodes of height <= 2, then (2, 1): 6 nodes checked
    res = search_lattice(GeneralisationSpace(df, ["age", "sex"], hier), k=8, max_outliers=0, loss="height")
    assert res.levels == {"age": 2, "sex": 1} and res.nodes_checked == 6


def test_per_record_class_sizes_are_indexable_without_treated_records() -> None:
    # class_weights(levels)[inverse] is each treated record's class size, also when no record is treated
    df, hier = _table3(6)
    space = GeneralisationSpace(df, ["age", "zip", "sex"], hier, rows=np.zeros(6, dtype=bool))
    sizes = space.class_weights([1, 1, 1])[space.inverse]
    assert sizes.shape == (0,) and sizes.dtype == np.int64
