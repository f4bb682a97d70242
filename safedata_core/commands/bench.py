"""``safedata bench``: fit synthesizers x epsilons on a dataset's train split, evaluate, write a leaderboard.

safedata bench --synthesizers bayes_net,example --epsilon 1,3,inf --dataset builtin:adult --repeats 3
safedata bench grid.yaml --jobs 4
safedata bench grid.yaml --dask tcp://scheduler:8786     # or --dask local
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safedata_core.errors import SafedataError

if TYPE_CHECKING:
    from safedata_core.bench.grid import BenchGrid
    from safedata_core.commands import Subparsers

__all__ = ["add_parser", "run"]


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench", help="benchmark synthesizers x epsilons and write a leaderboard"
    )
    p.add_argument("grid", nargs="?", help="YAML grid file (flags below override its keys)")
    p.add_argument("--synthesizers", help="comma-separated synthesizer names, e.g. bayes_net,example")
    p.add_argument("--epsilon", help="comma-separated epsilons; inf = non-private fit (default: 1,inf)")
    p.add_argument("--dataset", action="append", help="builtin:NAME or a CSV/Parquet path (repeatable)")
    p.add_argument("--metadata", help="metadata YAML/JSON of the datasets (declares types and public domains)")
    p.add_argument(
        "--public-domain-from-data",
        action="store_true",
        default=None,
        help="benchmarking only: treat bounds/categories read from the data as public "
        "(rows are marked: not an end-to-end DP result)",
    )
    p.add_argument("--repeats", type=int, help="repeats per combination (default: 1)")
    p.add_argument("--rows", type=int, help="subsample the train split and the holdout to N rows")
    p.add_argument("--label", help="TSTR target column (default: income, else the last categorical column)")
    p.add_argument("--seed", type=int, help="base seed (default: 0)")
    p.add_argument(
        "--fast",
        action="store_true",
        default=None,
        help="lighter evaluation (fewer boosting iterations, smaller attack samples)",
    )
    p.add_argument(
        "--eps-lower",
        type=int,
        metavar="RUNS",
        help="add an eps_lower column: empirical DP audit of every DP row with RUNS fits per side (see dp-audit)",
    )
    p.add_argument("--out", default="bench-results", help="output folder (default: bench-results)")
    p.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default: 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster (tcp://host:port, or 'local')")
    return p


def _grid(args: argparse.Namespace) -> BenchGrid:
    from safedata_core.bench.grid import load_grid, make_grid

    overrides = {
        "synthesizers": [s.strip() for s in args.synthesizers.split(",") if s.strip()] if args.synthesizers else None,
        "epsilon": args.epsilon,
        "datasets": args.dataset,
        "metadata": args.metadata,
        "public_domain_from_data": args.public_domain_from_data,
        "repeats": args.repeats,
        "rows": args.rows,
        "label": args.label,
        "seed": args.seed,
        "fast": args.fast,
        "eps_lower_runs": args.eps_lower,
    }
    if args.grid:
        return load_grid(args.grid, overrides)
    if not overrides["synthesizers"]:
        raise SafedataError("bench: give --synthesizers a,b (see 'safedata plugins') or a YAML grid file")
    return make_grid({k: v for k, v in overrides.items() if v is not None}, where="bench")


def grid_command(grid: BenchGrid) -> str:
    """The CLI command that reproduces ``grid``."""
    eps = ",".join("inf" if math.isinf(e) else f"{e:g}" for e in grid.epsilon)
    parts = ["safedata", "bench", "--synthesizers", ",".join(grid.synthesizers), "--epsilon", eps]
    for d in grid.datasets:
        parts += ["--dataset", d]
    if grid.metadata is not None:
        parts += ["--metadata", grid.metadata]
    if grid.public_domain_from_data:
        parts.append("--public-domain-from-data")
    parts += ["--repeats", str(grid.repeats)]
    if grid.fast:
        parts.append("--fast")
    for flag, value in (
        ("--rows", grid.rows),
        ("--label", grid.label),
        ("--seed", grid.seed or None),
        ("--eps-lower", grid.eps_lower_runs),
    ):
        if value is not None:
            parts += [flag, str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    from safedata_core.bench import run_grid, write_leaderboard
    from safedata_core.commands import make_engine

    if args.dask:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise SafedataError("bench --dask needs dask.distributed: pip install 'dask[distributed]'") from None
    if args.jobs < 1:
        raise SafedataError(f"bench --jobs {args.jobs}: give 1 or more")
    grid = _grid(args)
    # the names are checked against what the runs will load: installed plugins plus the grid's plugin modules
    if grid.plugins:
        from safedata_core import Engine

        registry = Engine(strict=bool(getattr(args, "strict_plugins", False)), plugins=list(grid.plugins)).registry
    else:
        registry = make_engine(args).registry
    for name in grid.synthesizers:
        info = registry.get(name)  # raises a one-line UnknownComponentError with suggestions
        if info.kind != "synthesizer":
            raise SafedataError(f"bench --synthesizers: '{name}' is a {info.kind}, not a synthesizer")
    n = len(grid.jobs())
    print(
        f"bench: {n} runs ({len(grid.synthesizers)} synthesizers x {len(grid.epsilon)} epsilons x "
        f"{len(grid.datasets)} datasets x {grid.repeats} repeats)"
    )

    def progress(row: dict[str, Any]) -> None:
        eps = "inf" if math.isinf(row["epsilon"]) else f"{row['epsilon']:g}"
        auc = "-" if row["tstr_auc"] is None else f"{row['tstr_auc']:.3f}"
        tail = f"tstr_auc={auc} fit={row['fit_seconds']:.1f}s" if row["status"] == "ok" else row["status"]
        print(f"  {row['synthesizer']:<18} eps={eps:<5} repeat={row['repeat']}  {tail}", flush=True)

    rows = run_grid(grid, jobs=args.jobs, dask=args.dask, progress=progress)
    command = grid_command(grid)
    out = Path(args.out)
    write_leaderboard(rows, out, command=command)
    print((out / "leaderboard.md").read_text(encoding="utf-8"))
    print(f"leaderboard: {out / 'leaderboard.html'}")
    return _summary(rows)


def _summary(rows: list[dict[str, Any]]) -> int:
    """Say how many runs failed and why (each distinct reason once); exit 1 when none succeeded."""
    failed = [r for r in rows if r["status"] != "ok"]
    if not failed:
        return 0
    reasons: dict[str, int] = {}
    for r in failed:
        reasons[r["status"]] = reasons.get(r["status"], 0) + 1
    print(f"bench: {len(failed)} of {len(rows)} runs did not produce figures:", file=sys.stderr)
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print(f"  {count} x {reason}", file=sys.stderr)
    if len(failed) == len(rows):
        print("bench: every run failed; nothing was benchmarked (see the reasons above)", file=sys.stderr)
        return 1
    return 0
