"""Deferred imports for the quick CLI paths (``safedata plugins``, ``safedata --version``).

Listing the installed components imports every plugin module, and most of them
``import pandas`` at the top although only their methods use it. Inside
:func:`deferred_imports`, such a module gets a stand-in module object; the first
attribute read from it (``pd.DataFrame``) imports the real module, fills the
stand-in with its contents and puts the real one back in ``sys.modules``. Code
that uses the module therefore works unchanged, it only pays for the import
when it needs it. Modules already imported are left alone, and stand-ins never
used are removed from ``sys.modules`` when the block ends.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["deferred_imports"]


class _Deferred(types.ModuleType):
    """A module not imported yet: reading any attribute imports it."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__version__", "__path__", "__file__"):
            raise AttributeError(attr)
        return getattr(_materialise(self), attr)


def _materialise(stand_in: types.ModuleType) -> types.ModuleType:
    name = stand_in.__name__
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    real = importlib.import_module(name)
    stand_in.__dict__.update({k: v for k, v in real.__dict__.items() if k != "__class__"})
    stand_in.__class__ = types.ModuleType
    return real


@contextmanager
def deferred_imports(names: Iterable[str]) -> Iterator[None]:
    """Within the block, ``import NAME`` (for each of ``names`` not imported yet) gives a stand-in (see above)."""
    installed: list[_Deferred] = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in
        installed.append(stand_in)
    try:
        yield
    finally:
        for stand_in in installed:
            if sys.modules.get(stand_in.__name__) is stand_in:
                del sys.modules[stand_in.__name__]
