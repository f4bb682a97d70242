"""The ``safedata`` command line.

Each subcommand lives in ``safedata_core/commands/<name>.py`` with two
functions, ``add_parser(subparsers)`` and ``run(args) -> int``. A user mistake
(any :class:`~safedata_core.SafedataError`) prints one line and exits 2.

Every ``--help`` has a description and examples: a command module may set
its own (``description=``/``epilog=`` on its parser); otherwise they come from
:data:`HELP` here.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from safedata_core.errors import SafedataError

COMMANDS: tuple[str, ...] = ("plugins", "schema", "validate", "run", "audit", "profile", "demo", "bench", "dp_audit")

__all__ = ["HELP", "build_parser", "main", "version_text"]

# command -> (description, example command lines)
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "plugins": (
        "List the installed components (synthesizers, mechanisms, SDC methods, attacks, metrics) with their "
        "privacy kind, the plugin distribution each comes from and its summary, then any plugin that failed "
        "to load and why.",
        ("safedata plugins", "safedata plugins --json > plugins.json"),
    ),
    "schema": (
        "Write JSON Schemas of the pipeline file and of every component's params (for editor completion and "
        "CI checks); --check fails when the committed files are stale.",
        ("safedata schema export", "safedata schema export --check", "safedata schema export --installed --dir out"),
    ),
    "validate": (
        "Check a pipeline file completely without running it: keys, components and their params, step "
        "inputs and targets, and the privacy budget plan (each DP step's share).",
        ("safedata validate docs/examples/adult-sdc.yaml",),
    ),
    "run": (
        "Validate, then run a pipeline into a run directory: released tables, report, privacy ledger and a "
        "hash-chained audit log. Nothing is released unless every step succeeds.",
        ("safedata run docs/examples/adult-sdc.yaml --out runs/sdc",),
    ),
    "audit": (
        "Verify the keyed, hash-chained audit log of a run directory: every hash, MAC and link, the closing "
        "event, and that the reports, ledger and lock file agree with it; the first bad line is named. Exit 0: "
        "authenticated and intact; 1: verification failed; 3: chain intact but unauthenticated (no key).",
        ("safedata audit verify runs/sdc",),
    ),
    "dp_audit": (
        "Empirical DP audit: fit a DP synthesizer many times on a table D and on D plus a canary record, "
        "and bound its epsilon from below with Clopper-Pearson intervals; --dp-off adds the power check.",
        ("safedata dp-audit --synthesizer mst --runs 200 --epsilon 1 --dp-off --out audit.json",),
    ),
    "profile": (
        "Profile a dataset before release: column types, direct identifiers (with the evidence and a "
        "confidence), quasi-identifiers, k-anonymity and rare combinations. Writes profile.json, "
        "metadata.yaml (review it before a DP run) and profile.html.",
        (
            "safedata profile builtin:adult --out runs/profile",
            "safedata profile my.csv --qi age,sex,zip --k 5 --out prof",
        ),
    ),
    "demo": (
        "Run the end-to-end demo on the embedded UCI Adult data with what is installed: profile, an SDC "
        "release, a DP synthetic release (epsilon 1), attacks, utility metrics and the report.",
        ("safedata demo", "safedata demo --rows 2000 --out demo-small --force"),
    ),
    "bench": (
        "Benchmark synthesizers over datasets and epsilons (fidelity, utility and attack risk per row) and "
        "write a leaderboard.",
        ("safedata bench --synthesizers mst,bayes_net --epsilon 1,inf --dataset builtin:adult --out runs/bench",),
    ),
}
TOP_EXAMPLES: tuple[str, ...] = (
    "safedata demo",
    "safedata profile my.csv --out prof",
    "safedata validate pipeline.yaml",
    "safedata run pipeline.yaml --out runs/first",
    "safedata COMMAND --help",
)


def _examples(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def version_text() -> str:
    """safedata-core's version, every plugin distribution's, plugins that failed to load, and Python's."""
    from safedata_core.plugins import core_version

    lines = [f"safedata-core {core_version()}"]
    try:
        from safedata_core.engine import Engine

        engine = Engine()
    except SafedataError as exc:  # a broken plugin must not hide the version
        return "\n".join([*lines, f"plugins: not loaded ({exc})", f"python {platform.python_version()}"])
    plugins = {dist: ver for dist, ver in engine.versions().items() if dist.startswith("safedata-")}
    plugins.pop("safedata-core", None)
    lines += [f"{dist} {ver}" for dist, ver in sorted(plugins.items())] or ["(no plugins installed)"]
    for name, err in sorted(engine.failed_plugins.items()):
        lines.append(f"{err.distribution or name}: failed to load")
    lines.append(f"python {platform.python_version()}")
    return "\n".join(lines)


class _VersionAction(argparse.Action):
    """``-V``/``--version``: loads plugins only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(version_text())
        parser.exit()


def build_parser(*, plugin_commands: bool = True) -> argparse.ArgumentParser:
    """The ``safedata`` parser; ``plugin_commands`` adds the commands plugins register (``register_commands``)."""
    parser = argparse.ArgumentParser(
        prog="safedata",
        description="Privacy-preserving data release: profile, protect (SDC), synthesize (DP), attack, report.",
        epilog=_examples(TOP_EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-V", "--version", action=_VersionAction, help="print the versions of safedata-core and every plugin"
    )
    parser.add_argument("--strict-plugins", action="store_true", help="fail when an installed plugin cannot be loaded")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"safedata_core.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"safedata_core.commands.{name}":
                continue
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
        _describe(p, name)
    if plugin_commands:
        _add_plugin_commands(sub)
    return parser


def _add_plugin_commands(sub: Any) -> None:
    """Add the subcommands plugins register through the ``register_commands`` hook."""
    from safedata_core.errors import PluginRegistrationError
    from safedata_core.plugins import build_plugin_manager

    pset = build_plugin_manager()
    for impl in pset.pm.hook.register_commands.get_hookimpls():

        def register(name: str, add_parser: Any, run: Any, _plugin: str = impl.plugin_name) -> None:
            if name in sub.choices:
                raise PluginRegistrationError(
                    f"plugin '{_plugin}': register_commands: the command '{name}' already exists; choose another name",
                    plugin=_plugin,
                )
            p = add_parser(sub)
            p.set_defaults(_run=run)

        impl.function(**({"register": register} if "register" in impl.argnames else {}))


def _names_builtin_command(argv: Sequence[str]) -> bool:
    """True when the first non-option argument is a built-in command (plugin commands need not load)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first is not None and first.replace("-", "_") in COMMANDS


def _describe(p: argparse.ArgumentParser, name: str) -> None:
    """Give a subcommand's --help a description and examples unless its module set them."""
    description, examples = HELP.get(name, ("", ()))
    if not p.description and description:
        p.description = textwrap.fill(description, width=79)
    if not p.epilog and examples:
        p.epilog = _examples(examples)
    if p.formatter_class is argparse.HelpFormatter:
        p.formatter_class = argparse.RawDescriptionHelpFormatter


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(plugin_commands=not _names_builtin_command(argv))
    except SafedataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except SafedataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `safedata plugins | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
