"""Shared helpers for attacks and metrics: column selection, mixed-type encoding, Gower nearest neighbours, ROC figures.

Nothing here is a release: these functions read original data to evaluate a
release, and their outputs go in the report.
"""

from __future__ import annotations

from safedata_core.evaluation.columns import as_numbers, is_numeric_column, resolve_columns, shuffled_marginals
from safedata_core.evaluation.discretize import shared_codes
from safedata_core.evaluation.encoding import GowerEncoded, encode_gower
from safedata_core.evaluation.neighbors import gower_distances, nearest_neighbors, shared_nearest
from safedata_core.evaluation.roc import roc_summary, tpr_at_fpr

__all__ = [
    "GowerEncoded",
    "as_numbers",
    "encode_gower",
    "gower_distances",
    "is_numeric_column",
    "nearest_neighbors",
    "resolve_columns",
    "roc_summary",
    "shared_codes",
    "shared_nearest",
    "shuffled_marginals",
    "tpr_at_fpr",
]
