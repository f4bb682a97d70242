"""``safedata dp-audit``: empirical lower bound on a DP synthesizer's epsilon (see docs/dp-audit.md).

safedata dp-audit --synthesizer mst --runs 200 --epsilon 1 --rows 1000 --dp-off --jobs 2 --out mst-audit.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from safedata_core.errors import SafedataError

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers

__all__ = ["add_parser", "run"]


def add_parser(sub: Subparsers) -> argparse.ArgumentParser:
    p = sub.add_parser("dp-audit", help="empirically bound a DP synthesizer's epsilon from below (canary audit)")
    p.add_argument("--synthesizer", required=True, help="registered DP synthesizer name, e.g. mst")
    p.add_argument("--runs", type=int, default=200, help="fits on each of D and D' (default 200)")
    p.add_argument("--epsilon", type=float, required=True, help="claimed epsilon of each fit")
    p.add_argument("--delta", type=float, default=1e-6, help="claimed delta of each fit (default 1e-6)")
    p.add_argument("--rows", type=int, default=1000, help="rows of the audited table D (default 1000)")
    p.add_argument("--dataset", default="builtin:adult", help="dataset D is drawn from (default builtin:adult)")
    p.add_argument("--params", default="{}", help="synthesizer params as JSON, e.g. '{\"bins\": 16}'")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence of the lower bound (default 0.95)")
    p.add_argument("--dp-off", action="store_true", help="also run the power check: the same audit with dp: false")
    p.add_argument("--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the row draw and of non-DP randomness (default 0)")
    p.add_argument("--out", help="write the result as JSON to this file")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    from safedata_core.commands import make_engine
    from safedata_core.components import Synthesizer
    from safedata_core.dpaudit import run_audit

    try:
        params = json.loads(args.params)
    except ValueError as exc:
        raise SafedataError(f"dp-audit --params: not valid JSON ({exc}); give e.g. '{{\"bins\": 16}}'") from None
    if not isinstance(params, dict):
        raise SafedataError("dp-audit --params: give a JSON object, e.g. '{\"bins\": 16}'")
    if not 0 < args.confidence < 1:
        raise SafedataError(f"dp-audit --confidence {args.confidence:g}: give a number between 0 and 1, e.g. 0.95")
    cls = make_engine(args).registry.get(args.synthesizer, "synthesizer").cls
    if not issubclass(cls, Synthesizer):  # the registry files a synthesizer only when it is one
        raise SafedataError(
            f"dp-audit --synthesizer {args.synthesizer}: not a synthesizer class; see 'safedata plugins'"
        )
    result = run_audit(
        cls,
        params=params,
        runs=args.runs,
        epsilon=args.epsilon,
        delta=args.delta,
        rows=args.rows,
        dataset=args.dataset,
        confidence=args.confidence,
        dp_off=args.dp_off,
        jobs=args.jobs,
        seed=args.seed,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    print(result.summary())
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
        print(f"result: {out}")
    power_failed = result.power is not None and result.power.get("available") and not result.power["passes"]
    return 0 if result.below_claim and not power_failed else 1
