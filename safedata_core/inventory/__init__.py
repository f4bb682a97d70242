"""Data inventory and disclosure-risk profiling (the ``profile`` step and the ``safedata profile`` command).

Modules: :mod:`.profile` (orchestration), :mod:`.identifiers` / :mod:`.patterns`
/ :mod:`.checksums` / :mod:`.names` (direct identifiers and PII), :mod:`.qi`
(quasi-identifier suggestion), :mod:`.risk` / :mod:`.freq` / :mod:`.diversity`
(k-anonymity, sdcMicro-style frequencies and individual risk, l-diversity,
t-closeness), :mod:`.html` and :mod:`.outputs` (profile.json, metadata.yaml,
profile.html).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.data import Table
from safedata_core.inventory.profile import build_profile, profile_metadata

__all__ = ["ProfileParams", "build_profile", "profile_metadata", "profile_step"]


class ProfileParams(BaseModel):
    """Parameters of the built-in ``profile`` step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quasi_identifiers: list[str] | None = Field(
        None, description="QI columns; default: the metadata's declared quasi_identifier columns, else suggested ones."
    )
    k: int = Field(5, ge=2, description="Records in QI classes smaller than k are 'rare'.")
    sensitive: list[str] | None = Field(
        None, description="Sensitive columns for l-diversity and t-closeness; default: declared, else suggested."
    )
    weight: str | None = Field(None, description="Sampling-weight column for Fk; default: the metadata's weight.")
    max_rare_combinations: int = Field(
        0,
        ge=0,
        description="List at most this many rare QI combinations (their values!) in the profile; the run report "
        "may be shared, so the default lists none (counts are always reported).",
    )
    sample_size: int = Field(2000, ge=10, description="Values sampled per column for PII pattern detection.")


def profile_step(table: Table, params: ProfileParams) -> tuple[dict[str, Any], np.ndarray]:
    """Profile ``table``: returns the profile dict and the mask of rare records."""
    return build_profile(
        table,
        quasi_identifiers=params.quasi_identifiers,
        sensitive=params.sensitive,
        weight=params.weight,
        k=params.k,
        max_rare_combinations=params.max_rare_combinations,
        sample_size=params.sample_size,
    )
