"""The microaggregation components pass the core SDC contract kit."""

from __future__ import annotations

from safedata_microaggregation.components import IndividualRankingMethod, MDAVMethod, RankSwapMethod

from safedata_core.testing import SDCContract


class TestMDAVContract(SDCContract):
    component = MDAVMethod
    params = {"k": 3, "columns": ["age", "income"]}


class TestIndividualRankingContract(SDCContract):
    component = IndividualRankingMethod
    params = {"k": 3, "columns": ["income"]}


class TestRankSwapContract(SDCContract):
    component = RankSwapMethod
    params = {"p": 10, "columns": ["age", "income"]}
