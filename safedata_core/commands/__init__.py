"""CLI subcommands: one module each, with ``add_parser(subparsers)`` and ``run(args)``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safedata_core.engine import Engine


def make_engine(args: argparse.Namespace) -> Engine:
    """The engine a command uses (entry points loaded unless disabled by the environment)."""
    from safedata_core.engine import Engine

    return Engine(strict=bool(getattr(args, "strict_plugins", False)))
