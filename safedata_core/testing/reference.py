"""Reference data for tests: where ``shared/data`` is, and the ``reference`` marker's rule.

Tests that compare with published reference values (opacus, TF-Privacy,
sdcMicro, ARX, SDMetrics, anonymeter) read them from the ``shared/data``
folder beside the repository, or from ``$SAFEDATA_REFERENCE_DATA`` when set.
Such tests carry ``@pytest.mark.reference`` and get their paths from
:func:`reference_path`, which skips with a clear reason when the data is
absent. With ``SAFEDATA_REQUIRE_REFERENCE=1`` (CI sets it) a missing file
fails the test instead, and the pytest plugin turns any skip of a
``reference``-marked test into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["DATA_ENV", "REQUIRE_ENV", "reference_path", "reference_required", "reference_root"]

#: set to a folder to read reference data from there instead of ../shared/data
DATA_ENV = "SAFEDATA_REFERENCE_DATA"
#: set to 1 to make a missing reference file (or a skipped reference test) a failure
REQUIRE_ENV = "SAFEDATA_REQUIRE_REFERENCE"
_REPO = Path(__file__).resolve().parents[2]


def reference_required() -> bool:
    """True when ``SAFEDATA_REQUIRE_REFERENCE`` is set to a true value."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def reference_root() -> Path:
    """``$SAFEDATA_REFERENCE_DATA``, else ``shared/data`` beside the repository."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else _REPO.parent / "shared" / "data"


def reference_path(*parts: str) -> Path:
    """Path of a reference file or folder; skips (or, when required, fails) the test if it is absent."""
    path = reference_root().joinpath(*parts)
    if not path.exists():
        reason = f"reference data {path} is not present (put shared/data beside the repository or set {DATA_ENV})"
        if reference_required():
            pytest.fail(f"{reason}; {REQUIRE_ENV} is set, so reference tests must run", pytrace=False)
        pytest.skip(reason)
    return path
