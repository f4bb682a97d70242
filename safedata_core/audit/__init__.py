"""Tamper-evident, hash-chained audit log of a run, and its verification."""

from __future__ import annotations

from safedata_core.audit.log import AuditLog
from safedata_core.audit.verify import AuditVerification, verify_audit_log

__all__ = ["AuditLog", "AuditVerification", "verify_audit_log"]
