"""safedata-deep: the torch toolkit shared by the deep synthesizers (``tvae``, ``ctgan``).

A library distribution: it registers no component (no ``safedata`` entry
point), so installing it adds nothing to ``safedata plugins``; safedata-tvae
and safedata-ctgan depend on it.

* :mod:`safedata_deep.transformer`: the reversible encoding (mode-specific
  normalisation, one-hots, missing slots) and its DP fit.
* :mod:`safedata_deep.dpplan`: the preprocessing queries, the DP-SGD plan and
  its calibration to the step's share, the charge.
* :mod:`safedata_deep.dpsgd`: the DP-SGD engines (exact per-sample clipping,
  Poisson batches) and small training helpers.
* :mod:`safedata_deep.base`: :class:`~safedata_deep.base.DeepSynthesizer`,
  the synthesizer base (refusals, randomness sources, planning, DP row
  estimate, report extras).
* :mod:`safedata_deep.params`, :mod:`safedata_deep.trainlog`,
  :mod:`safedata_deep.torchstate`: shared params, training log, weights I/O.
* :mod:`safedata_deep.testing`: helpers for the three packages' tests.

Keep this module light: torch is imported only by the modules that train.
"""

from __future__ import annotations

__all__: list[str] = []
