"""The gaussian_copula synthesizer passes the core contract kit."""

from __future__ import annotations

from safedata_copula.synthesizer import GaussianCopulaSynthesizer

from safedata_core.testing import SynthesizerContract


class TestGaussianCopulaContract(SynthesizerContract):
    component = GaussianCopulaSynthesizer
    params = {"cells": 32}
