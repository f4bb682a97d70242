"""safedata-ctgan: registers the ``ctgan`` synthesizer (CTGAN, non-private or DP-SGD on the discriminator).

Keep this module light: torch is imported only by the modules that train.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_ctgan.synthesizer import CTGANSynthesizer

    register(CTGANSynthesizer)
