"""safedata-example: registers the ``example`` independent-marginals synthesizer.

Keep this module light: import the component inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_synthesizers(register: Any) -> None:
    from safedata_example.synthesizer import IndependentMarginalsSynthesizer

    register(IndependentMarginalsSynthesizer)
