"""``safedata audit verify RUN_DIR``: check a run's keyed audit log and the files it describes.

Exit codes: 0 the log is intact and authenticated with the audit key (the run
may have succeeded, failed or been aborted: the output says which); 1 the log
or a run file failed verification (edited, truncated, reordered, or the
report/ledger/lock file disagree with the log); 2 usage error (no such run,
unreadable key); 3 the hash chain is intact but the log is NOT authenticated
(no key available, or a different key).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from safedata_core.audit import AuditReport, AuditVerification, verify_run
from safedata_core.audit.key import AuditKey, read_key_file

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers

EXIT_VERIFIED = 0
EXIT_FAILED = 1
EXIT_UNAUTHENTICATED = 3


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "audit",
        help="verify a run's keyed audit log",
    )
    p.add_argument("action", choices=["verify"])
    p.add_argument("run_dir", help="run directory (or its audit.jsonl)")
    p.add_argument(
        "--key-file",
        help="audit key file (default: $SAFEDATA_AUDIT_KEY, $SAFEDATA_AUDIT_KEY_FILE or ~/.config/safedata/audit.key)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    key: AuditKey | Literal["auto"] | None = "auto"
    if getattr(args, "key_file", None):
        key = read_key_file(Path(args.key_file))
    try:
        result = verify_run(args.run_dir, key=key)
    except AuditVerification as exc:
        print(f"error: audit log FAILED verification: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(summary(result))
    if not result.authenticated:
        print(f"warning: NOT authenticated: {result.key_problem}", file=sys.stderr)
        return EXIT_UNAUTHENTICATED
    return EXIT_VERIFIED


def summary(result: AuditReport) -> str:
    """One paragraph: what was verified and how the run ended."""
    if result.authenticated:
        head = f"audit log verified: {result.events} events, chain intact, authenticated with key {result.key_id}"
    else:
        head = f"audit log chain intact ({result.events} events) but NOT authenticated"
    if result.outcome == "aborted":
        where = f" at step '{result.aborted_step}'" if result.aborted_step else " before its first step"
        run = f"the run was ABORTED{where} ({result.abort_reason}); the log is complete up to the interruption"
    elif result.outcome == "ended":
        run = "the run ended"
    else:
        run = f"the run {result.outcome}"
    lines = [f"{head}; {run}"]
    if result.checks:
        lines.append("  cross-checked: " + ", ".join(result.checks))
    if result.skipped:
        lines.append("  not cross-checked: " + ", ".join(result.skipped))
    return "\n".join(lines)
