"""DP-SGD on torch: Poisson-sampled batches, vectorised per-sample gradients, clipping, Gaussian noise.

Per-sample gradients come from ``torch.func`` (``vmap`` over ``grad``), so there
is no Python loop over rows. Each step:

1. the batch is Poisson-sampled (every row independently with probability
   ``sample_rate``; the batch size varies, an empty batch still takes a
   noise-only step);
2. the gradient of each row's own loss is clipped to L2 norm ``clip_norm``;
3. the clipped gradients are summed, ``N(0, (noise_multiplier * clip_norm)^2)``
   noise drawn from the budget's noise generator is added to every
   coordinate, and the sum is divided by the expected batch size;
4. the optimiser steps.

The Gaussian noise is the one place in safedata where DP noise is continuous
(float64 normals from the share's secure generator, cast to float32), as in
opacus's secure mode: exact discrete noise on every parameter of every step
(millions of draws) is not practical, and the gradients themselves are
floating-point. Poisson sampling and the noise come from the share's
:class:`~safedata_core.privacy.NoiseSource`, never from the pipeline seed.

The whole run is accounted before it starts (see :mod:`safedata_deep.dpplan`).
Also home of the small training helpers both synthesizers use (threads,
seeded initialisation, non-private batches, progress bar).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from safedata_deep.dpplan import DPSGDPlan

__all__ = [
    "DPSGD",
    "LinearDPSGD",
    "available_cores",
    "configure_torch",
    "poisson_batches",
    "progress_bar",
    "seeded_init",
    "shuffled_batches",
]


def available_cores() -> int:
    """Cores this process may use that are not already busy (1-minute load average), at least 1.

    On a shared machine asking torch for busy cores makes every step wait on
    descheduled threads (measured: 25x slower epochs on 2 loaded cores).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = int(os.getloadavg()[0])
    except OSError:
        busy = 0
    return max(1, min(cores, cores - busy))


def configure_torch(threads: int | None) -> None:
    """Use ``threads`` (default: all free cores). Training never reads torch's global generator."""
    torch.set_num_threads(threads or available_cores())


@contextlib.contextmanager
def seeded_init(seed: int) -> Iterator[None]:
    """Build networks inside this block: their initial weights come from ``seed`` (public, non-DP randomness).

    torch initialises layers from its global generator; the block forks it, so
    the global state outside is untouched and no training draw depends on it.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def poisson_batches(n_rows: int, sample_rate: float, steps: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Row indices of ``steps`` Poisson-sampled batches."""
    for _ in range(steps):
        yield np.flatnonzero(rng.random(n_rows) < sample_rate)


def shuffled_batches(n_rows: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """One non-private epoch: a shuffled pass in batches of ``batch_size`` (last one dropped if short)."""
    order = rng.permutation(n_rows)
    n_full = max(1, n_rows // batch_size)
    for i in range(n_full):
        yield order[i * batch_size : (i + 1) * batch_size]


def progress_bar(epochs: int, *, enabled: bool, desc: str) -> Any:
    """A tqdm bar over epochs (disabled when ``enabled`` is False) that also reports each finished epoch to
    the running pipeline (``safedata_core.progress.report_progress``, the ``on_progress`` hook)."""
    from tqdm.auto import tqdm

    return _EpochBar(tqdm(range(epochs), desc=desc, disable=not enabled, leave=False, unit="epoch"), epochs)


class _EpochBar:
    """Iterates a tqdm bar; after each epoch's body ran, reports ``epoch`` done of ``epochs``."""

    def __init__(self, bar: Any, epochs: int) -> None:
        self._bar, self._epochs = bar, epochs

    def __iter__(self) -> Iterator[int]:
        from safedata_core.progress import report_progress

        for epoch in self._bar:
            yield epoch
            report_progress(epoch + 1, self._epochs, "epoch")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bar, name)


class DPSGD:
    """Private optimiser steps for ``module`` with per-sample losses.

    ``per_sample_loss(params, *inputs)`` gets the module's parameters as a dict
    and the inputs of ONE row each with a leading batch dimension of 1, and
    returns a scalar; use :func:`torch.func.functional_call` inside it.
    """

    def __init__(
        self,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        plan: DPSGDPlan,
        noise_rng: np.random.Generator,
        per_sample_loss: Callable[..., torch.Tensor],
    ) -> None:
        from torch.func import grad_and_value, vmap

        self.module = module
        self.optimizer = optimizer
        self.plan = plan
        self.noise_rng = noise_rng
        self.names = [n for n, p in module.named_parameters() if p.requires_grad]
        self.params = dict(module.named_parameters())

        def one(params: dict[str, torch.Tensor], *row: torch.Tensor) -> torch.Tensor:
            return per_sample_loss(params, *[r.unsqueeze(0) for r in row])

        self._grads = lambda params, *batch: vmap(
            grad_and_value(one), in_dims=(None, *([0] * len(batch))), randomness="different"
        )(params, *batch)
        self.steps_taken = 0

    def step(self, *batch: torch.Tensor) -> float:
        """One DP-SGD step on a (possibly empty) Poisson batch; returns the mean per-sample loss."""
        plan = self.plan
        params = {n: self.params[n].detach() for n in self.names}
        n = batch[0].shape[0] if batch else 0
        if n > 0:
            grads, losses = self._grads(params, *batch)
            sq = torch.zeros(n)
            for g in grads.values():
                sq = sq + g.reshape(n, -1).pow(2).sum(dim=1)
            factor = (plan.clip_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
            mean_loss = float(losses.mean())
        else:
            grads, factor, mean_loss = {}, None, float("nan")
        std = plan.noise_multiplier * plan.clip_norm
        for name in self.names:
            p = self.params[name]
            noise = torch.from_numpy(self.noise_rng.standard_normal(p.shape).astype(np.float32)) * std
            total = noise if factor is None else torch.tensordot(factor, grads[name], dims=1) + noise
            p.grad = total / plan.expected_batch
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.steps_taken += 1
        return mean_loss


class LinearDPSGD:
    """Fast DP-SGD for networks whose trainable parameters all sit in ``nn.Linear`` layers applied row by row.

    Per-sample gradients are never materialised: a Linear layer's gradient for
    sample ``i`` is ``sum_r delta_r a_r^T`` over the ``group`` rows ``r`` that
    sample ``i`` contributed to the batch (1 for TVAE; 2 for CTGAN's critic,
    which sees a real and a generated row per sample), so its squared norm is
    ``sum_{r,s} (delta_r . delta_s)(a_r . a_s)`` and the clipped sum is one
    matrix product ``(c * Delta)^T A`` (Goodfellow 2015; "ghost clipping",
    Li et al. 2022). Activations ``a`` and output gradients ``delta`` come from
    layer hooks during one ordinary backward pass. Exactly equal to clipping
    the per-sample gradients (checked against :class:`DPSGD` in the tests).

    Rows must not interact (no batch norm); the batch is laid out as ``group``
    blocks of ``n`` rows, block-major. The clip bounds each sample's total
    norm over all layers. Anything that could not be clipped exactly is
    refused: a trainable parameter outside ``nn.Linear`` (freeze it), batch
    norm, optimizer parameters outside the module, a layer run twice in a
    step, non-row-wise layer inputs, a loss that is not one value per sample.
    """

    def __init__(
        self,
        module: nn.Module,
        optimizer: torch.optim.Optimizer,
        plan: DPSGDPlan,
        noise_rng: np.random.Generator,
        *,
        group: int = 1,
    ) -> None:
        self.layers = [
            m for m in module.modules() if isinstance(m, nn.Linear) and any(p.requires_grad for p in m.parameters())
        ]
        owned = {id(p) for m in self.layers for p in m.parameters()}
        stray = [n for n, p in module.named_parameters() if p.requires_grad and id(p) not in owned]
        if stray:
            # a parameter outside the per-sample computation would be updated with unclipped gradients
            raise ValueError(f"LinearDPSGD: trainable parameter '{stray[0]}' is not in an nn.Linear layer")
        mixing = [n for n, m in module.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if mixing:
            # batch norm makes one row's output (and gradient) depend on the other rows of the batch
            raise ValueError(f"LinearDPSGD: module '{mixing[0]}' is a batch norm; it mixes rows and breaks DP")
        trainable = {id(p) for p in module.parameters() if p.requires_grad}
        foreign = [p for g in optimizer.param_groups for p in g["params"] if id(p) not in trainable]
        if foreign:
            raise ValueError("LinearDPSGD: the optimizer holds parameters outside the module's trainable ones")
        self.optimizer, self.plan, self.noise_rng, self.group = optimizer, plan, noise_rng, group
        self._acts: dict[nn.Module, torch.Tensor] = {}
        self._deltas: dict[nn.Module, torch.Tensor] = {}
        self._recording = False
        self._rows = 0
        self._handles = [h for layer in self.layers for h in self._hook(layer)]
        self.last_norms = torch.zeros(0)
        self.steps_taken = 0

    def _hook(self, layer: nn.Module) -> list[Any]:
        forward = layer.register_forward_hook(self._keep_input)
        return [forward, layer.register_full_backward_hook(self._keep_grad_output)]

    def close(self) -> None:
        """Remove the layer hooks (call when training ends)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _keep_input(self, layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if self._recording:
            # one row in, one row out, one call per step: otherwise the Gram trick is not the per-sample norm
            if layer in self._acts:
                raise RuntimeError("LinearDPSGD: a Linear layer ran twice in one step (weight sharing is unsupported)")
            if inputs[0].dim() != 2 or inputs[0].shape[0] != self._rows:
                raise RuntimeError(
                    f"LinearDPSGD: a Linear layer got input of shape {tuple(inputs[0].shape)}; expected "
                    f"({self._rows}, features) — one row per sample and group member"
                )
            self._acts[layer] = inputs[0].detach()

    def _keep_grad_output(self, layer: nn.Module, grad_in: Any, grad_out: tuple[torch.Tensor, ...]) -> None:
        if self._recording:
            self._deltas[layer] = grad_out[0].detach()

    def step(self, per_sample_losses: Callable[[], torch.Tensor], n: int) -> float:
        """One step: ``per_sample_losses()`` runs the forward pass on the batch and returns ``n`` losses."""
        plan, k = self.plan, self.group
        std = plan.noise_multiplier * plan.clip_norm
        mean_loss = float("nan")
        scaled: dict[nn.Module, tuple[torch.Tensor, torch.Tensor]] = {}
        if n > 0:
            self._recording, self._rows = True, k * n
            self._acts.clear()
            self._deltas.clear()
            try:
                losses = per_sample_losses()
                if losses.shape != (n,):
                    raise RuntimeError(f"LinearDPSGD: expected {n} per-sample losses, got shape {tuple(losses.shape)}")
                self.optimizer.zero_grad(set_to_none=True)
                with warnings.catch_warnings():
                    # the first layer's input needs no gradient; its output gradient is all we read
                    warnings.filterwarnings("ignore", message="Full backward hook is firing")
                    losses.sum().backward()
            finally:
                self._recording = False
            mean_loss = float(losses.detach().mean())
            unused = [layer for layer in self.layers if layer not in self._acts or layer not in self._deltas]
            if unused:
                raise RuntimeError("LinearDPSGD: a trainable Linear layer took no part in the loss of this step")
            sq = torch.zeros(n)
            for layer in self.layers:
                a = self._acts[layer].reshape(k, n, -1)
                d = self._deltas[layer].reshape(k, n, -1)
                gram_d = torch.einsum("rbo,sbo->rsb", d, d)
                sq = sq + (torch.einsum("rbi,sbi->rsb", a, a) * gram_d).sum(dim=(0, 1))
                if layer.bias is not None:
                    sq = sq + gram_d.sum(dim=(0, 1))
            self.last_norms = sq.sqrt()  # per-sample gradient norms before clipping (diagnostics; never released)
            factor = (plan.clip_norm / (self.last_norms + 1e-6)).clamp(max=1.0).repeat(k)[:, None]
            for layer in self.layers:
                d = self._deltas[layer].reshape(k * n, -1) * factor
                scaled[layer] = (d, self._acts[layer].reshape(k * n, -1))
        for layer in self.layers:
            for name, p in layer.named_parameters(recurse=False):
                if not p.requires_grad:
                    continue
                noise = torch.from_numpy(self.noise_rng.standard_normal(p.shape).astype(np.float32)) * std
                if layer in scaled:
                    d, a = scaled[layer]
                    noise = noise + (d.T @ a if name == "weight" else d.sum(dim=0))
                p.grad = noise / plan.expected_batch
        self._acts.clear()
        self._deltas.clear()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.steps_taken += 1
        return mean_loss
