"""Writing a run's files into its staging folder: the release package, the internal report, the failure note.

``release/`` is what may be handed out: the released tables, the DP-only view of
the report (``release_view``), the ledger and the model card. ``internal/``
holds the full evaluation report (attacks and comparisons computed on the real
records: non-DP statistics, not for publication) and the metadata the run used.
A failed run writes only ``internal/`` and a one-line ``run-failed.txt``.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safedata_core.data import Table, write_table
from safedata_core.errors import DataError
from safedata_core.pipeline.rundir import FAILURE_NOTE, INTERNAL, RELEASE

if TYPE_CHECKING:
    from safedata_core.pipeline.context import StepOutcome

__all__ = ["write_failure", "write_internal", "write_release", "write_release_tables"]

INTERNAL_NOTE = (
    "This folder is NOT for publication. report.json and report.html hold the full evaluation of the run: "
    "attack results, comparisons with the real records and other statistics of the real data computed "
    "without differential privacy; metadata.json may hold ranges and categories read from the data. "
    "What may be published is in ../release/.\n"
)


def _unwritable_column(table: Table) -> str | None:
    """The first integer column that cannot be written as 64-bit integers (e.g. values >= 2**63)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "invalid value encountered in cast"
        for name in table.metadata.names(types=frozenset({"integer"})):
            if name in table.df.columns:
                try:
                    table.df[name].round().astype("Int64")
                except (TypeError, ValueError, OverflowError):
                    return name
    return None


def _write(table: Table, path: Path, step: str) -> None:
    try:
        write_table(table, path)
    except OSError as exc:
        raise DataError(
            f"step '{step}': writing {path.name} failed ({exc.strerror or exc}); "
            "check the free space and permissions of the run directory"
        ) from None
    except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
        column = _unwritable_column(table)
        what = f"column '{column}'" if column else "a column"
        raise DataError(
            f"step '{step}': {what} cannot be written to {path.name} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); declare it numerical (not integer) in the "
            "metadata or keep its values within 64-bit integers"
        ) from None


def write_release_tables(outcomes: Sequence[StepOutcome], folder: Path, formats: Sequence[str]) -> None:
    """Write every released table as ``folder/release/<step>.<fmt>``."""
    for outcome in outcomes:
        if outcome.released and outcome.table is not None:
            for fmt in formats:
                _write(outcome.table, folder / RELEASE / f"{outcome.step}.{fmt}", outcome.step)


def _write_reports(report: dict[str, Any], folder: Path, formats: Sequence[str], *, model_card: bool) -> None:
    from safedata_core.report import write_report

    folder.mkdir(parents=True, exist_ok=True)
    write_report(report, folder, formats=formats, model_card=model_card)


def write_release(report: dict[str, Any], ledger: dict[str, Any], folder: Path, formats: Sequence[str]) -> None:
    """The release package's report, model card and ledger (its tables are written first)."""
    release = folder / RELEASE
    from safedata_core.report import release_view

    _write_reports(release_view(report), release, formats, model_card=True)
    (release / "ledger.json").write_text(json.dumps(ledger, indent=2) + "\n", encoding="utf-8")


def write_internal(
    report: dict[str, Any], metadata: dict[str, Any] | None, folder: Path, formats: Sequence[str]
) -> None:
    """The full evaluation report and the run's metadata, marked as not for publication."""
    internal = folder / INTERNAL
    _write_reports(report, internal, formats, model_card=False)
    (internal / "NOT-FOR-PUBLICATION.txt").write_text(INTERNAL_NOTE, encoding="utf-8")
    if metadata is not None:
        (internal / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")


def write_failure(report: dict[str, Any], folder: Path) -> None:
    """``run-failed.txt``: one line saying which run failed, where and why; drops any staged release."""
    shutil.rmtree(folder / RELEASE, ignore_errors=True)
    run = report["run"]
    failed = run.get("failed_step")
    where = f" at step '{failed['step']}' ({failed['use']})" if failed else ""
    error = str(run.get("error") or "").splitlines()[0] if run.get("error") else "unknown error"
    (folder / FAILURE_NOTE).write_text(
        f"run {run['id']} of pipeline '{run['name']}' FAILED{where}: {error}. Nothing was released; "
        f"see {INTERNAL}/report.json.\n",
        encoding="utf-8",
    )
