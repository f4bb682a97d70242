"""The ``safedata`` command line.

Each subcommand lives in ``safedata_core/commands/<name>.py`` with two
functions, ``add_parser(subparsers)`` and ``run(args) -> int``. A user mistake
(any :class:`~safedata_core.SafedataError`) prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from safedata_core.errors import SafedataError

COMMANDS: tuple[str, ...] = ("plugins", "schema", "validate", "run", "audit", "profile", "demo", "bench", "dp_audit")

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from safedata_core.plugins import core_version

    parser = argparse.ArgumentParser(
        prog="safedata", description="Privacy-preserving data release: profile, protect, synthesize, attack, report."
    )
    parser.add_argument("--version", action="version", version=f"safedata-core {core_version()}")
    parser.add_argument("--strict-plugins", action="store_true", help="fail when an installed plugin cannot be loaded")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"safedata_core.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"safedata_core.commands.{name}":
                continue
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except SafedataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
