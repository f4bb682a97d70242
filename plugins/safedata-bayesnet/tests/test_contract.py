"""The bayes_net synthesizer passes the core contract kit (DP default; non-private mode: test_synthesizer.py)."""

from __future__ import annotations

from safedata_bayesnet.synthesizer import BayesNetSynthesizer

from safedata_core.testing import SynthesizerContract


class TestBayesNetContract(SynthesizerContract):
    component = BayesNetSynthesizer
    params = {"bins": 8, "fine_cells": 32}

