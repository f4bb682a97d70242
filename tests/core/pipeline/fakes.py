"""Components and helpers for the runner tests: a DP synthesizer with a row estimate, failing and slow steps."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from safedata_core import Engine, Metric, MetricResult, SDCMethod, SDCResult, Synthesizer, Table, hookimpl
from safedata_core.testing.fixtures import tiny_metadata, tiny_table


class NoEstimateSynthesizer(Synthesizer):
    """Measures a Laplace count of the rows and samples uniform rows over the public domain; no row estimate.

    **Privacy guarantee**: epsilon-DP (add/remove one record): one Laplace count, sensitivity 1.

    **Assumptions**: every column has a declared domain.
    """

    name = "no_estimate"
    privacy = "dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        eps = budget.epsilon
        budget.charge("laplace", epsilon=eps, sensitivity=1.0, scale=1 / eps, note="row count")
        self._n_hat = len(table) + budget.noise_rng(seed).laplace(0.0, 1 / eps)
        self._meta = table.metadata

    def sample(self, n: int, *, seed: int) -> Table:
        rng = np.random.default_rng(seed)
        cols: dict[str, Any] = {}
        for name, col in self._meta.columns.items():
            if col.bounds is not None:
                cols[name] = rng.uniform(col.bounds[0], col.bounds[1], n).round()
            elif col.type == "boolean":
                cols[name] = rng.random(n) < 0.5
            else:
                cols[name] = rng.choice(np.array(col.categories, dtype=object), n)
        return Table(pd.DataFrame(cols), self._meta)


class NoisyCountSynthesizer(NoEstimateSynthesizer):
    """The same, with its noisy count as the DP row estimate.

    **Privacy guarantee**: epsilon-DP (add/remove one record): one Laplace count, sensitivity 1.

    **Assumptions**: every column has a declared domain.
    """

    name = "noisy_count"

    def estimated_rows(self) -> int | None:
        return max(1, round(self._n_hat))


class BoomSynthesizer(Synthesizer):
    """Fails with a foreign exception while fitting.

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "boom"
    privacy = "none"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        raise ZeroDivisionError("float division by zero\nsecond line")

    def sample(self, n: int, *, seed: int) -> Table:
        raise AssertionError("never sampled")


class SlowSDC(SDCMethod):
    """Writes the file named by SAFEDATA_TEST_MARKER, then sleeps (to be interrupted).

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "slow_sdc"

    def apply(self, table: Any, *, seed: int, rows: Any = None) -> SDCResult:
        Path(os.environ["SAFEDATA_TEST_MARKER"]).write_text("started")
        time.sleep(60)
        return SDCResult(table, {"records_modified": 0})


class HoldoutSpy(Metric):
    """Records the holdout it is given (class attribute ``seen``).

    **Privacy guarantee**: none (an evaluation).

    **Assumptions**: none.
    """

    name = "holdout_spy"
    seen: ClassVar[list[pd.DataFrame]] = []

    def compute(self, original: Any, released: Any, *, holdout: Any = None, seed: int) -> MetricResult:
        HoldoutSpy.seen.append(holdout.df.copy())
        return MetricResult(score=1.0)


@hookimpl
def register_synthesizers(register: Any) -> None:
    for cls in (NoisyCountSynthesizer, NoEstimateSynthesizer, BoomSynthesizer):
        register(cls)


@hookimpl
def register_sdc_methods(register: Any) -> None:
    register(SlowSDC)


@hookimpl
def register_metrics(register: Any) -> None:
    register(HoldoutSpy)


def engine() -> Engine:
    """An engine with these fakes, the example plugin and the resample synthesizer."""
    return Engine(autoload=False, plugins=["safedata_example", "tests.fake_plugins.good_synth", __name__])


def write_tiny_data(folder: Path, n: int = 200) -> tuple[Path, Path]:
    """``tiny.csv`` and its declared metadata ``tiny.meta.yaml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data, meta = folder / "tiny.csv", folder / "tiny.meta.yaml"
    tiny_table(n).df.to_csv(data, index=False)
    tiny_metadata().dump(meta)
    return data, meta
