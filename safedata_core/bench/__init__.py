"""Cross-plugin benchmark: a grid of synthesizers x epsilons x datasets, evaluated and written as a leaderboard."""

from __future__ import annotations

from safedata_core.bench.grid import BenchGrid, BenchJob, load_grid, parse_epsilons
from safedata_core.bench.leaderboard import aggregate, write_leaderboard
from safedata_core.bench.runner import METRIC_COLUMNS, run_grid, run_job

__all__ = [
    "METRIC_COLUMNS",
    "BenchGrid",
    "BenchJob",
    "aggregate",
    "load_grid",
    "parse_epsilons",
    "run_grid",
    "run_job",
    "write_leaderboard",
]
