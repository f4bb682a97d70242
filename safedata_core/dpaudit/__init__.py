"""Empirical DP audit: fit a synthesizer many times on neighbouring tables and bound epsilon from below.

Python API: :func:`run_audit` (returns an :class:`AuditResult`); command line:
``safedata dp-audit --synthesizer NAME --runs N --epsilon E``. See
docs/dp-audit.md for the method and how to read the result.
"""

from __future__ import annotations

from safedata_core.dpaudit.audit import AuditResult, run_audit
from safedata_core.dpaudit.bounds import clopper_pearson, eps_lower_bound, max_eps_lower, one_sided_bounds
from safedata_core.dpaudit.canary import audit_table, make_canary, neighbours

__all__ = [
    "AuditResult",
    "audit_table",
    "clopper_pearson",
    "eps_lower_bound",
    "make_canary",
    "max_eps_lower",
    "neighbours",
    "one_sided_bounds",
    "run_audit",
]
