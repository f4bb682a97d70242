"""safedata-copula: registers the ``gaussian_copula`` synthesizer (DP and non-private).

Keep this module light: scipy and the model code are imported inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_copula.synthesizer import GaussianCopulaSynthesizer

    register(GaussianCopulaSynthesizer)
