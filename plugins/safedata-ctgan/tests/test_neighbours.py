"""Neighbouring datasets (one extra extreme record with a unique category), same seed and test-only noise, for ctgan.

What a DP fit keeps that is NOT noisy must be identical with and without the extra record, the record must
appear nowhere, and the DP-SGD steps run must be the steps charged
(:func:`safedata_deep.testing.check_neighbours_share_public_state`). Noisy quantities across neighbours are
compared in test_synthesizer.py. Also: the generated rows paired with real rows in a DP step.
"""

from __future__ import annotations

from typing import Any

from safedata_ctgan.synthesizer import CTGANSynthesizer
from safedata_deep.testing import check_neighbours_share_public_state

PARAMS = {
    "epochs": 2, "batch_size": 100, "embedding_dim": 8, "gmm_rows": 200, "threads": 1, "progress": False,
    "generator_dim": [16], "discriminator_dim": [16],
}  # fmt: skip


def test_neighbouring_tables_give_identical_non_noisy_state() -> None:
    small, big = check_neighbours_share_public_state(CTGANSynthesizer, PARAMS)
    assert small.state_dict()["conditional"]["widths"] == big.state_dict()["conditional"]["widths"]
    assert "discriminator" not in small.state_dict()  # only the generator (post-processing of the DP critic)
    # the report's loss is the generator's (post-processing of the DP critic), one per epoch
    assert len(small.report_extras()["training"]["loss_per_epoch"]) == PARAMS["epochs"]


def test_critic_fake_rows_depend_on_their_own_draws_only() -> None:
    """With batch norm in the generator, a generated row must not depend on the other rows of the DP step.

    Otherwise adding one record (one more pair) changes every other record's term of the clipped sum.
    """
    import torch
    from safedata_ctgan.model import Generator, critic_fake_rows

    torch.manual_seed(0)
    gen = Generator(6, [8], 5)
    gen.train()
    for _ in range(3):  # a few training-mode passes move the running statistics away from their initial values
        gen(torch.randn(32, 6))
    buffers = {k: v.clone() for k, v in gen.state_dict().items() if "running" in k or "num_batches" in k}
    z = torch.randn(40, 6)

    def make(zs: torch.Tensor) -> Any:
        return lambda k: (gen(zs[:k]), zs[:k])

    rows = {m: critic_fake_rows(gen, make(z), m)[0] for m in (1, 3, 40)}
    torch.testing.assert_close(rows[1], rows[40][:1])  # independent of how many rows the batch has
    torch.testing.assert_close(rows[3], rows[40][:3])
    other = z.clone()
    other[1:] = torch.randn(39, 6) * 5
    torch.testing.assert_close(critic_fake_rows(gen, make(other), 40)[0][0], rows[40][0])  # ... and of their draws
    assert gen.training  # the mode is restored
    after = gen.state_dict()
    assert all(torch.equal(after[k], v) for k, v in buffers.items())  # running stats not advanced by the critic step
    with torch.no_grad():
        direct = gen(other[:40])  # the unsafe way: batch statistics over the m rows
    assert not torch.allclose(direct[0], rows[40][0])
