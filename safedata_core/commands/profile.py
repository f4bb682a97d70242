"""``safedata profile DATA``: inventory and disclosure-risk profile, written as JSON, YAML metadata and HTML."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from safedata_core.commands import make_engine
from safedata_core.errors import DataError

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "profile", help="profile a dataset: types, direct identifiers, quasi-identifiers and risk"
    )
    p.add_argument("data", help="CSV/Parquet file or builtin:NAME")
    p.add_argument("--metadata", help="metadata YAML/JSON declaring types and roles (declared roles win)")
    p.add_argument("--qi", help="comma-separated quasi-identifier columns (overrides the suggestion)")
    p.add_argument("--sensitive", help="comma-separated sensitive columns for l-diversity and t-closeness")
    p.add_argument("--weight", help="sampling-weight column (for Fk and the individual risk)")
    p.add_argument("--k", type=int, default=5, help="records in QI classes smaller than k are rare (default 5)")
    p.add_argument(
        "--max-rare",
        type=int,
        default=50,
        help="list at most this many rare QI combinations (with their values) in the outputs",
    )
    p.add_argument("--out", default="safedata-profile", help="output folder (default ./safedata-profile)")
    p.add_argument(
        "--with-domains",
        action="store_true",
        help="write data-derived bounds/categories already confirmed as public (default: marked for review)",
    )
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="profile on a Dask cluster (tcp://host:8786, or 'local' for a 2-worker LocalCluster); "
        "the data is read lazily from CSV/Parquet files or folders",
    )
    return p


def _columns(value: str | None, flag: str) -> list[str] | None:
    if value is None:
        return None
    cols = [c.strip() for c in value.split(",") if c.strip()]
    if not cols:
        raise DataError(f"{flag} is empty (give column names separated by commas, e.g. {flag} age,sex)")
    return cols


def direct_identifier_summary(profile: dict[str, Any]) -> str:
    """``name (person_name, confidence 0.95), id (declared)``: the evidence for each, never a value."""
    parts = []
    for name in profile["direct_identifiers"]:
        col = profile["columns"].get(name, {})
        found = [f for f in col.get("findings", []) if f.get("category") == "direct_identifier"]
        if col.get("declared") and col.get("role") == "direct_identifier":
            parts.append(f"{name} (declared)")
        elif found:
            parts.append(f"{name} ({found[0]['kind']}, confidence {found[0]['confidence']:.2f})")
        else:
            parts.append(name)
    return ", ".join(parts) or "none found"


def run(args: argparse.Namespace) -> int:
    from safedata_core.data.review import mark_for_review, needs_review
    from safedata_core.inventory import build_profile, profile_metadata
    from safedata_core.inventory.outputs import write_outputs
    from safedata_core.inventory.profile import require_profilable

    if args.k < 2:
        raise DataError(f"--k {args.k} is too small (give k >= 2)")
    qis = _columns(args.qi, "--qi")
    sensitive = _columns(args.sensitive, "--sensitive")
    # the same profile settings for the local and the Dask builder
    options: dict[str, Any] = {
        "quasi_identifiers": qis,
        "sensitive": sensitive,
        "weight": args.weight,
        "k": args.k,
        "max_rare_combinations": max(args.max_rare, 0),
    }
    if getattr(args, "dask", None):
        from safedata_core.execution.profile import profile_on_dask

        table, profile = profile_on_dask(args, options)
    else:
        try:
            table = make_engine(args).read_table(args.data, args.metadata)
            require_profilable(table, args.data)
            profile, _ = build_profile(table, **options, progress=False if args.no_progress else None)
        except MemoryError:  # pyarrow's ArrowMemoryError is one too
            raise DataError(
                f"'{args.data}' does not fit in this machine's memory for a local profile "
                "(profile it on Dask: add --dask local, or --dask tcp://scheduler:8786)"
            ) from None
    profile["source"] = args.data
    draft = profile_metadata(table, profile, with_domains=True)
    if not args.with_domains:  # domains read from the data stay private until `safedata metadata confirm`
        draft = mark_for_review(draft, table.metadata)
    paths = write_outputs(
        profile,
        draft,
        args.out,
        title=f"safedata profile: {args.data}",
    )
    risk = profile["risk"]
    n = max(profile["rows"], 1)
    print(f"{args.data}: {profile['rows']:,} rows x {profile['n_columns']} columns")
    print(f"direct identifiers: {direct_identifier_summary(profile)}")
    qi_text = ", ".join(profile["quasi_identifiers"]) or "none"
    print(f"quasi-identifiers ({profile['quasi_identifier_source']}): {qi_text}")
    below = ", ".join(f"<{k}: {v} ({v / n:.1%})" for k, v in risk["records_below_k"].items())
    print(f"k-anonymity: {risk['k_anonymity']}; sample uniques: {risk['sample_uniques']}; records in classes {below}")
    for w in profile["warnings"]:
        print(f"warning: {w}")
    print(f"wrote {paths['json']}, {paths['metadata']}, {paths['html']}")
    review = needs_review(draft)
    if review:
        print(
            f"review {paths['metadata']}: {len(review)} column(s) hold types and domains read from the data, "
            f"not public until you confirm (edit them, then: safedata metadata confirm {paths['metadata']})"
        )
    return 0
