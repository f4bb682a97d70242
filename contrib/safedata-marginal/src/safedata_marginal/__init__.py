"""safedata-marginal: registers the marginal-based DP synthesizers ``mst`` and ``aim``.

Keep this module light: the components (and numpy-heavy modules) are imported inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_marginal.aim import AIMSynthesizer
    from safedata_marginal.mst import MSTSynthesizer

    register(MSTSynthesizer)
    register(AIMSynthesizer)
