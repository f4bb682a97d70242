"""Tamper-evident audit log of a run: a hash chain sealed with HMAC-SHA256 under a key kept outside the run."""

from __future__ import annotations

from safedata_core.audit.key import AuditKey, default_key_path, load_key
from safedata_core.audit.log import AuditLog, charges_digest, file_sha256
from safedata_core.audit.verify import AuditReport, AuditVerification, verify_audit_log, verify_run

__all__ = [
    "AuditKey",
    "AuditLog",
    "AuditReport",
    "AuditVerification",
    "charges_digest",
    "default_key_path",
    "file_sha256",
    "load_key",
    "verify_audit_log",
    "verify_run",
]
