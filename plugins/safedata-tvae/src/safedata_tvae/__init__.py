"""safedata-tvae: registers the ``tvae`` synthesizer (TVAE, non-private or DP-SGD).

Also hosts the code shared with safedata-ctgan: the data transformer
(:mod:`safedata_tvae.transformer`), the DP budgeting (:mod:`safedata_tvae.dpplan`)
and the DP-SGD engine (:mod:`safedata_tvae.dpsgd`). Keep this module light:
torch is imported only by the modules that train.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_tvae.synthesizer import TVAESynthesizer

    register(TVAESynthesizer)
