"""Statistical disclosure control algorithms (pure functions on DataFrames and arrays).

The built-in SDC components in :mod:`safedata_core.default_plugins.sdc` wrap
these: generalisation hierarchies and the optimal lattice search
(:mod:`.hierarchy`, :mod:`.lattice`, :mod:`.generalisation`), local suppression
(:mod:`.suppression`), record swapping (:mod:`.swapping`), PRAM (:mod:`.pram`),
noise and top/bottom coding (:mod:`.perturb`), information loss
(:mod:`.infoloss`) and the change report every method returns (:mod:`.changes`).
"""

from __future__ import annotations

from safedata_core.sdc.changes import base_changes, changed_cells, risk_block
from safedata_core.sdc.generalisation import apply_levels, suppress_records
from safedata_core.sdc.hierarchy import (
    TOP,
    Hierarchy,
    flat_hierarchy,
    interval_hierarchy,
    load_arx_hierarchy,
    value_keys,
)
from safedata_core.sdc.infoloss import discernibility, generalisation_height, nonuniform_entropy, sse_sst
from safedata_core.sdc.lattice import GeneralisationSpace, LatticeResult, search_lattice
from safedata_core.sdc.perturb import add_noise, top_bottom_code
from safedata_core.sdc.pram import apply_transition, check_matrix, invariant_matrix, uniform_retention_matrix
from safedata_core.sdc.suppression import SuppressionResult, local_suppression
from safedata_core.sdc.swapping import swap_pairs

__all__ = [
    "TOP",
    "GeneralisationSpace",
    "Hierarchy",
    "LatticeResult",
    "SuppressionResult",
    "add_noise",
    "apply_levels",
    "apply_transition",
    "base_changes",
    "changed_cells",
    "check_matrix",
    "discernibility",
    "flat_hierarchy",
    "generalisation_height",
    "interval_hierarchy",
    "invariant_matrix",
    "load_arx_hierarchy",
    "local_suppression",
    "nonuniform_entropy",
    "risk_block",
    "search_lattice",
    "sse_sst",
    "suppress_records",
    "swap_pairs",
    "top_bottom_code",
    "uniform_retention_matrix",
    "value_keys",
]
