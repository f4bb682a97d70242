"""The bayes_net synthesizer passes the core contract kit (DP default; non-private mode: test_synthesizer.py)."""

from __future__ import annotations

import pandas as pd
from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core.privacy import NoiseSource
from safedata_core.testing import SynthesizerContract, make_budget


class TestBayesNetContract(SynthesizerContract):
    component = BayesNetSynthesizer
    params = {"bins": 8, "fine_cells": 32}

    def test_same_seed_same_sample(self) -> None:
        """Same seed and the same test-only reproducible noise: identical releases (DP noise is secure otherwise)."""
        table, frames = self.table(), []
        for _ in range(2):
            model, budget = self.make(), make_budget(self.epsilon, self.delta)
            budget.noise = NoiseSource.reproducible(11)
            model.fit(table, budget=budget, seed=3)
            frames.append(model.sample(40, seed=5).df)
        pd.testing.assert_frame_equal(*frames)
