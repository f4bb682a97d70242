"""The computations behind profile and PII detection, shared by the worker jobs and the in-process services.

Both read the real rows (internal, steward-only results, stored encrypted); they
are CPU work, so the API runs them as jobs in the quick worker lane.
"""

from __future__ import annotations

import json
from typing import Any

from safedata_core import Table

__all__ = ["pii_result", "profile_result"]


def profile_result(table: Table, dataset_id: str, *, k: int = 5) -> dict[str, Any]:
    """Types, identifiers, quasi-identifiers and k-anonymity of ``table``, with the suggested metadata."""
    from safedata_core.inventory import build_profile, profile_metadata

    profile, _rare = build_profile(table, k=k, max_rare_combinations=0, progress=False)
    suggested = profile_metadata(table, profile)
    result = {
        "dataset_id": dataset_id,
        "profile": profile,
        "suggested_metadata": json.loads(suggested.model_dump_json(exclude_none=True)),
    }
    parsed: dict[str, Any] = json.loads(json.dumps(result, default=str))
    return parsed


def pii_result(table: Table, dataset_id: str) -> dict[str, Any]:
    """Direct identifiers and PII per column (evidence and confidence, never example values)."""
    from safedata_core.inventory.identifiers import detect_identifiers

    columns = []
    for name in table.df.columns:
        ctype = table.metadata.columns[name].type
        findings = detect_identifiers(table.df[name], name, ctype)
        columns.append(
            {
                "column": name,
                "type": ctype,
                "is_pii": bool(findings),
                "findings": [{k: v for k, v in f.items() if k != "examples"} for f in findings],
            }
        )
    result = {
        "dataset_id": dataset_id,
        "pii_columns": [c["column"] for c in columns if c["is_pii"]],
        "columns": columns,
    }
    parsed: dict[str, Any] = json.loads(json.dumps(result, default=str))
    return parsed
