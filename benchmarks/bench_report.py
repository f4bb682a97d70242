"""Time the report on full-size UCI Adult: pipeline run with the example synthesizer, then build + HTML render.

.venv/bin/python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from safedata_core import Engine
from safedata_core.report import render_html, render_model_card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="5,000 rows instead of the full train split")
    args = ap.parse_args()
    engine = Engine(autoload=False, plugins=["safedata_example"])
    table = engine.read_table("builtin:adult")
    if args.quick:
        table = table.with_df(table.df.sample(5000, random_state=0).reset_index(drop=True))
    pipeline = {
        "name": "bench-report",
        "data": {"source": "builtin:adult", "holdout": 0.2},
        "privacy": {"epsilon": 1.0, "delta": 1e-6},
        "steps": [
            {"id": "profile", "use": "profile"},
            {"id": "synthetic", "use": "example"},
            {"id": "tv", "use": "tv_complement", "target": "synthetic"},
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = engine.run(pipeline, data=table, out=Path(tmp) / "run")
        t_run = time.perf_counter() - t0
        t1 = time.perf_counter()
        page = render_html(result.report)
        t_html = time.perf_counter() - t1
        t2 = time.perf_counter()
        render_model_card(result.report)
        t_card = time.perf_counter() - t2
        size = (Path(tmp) / "run" / "internal" / "report.json").stat().st_size
    print(
        f"rows={len(table)} run incl. report build={t_run:.2f}s html render={t_html:.3f}s "
        f"model card={t_card:.4f}s html={len(page) / 1024:.0f} KiB report.json={size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
