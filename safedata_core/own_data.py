"""Your own table under DP, from Python: draft the metadata, review it, confirm it, use it.

    from safedata_core import QuickSynthesizer, confirm_metadata, draft_metadata

    draft = draft_metadata(df)              # types, roles; domains read from the data, marked for review
    meta = confirm_metadata(draft)          # you state they are public (or columns=[...])
    QuickSynthesizer("mst", epsilon=1.0, delta=1e-6, metadata=meta).fit(df)

The same flow as ``safedata profile my.csv --out prof`` then ``safedata
metadata confirm prof/metadata.yaml``: a drafted column keeps ``inferred:
true`` (DP components refuse it) until it is confirmed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from safedata_core.data import Metadata, Table
from safedata_core.data.review import confirm_metadata, mark_for_review, write_metadata
from safedata_core.errors import DataError

__all__ = ["confirm_metadata", "draft_metadata", "write_metadata"]


def draft_metadata(data: pd.DataFrame | Table | str | Path, *, metadata: Metadata | None = None) -> Metadata:
    """Profile ``data`` and draft its metadata, as ``safedata profile`` writes it.

    Types, roles (direct identifiers, quasi-identifiers, sensitive columns) and
    the bounds/categories read from the data; every column not declared in
    ``metadata`` is marked ``inferred: true`` (not public until confirmed with
    :func:`confirm_metadata`). Direct identifiers and free text get no domain.
    ``data`` is a DataFrame, a Table or the path of a CSV/Parquet file.
    """
    from safedata_core.data.io import read_table
    from safedata_core.inventory import build_profile, profile_metadata
    from safedata_core.inventory.profile import require_profilable

    if isinstance(data, Table):
        table = data if metadata is None else Table.from_dataframe(data.df, metadata, source="draft_metadata")
    elif isinstance(data, pd.DataFrame):
        table = Table.from_dataframe(data, metadata, source="draft_metadata")
    elif isinstance(data, str | Path):
        table = read_table(str(data), {"metadata": metadata} if metadata is not None else None)
    else:
        raise DataError(f"draft_metadata: expected a DataFrame, Table or file path, not {type(data).__name__}")
    require_profilable(table, "draft_metadata")
    profile, _ = build_profile(table, progress=False)
    return mark_for_review(profile_metadata(table, profile, with_domains=True), table.metadata)
