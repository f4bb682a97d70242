"""The ctgan synthesizer passes the core contract kit (tiny networks, one epoch)."""

from __future__ import annotations

from safedata_ctgan.synthesizer import CTGANSynthesizer

from safedata_core.testing import SynthesizerContract


class TestCTGANContract(SynthesizerContract):
    component = CTGANSynthesizer
    params = {
        "epochs": 1,
        "batch_size": 50,
        "embedding_dim": 8,
        "generator_dim": [16],
        "discriminator_dim": [16],
        "gmm_rows": 200,
        "threads": 1,
        "progress": False,
    }
    audit_jobs = 2  # its 80 audit fits are the slowest test of the suite: two processes on the CI's 2 cores


class TestCTGANNonPrivateContract(TestCTGANContract):
    """The documented non-private mode (``dp: false``): the kit checks that it fits without a budget and
    skips the DP checks with that reason."""

    params = {**TestCTGANContract.params, "dp": False}
