"""The ``profile`` step as a component: inventory and disclosure-risk profile of the step's input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from safedata_core.components import Profiler, Register
from safedata_core.hookspecs import hookimpl
from safedata_core.inventory import ProfileParams, profile_step

if TYPE_CHECKING:
    import numpy as np

    from safedata_core.data import Table

__all__ = ["ProfileStep", "register_components"]


class ProfileStep(Profiler[ProfileParams]):
    """Inventory and disclosure-risk profile of the step's input (types, identifiers, k-anonymity, rare records).

    **Privacy guarantee**: none: the profile holds exact statistics of the real
    data (counts per quasi-identifier class, rare-record counts); it goes to the
    internal report only and is not part of a release.

    **Assumptions**: quasi-identifiers are the declared ones unless ``params.quasi_identifiers``
    names them; otherwise they are suggested from the data.

    **Example**: ``{id: profile, use: profile, params: {k: 5}}``
    """

    name = "profile"
    Params = ProfileParams

    def profile(self, table: Table) -> tuple[dict[str, Any], np.ndarray]:
        return profile_step(table, self.params)


@hookimpl
def register_components(register: Register[Profiler[Any]]) -> None:
    register(ProfileStep)
