"""mst and aim pass the core contract kit."""

from __future__ import annotations

from safedata_marginal.aim import AIMSynthesizer
from safedata_marginal.mst import MSTSynthesizer

from safedata_core.testing import SynthesizerContract


class TestMSTContract(SynthesizerContract):
    component = MSTSynthesizer
    params = {"bins": 8, "iters": 100}


class TestAIMContract(SynthesizerContract):
    component = AIMSynthesizer
    params = {"bins": 8, "max_rounds": 4, "round_iters": 10, "final_iters": 50, "progress": False}
