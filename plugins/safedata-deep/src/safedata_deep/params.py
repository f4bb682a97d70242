"""Params shared by the deep synthesizers (``tvae`` in safedata-tvae, ``ctgan`` in safedata-ctgan).

Torch-free, so the plugin registers quickly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DeepParams"]

_FALSE = (False, 0, "false", "False", "no", "0")


class DeepParams(BaseModel):
    """Training, transformer and DP settings common to CTGAN and TVAE.

    Defaults depend on the mode: the field defaults are the non-private ones (the papers'), and
    ``dp_defaults`` replaces those not given explicitly when ``dp`` is true. DP-SGD wants fewer
    epochs, larger Poisson batches, smaller networks and larger learning rates (measured on Adult,
    see docs/plugins/ctgan-tvae.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: defaults used under DP for the fields the user did not set
    dp_defaults: ClassVar[dict[str, Any]] = {"epochs": 20, "batch_size": 1000}

    @model_validator(mode="before")
    @classmethod
    def _mode_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("dp", True) not in _FALSE:
            return {**cls.dp_defaults, **data}
        return data

    dp: bool = Field(
        True, description="Differentially private fit (needs a budget share). False = ordinary non-private training."
    )
    epochs: int = Field(
        300, ge=1, le=100_000, description="Passes over the data (under DP: expected passes; DP default 20)."
    )
    batch_size: int = Field(
        500,
        ge=2,
        le=100_000,
        description="Rows per step (under DP: expected rows of a Poisson-sampled batch; DP default 1000).",
    )
    embedding_dim: int = Field(
        128, ge=1, le=4096, description="Size of the latent / noise vector (tvae DP default 16)."
    )
    max_modes: int = Field(10, ge=1, le=50, description="Most Gaussian modes per numeric column (Bayesian GMM).")
    gmm_rows: int = Field(
        5000, ge=50, le=1_000_000, description="Rows (or DP pseudo-points) the Bayesian GMM of a numeric column sees."
    )
    clip_norm: float = Field(1.0, gt=0, description="DP-SGD per-sample gradient L2 clip norm (ctgan DP default 0.1).")
    dp_histogram_bins: int = Field(
        64, ge=2, le=4096, description="DP: bins of the noisy histogram over a numeric column's public bounds."
    )
    dp_preprocess_fraction: float = Field(
        0.1,
        gt=0,
        lt=1,
        description="DP: share of the step's epsilon (and of delta, if categories must be selected) spent on "
        "preprocessing (histograms, row count, category selection); the rest goes to DP-SGD.",
    )
    threads: int | None = Field(
        None, ge=1, description="torch CPU threads; None = all available cores not already busy (load average)."
    )
    progress: bool = Field(
        True, description="Show a per-epoch progress bar (with the loss when it is not a statistic of real rows)."
    )
