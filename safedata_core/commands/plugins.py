"""``safedata plugins [--json]``: list components, their plugins, and plugins that failed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from safedata_core.commands import make_engine


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("plugins", help="list installed components and plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def run(args: argparse.Namespace) -> int:
    info = make_engine(args).plugins_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    rows = [
        (
            c["kind"],
            c["name"],
            c["privacy"],
            f"{c['distribution'] or '?'} {c['version'] or ''}".strip(),
            c["summary"][:60],
        )
        for c in info["components"]
    ]
    header = ("KIND", "NAME", "PRIVACY", "DISTRIBUTION", "SUMMARY")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for r in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
    for f in info["failed"]:
        print(f"FAILED  {f['plugin']} ({f['distribution']}): {f['error']}")
    return 0
