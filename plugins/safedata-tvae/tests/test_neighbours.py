"""Neighbouring datasets (one extra extreme record with a unique category), same seed and test-only noise, for tvae.

What a DP fit keeps that is NOT noisy must be identical with and without the extra record, the record must
appear nowhere, and the DP-SGD steps run must be the steps charged
(:func:`safedata_deep.testing.check_neighbours_share_public_state`). Noisy quantities across neighbours are
compared in test_synthesizer.py.
"""

from __future__ import annotations

from safedata_deep.testing import check_neighbours_share_public_state
from safedata_tvae.synthesizer import TVAESynthesizer

PARAMS = {
    "epochs": 2, "batch_size": 100, "embedding_dim": 8, "gmm_rows": 200, "threads": 1, "progress": False,
    "compress_dims": [16], "decompress_dims": [16],
}  # fmt: skip


def test_neighbouring_tables_give_identical_non_noisy_state_and_no_loss_or_free_sigma() -> None:
    small, big = check_neighbours_share_public_state(TVAESynthesizer, PARAMS)
    for model in (small, big):
        assert model.report_extras()["training"]["loss_per_epoch"] == []  # the TVAE loss is on real rows only
        sigma = model._net.sigma
        assert not sigma.requires_grad  # under DP the decoder's output scale is fixed, not learned
        assert float(sigma.max() - sigma.min()) == 0.0
