"""TVAE networks and loss (Xu et al. 2019), and the training loop (non-private or DP-SGD).

Every random draw of training comes from the generators the caller passes
(``rng`` for batches and DP-SGD noise, ``tgen`` for the reparameterisation
draws): under DP both come from the share's secure noise source, so no draw
depends on the pipeline seed, and each row's draw is independent of the other
rows'. torch's global generator is never used.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import torch
from safedata_deep.dpplan import DPSGDPlan
from safedata_deep.dpsgd import LinearDPSGD, poisson_batches, progress_bar, shuffled_batches
from safedata_deep.trainlog import TrainLog
from safedata_deep.transformer import Span
from torch import nn
from torch.nn import functional as F

__all__ = ["TVAENet", "sample_tvae", "train_tvae"]


def _mlp(dims: list[int]) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(dims):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return layers


class TVAENet(nn.Module):
    """Encoder (mu, logvar) and decoder (reconstruction, per-feature sigma) in one module."""

    def __init__(self, data_dim: int, compress: list[int], decompress: list[int], embedding_dim: int) -> None:
        super().__init__()
        self.encoder = nn.Sequential(*_mlp([data_dim, *compress]))
        self.mu = nn.Linear(compress[-1] if compress else data_dim, embedding_dim)
        self.logvar = nn.Linear(compress[-1] if compress else data_dim, embedding_dim)
        self.decoder = nn.Sequential(
            *_mlp([embedding_dim, *decompress]), nn.Linear(decompress[-1] if decompress else embedding_dim, data_dim)
        )
        self.sigma = nn.Parameter(torch.ones(data_dim) * 0.1)
        self.embedding_dim = embedding_dim

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + eps * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar


class TVAELoss:
    """Per-row TVAE loss: ``loss_factor`` x reconstruction (Gaussian for alphas, cross-entropy for one-hots) + KL."""

    def __init__(self, spans: list[Span], loss_factor: float) -> None:
        self.tanh_idx = torch.tensor([s.start for s in spans if s.activation == "tanh"], dtype=torch.long)
        self.soft = [(s.start, s.end) for s in spans if s.activation == "softmax"]
        self.loss_factor = loss_factor

    def __call__(
        self, x: torch.Tensor, rec: torch.Tensor, sigma: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
    ) -> torch.Tensor:
        parts = []
        if len(self.tanh_idx):
            std = sigma[self.tanh_idx]
            diff = x[:, self.tanh_idx] - torch.tanh(rec[:, self.tanh_idx])
            parts.append((diff**2 / (2 * std**2) + torch.log(std)).sum(dim=1))
        for a, b in self.soft:
            parts.append(-(x[:, a:b] * F.log_softmax(rec[:, a:b], dim=1)).sum(dim=1))
        recon = torch.stack(parts, dim=1).sum(dim=1)
        kld = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(dim=1)
        return self.loss_factor * recon + kld  # one value per row


def train_tvae(
    net: TVAENet,
    data: np.ndarray,
    spans: list[Span],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    l2scale: float,
    loss_factor: float,
    plan: DPSGDPlan | None,
    rng: np.random.Generator,
    tgen: torch.Generator,
    progress: bool,
    dp_output_scale: float = 0.3,
) -> TrainLog:
    """Train ``net`` on the encoded ``data``: minibatch Adam, or DP-SGD on the whole model when ``plan``.

    ``rng`` draws the batches (Poisson under DP) and the DP-SGD noise, ``tgen`` the
    reparameterisation noise; under DP both must come from the share's noise source.
    """
    loss_fn = TVAELoss(spans, loss_factor)
    x_all = torch.from_numpy(data)
    n = len(data)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=l2scale)
    log = TrainLog()
    dp: LinearDPSGD | None = None
    if plan is not None:
        # under DP the decoder's output scale sigma is fixed (not learned): it is not in a Linear layer, so its
        # per-sample gradient would not be clipped; frozen, every trainable parameter is covered exactly
        net.sigma.requires_grad_(False)
        with torch.no_grad():
            net.sigma.fill_(dp_output_scale)
        optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr, weight_decay=l2scale)
        dp = LinearDPSGD(net, optimizer, plan, rng)
        epochs = plan.epochs
    bar = progress_bar(epochs, enabled=progress, desc="tvae" + (" (DP)" if dp else ""))
    for _epoch in bar:
        start = time.perf_counter()
        losses: list[float] = []
        if dp is not None and plan is not None:
            for idx in poisson_batches(n, plan.sample_rate, plan.steps_per_epoch, rng):
                # one independent N(0, I) draw per sampled row, from the secret generator
                x, eps = x_all[idx], torch.randn(len(idx), net.embedding_dim, generator=tgen)

                def per_row(x: torch.Tensor = x, eps: torch.Tensor = eps) -> torch.Tensor:
                    rec, mu, logvar = net(x, eps)
                    return loss_fn(x, rec, net.sigma, mu, logvar)

                dp.step(per_row, len(idx))  # its loss is an un-noised statistic of real rows: never reported
        else:
            for idx in shuffled_batches(n, batch_size, rng):
                x = x_all[idx]
                rec, mu, logvar = net(x, torch.randn(len(idx), net.embedding_dim, generator=tgen))
                loss = loss_fn(x, rec, net.sigma, mu, logvar).mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                net.sigma.data.clamp_(0.01, 1.0)
                losses.append(float(loss.detach()))
        log.epoch_seconds.append(time.perf_counter() - start)
        # under DP the training loss is NOT logged: the mean loss of a Poisson batch is an un-noised
        # statistic of the real rows (not covered by DP-SGD), and the log goes into the report
        if plan is None:
            log.losses.append(float(np.mean(losses)) if losses else float("nan"))
            bar.set_postfix(loss=f"{log.losses[-1]:.3f}")
    if dp is not None:
        dp.close()
    return log


@torch.no_grad()
def sample_tvae(net: TVAENet, spans: list[Span], n: int, seed: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Decode ``n`` latent draws: alphas get the learned Gaussian noise, one-hots are sampled from the softmax.

    ``allowed`` (a mask over the encoded columns) excludes slots that must never be
    generated (the missing slot of a non-nullable column).
    """
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, net.embedding_dim, generator=gen)
    rec = net.decoder(z)
    if allowed is not None:
        rec = rec.masked_fill(~torch.from_numpy(np.asarray(allowed, dtype=bool))[None, :], -torch.inf)
    out = torch.zeros_like(rec)
    for s in spans:
        block = rec[:, s.start : s.end]
        if s.activation == "tanh":
            noise = torch.randn(n, generator=gen) * net.sigma[s.start]
            out[:, s.start] = torch.clamp(torch.tanh(block[:, 0]) + noise, -1, 1)
        else:
            u = torch.rand(block.shape, generator=gen).clamp_(1e-12, 1.0)
            pick = torch.argmax(F.log_softmax(block, dim=1) - torch.log(-torch.log(u)), dim=1)
            out[torch.arange(n), s.start + pick] = 1.0
    return out.numpy()
