"""The lattice search finds ARX's optimal full-domain generalisation on ARX's Adult data."""

from __future__ import annotations

import json
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
