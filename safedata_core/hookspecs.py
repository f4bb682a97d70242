"""Hook specifications for safedata plugins.

Implement a hook with ``@safedata_core.hookimpl`` on a function of the same name
in a module (or class) that your distribution exposes under the ``safedata``
entry-point group. An implementation may accept any subset of the arguments
listed here, so hooks can gain arguments without breaking plugins.

Every hook is documented in ``docs/plugins/hooks.md`` (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import argparse

    from safedata_core.components import Attack, Component, Mechanism, Metric, Register, SDCMethod, Synthesizer
    from safedata_core.config import Config
    from safedata_core.data import Table
    from safedata_core.pipeline.context import RunContext, StepOutcome
    from safedata_core.schema import StepSpec

PROJECT_NAME = "safedata"  # also the entry-point group
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# -- Start-up -----------------------------------------------------------------


@hookspec(historic=True)
def configure(config: Config) -> None:
    """Called once when an :class:`~safedata_core.Engine` is created.

    Historic: a plugin registered later is called at registration time with the
    same ``config``. Use it to read settings; return nothing.

    Added in 0.1.
    """


# -- Component registration: one hook per built-in kind, one for any kind -------


@hookspec
def register_synthesizers(register: Register[Synthesizer]) -> None:
    """Register :class:`~safedata_core.Synthesizer` subclasses.

    Call ``register(MySynthesizer)`` once per class. ``register`` raises
    :class:`~safedata_core.PluginRegistrationError` for a bad class or a
    duplicate name. Return nothing.

    Added in 0.1.
    """


@hookspec
def register_mechanisms(register: Register[Mechanism]) -> None:
    """Register :class:`~safedata_core.Mechanism` subclasses (DP mechanisms). Added in 0.1."""


@hookspec
def register_sdc_methods(register: Register[SDCMethod]) -> None:
    """Register :class:`~safedata_core.SDCMethod` subclasses. Added in 0.1."""


@hookspec
def register_attacks(register: Register[Attack]) -> None:
    """Register :class:`~safedata_core.Attack` subclasses. Added in 0.1."""


@hookspec
def register_metrics(register: Register[Metric]) -> None:
    """Register :class:`~safedata_core.Metric` subclasses. Added in 0.1."""


@hookspec
def register_components(register: Register[Component]) -> None:
    """Register components of any kind; the kind is read from the class (``kind`` of its kind base).

    The way to register a component of a kind a plugin defines itself (a
    direct subclass of :class:`~safedata_core.Component` that sets ``kind`` and
    implements ``run_step``); the built-in kinds may be registered here too.
    The core registers its ``profile`` step through it.

    Added in 0.2.
    """


# -- Command line ---------------------------------------------------------------


@hookspec
def register_commands(
    register: Callable[
        [str, Callable[[Any], argparse.ArgumentParser], Callable[[argparse.Namespace], int]],
        None,
    ],
) -> None:
    """Add subcommands to the ``safedata`` command line.

    Call ``register(name, add_parser, run)`` once per command: ``add_parser(subparsers)``
    adds and returns the command's parser (``subparsers.add_parser(name, ...)``);
    ``run(args)`` runs it and returns the exit code. A name already taken (a
    built-in command or another plugin's) raises
    :class:`~safedata_core.PluginRegistrationError`. The CLI loads plugin commands
    only when the command line does not name a built-in one, so keep the module
    light: import heavy code inside ``run``. ``safedata serve`` (safedata-server)
    comes this way.

    Added in 0.2.
    """


# -- Pipeline lifecycle: observers, return values ignored ----------------------


@hookspec
def before_step(step: StepSpec, context: RunContext) -> None:
    """Called before a pipeline step runs. Observers only; the return value is ignored.

    Added in 0.1.
    """


@hookspec
def after_step(step: StepSpec, outcome: StepOutcome, context: RunContext) -> None:
    """Called after a step succeeded, with its outcome (released table, result, spend).

    Added in 0.1.
    """


@hookspec
def on_step_error(step: StepSpec, error: BaseException, context: RunContext) -> None:
    """Called when a step raised; the run then stops and releases nothing further.

    Added in 0.1.
    """


@hookspec
def on_progress(
    step: StepSpec, done: int, total: int | None, unit: str, info: Mapping[str, object], context: RunContext
) -> None:
    """Called while a step runs, when its component reports progress: ``done`` of ``total`` units
    (``unit`` is ``"epoch"`` for the deep synthesizers, ``"round"`` for AIM). ``info`` holds DP-safe figures the
    component adds (``epsilon_spent``). An exception raised here stops the step (a cancelled job).

    Components report with :func:`safedata_core.progress.report_progress`. Added in 0.2.
    """


# -- Decisions: first non-None result wins -------------------------------------


@hookspec(firstresult=True)
def read_table(source: str, options: Mapping[str, object]) -> Table | None:
    """Load ``source`` if you recognise it, else return ``None``.

    Stops at the first non-None result. The core's CSV/Parquet/``builtin:``
    reader is ``trylast``, so any plugin can take over a scheme (``s3://``...).
    ``options`` may hold ``metadata`` (a Metadata or a path).

    Added in 0.1.
    """
