"""``safedata plugins [--json]``: list components, their plugins, and plugins that failed.

Summaries are printed in full: on a terminal they wrap (between words) under
the SUMMARY column; piped, each component stays on one line for grep.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from safedata_core.commands import make_engine

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser("plugins", help="list installed components and plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output (every field, plugins and failures)")
    return p


def run(args: argparse.Namespace) -> int:
    info = make_engine(args).plugins_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    for line in table_lines(info, width=shutil.get_terminal_size().columns if sys.stdout.isatty() else None):
        print(line)
    for f in info["failed"]:
        print(f"FAILED  {f['plugin']} ({f['distribution']}): {f['error']}")
    return 0


def table_lines(info: dict[str, Any], *, width: int | None = None) -> list[str]:
    """The component table; with ``width``, summaries wrap between words under their column (never cut)."""
    rows = [
        (
            c["kind"],
            c["name"],
            c["privacy"],
            f"{c['distribution'] or '?'} {c['version'] or ''}".strip(),
            c["summary"],
        )
        for c in info["components"]
    ]
    header = ("KIND", "NAME", "PRIVACY", "DISTRIBUTION", "SUMMARY")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    indent = sum(widths) + 2 * len(widths)
    room = max(30, width - indent) if width else None
    lines = []
    for r in [header, *rows]:
        left = "  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  "
        parts = textwrap.wrap(r[4], room, break_long_words=False, break_on_hyphens=False) if room else [r[4]]
        lines.append((left + (parts[0] if parts else "")).rstrip())
        lines += [" " * indent + more for more in parts[1:]]
    return lines
