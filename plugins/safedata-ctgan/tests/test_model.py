"""CTGAN networks: dropout masks and Gumbel noise come from the generator passed in, never torch's global one."""

from __future__ import annotations

import pytest
import torch
from safedata_ctgan.model import Discriminator, apply_activation
from safedata_deep.transformer import Span


def test_discriminator_dropout_draws_from_its_generator_only() -> None:
    torch.manual_seed(0)
    disc = Discriminator(6, [50], pac=1)
    x = torch.randn(20, 6)
    with pytest.raises(RuntimeError, match="set_generator"):
        disc(x)  # training mode without a generator: refused rather than silently using the global one
    outs = []
    for reset_global in (1, 2):
        torch.manual_seed(reset_global)  # the global state must not matter
        disc.set_generator(torch.Generator().manual_seed(9))
        outs.append(disc(x))
    torch.testing.assert_close(outs[0], outs[1])
    disc.set_generator(torch.Generator().manual_seed(10))
    assert not torch.allclose(disc(x), outs[0])  # another generator, other masks
    disc.eval()
    torch.testing.assert_close(disc(x), disc(x))  # eval: no dropout


def test_gumbel_softmax_activation_draws_from_its_generator_only() -> None:
    spans = [Span(0, 1, "tanh", "a", False), Span(1, 4, "softmax", "b", True)]
    raw = torch.randn(1000, 4)
    outs = []
    for reset_global in (1, 2):
        torch.manual_seed(reset_global)
        outs.append(apply_activation(raw, spans, torch.Generator().manual_seed(3)))
    torch.testing.assert_close(outs[0], outs[1])
    torch.testing.assert_close(outs[0][:, 0], torch.tanh(raw[:, 0]))
    torch.testing.assert_close(outs[0][:, 1:].sum(dim=1), torch.ones(1000))
    # Gumbel-max consistency: the argmax of the relaxed one-hot follows softmax(raw) in frequency
    logits = torch.tensor([[2.0, 0.0, -1.0]]).repeat(20_000, 1)
    soft = apply_activation(torch.cat([torch.zeros(20_000, 1), logits], dim=1), spans, torch.Generator().manual_seed(4))
    freq = torch.bincount(soft[:, 1:].argmax(dim=1), minlength=3).double() / 20_000
    torch.testing.assert_close(freq, torch.softmax(logits[0].double(), dim=0), atol=0.02, rtol=0)
