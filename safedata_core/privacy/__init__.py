"""Privacy accounting, calibration and DP primitives.

Pure math and bookkeeping; nothing here imports the pipeline, the CLI or torch.
The accountants (``rdp``, ``prv``) load lazily on first use; the primitives
(noisy histograms, DP quantiles, ...) import only numpy/scipy.
"""

from __future__ import annotations

from safedata_core.privacy.accountants import Accountant, accountant_names, create_accountant, register_accountant
from safedata_core.privacy.budget import Budget, PrivacyEvent
from safedata_core.privacy.calibration import (
    analytic_gaussian_sigma,
    calibrate_noise,
    calibrate_noise_epochs,
    dpsgd_epsilon,
    gaussian_epsilon,
    steps_for_epochs,
)
from safedata_core.privacy.ledger import BudgetShare, Charge, Ledger
from safedata_core.privacy.noise import NoiseMode, NoiseSource, secure_backend
from safedata_core.privacy.noising import (
    DiscreteGaussian,
    DiscreteLaplace,
    Exponential,
    Gaussian,
    Laplace,
    NoiseMechanism,
    add_noise,
    gaussian_multiplier,
    select,
)
from safedata_core.privacy.primitives import (
    discrete_laplace,
    dp_bin_edges,
    dp_covariance,
    dp_mean,
    dp_quantiles,
    dp_second_moments,
    dp_select_categories,
    gaussian_noisy_counts,
    noisy_histogram,
    nonnegative_counts,
    nonnegative_normalise,
)
from safedata_core.privacy.public import require_declared, undeclared_columns

__all__ = [
    "Accountant",
    "Budget",
    "BudgetShare",
    "Charge",
    "DiscreteGaussian",
    "DiscreteLaplace",
    "Exponential",
    "Gaussian",
    "Laplace",
    "Ledger",
    "NoiseMechanism",
    "NoiseMode",
    "NoiseSource",
    "PrivacyEvent",
    "accountant_names",
    "add_noise",
    "analytic_gaussian_sigma",
    "calibrate_noise",
    "calibrate_noise_epochs",
    "create_accountant",
    "discrete_laplace",
    "dp_bin_edges",
    "dp_covariance",
    "dp_mean",
    "dp_quantiles",
    "dp_second_moments",
    "dp_select_categories",
    "dpsgd_epsilon",
    "gaussian_epsilon",
    "gaussian_multiplier",
    "gaussian_noisy_counts",
    "noisy_histogram",
    "nonnegative_counts",
    "nonnegative_normalise",
    "register_accountant",
    "require_declared",
    "secure_backend",
    "select",
    "steps_for_epochs",
    "undeclared_columns",
]
