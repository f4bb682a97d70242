"""Hook contracts: one ``test_hook_<name>`` per hook (a meta test enforces it)."""

from __future__ import annotations

import inspect
from typing import Any

import pandas as pd
import pytest

from safedata_core import Engine, Table, hookspecs
from tests.fake_plugins import observer

HOOKS = sorted(n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "safedata_spec"))


def _pipeline(**overrides: object) -> dict[str, object]:
    p: dict[str, object] = {
        "data": {"source": "memory:40"},
        "steps": [{"id": "synth", "use": "resample"}, {"id": "tv", "use": "tv_complement"}],
    }
    p.update(overrides)
    return p


@pytest.fixture
def obs_engine() -> Engine:
    observer.CALLS.clear()
    return Engine(autoload=False, plugins=["tests.fake_plugins.observer", "tests.fake_plugins.good_synth"])


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    assert f"test_hook_{hook}" in globals(), f"add a test named test_hook_{hook} to tests/test_hooks.py"


def test_hook_configure(obs_engine: Engine) -> None:
    assert observer.CONFIGS and observer.CONFIGS[-1] is obs_engine.config


def test_hook_register_synthesizers(obs_engine: Engine) -> None:
    assert obs_engine.registry.get("resample").kind == "synthesizer"


def test_hook_register_mechanisms() -> None:
    from safedata_core.hookspecs import hookimpl
    from safedata_core.testing.fixtures import tiny_table  # noqa: F401  (keeps fixtures importable)
    from tests.fake_plugins.mechanisms import ConstantShiftMechanism

    class Plugin:
        @hookimpl
        def register_mechanisms(self, register: object) -> None:
            register(ConstantShiftMechanism)  # type: ignore[operator]

    assert Engine(autoload=False, plugins=[Plugin()]).registry.get("constant_shift").kind == "mechanism"


def test_hook_register_sdc_methods() -> None:
    from tests.fake_plugins.mechanisms import BlankSDC, make_plugin

    engine = Engine(autoload=False, plugins=[make_plugin("register_sdc_methods", BlankSDC)])
    assert engine.registry.get("blank_sdc").kind == "sdc"


def test_hook_register_attacks() -> None:
    from tests.fake_plugins.mechanisms import CoinAttack, make_plugin

    engine = Engine(autoload=False, plugins=[make_plugin("register_attacks", CoinAttack)])
    assert engine.registry.get("coin_attack").kind == "attack"


def test_hook_register_metrics() -> None:
    assert Engine(autoload=False).registry.get("ks_complement").kind == "metric"


def test_hook_register_components() -> None:
    from safedata_core import PluginRegistrationError
    from tests.fake_plugins.mechanisms import BlankSDC, make_plugin

    engine = Engine(
        autoload=False, plugins=["tests.fake_plugins.sixth_kind", make_plugin("register_components", BlankSDC)]
    )
    kinds = {n: engine.registry.get(n).kind for n in ("distinct_counts", "blank_sdc", "profile")}
    assert kinds == {"distinct_counts": "summary", "blank_sdc": "sdc", "profile": "profile"}
    with pytest.raises(PluginRegistrationError, match="register_components: int is not a subclass of a component kind"):
        Engine(autoload=False, plugins=[make_plugin("register_components", int)])


def test_hook_before_step(obs_engine: Engine) -> None:
    obs_engine.run(_pipeline())
    assert observer.CALLS[0] == ("before", "synth")


def test_hook_after_step(obs_engine: Engine) -> None:
    obs_engine.run(_pipeline())
    assert ("after", "synth") in observer.CALLS and ("after", "tv") in observer.CALLS


def test_hook_on_step_error(obs_engine: Engine) -> None:
    result = obs_engine.run(
        _pipeline(
            steps=[
                {"id": "synth", "use": "resample"},
                {"id": "tv", "use": "tv_complement", "params": {"columns": ["nope"]}},
            ]
        )
    )
    assert not result.ok and ("error", "tv") in observer.CALLS
    assert result.released == {}


def test_hook_read_table(obs_engine: Engine) -> None:
    table = obs_engine.read_table("memory:7")
    assert len(table) == 7
    # the core's trylast reader still handles everything else
    assert isinstance(obs_engine.read_table("builtin:adult_test").df, pd.DataFrame)


def test_hook_register_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from safedata_core import cli, plugins
    from safedata_core.hookspecs import hookimpl

    def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
        p: argparse.ArgumentParser = sub.add_parser("hello", description="Say hello.", epilog="examples:\n  x")
        p.add_argument("--name", default="world")
        return p

    class Commands:
        @hookimpl
        def register_commands(self, register: object) -> None:
            register("hello", add_parser, lambda args: print(f"hello {args.name}") or 0)  # type: ignore[operator]

    class Clash:
        @hookimpl
        def register_commands(self, register: object) -> None:
            register("run", add_parser, lambda args: 0)  # type: ignore[operator]

    real = plugins.build_plugin_manager
    monkeypatch.setattr(plugins, "build_plugin_manager", lambda **kw: real(autoload=False, plugins=[Commands()]))
    assert cli.main(["hello", "--name", "plugin"]) == 0
    assert capsys.readouterr().out == "hello plugin\n"
    # a built-in command never loads plugin commands
    builtin_only = cli.build_parser(plugin_commands=False)
    sub = next(a for a in builtin_only._actions if a.dest == "command")
    assert "hello" not in sub.choices  # type: ignore[operator]
    monkeypatch.setattr(plugins, "build_plugin_manager", lambda **kw: real(autoload=False, plugins=[Clash()]))
    assert cli.main(["hello"]) == 2
    assert "the command 'run' already exists" in capsys.readouterr().err


def test_hook_on_progress() -> None:
    from safedata_core.hookspecs import hookimpl
    from safedata_core.progress import report_progress
    from tests.fake_plugins.good_synth import ResampleSynthesizer

    class EpochSynthesizer(ResampleSynthesizer):
        """Resamples rows after three reported "epochs".

        **Privacy guarantee**: none (copies real rows; for tests only).

        **Assumptions**: none.
        """

        name = "epoch_resample"

        def fit(self, table: Table, *, budget: Any, seed: int) -> None:
            for epoch in range(3):
                report_progress(epoch + 1, 3, "epoch", note="tick")
            super().fit(table, budget=budget, seed=seed)

    seen: list[tuple[str, int, int | None, str, dict[str, object]]] = []

    class Plugin:
        stop_at: int | None = None

        @hookimpl
        def register_synthesizers(self, register: Any) -> None:
            register(EpochSynthesizer)

        @hookimpl
        def on_progress(self, step: Any, done: int, total: int | None, unit: str, info: Any) -> None:
            seen.append((step.id, done, total, unit, dict(info)))
            if done == self.stop_at:
                raise RuntimeError("stop here")

    report_progress(1, 2, "epoch")  # outside a run: nothing happens
    plugin = Plugin()
    engine = Engine(autoload=False, plugins=["tests.fake_plugins.observer", plugin])
    assert engine.run(_pipeline(steps=[{"id": "synth", "use": "epoch_resample"}])).ok
    assert seen == [("synth", i, 3, "epoch", {"note": "tick"}) for i in (1, 2, 3)]
    seen.clear()
    plugin.stop_at = 2  # a hook that raises (a cancelled job) stops the step inside its loop
    result = engine.run(_pipeline(steps=[{"id": "synth", "use": "epoch_resample"}]))
    assert not result.ok and [s[1] for s in seen] == [1, 2] and result.released == {}
