"""``safedata schema export [--check] [--installed] [--dir DIR]``: JSON Schemas of the pipeline and Params."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from safedata_core.commands import make_engine
from safedata_core.schema.export import check_schemas, write_schemas

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser("schema", help="export JSON Schemas (pipeline envelope and component params)")
    p.add_argument("action", choices=["export"], help="what to do")
    p.add_argument("--check", action="store_true", help="fail if the files in --dir are stale")
    p.add_argument("--installed", action="store_true", help="include every installed component, not only first-party")
    p.add_argument("--dir", default="schemas", help="target folder (default: schemas)")
    return p


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    directory = Path(args.dir)
    if args.check:
        problems = check_schemas(engine.registry, directory)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print("error: schemas are stale; run 'safedata schema export' and commit the result", file=sys.stderr)
            return 1
        print(f"schemas in {directory} are up to date")
        return 0
    written = write_schemas(engine.registry, directory, installed=args.installed)
    print(f"wrote {len(written)} schema file{'' if len(written) == 1 else 's'} to {directory}")
    return 0
