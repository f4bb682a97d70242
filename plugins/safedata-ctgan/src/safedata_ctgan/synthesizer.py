"""The ``ctgan`` synthesizer component: CTGAN, non-private or with DP-SGD on the discriminator.

Torch is imported inside the methods, so registering the plugin stays fast.
The transformer, budget split, DP-SGD engine and base class come from safedata-deep.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field
from safedata_deep.base import DeepSynthesizer
from safedata_deep.dpplan import DPQueries, DPSGDPlan
from safedata_deep.params import DeepParams
from safedata_deep.transformer import DataTransformer

from safedata_core import ComponentError, Table
from safedata_core.data import Metadata

__all__ = ["CTGANParams", "CTGANSynthesizer"]


class CTGANParams(DeepParams):
    """Params of the ``ctgan`` synthesizer."""

    dp_defaults: ClassVar[dict[str, Any]] = {
        **DeepParams.dp_defaults,
        "clip_norm": 0.1,
        "generator_dim": (128,),
        "discriminator_dim": (64,),
        "generator_lr": 1e-3,
        "discriminator_lr": 1e-3,
        "dp_weight_clip": 0.05,
    }

    generator_dim: tuple[int, ...] = Field(
        (256, 256), description="Residual layer sizes of the generator (DP default: one layer of 128)."
    )
    discriminator_dim: tuple[int, ...] = Field(
        (256, 256), description="Hidden layer sizes of the discriminator (DP default: one layer of 64)."
    )
    generator_lr: float = Field(2e-4, gt=0, description="Adam learning rate of the generator (DP default 1e-3).")
    discriminator_lr: float = Field(
        2e-4, gt=0, description="Adam learning rate of the discriminator (DP default 1e-3)."
    )
    generator_decay: float = Field(1e-6, ge=0, description="Adam weight decay of the generator.")
    discriminator_decay: float = Field(1e-6, ge=0, description="Adam weight decay of the discriminator.")
    discriminator_steps: int = Field(1, ge=1, le=20, description="Discriminator steps per generator step.")
    pac: int = Field(10, ge=1, le=64, description="PacGAN group size (non-private only; DP always uses 1).")
    log_frequency: bool = Field(
        True, description="Non-private: draw conditional categories by log-frequency (training-by-sampling)."
    )
    dp_weight_clip: float = Field(
        0.05, gt=0, description="DP: discriminator weights are clipped to [-c, c] (replaces the gradient penalty)."
    )


class CTGANSynthesizer(DeepSynthesizer):
    """CTGAN: conditional GAN with mode-specific normalisation and training-by-sampling (Xu et al. 2019).

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under
    add/remove-one adjacency. ``dp_preprocess_fraction`` (10%) of epsilon pays
    for preprocessing, split evenly: an exact discrete-Laplace histogram over
    each numeric column's public bounds (seeds the Bayesian GMM modes), one per
    discrete column (conditional-vector frequencies), a discrete-Laplace row
    count ``n_hat`` (sets the sample rate; :meth:`estimated_rows` returns it),
    and a thresholded DP category selection for each categorical column
    without public categories (which also takes that fraction of delta). The
    rest trains the discriminator — the only network that sees real rows —
    with DP-SGD: Poisson sampling, per-sample clipping to ``clip_norm``,
    Gaussian noise whose multiplier is calibrated against the ledger's own
    composition of all the step's charges (the step spends its whole share),
    charged before training as one ``subsampled_gaussian`` event; ``pac = 1``;
    no gradient penalty (weights clipped to ``dp_weight_clip`` instead). Each
    real row is paired with a generated row made in eval mode from its own
    draws. All DP randomness (noise, sampling, condition columns, generated
    rows, dropout masks) comes from the share's secure noise source, never
    from the seed; the DP-SGD Gaussian noise is continuous (float), all other
    noise exact integer noise. The generator is post-processing. The saved
    model holds only the generator, public bounds, the DP row estimate and
    DP-derived modes, categories and frequencies. With ``dp: false``, none.

    **Assumptions**: under DP every column must be declared in the metadata
    (an inferred column is refused), numeric columns with public ``bounds``
    (values are clipped to them); a column declared ``nullable: false`` is
    never generated missing; categories not declared in the metadata and not
    selected by the DP selection are treated as missing. Datetime and text
    columns are not supported (drop or convert them). Missing values get their
    own mode/category slot. Under DP the batch size varies (Poisson sampling)
    around ``batch_size``.

    **Example**: ``{id: synth, use: ctgan, privacy: {epsilon: 3.0}, params: {epochs: 20}}`` (DP defaults for the rest)
    """

    name = "ctgan"
    Params = CTGANParams

    _gen: Any = None  # the trained generator (set by fit and load)
    _cond: Any = None  # its condition sampler

    # -- fitting -----------------------------------------------------------
    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        p = self.params
        self._start_fit(table, budget)
        from safedata_deep.dpsgd import configure_torch, seeded_init

        from safedata_ctgan.conditional import CondSampler
        from safedata_ctgan.model import Discriminator, Generator, TrainConfig, train_ctgan

        configure_torch(p.threads)
        rng, tgen = self._side_generators(budget, seed)
        plan: DPSGDPlan | None = None
        eps_pre = 0.0
        queries: DPQueries | None = None
        if p.dp:
            n_numeric, n_select = DataTransformer.count_queries(table)
            n_discrete = len(table.columns) - n_numeric
            queries = DPQueries(
                budget, n_counting=n_numeric + n_discrete + 1, n_select=n_select,
                fraction=p.dp_preprocess_fraction, component=self.name,
            )  # fmt: skip
        transformer = DataTransformer.fit(
            table, queries=queries, max_modes=p.max_modes, gmm_rows=p.gmm_rows,
            hist_bins=p.dp_histogram_bins, seed=seed, component=self.name,
        )  # fmt: skip
        data, codes = transformer.transform(table.df, rng)
        discrete = [s for s in transformer.spans if s.discrete]
        widths = [s.end - s.start for s in discrete]
        if queries is not None:
            counts = [
                queries.histogram(codes[:, j], w, f"'{s.column}' conditional-vector frequencies")
                for j, (s, w) in enumerate(zip(discrete, widths, strict=True))
            ]
            n_hat = queries.row_count(len(table))
            plan, eps_pre = self._plan_training(budget, n_hat, "ctgan: DP-SGD on the discriminator")
        else:
            if len(data) < 2:
                raise ComponentError("ctgan: the table needs at least 2 rows to train on")
            counts = [np.bincount(codes[:, j], minlength=w) for j, w in enumerate(widths)]
        allowed = transformer.allowed_mask()
        cond = CondSampler(widths, counts, [allowed[s.start : s.end] for s in discrete])
        pac = 1 if p.dp else p.pac
        batch = p.batch_size if p.dp else min(p.batch_size, max(pac, len(data) - len(data) % pac))
        cfg = TrainConfig(
            epochs=p.epochs, batch_size=batch, embedding_dim=p.embedding_dim, generator_lr=p.generator_lr,
            discriminator_lr=p.discriminator_lr, generator_decay=p.generator_decay,
            discriminator_decay=p.discriminator_decay, discriminator_steps=p.discriminator_steps, pac=pac,
            log_frequency=p.log_frequency, weight_clip=p.dp_weight_clip, progress=p.progress,
        )  # fmt: skip
        with seeded_init(seed):
            gen = Generator(p.embedding_dim + cond.dim, list(p.generator_dim), transformer.output_dim)
            disc = Discriminator(transformer.output_dim + cond.dim, list(p.discriminator_dim), pac)
        log = train_ctgan(
            gen, disc, data, codes, transformer.spans, cond, cfg, plan=plan, rng=rng, tgen=tgen
        )  # fmt: skip
        gen.eval()
        self._transformer, self._metadata, self._gen, self._cond = transformer, table.metadata, gen, cond
        self._extras = {
            "training": log.to_dict(dp=plan is not None),
            "dp": None if plan is None else {**plan.to_dict(), "epsilon_pre": eps_pre, "pac": 1},
        }

    # -- sampling ----------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._gen is None or self._transformer is None or self._metadata is None:
            raise ComponentError("ctgan: call fit() before sample()")
        from safedata_ctgan.model import sample_ctgan

        tr = self._transformer
        raw = sample_ctgan(self._gen, tr.spans, self._cond, n, self.params.embedding_dim, seed, tr.allowed_mask())
        return Table(tr.inverse_transform(raw), self._metadata)

    # -- state -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any] | None:
        if self._gen is None or self._transformer is None or self._metadata is None:
            return None
        from safedata_deep.torchstate import module_state

        return {
            "params": self.params.model_dump(mode="json"),
            "metadata": self._metadata.to_dict(),
            "transformer": self._transformer.to_dict(),
            "conditional": self._cond.to_dict(),
            "generator": module_state(self._gen),
            "estimated_rows": self.estimated_rows(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from safedata_deep.torchstate import load_module_state

        from safedata_ctgan.conditional import CondSampler
        from safedata_ctgan.model import Generator

        p = self.Params.model_validate(state["params"])
        self.params = p
        self._metadata = Metadata.from_dict(state["metadata"])
        self._transformer = DataTransformer.from_dict(state["transformer"])
        self._cond = CondSampler.from_dict(state["conditional"])
        gen = Generator(p.embedding_dim + self._cond.dim, list(p.generator_dim), self._transformer.output_dim)
        load_module_state(gen, state["generator"])
        gen.eval()
        self._gen = gen
        rows = state.get("estimated_rows")
        self._n_hat = None if rows is None else float(rows)
