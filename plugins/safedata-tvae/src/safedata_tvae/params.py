"""Params shared by the deep synthesizers (``tvae`` here, ``ctgan`` in safedata-ctgan).

Torch-free, so the plugin registers quickly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DeepParams"]


class DeepParams(BaseModel):
    """Training, transformer and DP settings common to CTGAN and TVAE."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dp: bool = Field(
        True, description="Differentially private fit (needs a budget share). False = ordinary non-private training."
    )
    epochs: int = Field(300, ge=1, le=100_000, description="Passes over the data (under DP: expected passes).")
    batch_size: int = Field(
        500, ge=2, le=100_000, description="Rows per step (under DP: expected rows of a Poisson-sampled batch)."
    )
    embedding_dim: int = Field(128, ge=1, le=4096, description="Size of the latent / noise vector.")
    max_modes: int = Field(10, ge=1, le=50, description="Most Gaussian modes per numeric column (Bayesian GMM).")
    gmm_rows: int = Field(
        5000, ge=50, le=1_000_000, description="Rows (or DP pseudo-points) the Bayesian GMM of a numeric column sees."
    )
    clip_norm: float = Field(1.0, gt=0, description="DP-SGD per-sample gradient L2 clip norm.")
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
    progress: bool = Field(True, description="Show a per-epoch progress bar (loss, epsilon spent).")
