"""The ``tvae`` synthesizer component: TVAE, non-private or with DP-SGD on the whole model.

Torch is imported inside the methods, so registering the plugin stays fast.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from safedata_deep.base import DeepSynthesizer
from safedata_deep.dpplan import DPQueries, DPSGDPlan
from safedata_deep.params import DeepParams
from safedata_deep.transformer import DataTransformer

from safedata_core import ComponentError, Table
from safedata_core.data import Metadata

__all__ = ["TVAEParams", "TVAESynthesizer"]


class TVAEParams(DeepParams):
    """Params of the ``tvae`` synthesizer."""

    dp_defaults: ClassVar[dict[str, Any]] = {
        **DeepParams.dp_defaults,
        "embedding_dim": 16,
        "compress_dims": (64,),
        "decompress_dims": (64,),
        "learning_rate": 5e-3,
    }

    compress_dims: tuple[int, ...] = Field(
        (128, 128), description="Hidden layer sizes of the encoder (DP default: one layer of 64)."
    )
    decompress_dims: tuple[int, ...] = Field(
        (128, 128), description="Hidden layer sizes of the decoder (DP default: one layer of 64)."
    )
    learning_rate: float = Field(1e-3, gt=0, description="Adam learning rate (DP default 5e-3).")
    l2scale: float = Field(1e-5, ge=0, description="Adam weight decay.")
    loss_factor: float = Field(2.0, gt=0, description="Weight of the reconstruction loss against the KL term.")
    dp_output_scale: float = Field(
        0.3,
        gt=0,
        le=1,
        description="DP: the decoder's output scale sigma for numeric values, fixed (not learned) under DP so "
        "that every trainable parameter is in a Linear layer and clipped per sample.",
    )


class TVAESynthesizer(DeepSynthesizer):
    """TVAE: a variational autoencoder over mode-normalised, one-hot encoded rows (Xu et al. 2019).

    **Privacy guarantee**: with ``dp: true``, (epsilon, delta)-DP under
    add/remove-one adjacency. ``dp_preprocess_fraction`` (10%) of epsilon pays
    for preprocessing, split evenly: an exact discrete-Laplace histogram over
    each numeric column's public bounds (the Bayesian GMM modes are fitted to
    points drawn from it), a discrete-Laplace row count ``n_hat`` (sets the
    sample rate; :meth:`estimated_rows` returns it), and a thresholded DP
    category selection for each categorical column without public categories
    (which also takes that fraction of delta). The rest trains the whole model
    with DP-SGD: Poisson sampling, per-sample clipping to ``clip_norm``,
    Gaussian noise whose multiplier is calibrated against the ledger's own
    composition of all the step's charges (the step spends its whole share),
    charged before training as one ``subsampled_gaussian`` event (under DP the
    decoder's output scale sigma is fixed at ``dp_output_scale``, not
    learned). All DP randomness (noise, sampling, each row's mode and
    reparameterisation draws) comes from the share's secure noise source,
    never from the seed; the DP-SGD Gaussian noise is continuous (float), all
    other noise exact integer noise. The saved model holds only public bounds,
    DP-derived modes/categories, the DP row estimate and DP-trained weights.
    With ``dp: false``, none.

    **Assumptions**: under DP every column must be declared in the metadata
    (an inferred column is refused), numeric columns with public ``bounds``
    (values are clipped to them); a column declared ``nullable: false`` is
    never generated missing; categories not declared in the metadata and not
    selected by the DP selection are treated as missing. Datetime and text
    columns are not supported (drop or convert them). Missing values get their
    own mode/category slot. Under DP the batch size varies (Poisson sampling)
    around ``batch_size``.

    **Example**: ``{id: synth, use: tvae, privacy: {epsilon: 3.0}, params: {epochs: 20}}`` (DP defaults for the rest)
    """

    name = "tvae"
    Params = TVAEParams

    _net: Any = None  # the trained network (set by fit and load)

    # -- fitting -----------------------------------------------------------
    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        p = self.params
        self._start_fit(table, budget)
        from safedata_deep.dpsgd import configure_torch, seeded_init

        from safedata_tvae.model import TVAENet, train_tvae

        configure_torch(p.threads)
        rng, tgen = self._side_generators(budget, seed)
        plan: DPSGDPlan | None = None
        queries: DPQueries | None = None
        eps_pre = 0.0
        if p.dp:
            n_numeric, n_select = DataTransformer.count_queries(table)
            queries = DPQueries(
                budget, n_counting=n_numeric + 1, n_select=n_select,
                fraction=p.dp_preprocess_fraction, component=self.name,
            )  # fmt: skip
        transformer = DataTransformer.fit(
            table, queries=queries, max_modes=p.max_modes, gmm_rows=p.gmm_rows,
            hist_bins=p.dp_histogram_bins, seed=seed, component=self.name,
        )  # fmt: skip
        if queries is not None:
            n_hat = queries.row_count(len(table))
            plan, eps_pre = self._plan_training(budget, n_hat, "tvae: DP-SGD on encoder and decoder")
        data, _ = transformer.transform(table.df, rng)
        if not p.dp and len(data) < 2:
            raise ComponentError("tvae: the table needs at least 2 rows to train on")
        with seeded_init(seed):
            net = TVAENet(transformer.output_dim, list(p.compress_dims), list(p.decompress_dims), p.embedding_dim)
        log = train_tvae(
            net, data, transformer.spans, epochs=p.epochs, batch_size=min(p.batch_size, max(2, len(data))),
            lr=p.learning_rate, l2scale=p.l2scale, loss_factor=p.loss_factor, plan=plan, rng=rng, tgen=tgen,
            progress=p.progress, dp_output_scale=p.dp_output_scale,
        )  # fmt: skip
        net.eval()
        self._transformer, self._metadata, self._net = transformer, table.metadata, net
        self._extras = {
            "training": log.to_dict(dp=plan is not None),
            "dp": None if plan is None else {**plan.to_dict(), "epsilon_pre": eps_pre},
        }

    # -- sampling ----------------------------------------------------------
    def sample(self, n: int, *, seed: int) -> Table:
        if self._net is None or self._transformer is None or self._metadata is None:
            raise ComponentError("tvae: call fit() before sample()")
        from safedata_tvae.model import sample_tvae

        raw = sample_tvae(self._net, self._transformer.spans, n, seed, self._transformer.allowed_mask())
        df = self._transformer.inverse_transform(raw)
        return Table(df, self._metadata)

    # -- state -------------------------------------------------------------
    def state_dict(self) -> dict[str, Any] | None:
        if self._net is None or self._transformer is None or self._metadata is None:
            return None
        from safedata_deep.torchstate import module_state

        return {
            "params": self.params.model_dump(mode="json"),
            "metadata": self._metadata.to_dict(),
            "transformer": self._transformer.to_dict(),
            "weights": module_state(self._net),
            "estimated_rows": self.estimated_rows(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        from safedata_deep.torchstate import load_module_state

        from safedata_tvae.model import TVAENet

        p = self.Params.model_validate(state["params"])
        self.params = p
        self._metadata = Metadata.from_dict(state["metadata"])
        self._transformer = DataTransformer.from_dict(state["transformer"])
        net = TVAENet(self._transformer.output_dim, list(p.compress_dims), list(p.decompress_dims), p.embedding_dim)
        load_module_state(net, state["weights"])
        net.eval()
        self._net = net
        rows = state.get("estimated_rows")
        self._n_hat = None if rows is None else float(rows)
