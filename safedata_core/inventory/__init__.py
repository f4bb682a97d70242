"""Data inventory and disclosure-risk profiling (the ``profile`` step and command)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.data import Table
from safedata_core.inventory.risk import k_anonymity_summary, rare_mask

__all__ = ["ProfileParams", "profile_step"]


class ProfileParams(BaseModel):
    """Parameters of the built-in ``profile`` step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quasi_identifiers: list[str] | None = Field(
        None, description="QI columns; default: the metadata's quasi_identifier columns."
    )
    k: int = Field(5, ge=2, description="Records in QI classes smaller than k are 'rare'.")


def profile_step(table: Table, params: ProfileParams) -> tuple[dict[str, Any], np.ndarray]:
    """Profile ``table``: returns the profile dict and the mask of rare records."""
    qis = params.quasi_identifiers or table.metadata.quasi_identifiers
    table.require_columns(qis, where="profile.quasi_identifiers")
    risk = k_anonymity_summary(table.df, qis)
    mask = rare_mask(table.df, qis, params.k)
    profile = {
        "rows": len(table),
        "columns": {n: {"type": c.type, "role": c.role} for n, c in table.metadata.columns.items()},
        "quasi_identifiers": qis,
        "risk": risk,
        "rare_records": int(mask.sum()),
        "k": params.k,
    }
    return profile, mask
