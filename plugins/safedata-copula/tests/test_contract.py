"""The gaussian_copula synthesizer passes the core contract kit."""

from __future__ import annotations

import pandas as pd
from safedata_copula.synthesizer import GaussianCopulaSynthesizer

from safedata_core.privacy import NoiseSource
from safedata_core.testing import SynthesizerContract, make_budget


class TestGaussianCopulaContract(SynthesizerContract):
    component = GaussianCopulaSynthesizer
    params = {"cells": 32}

    def test_same_seed_same_sample(self) -> None:
        """Same seed and the same test-only reproducible noise: identical releases (DP noise is secure otherwise)."""
        table, frames = self.table(), []
        for _ in range(2):
            model, budget = self.make(), make_budget(self.epsilon, self.delta)
            budget.noise = NoiseSource.reproducible(11)
            model.fit(table, budget=budget, seed=3)
            frames.append(model.sample(40, seed=5).df)
        pd.testing.assert_frame_equal(*frames)
