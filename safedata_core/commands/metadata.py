"""``safedata metadata confirm FILE [--columns a,b]``: confirm that a drafted metadata file's domains are public."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from safedata_core.errors import DataError

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers

DESCRIPTION = """\
Work with a metadata file drafted by `safedata profile`.

confirm: the columns marked `# review` (`inferred: true`) hold types and domains
read from the data; DP steps refuse them until you confirm they are public
knowledge (e.g. they match a codebook). Edit what is not public, then confirm:
the command prints what becomes public and rewrites FILE (or --out)."""

EXAMPLES = """\
examples:
  safedata metadata confirm prof/metadata.yaml
  safedata metadata confirm prof/metadata.yaml --columns age,sex
  safedata metadata confirm prof/metadata.yaml --out public.yaml"""


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "metadata",
        help="confirm the domains of a drafted metadata file as public",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="metadata_action", metavar="ACTION", required=True)
    confirm = actions.add_parser(
        "confirm",
        help="mark reviewed columns as public",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    confirm.add_argument("file", help="metadata YAML/JSON file (e.g. prof/metadata.yaml)")
    confirm.add_argument("--columns", help="comma-separated columns to confirm (default: every column under review)")
    confirm.add_argument("--out", help="write the confirmed metadata here instead of replacing FILE")
    return p


def _columns(value: str | None) -> list[str] | None:
    if value is None:
        return None
    cols = [c.strip() for c in value.split(",") if c.strip()]
    if not cols:
        raise DataError("--columns is empty (give column names separated by commas, e.g. --columns age,sex)")
    return cols


def run(args: argparse.Namespace) -> int:
    from safedata_core.data import Metadata
    from safedata_core.data.review import confirm_metadata, describe_domain, needs_review, write_metadata

    meta = Metadata.load(args.file)
    wanted = _columns(args.columns)
    confirmed = confirm_metadata(meta, wanted, where=f"metadata confirm {args.file}")
    pending = set(needs_review(meta))
    done = [c for c in needs_review(meta) if c not in set(needs_review(confirmed))]
    if wanted is not None:
        for name in wanted:
            if name not in pending:
                print(f"{name}: already public (not marked for review)")
    if not done:
        print(f"nothing to confirm: no column in {args.file} is marked for review")
        return 0
    out = write_metadata(confirmed, args.out or args.file)
    print(f"confirmed as public ({len(done)} column{'s' if len(done) != 1 else ''}):")
    for name in done:
        print(f"  {name}: {describe_domain(confirmed.columns[name])}")
    left = needs_review(confirmed)
    if left:
        print(f"still under review: {', '.join(left)}")
    print(f"wrote {out}")
    return 0
