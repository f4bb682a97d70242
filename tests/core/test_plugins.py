"""Plugin manager: defaults, entry points, environment switches, failures."""

from __future__ import annotations

import importlib.metadata as md
import sys
import types
from typing import Any

import pytest

from safedata_core import Engine, PluginRegistrationError
from safedata_core.plugins import DEFAULT_PLUGINS, build_plugin_manager


class FakeEntryPoint:
    def __init__(self, name: str, obj: Any, group: str = "safedata") -> None:
        self.name, self.group, self._obj = name, group, obj

    def load(self) -> Any:
        if isinstance(self._obj, Exception):
            raise self._obj
        return self._obj


class FakeDist:
    def __init__(self, name: str, version: str, eps: list[FakeEntryPoint]) -> None:
        self.metadata = {"Name": name}
        self.version = version
        self.entry_points = eps


def _module(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


@pytest.fixture
def fake_dists(monkeypatch: pytest.MonkeyPatch) -> list[FakeDist]:
    from tests.fake_plugins import good_synth

    dists = [
        FakeDist("safedata-good", "1.2.0", [FakeEntryPoint("safedata_good", good_synth)]),
        FakeDist("safedata-broken", "0.3.0", [FakeEntryPoint("safedata_broken", ImportError("no torch here"))]),
        FakeDist("unrelated", "1.0", [FakeEntryPoint("x", object(), group="console_scripts")]),
    ]
    monkeypatch.setattr(md, "distributions", lambda: iter(dists))
    return dists


def test_defaults_are_registered_first() -> None:
    pset = build_plugin_manager(autoload=False)
    names = [n for n, _ in pset.pm.list_name_plugin()]
    assert names[: len(DEFAULT_PLUGINS)] == list(DEFAULT_PLUGINS)


def test_entry_points_load_and_failures_are_recorded(fake_dists: list[FakeDist]) -> None:
    engine = Engine(autoload=True)
    info = engine.registry.get("resample")
    assert (info.distribution, info.version) == ("safedata-good", "1.2.0")
    failed = engine.plugins_info()["failed"]
    assert failed[0]["plugin"] == "safedata_broken"
    assert "safedata-broken 0.3.0" in failed[0]["error"] and "no torch here" in failed[0]["error"]


def test_strict_mode_raises_on_broken_plugin(fake_dists: list[FakeDist]) -> None:
    with pytest.raises(Exception, match="failed to load"):
        Engine(autoload=True, strict=True)


def test_load_plugins_env_filters_distributions(fake_dists: list[FakeDist], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEDATA_LOAD_PLUGINS", "safedata-good")
    engine = Engine(autoload=True)
    assert "resample" in engine.registry and not engine.failed_plugins
    monkeypatch.setenv("SAFEDATA_LOAD_PLUGINS", "")
    assert "resample" not in Engine(autoload=True).registry


def test_disable_autoload_env(fake_dists: list[FakeDist], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "resample" not in Engine().registry


def test_duplicate_entry_point_names_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = _module("m")
    dists = [
        FakeDist("dist-a", "1", [FakeEntryPoint("same", mod)]),
        FakeDist("dist-b", "2", [FakeEntryPoint("same", mod)]),
    ]
    monkeypatch.setattr(md, "distributions", lambda: iter(dists))
    with pytest.raises(PluginRegistrationError, match="dist-a 1 and dist-b 2"):
        Engine(autoload=True)


def test_duplicate_component_across_distributions_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fake_plugins import duplicate_name

    dists = [FakeDist("safedata-shadow", "0.9", [FakeEntryPoint("safedata_shadow", duplicate_name)])]
    monkeypatch.setattr(md, "distributions", lambda: iter(dists))
    with pytest.raises(PluginRegistrationError) as err:
        Engine(autoload=True)
    assert "safedata-core" in str(err.value) and "safedata-shadow 0.9" in str(err.value)


def test_misspelled_hook_is_caught_by_check_pending() -> None:
    with pytest.raises(PluginRegistrationError, match="register_synthesiser"):
        Engine(autoload=False, plugins=["tests.fake_plugins.misspelled_hook"])


def test_import_error_in_explicit_plugin_propagates() -> None:
    sys.modules.pop("tests.fake_plugins.raises_on_import", None)
    with pytest.raises(ImportError, match="not installed"):
        Engine(autoload=False, plugins=["tests.fake_plugins.raises_on_import"])


def test_returning_classes_instead_of_registering_is_an_error() -> None:
    with pytest.raises(PluginRegistrationError, match="call register"):
        Engine(autoload=False, plugins=["tests.fake_plugins.returns_list"])


def test_bad_component_error_names_plugin() -> None:
    with pytest.raises(PluginRegistrationError, match="plugin 'tests.fake_plugins.bad_params'"):
        Engine(autoload=False, plugins=["tests.fake_plugins.bad_params"])
