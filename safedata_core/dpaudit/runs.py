"""Fitting the audited synthesizer many times on D and on D': one run = fit, sample, measure.

Each run builds the component from its class and params, fits it through the
component API with a fresh ledger share (secure DP noise; the seed only drives
non-DP randomness), samples a fixed number of rows (a public number, the same
for D and D') and returns every candidate statistic of
:mod:`safedata_core.dpaudit.statistics`. Runs go serially or in ``jobs``
spawned processes, with a tqdm progress bar.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from safedata_core.components import Synthesizer
from safedata_core.data import Table
from safedata_core.dpaudit.shares import new_share, noise_mode
from safedata_core.dpaudit.statistics import compute_statistics

__all__ = ["RunSpec", "run_all", "run_one"]


@dataclass(frozen=True)
class RunSpec:
    """One fit: which class and params, on which table, with which budget (``None``: non-private fit)."""

    component: type[Synthesizer]
    params: dict[str, Any]
    table: Table
    epsilon: float | None
    delta: float
    seed: int
    sample_rows: int
    canary: dict[str, Any]


def run_one(spec: RunSpec) -> tuple[np.ndarray, str]:
    """Fit, sample and measure; returns the statistics and the share's noise mode (``"none"`` if non-private)."""
    model = spec.component(spec.params)
    share = new_share(spec.epsilon, spec.delta, component=spec.component.name) if spec.epsilon is not None else None
    model.fit(spec.table, budget=share, seed=spec.seed)
    release = model.sample(spec.sample_rows, seed=spec.seed + 7919)
    stats = compute_statistics(release.df, spec.canary, spec.table.metadata)
    return stats, (noise_mode(share) if share is not None else "none")


def run_all(specs: list[RunSpec], *, jobs: int = 1, progress: bool = True, desc: str = "dp-audit") -> list[Any]:
    """Every run of ``specs`` in order: serially or in ``jobs`` processes."""
    from tqdm import tqdm

    bar = tqdm(total=len(specs), desc=desc, disable=not progress, unit="fit")
    out: list[Any] = []
    try:
        if jobs > 1:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
                for res in pool.map(run_one, specs):
                    out.append(res)
                    bar.update()
        else:
            for spec in specs:
                out.append(run_one(spec))
                bar.update()
    finally:
        bar.close()
    return out
