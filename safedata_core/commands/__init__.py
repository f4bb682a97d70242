"""CLI subcommands: one module each, with ``add_parser(subparsers)`` and ``run(args)``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from safedata_core.engine import Engine

    #: what ``add_parser`` receives: the ``safedata`` parser's subcommand group
    #: (``argparse`` gives its class no public name; it is generic only in the stubs)
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def make_engine(args: argparse.Namespace) -> Engine:
    """The engine a command uses (entry points loaded unless disabled by the environment)."""
    from safedata_core.engine import Engine

    return Engine(strict=bool(getattr(args, "strict_plugins", False)))
