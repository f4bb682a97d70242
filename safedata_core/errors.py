"""The safedata error family.

Every error a user can cause is a :class:`SafedataError`. Its message names the
thing, the place and the fix, in one line, so the CLI prints it without a
traceback and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ComponentError",
    "DataError",
    "PipelineValidationError",
    "PluginLoadError",
    "PluginRegistrationError",
    "PrivacyBudgetError",
    "SafedataError",
    "UnknownComponentError",
]


class SafedataError(Exception):
    """Base class of every user-facing safedata error."""


class PluginLoadError(SafedataError):
    """A plugin could not be imported or registered.

    ``plugin`` is the entry-point (or module) name and ``distribution`` the
    installed package it came from, when known.
    """

    def __init__(self, message: str, *, plugin: str, distribution: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.distribution = distribution


class PluginRegistrationError(PluginLoadError):
    """A plugin registered an invalid or duplicate component."""


class UnknownComponentError(SafedataError, KeyError):
    """A pipeline or API call names a component that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PipelineValidationError(SafedataError):
    """A pipeline file is malformed. ``problems`` holds ``(path, message)`` pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        lines = [f"{path}: {msg}" if path else msg for path, msg in self.problems]
        super().__init__("invalid pipeline: " + "; ".join(lines))


class PrivacyBudgetError(SafedataError):
    """A privacy budget would be exceeded, or a DP step has no budget."""


class DataError(SafedataError):
    """Input data is missing, empty, unreadable or inconsistent with its metadata."""


class ComponentError(SafedataError):
    """Raised by a component with a message meant for the user (shown without traceback)."""


for _cls in (
    SafedataError,
    PluginLoadError,
    PluginRegistrationError,
    UnknownComponentError,
    PipelineValidationError,
    PrivacyBudgetError,
    DataError,
    ComponentError,
):
    _cls.__module__ = "safedata_core"
