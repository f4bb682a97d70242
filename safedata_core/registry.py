"""The component registry: a validated catalogue built from the ``register_*`` hooks.

``register(cls)`` validates each class at call time, so an error points at the
plugin that made it: the class must subclass the right ABC, be concrete, have a
snake_case ``name`` unique across *all* kinds, a pydantic ``Params`` model with
``extra="forbid"``, a ``privacy`` declaration and a docstring with every
section of :data:`REQUIRED_DOC_SECTIONS` (**Privacy guarantee**, **Assumptions**;
the contract kit checks the same list). A duplicate name names both distributions.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from safedata_core.components import BASE_CLASSES, KINDS, Component, Register, kind_base
from safedata_core.errors import PluginLoadError, PluginRegistrationError, UnknownComponentError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PRIVACY_VALUES = ("dp", "sdc", "none")
#: docstring sections (written ``**Name**``) every component must have; the contract kit checks the same list
REQUIRED_DOC_SECTIONS: tuple[str, ...] = ("Privacy guarantee", "Assumptions")
HOOK_FOR_KIND = {
    "synthesizer": "register_synthesizers",
    "mechanism": "register_mechanisms",
    "sdc": "register_sdc_methods",
    "attack": "register_attacks",
    "metric": "register_metrics",
}

GENERIC_HOOK = "register_components"  # any kind, read from the class (a plugin's own kinds too)

__all__ = ["GENERIC_HOOK", "REQUIRED_DOC_SECTIONS", "ComponentInfo", "Register", "Registry", "missing_doc_sections"]


def missing_doc_sections(cls: Any) -> list[str]:
    """The :data:`REQUIRED_DOC_SECTIONS` that ``cls``'s docstring lacks (``**Name**`` markers)."""
    doc = inspect.getdoc(cls) or ""
    return [s for s in REQUIRED_DOC_SECTIONS if f"**{s}**" not in doc]


@dataclass(frozen=True)
class ComponentInfo:
    """A registered component and where it came from."""

    kind: str
    name: str
    cls: type[Component]
    plugin: str
    distribution: str | None
    version: str | None

    @property
    def privacy(self) -> str:
        return str(self.cls.privacy)

    def origin(self) -> str:
        if self.distribution:
            return f"plugin '{self.plugin}' ({self.distribution} {self.version or '?'})"
        return f"plugin '{self.plugin}'"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "class": f"{self.cls.__module__}.{self.cls.__qualname__}",
            "privacy": self.privacy,
            "summary": self.cls.summary(),
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
        }


class Registry:
    """Components by name (names are unique across kinds)."""

    def __init__(self) -> None:
        self._by_name: dict[str, ComponentInfo] = {}
        self.failed: dict[str, PluginLoadError] = {}  # plugin name -> error

    # -- registration ------------------------------------------------------
    def make_register(
        self, kind: str | None, plugin: str, distribution: str | None, version: str | None
    ) -> Callable[[type[Component]], None]:
        """The ``register`` callable for one plugin's hook (``kind=None``: the kind is read from each class)."""

        def register(cls: type[Component], /) -> None:
            self.add(kind, cls, plugin=plugin, distribution=distribution, version=version)

        return register

    def add(
        self,
        kind: str | None,
        cls: Any,
        *,
        plugin: str,
        distribution: str | None = None,
        version: str | None = None,
    ) -> ComponentInfo:
        where = f"plugin '{plugin}'" + (f" ({distribution} {version or '?'})" if distribution else "")
        hook = HOOK_FOR_KIND.get(kind or "", GENERIC_HOOK)

        def fail(problem: str, fix: str) -> PluginRegistrationError:
            return PluginRegistrationError(
                f"{where}: {hook}: {problem} ({fix})", plugin=plugin, distribution=distribution
            )

        label = getattr(cls, "__qualname__", repr(cls))
        derived: type[Component] | None = None
        if kind is None:  # register_components: the kind is the one of the class's kind base
            derived = kind_base(cls) if inspect.isclass(cls) and issubclass(cls, Component) else None
            if derived is None:
                raise fail(
                    f"{label} is not a subclass of a component kind",
                    "subclass Synthesizer, SDCMethod, ... or a kind's base class that sets kind",
                )
            kind = str(derived.kind)
        base = BASE_CLASSES.get(kind) or derived
        if base is None:
            raise fail(f"unknown component kind '{kind}'", "register it through register_components")
        if not (inspect.isclass(cls) and issubclass(cls, base)):
            raise fail(
                f"{label} is not a subclass of safedata_core.{base.__name__}",
                f"subclass {base.__name__} and register the class, not an instance",
            )
        if inspect.isabstract(cls):
            missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
            raise fail(f"{label} is abstract (missing {missing})", "implement the missing methods")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise fail(
                f"{label}.name {name!r} must match {NAME_PATTERN.pattern}",
                "use a short snake_case name such as 'my_synth'",
            )
        params = getattr(cls, "Params", None)
        if not (inspect.isclass(params) and issubclass(params, BaseModel)):
            raise fail(
                f"{label}.Params must be a pydantic BaseModel subclass",
                "define class Params(BaseModel) with model_config = ConfigDict(extra='forbid')",
            )
        if params.model_config.get("extra") != "forbid":
            raise fail(
                f"{label}.Params must reject unknown keys", "set model_config = ConfigDict(extra='forbid') on Params"
            )
        privacy = getattr(cls, "privacy", None)
        if privacy not in PRIVACY_VALUES:
            raise fail(f"{label}.privacy is {privacy!r}", "declare privacy = 'dp', 'sdc' or 'none' on the class")
        missing_sections = missing_doc_sections(cls)
        if missing_sections:
            raise fail(
                f"{label} docstring has no **{missing_sections[0]}** section",
                "document what the component guarantees and assumes (see docs/plugins/components.md)",
            )
        if name in self._by_name:
            other = self._by_name[name]
            if other.cls is cls:
                return other
            raise fail(
                f"component name '{name}' ({kind}) is already registered as a {other.kind} by {other.origin()}",
                "uninstall one of the two distributions or rename one component",
            )
        info = ComponentInfo(kind, name, cls, plugin, distribution, version)
        self._by_name[name] = info
        return info

    # -- lookup -------------------------------------------------------------
    def get(self, name: str, kind: str | None = None) -> ComponentInfo:
        info = self._by_name.get(name)
        if info is not None and (kind is None or info.kind == kind):
            return info
        if info is not None:
            raise UnknownComponentError(
                f"component '{name}' is registered as a {info.kind}, not a {kind} "
                f"(use it in a step where a {info.kind} is expected)"
            )
        for plugin, error in self.failed.items():
            if name in getattr(error, "components", ()) or name == plugin.removeprefix("safedata_"):
                raise UnknownComponentError(
                    f"component '{name}' is unavailable because its plugin failed to load: {error}"
                )
        pool = self.names(kind) if kind else sorted(self._by_name)
        close = difflib.get_close_matches(name, pool, n=3)
        hint = (
            f"did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else ("run 'safedata plugins' to list what is installed")
        )
        what = kind or "component"
        raise UnknownComponentError(f"unknown {what} '{name}' ({hint})")

    def names(self, kind: str | None = None) -> list[str]:
        return sorted(n for n, i in self._by_name.items() if kind is None or i.kind == kind)

    def __iter__(self) -> Iterator[ComponentInfo]:
        order: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
        return iter(sorted(self._by_name.values(), key=lambda i: (order.get(i.kind, len(order)), i.kind, i.name)))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)
