"""CTGAN networks (residual generator, PacGAN discriminator) and the training loop.

Non-private: WGAN-GP with ``pac`` rows per discriminator input and
log-frequency training-by-sampling (real rows are drawn to match the
conditional vector), as in Xu et al. 2019.

DP: only the discriminator sees real rows, so only it is trained with DP-SGD
(:class:`safedata_deep.dpsgd.LinearDPSGD`): Poisson-sampled real rows, each paired
with one generated row, per-pair loss ``D(fake) - D(real)`` clipped and
noised; ``pac = 1``; no gradient penalty (it needs gradients through the whole
batch, incompatible with per-sample clipping) — the Lipschitz constraint is
kept by clipping the discriminator's weights to ``[-c, c]`` after each step
(post-processing). A real row is conditioned on its own category in a
uniformly drawn discrete column, and generated rows on categories drawn from
the DP noisy frequencies, so both sides see the same conditional
distribution. The generator only ever sees the discriminator, so it is
post-processing.

Randomness: every draw of training (conditional vectors, latent noise, the
Gumbel noise of the activations, dropout masks, batches, DP-SGD noise) comes
from the generators the caller passes — under DP the share's secure noise
source — and never from torch's global generator or the pipeline seed. The
generated row paired with a real row in a DP step is a function of its own
draws only (the generator runs in eval mode there, so batch norm does not mix
rows), so one record's pair is independent of every other record's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from safedata_deep.dpplan import DPSGDPlan
from safedata_deep.dpsgd import LinearDPSGD, poisson_batches, progress_bar
from safedata_deep.trainlog import TrainLog
from safedata_deep.transformer import Span
from torch import nn
from torch.nn import functional as F

from safedata_ctgan.conditional import CondSampler, RowIndex

__all__ = [
    "Discriminator",
    "Generator",
    "TrainConfig",
    "apply_activation",
    "critic_fake_rows",
    "sample_ctgan",
    "train_ctgan",
]


class _Residual(nn.Module):
    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    """Residual MLP from (noise, conditional vector) to the raw (pre-activation) encoded row."""

    def __init__(self, in_dim: int, dims: list[int], data_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = in_dim
        for h in dims:
            layers.append(_Residual(d, h))
            d += h
        layers.append(nn.Linear(d, data_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class GeneratorDropout(nn.Module):
    """Dropout whose masks come from an explicit ``torch.Generator`` (never torch's global one).

    Each element is kept independently with probability ``1 - p`` and scaled by
    ``1 / (1 - p)`` in training mode; the identity in eval mode.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.generator is None:
            raise RuntimeError("GeneratorDropout: call Discriminator.set_generator(...) before training")
        keep = torch.rand(x.shape, generator=self.generator) >= self.p
        return x * keep / (1.0 - self.p)


class Discriminator(nn.Module):
    """PacGAN critic: ``pac`` rows (with their conditional vectors) in, one score out. No batch norm."""

    def __init__(self, in_dim: int, dims: list[int], pac: int) -> None:
        super().__init__()
        self.pac = pac
        self.pacdim = in_dim * pac
        layers: list[nn.Module] = []
        d = self.pacdim
        for h in dims:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2), GeneratorDropout(0.5)]
            d = h
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def set_generator(self, generator: torch.Generator) -> None:
        """Draw the dropout masks from ``generator`` (the share's noise source under DP)."""
        for m in self.modules():
            if isinstance(m, GeneratorDropout):
                m.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(-1, self.pacdim))


def _gumbel(shape: torch.Size, generator: torch.Generator) -> torch.Tensor:
    """Standard Gumbel noise ``-log(E)``, ``E ~ Exp(1)``, from ``generator``."""
    return -torch.empty(shape).exponential_(generator=generator).log()


def apply_activation(
    raw: torch.Tensor, spans: list[Span], generator: torch.Generator, *, tau: float = 0.2
) -> torch.Tensor:
    """tanh for alphas, Gumbel-softmax (temperature ``tau``) for one-hot blocks, Gumbel noise from ``generator``."""
    parts = []
    for s in spans:
        block = raw[:, s.start : s.end]
        if s.activation == "tanh":
            parts.append(torch.tanh(block))
        else:
            parts.append(F.softmax((block + _gumbel(block.shape, generator)) / tau, dim=1))
    return torch.cat(parts, dim=1)


def _cond_loss(raw: torch.Tensor, spans: list[Span], col: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the generated discrete block of the conditioned column against its category."""
    disc = [s for s in spans if s.discrete]
    if not disc:
        return raw.new_zeros(())
    losses = torch.stack(
        [
            F.cross_entropy(raw[:, s.start : s.end], torch.clamp(cat, max=s.end - s.start - 1), reduction="none")
            for s in disc
        ],
        dim=1,
    )
    return losses[torch.arange(len(col)), col].mean()


def critic_fake_rows(
    gen: nn.Module, make: Callable[[int], tuple[torch.Tensor, torch.Tensor]], m: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``m`` generated rows (activated, conditional vectors) to pair with the ``m`` real rows of a DP step.

    The generator runs in eval mode: its batch norm then uses the running
    statistics (post-processing of earlier generator steps) instead of the
    statistics of these ``m`` rows, so each generated row is a function of its
    own random draws only. In train mode every generated row would depend on
    the realised batch size and on the other rows' draws, and adding one
    record would change the other records' terms of the clipped sum (the
    sensitivity would no longer be ``clip_norm``). Eval mode also leaves the
    running statistics untouched. ``make(k)`` returns ``(rows, conditional
    vectors)`` for ``k`` new generated rows from fresh independent draws.
    """
    if m <= 0:
        raise ValueError("critic_fake_rows: m must be positive")
    was_training = gen.training
    gen.eval()
    try:
        with torch.no_grad():
            rows, cond = make(m)
    finally:
        gen.train(was_training)
    return rows[:m], cond[:m]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one CTGAN training run."""

    epochs: int
    batch_size: int
    embedding_dim: int
    generator_lr: float
    discriminator_lr: float
    generator_decay: float
    discriminator_decay: float
    discriminator_steps: int
    pac: int
    log_frequency: bool
    weight_clip: float
    progress: bool


def _gradient_penalty(
    disc: Discriminator, real: torch.Tensor, fake: torch.Tensor, pac: int, generator: torch.Generator
) -> torch.Tensor:
    alpha = torch.rand(real.size(0) // pac, 1, 1, generator=generator)
    alpha = alpha.repeat(1, pac, real.size(1)).view(-1, real.size(1))
    inter = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grads = torch.autograd.grad(disc(inter).sum(), inter, create_graph=True)[0]
    norms = grads.view(-1, pac * real.size(1)).norm(2, dim=1)
    return 10.0 * ((norms - 1) ** 2).mean()


def train_ctgan(
    gen: Generator,
    disc: Discriminator,
    data: np.ndarray,
    codes: np.ndarray,
    spans: list[Span],
    cond: CondSampler,
    cfg: TrainConfig,
    *,
    plan: DPSGDPlan | None,
    rng: np.random.Generator,
    tgen: torch.Generator,
) -> TrainLog:
    """Train generator and discriminator; DP-SGD on the discriminator when ``plan`` is given.

    ``rng`` draws batches, conditional vectors and the DP-SGD noise; ``tgen`` the latent
    noise, the Gumbel noise and the dropout masks. Under DP both must come from the
    share's noise source.
    """
    disc.set_generator(tgen)
    x_all = torch.from_numpy(data)
    n = len(data)
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.generator_lr, betas=(0.5, 0.9), weight_decay=cfg.generator_decay)
    opt_d = torch.optim.Adam(
        disc.parameters(), lr=cfg.discriminator_lr, betas=(0.5, 0.9), weight_decay=cfg.discriminator_decay
    )
    log = TrainLog()

    def fake_rows(m: int, log_frequency: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        k = max(m, 2)  # batch norm in train mode needs two rows
        c, col, cat = cond.sample(k, rng, log_frequency=log_frequency)
        c_t = torch.from_numpy(c)
        raw = gen(torch.cat([torch.randn(k, cfg.embedding_dim, generator=tgen), c_t], dim=1))
        act = apply_activation(raw, spans, tgen)
        return act[:m], raw[:m], c_t[:m], torch.from_numpy(np.stack([col, cat]))[:, :m]

    def generator_step(m: int, log_frequency: bool) -> float:
        fake, raw, c_t, colcat = fake_rows(m, log_frequency)
        score = disc(torch.cat([fake, c_t], dim=1))
        loss = -score.mean() + _cond_loss(raw, spans, colcat[0], colcat[1])
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        return float(loss.detach())

    if plan is not None:
        dp = LinearDPSGD(disc, opt_d, plan, rng, group=2)  # each sample = one real + one generated row
        epochs, steps_per_epoch, m_gen = plan.epochs, plan.steps_per_epoch, max(2, round(plan.expected_batch))
    else:
        row_index = RowIndex(codes, cond.widths)
        batch = max(cfg.pac, cfg.batch_size - cfg.batch_size % cfg.pac)
        epochs, steps_per_epoch, m_gen = cfg.epochs, max(1, n // batch), batch
    bar = progress_bar(epochs, enabled=cfg.progress, desc="ctgan" + (" (DP)" if plan else ""))
    for _epoch in bar:
        start = time.perf_counter()
        d_losses: list[float] = []
        g_losses: list[float] = []
        if plan is not None:
            batches = poisson_batches(n, plan.sample_rate, steps_per_epoch, rng)
            for step, idx in enumerate(batches):
                m = len(idx)
                if m > 0:
                    c_real, _, _ = cond.own(codes[idx], rng)  # one independent column draw per real row
                    fake, c_fake = critic_fake_rows(gen, lambda k: _rows_and_cond(fake_rows(k, False)), m)
                    pair = torch.cat(
                        [torch.cat([x_all[idx], torch.from_numpy(c_real)], dim=1), torch.cat([fake, c_fake], dim=1)]
                    )

                    def per_pair_losses(pair: torch.Tensor = pair, m: int = m) -> torch.Tensor:
                        score = disc(pair).reshape(-1)
                        return score[m:] - score[:m]  # D(fake_i) - D(real_i)

                    dp.step(per_pair_losses, m)  # its loss is an un-noised statistic of real rows: never reported
                else:
                    dp.step(lambda: torch.zeros(0), 0)  # empty Poisson batch: a noise-only step
                with torch.no_grad():
                    for p in disc.parameters():
                        p.clamp_(-cfg.weight_clip, cfg.weight_clip)
                if (step + 1) % cfg.discriminator_steps == 0:
                    g_losses.append(generator_step(m_gen, log_frequency=False))
        else:
            for _ in range(steps_per_epoch):
                for _ in range(cfg.discriminator_steps):
                    fake, _, c_fake, colcat = fake_rows(batch, cfg.log_frequency)
                    perm = rng.permutation(batch)
                    idx = row_index.sample(colcat[0].numpy()[perm], colcat[1].numpy()[perm], rng)
                    real = torch.cat([x_all[idx], c_fake[perm]], dim=1)
                    fake_in = torch.cat([fake.detach(), c_fake], dim=1)
                    loss_d = disc(fake_in).mean() - disc(real).mean()
                    penalty = _gradient_penalty(disc, real, fake_in, cfg.pac, tgen)
                    opt_d.zero_grad(set_to_none=True)
                    (loss_d + penalty).backward()
                    opt_d.step()
                    d_losses.append(float(loss_d.detach()))
                g_losses.append(generator_step(batch, cfg.log_frequency))
        log.epoch_seconds.append(time.perf_counter() - start)
        # under DP only the generator loss is logged (post-processing of the DP critic); the critic's loss on
        # real rows is an un-noised statistic of the data and goes neither into the log nor into the bar
        post: dict[str, Any] = {}
        if plan is None:
            log.losses.append(float(np.mean(d_losses)) if d_losses else float("nan"))
            post["loss_d"] = f"{log.losses[-1]:.3f}"
        else:
            log.losses.append(float(np.mean(g_losses)) if g_losses else float("nan"))
        if g_losses:
            post["loss_g"] = f"{np.mean(g_losses):.3f}"
        bar.set_postfix(post)
    if plan is not None:
        dp.close()
    return log


def _rows_and_cond(out: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """(activated rows, conditional vectors) of a ``fake_rows`` result."""
    return out[0], out[2]


@torch.no_grad()
def sample_ctgan(
    gen: Generator,
    spans: list[Span],
    cond: CondSampler,
    n: int,
    embedding_dim: int,
    seed: int,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """``n`` encoded rows: conditional vectors by (DP) frequency, one-hots sampled by the Gumbel-max trick.

    ``allowed`` (a mask over the encoded columns) excludes slots that must never be
    generated (the missing slot of a non-nullable column).
    """
    gen.eval()
    rng = np.random.default_rng(seed)
    tgen = torch.Generator().manual_seed(seed)
    c, _, _ = cond.sample(n, rng, log_frequency=False)
    z = torch.randn(n, embedding_dim, generator=tgen)
    raw = gen(torch.cat([z, torch.from_numpy(c)], dim=1))
    if allowed is not None:
        raw = raw.masked_fill(~torch.from_numpy(np.asarray(allowed, dtype=bool))[None, :], -torch.inf)
    out = torch.zeros_like(raw)
    for s in spans:
        block = raw[:, s.start : s.end]
        if s.activation == "tanh":
            out[:, s.start] = torch.tanh(block[:, 0])
        else:
            u = torch.rand(block.shape, generator=tgen).clamp_(1e-12, 1.0)
            pick = torch.argmax(block - torch.log(-torch.log(u)), dim=1)
            out[torch.arange(n), s.start + pick] = 1.0
    return out.numpy()
