"""safedata-bayesnet: registers the ``bayes_net`` synthesizer (pgmpy networks, PrivBayes under DP).

Keep this module light: pgmpy and the model code are imported inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_bayesnet.synthesizer import BayesNetSynthesizer

    register(BayesNetSynthesizer)
