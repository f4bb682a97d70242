"""The example synthesizer passes the core contract kit."""

from __future__ import annotations

from safedata_example.synthesizer import IndependentMarginalsSynthesizer

from safedata_core.testing import SynthesizerContract


class TestExampleContract(SynthesizerContract):
    component = IndependentMarginalsSynthesizer
    params = {"bins": 16}
