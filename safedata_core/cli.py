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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from safedata_core.errors import SafedataError
from safedata_core.lazy import deferred_imports

if TYPE_CHECKING:
    from safedata_core.commands import Subparsers

COMMANDS: tuple[str, ...] = (
    "plugins",
    "schema",
    "validate",
    "run",
    "audit",
    "profile",
    "metadata",
    "demo",
    "bench",
    "dp_audit",
    "tune",
)

#: commands that only list what is installed: plugin modules load without their heavy dependencies
QUICK_COMMANDS: frozenset[str] = frozenset({"plugins"})
#: third-party modules a quick command never needs (imported for real on first use all the same)
DEFERRED_MODULES: tuple[str, ...] = ("pandas", "numpy")

__all__ = ["DEFERRED_MODULES", "HELP", "QUICK_COMMANDS", "build_parser", "main", "version_text"]

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
    "metadata": (
        "Confirm that the types and domains `safedata profile` read from the data (marked `# review`) are "
        "public, so DP steps may use them; prints what becomes public.",
        ("safedata metadata confirm prof/metadata.yaml", "safedata metadata confirm prof/metadata.yaml --columns age"),
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
HELP["tune"] = (  # safedata_core/commands/tune.py; modes and outputs in docs/concepts/tuning.md
    "Search synthesizers, SDC methods and their params on public proxy data (public), on the private data with "
    "the tuning charged to the ledger (private, Papernot & Steinke 2022) or without DP (nonprivate); writes the "
    "best configuration as a pipeline, every trial, and a Pareto page.",
    ("safedata tune tune.yaml --out tune-out", "safedata tune tune.yaml --out tune-out --jobs 2 --seed 3"),
)
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


def build_parser(argv: Sequence[str] | None = None, *, plugin_commands: bool = True) -> argparse.ArgumentParser:
    """The ``safedata`` parser. Given ``argv`` naming a command, only that command's module is imported.

    ``plugin_commands`` adds the commands plugins register (``register_commands``).

    The other commands get a placeholder subparser (their name only), so starting a command never pays
    for the imports of the others; without a command every module is imported for the full ``--help``.
    """
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
    chosen = _chosen_command(argv)
    version_only = argv is not None and bool({"-V", "--version"} & set(_top_options(argv)))
    for name in COMMANDS:
        if version_only or (chosen is not None and name != chosen):
            sub.add_parser(_cli_name(name), add_help=False)
            continue
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


def _add_plugin_commands(sub: Subparsers) -> None:
    """Add the subcommands plugins register through the ``register_commands`` hook."""
    from safedata_core.errors import PluginRegistrationError
    from safedata_core.plugins import build_plugin_manager

    pset = build_plugin_manager()
    for impl in pset.pm.hook.register_commands.get_hookimpls():

        def register(
            name: str,
            add_parser: Callable[[Subparsers], argparse.ArgumentParser],
            run: Callable[[argparse.Namespace], int],
            _plugin: str = impl.plugin_name,
        ) -> None:
            if name in sub.choices:
                raise PluginRegistrationError(
                    f"plugin '{_plugin}': register_commands: the command '{name}' already exists; choose another name",
                    plugin=_plugin,
                )
            p = add_parser(sub)
            p.set_defaults(_run=run)

        impl.function(**({"register": register} if "register" in impl.argnames else {}))


def _cli_name(module: str) -> str:
    return module.replace("_", "-")


def _chosen_command(argv: Sequence[str] | None) -> str | None:
    """The command module ``argv`` runs (its first word that is not an option), or None."""
    if argv is None:
        return None
    by_cli = {_cli_name(n): n for n in COMMANDS} | {n: n for n in COMMANDS}
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return by_cli.get(word)
    return None


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
    quick = _chosen_command(argv) in QUICK_COMMANDS or bool({"-V", "--version"} & set(_top_options(argv)))
    with deferred_imports(DEFERRED_MODULES if quick else ()):
        return _main(argv)


def _top_options(argv: Sequence[str]) -> list[str]:
    """The options before the command word."""
    out = []
    for word in argv:
        if not word.startswith("-"):
            break
        out.append(word)
    return out


def _main(argv: list[str]) -> int:
    try:
        # plugin commands load only when the command line names no built-in command
        parser = build_parser(argv, plugin_commands=_chosen_command(argv) is None)
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
