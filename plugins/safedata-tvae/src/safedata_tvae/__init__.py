"""safedata-tvae: registers the ``tvae`` synthesizer (TVAE, non-private or DP-SGD).

The data transformer, DP planning, DP-SGD engine and synthesizer base come
from the safedata-deep library (:mod:`safedata_deep`), shared with
safedata-ctgan. Keep this module light: torch is imported only by the
modules that train.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_tvae.synthesizer import TVAESynthesizer

    register(TVAESynthesizer)
