"""safedata-microaggregation: registers the ``mdav``, ``individual_ranking`` and ``rank_swap`` SDC methods.

Keep this module light: the components are imported inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_sdc_methods(register: Any) -> None:
    from safedata_microaggregation.components import IndividualRankingMethod, MDAVMethod, RankSwapMethod

    register(MDAVMethod)
    register(IndividualRankingMethod)
    register(RankSwapMethod)
