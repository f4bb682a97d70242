"""safedata-linkage: registers the ``linkage`` attack.

Keep this module light: import the component inside the hook.
"""

from __future__ import annotations

from typing import Any

from safedata_core import hookimpl


@hookimpl
def register_attacks(register: Any) -> None:
    from safedata_linkage.attack import LinkageAttack

    register(LinkageAttack)
