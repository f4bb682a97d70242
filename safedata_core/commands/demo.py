"""``safedata demo [--out DIR]``: run the built-in demo pipeline on the embedded UCI Adult data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from safedata_core.commands import make_engine


def demo_pipeline(engine: Any) -> dict[str, Any]:
    """The demo pipeline: profile, a DP synthetic release, and utility metrics."""
    synth = "example"
    return {
        "version": 1,
        "name": "adult-demo",
        "data": {"source": "builtin:adult", "holdout": "builtin:adult_test"},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "rdp"},
        "steps": [
            {"id": "profile", "use": "profile", "params": {"k": 5}},
            {"id": "synthetic", "use": synth},
            {"id": "ks", "use": "ks_complement", "target": "synthetic"},
            {"id": "tv", "use": "tv_complement", "target": "synthetic"},
        ],
        "seed": 7,
    }


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the demo on the embedded UCI Adult dataset")
    p.add_argument("--out", default="demo-run", help="run directory (default: demo-run)")
    p.add_argument("--force", action="store_true", help="reuse a non-empty run directory")
    return p


def run(args: argparse.Namespace) -> int:
    engine = make_engine(args)
    out = Path(args.out)
    result = engine.run(demo_pipeline(engine), out=out, force=args.force)
    if not result.ok:
        print(f"error: demo failed: {result.error}", file=sys.stderr)
        return 1
    print(f"demo finished: {out}")
    for step in result.report["steps"]:
        score = step["result"].get("score") if isinstance(step["result"], dict) else None
        line = f"  {step['step']:<12} {step['use']:<16} {step['seconds']:>7.2f}s"
        print(line + (f"  score={score:.3f}" if isinstance(score, float) else ""))
    print(f"report: {out / 'report.html'}")
    return 0
