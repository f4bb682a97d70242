"""``safedata audit verify RUN_DIR``: check the run's hash-chained audit log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from safedata_core.audit import AuditVerification, verify_audit_log


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("audit", help="verify a run's tamper-evident audit log")
    p.add_argument("action", choices=["verify"])
    p.add_argument("run_dir", help="run directory (or its audit.jsonl)")
    return p


def run(args: argparse.Namespace) -> int:
    try:
        n = verify_audit_log(args.run_dir)
    except AuditVerification as exc:
        print(f"error: audit log FAILED verification: {exc}", file=sys.stderr)
        return 1
    print(f"audit log verified: {n} events, chain intact")
    return 0
