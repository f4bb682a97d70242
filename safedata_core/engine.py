"""``Engine``: the embedding API. One engine = one plugin manager + one registry.

    from safedata_core import Engine
    engine = Engine(autoload=False, plugins=["my_plugin"])
    result = engine.run("pipeline.yaml", out="runs/1")

No global state: two engines with different plugin sets coexist in a process.
"""

from __future__ import annotations

import importlib.metadata as md
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pluggy

from safedata_core.config import Config
from safedata_core.errors import PluginLoadError, PluginRegistrationError
from safedata_core.plugins import PluginSet, build_plugin_manager, core_version
from safedata_core.registry import GENERIC_HOOK, HOOK_FOR_KIND, Registry

if TYPE_CHECKING:  # the pipeline machinery (pandas, structlog...) is imported when a pipeline is read or run
    import pandas as pd

    from safedata_core.data import Metadata, Table
    from safedata_core.pipeline.runner import RunResult
    from safedata_core.schema import Pipeline, ResolvedPipeline

__all__ = ["Engine"]

PipelineSource: TypeAlias = "str | Path | Mapping[str, Any] | Pipeline"
RunnableSource: TypeAlias = "PipelineSource | ResolvedPipeline"


def resolve_pipeline(pipeline: PipelineSource, registry: Registry, **options: Any) -> ResolvedPipeline:
    """:func:`safedata_core.schema.resolve_pipeline`, imported on first use (the schema pulls in pandas)."""
    from safedata_core.schema import resolve_pipeline as resolve

    return resolve(pipeline, registry, **options)


class Engine:
    """Loads plugins, validates and runs pipelines.

    ``autoload``: load ``safedata`` entry points (default: yes, unless
    ``SAFEDATA_DISABLE_PLUGIN_AUTOLOAD`` is set). ``plugins``: extra plugin
    modules/objects (or importable names) to register. ``strict``: raise when
    an installed plugin fails to import instead of recording it.
    """

    def __init__(self, *, autoload: bool | None = None, plugins: Iterable[object] = (), strict: bool = False) -> None:
        self._pset: PluginSet = build_plugin_manager(autoload=autoload, plugins=plugins, strict=strict)
        self.config = Config(autoload=bool(autoload) if autoload is not None else True, strict_plugins=strict)
        self.pm.hook.configure.call_historic(kwargs={"config": self.config})
        self.registry = self._build_registry()

    @property
    def pm(self) -> pluggy.PluginManager:
        """The engine's pluggy plugin manager (call hooks through ``pm.hook``)."""
        return self._pset.pm

    @property
    def failed_plugins(self) -> dict[str, PluginLoadError]:
        """Installed plugins that failed to load, by name (empty when all loaded)."""
        return dict(self._pset.failed)

    def _build_registry(self) -> Registry:
        registry = Registry()
        registry.failed.update(self._pset.failed)
        hooks: list[tuple[str | None, str]] = [*HOOK_FOR_KIND.items(), (None, GENERIC_HOOK)]
        for kind, hook_name in hooks:
            hook = getattr(self.pm.hook, hook_name)
            for impl in hook.get_hookimpls():
                dist, version = self._pset.origin(impl.plugin_name)
                register = registry.make_register(kind, impl.plugin_name, dist, version)
                kwargs = {"register": register} if "register" in impl.argnames else {}
                try:
                    result = impl.function(**kwargs)
                except PluginRegistrationError:
                    raise
                except Exception as exc:
                    registry.failed[impl.plugin_name] = PluginLoadError(
                        f"plugin '{impl.plugin_name}'{f' ({dist} {version})' if dist else ''}: {hook_name} "
                        f"raised {type(exc).__name__}: {exc}",
                        plugin=impl.plugin_name,
                        distribution=dist,
                    )
                    continue
                if result is not None:
                    raise PluginRegistrationError(
                        f"plugin '{impl.plugin_name}': {hook_name} returned a value; call register(cls) "
                        "instead of returning classes",
                        plugin=impl.plugin_name,
                        distribution=dist,
                    )
        return registry

    # -- introspection -------------------------------------------------------
    def versions(self) -> dict[str, str]:
        """safedata-core and every plugin distribution's version."""
        out = {"safedata-core": core_version()}
        for dist, ver in self._pset.distributions.values():
            if dist and ver:
                out[dist] = ver
        for mod in ("pandas", "numpy", "pydantic", "pluggy"):
            try:
                out[mod] = md.version(mod)
            except md.PackageNotFoundError:
                pass
        return out

    def plugins_info(self) -> dict[str, Any]:
        plugins = []
        for name, plugin in self.pm.list_name_plugin():
            dist, version = self._pset.origin(name)
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            plugins.append({"name": name, "distribution": dist, "version": version, "hooks": hooks})
        return {
            "core_version": core_version(),
            "components": [i.to_dict() for i in self.registry],
            "plugins": plugins,
            "failed": [
                {"plugin": n, "distribution": e.distribution, "error": str(e)}
                for n, e in sorted(self.registry.failed.items())
            ],
        }

    # -- data, validation and runs --------------------------------------------
    def read_table(self, source: str, metadata: Metadata | str | Path | None = None) -> Table:
        """Read ``source`` with the installed readers (``read_table`` hooks); ``metadata`` declares its columns."""
        from safedata_core.pipeline.loading import read_source

        return read_source(self.pm, source, metadata)

    def validate(self, pipeline: PipelineSource) -> ResolvedPipeline:
        """Validate a pipeline (path, dict or model) fully; raises PipelineValidationError."""
        return resolve_pipeline(pipeline, self.registry)

    def run(
        self,
        pipeline: RunnableSource,
        *,
        data: pd.DataFrame | Table | None = None,
        out: str | Path | None = None,
        force: bool = False,
    ) -> RunResult:
        """Validate then run ``pipeline`` (a :class:`ResolvedPipeline` from :meth:`validate` is not validated again).

        ``data`` replaces ``data.source``; ``out`` is the run directory, published all at once when the
        run ends (``release/``, ``internal/``, ``audit.jsonl``, ``pipeline.lock.json``; see
        docs/concepts/run-directory.md); ``force`` replaces the run already in ``out``. Raises a
        :class:`~safedata_core.SafedataError` when the run cannot start (invalid pipeline, run directory
        not empty or in use, a DP step reading undeclared columns); a run that started and failed returns
        a result with ``ok`` false. ``result.verdict`` is the report's ``"pass"`` / ``"fail"``.
        """
        from safedata_core.pipeline.runner import run_pipeline
        from safedata_core.schema import ResolvedPipeline

        resolved = pipeline if isinstance(pipeline, ResolvedPipeline) else self.validate(pipeline)
        return run_pipeline(
            resolved,
            self.pm,
            data=data,
            out=Path(out) if out is not None else None,
            force=force,
            versions=self.versions(),
            registry=self.registry,
        )
