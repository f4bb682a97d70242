"""Build a pluggy PluginManager: default plugins, then ``safedata`` entry points.

No module-level manager exists: each :class:`~safedata_core.Engine` builds its
own, so two engines with different plugin sets can live in one process.

Switches: ``SAFEDATA_DISABLE_PLUGIN_AUTOLOAD=1`` loads no entry points;
``SAFEDATA_LOAD_PLUGINS=dist-a,dist-b`` loads only those distributions (an
empty value loads none); ``SAFEDATA_TRACE_PLUGINS=1`` prints every hook call.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from safedata_core import hookspecs
from safedata_core.errors import PluginLoadError, PluginRegistrationError
from safedata_core.hookspecs import PROJECT_NAME


def _default_plugins() -> tuple[str, ...]:
    """Every module in ``safedata_core.default_plugins`` is a default plugin (sorted by name)."""
    import pkgutil

    from safedata_core import default_plugins

    return tuple(
        f"{default_plugins.__name__}.{m.name}"
        for m in sorted(pkgutil.iter_modules(default_plugins.__path__), key=lambda m: m.name)
        if not m.name.startswith("_")
    )


DEFAULT_PLUGINS: tuple[str, ...] = _default_plugins()

__all__ = ["DEFAULT_PLUGINS", "PluginSet", "build_plugin_manager", "core_version"]


def core_version() -> str:
    try:
        return md.version("safedata-core")
    except md.PackageNotFoundError:
        return "0.0.0+unknown"


@dataclass
class PluginSet:
    """A plugin manager plus what is known about each plugin it holds."""

    pm: pluggy.PluginManager
    distributions: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    failed: dict[str, PluginLoadError] = field(default_factory=dict)

    def origin(self, plugin_name: str) -> tuple[str | None, str | None]:
        return self.distributions.get(plugin_name, (None, None))


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return [p.strip() for p in raw.split(",") if p.strip()]


def _normalise(dist: str) -> str:
    return dist.lower().replace("_", "-").replace(".", "-")


def build_plugin_manager(
    *,
    autoload: bool | None = None,
    plugins: Iterable[Any] = (),
    strict: bool = False,
) -> PluginSet:
    """Return a manager with defaults, entry points (unless disabled) and ``plugins``.

    ``plugins`` items are modules, objects or importable module names. Entry
    points that fail to import are recorded in ``failed`` (raised when
    ``strict``); duplicates and misspelled hooks always raise.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pset = PluginSet(pm)
    version = core_version()
    for modname in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(modname), name=modname)
        pset.distributions[modname] = ("safedata-core", version)
    if autoload is None:
        autoload = not os.environ.get("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD")
    if autoload:
        _load_entry_points(pset, only=_env_list("SAFEDATA_LOAD_PLUGINS"), strict=strict)
    for plugin in plugins:
        obj = importlib.import_module(plugin) if isinstance(plugin, str) else plugin
        name = plugin if isinstance(plugin, str) else getattr(obj, "__name__", None)
        registered = pm.register(obj, name=name)
        pset.distributions.setdefault(registered or str(name), (None, None))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) or str(exc.plugin)
        dist, ver = pset.origin(plugin_name)
        raise PluginRegistrationError(
            f"plugin '{plugin_name}'{f' ({dist} {ver})' if dist else ''}: {exc} "
            "(fix the hook name; see docs/plugins/hooks.md for the list)",
            plugin=plugin_name,
            distribution=dist,
        ) from None
    if os.environ.get("SAFEDATA_TRACE_PLUGINS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pset


def _load_entry_points(pset: PluginSet, *, only: list[str] | None, strict: bool) -> None:
    wanted = {_normalise(d) for d in only} if only is not None else None
    seen_dists: set[str] = set()
    owners: dict[str, str] = {}
    for dist in md.distributions():
        # entry points first: parsing every installed distribution's METADATA costs more than the plugins
        eps = [ep for ep in dist.entry_points if ep.group == PROJECT_NAME]
        if not eps:
            continue
        dist_name = dist.metadata["Name"] or "?"
        key = _normalise(dist_name)
        if key in seen_dists:  # the same distribution found twice on sys.path
            continue
        seen_dists.add(key)
        if wanted is not None and key not in wanted:
            continue
        for ep in eps:
            if ep.name in owners:
                raise PluginRegistrationError(
                    f"entry point '{ep.name}' in group '{PROJECT_NAME}' is declared by both "
                    f"{owners[ep.name]} and {dist_name} {dist.version} "
                    "(uninstall one of them; entry-point names must be unique)",
                    plugin=ep.name,
                    distribution=dist_name,
                )
            owners[ep.name] = f"{dist_name} {dist.version}"
            try:
                obj = ep.load()
                pset.pm.register(obj, name=ep.name)
            except Exception as exc:  # a broken plugin must not break the engine
                error = PluginLoadError(
                    f"plugin '{ep.name}' ({dist_name} {dist.version}) failed to load: "
                    f"{type(exc).__name__}: {exc} (check it is compatible with safedata-core "
                    f"{core_version()}, or uninstall it)",
                    plugin=ep.name,
                    distribution=dist_name,
                )
                if strict:
                    raise error from exc
                pset.failed[ep.name] = error
            pset.distributions[ep.name] = (dist_name, dist.version)
