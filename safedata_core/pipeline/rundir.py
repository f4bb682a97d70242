"""The run directory: an OS lock for the whole run, a staging folder, and an all-or-nothing commit.

A finished run directory holds (see docs/concepts/run-directory.md)::

    release/            safe to publish: <step>.csv [.parquet], report.json, report.html (DP-only),
                        ledger.json, model_card.md
    internal/           NOT for publication: the full evaluation report.json / report.html (non-DP
                        statistics of the real data) and metadata.json
    audit.jsonl         the hash-chained audit log
    pipeline.lock.json  the resolved pipeline, its SHA-256, seed and versions
    run-failed.txt      only after a failed run: one line saying why (and no release/)
    .lock               the OS lock file, held (flock) for the whole run

Everything a run writes goes to ``.staging-<run_id>/`` first. :meth:`RunDir.commit`
fsyncs every staged file and folder, moves the previous run's entries aside,
renames the staged entries into place (``release/`` last, as one folder, so a
reader sees either no release or a complete one) and deletes the previous run.
A run killed before the commit leaves the previous run as it was, plus a stale
staging folder that the next run on the directory removes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from safedata_core.errors import SafedataError

__all__ = ["FAILURE_NOTE", "INTERNAL", "LOCK_FILE", "RELEASE", "RUN_ENTRIES", "RunDir"]

RELEASE = "release"
INTERNAL = "internal"
FAILURE_NOTE = "run-failed.txt"
LOCK_FILE = ".lock"
_STAGING = ".staging-"
_REPLACED = ".replaced-"
# What one run consists of; ``--force`` replaces exactly these (files of the layout before
# release/ and internal/ included), and leaves anything else in the folder alone.
RUN_ENTRIES: tuple[str, ...] = (
    RELEASE,
    INTERNAL,
    "audit.jsonl",
    "pipeline.lock.json",
    FAILURE_NOTE,
    "released",
    "report.json",
    "report.html",
    "ledger.json",
    "metadata.json",
    "model_card.md",
)


def _is_ours(name: str) -> bool:
    return name == LOCK_FILE or name.startswith((_STAGING, _REPLACED))


def _try_lock(fd: int) -> bool:
    """Take an exclusive, non-blocking OS lock on ``fd``; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """fsync every file under ``root``, then every folder (children before parents)."""
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            _fsync(Path(folder) / name)
        _fsync(Path(folder))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class RunDir:
    """One run's hold on its directory: the lock, the staging folder and the final swap."""

    def __init__(self, out: Path, run_id: str, *, force: bool) -> None:
        self.out = out
        self.run_id = run_id
        self.force = force
        self.staging = out / f"{_STAGING}{run_id}"
        self._fd: int | None = None
        self._created = False

    def open(self) -> RunDir:
        """Create and lock the directory, check it may be used, and make the staging folder."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise SafedataError(f"--out '{out}' is a file; give a folder for the run directory")
        self._created = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SafedataError(
                f"cannot use run directory '{out}': {exc.strerror or exc} (choose a writable --out)"
            ) from None
        if not _try_lock(self._fd):
            self._unlock()
            raise SafedataError(
                f"run directory '{out}' is in use by another safedata run (it holds {out / LOCK_FILE}); "
                "wait for that run to finish or choose another --out"
            )
        try:
            self._open_locked()
        except BaseException:
            self.discard()
            raise
        return self

    def _open_locked(self) -> None:
        for p in self.out.iterdir():
            if p.name.startswith((_STAGING, _REPLACED)):  # left by a run that was killed
                _remove(p)
        used = sorted(p.name for p in self.out.iterdir() if not _is_ours(p.name))
        if used and not self.force:
            raise SafedataError(
                f"run directory '{self.out}' is not empty ({', '.join(used[:3])}"
                f"{', ...' if len(used) > 3 else ''}); choose a new --out or pass --force to replace its run"
            )
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise SafedataError(
                f"cannot write in run directory '{self.out}': {exc.strerror or exc} (choose a writable --out)"
            ) from None

    def commit(self) -> None:
        """Make the staged run the directory's run: fsync, move the old run aside, rename, clean up."""
        out, staging = self.out, self.staging
        _fsync_tree(staging)
        old = [out / name for name in RUN_ENTRIES if (out / name).exists() or (out / name).is_symlink()]
        replaced = out / f"{_REPLACED}{self.run_id}"
        if old:
            replaced.mkdir()
            # the old release goes first, so no reader sees it beside the new run's files
            for p in sorted(old, key=lambda p: p.name not in (RELEASE, "released")):
                os.rename(p, replaced / p.name)
            _fsync(out)
        # the new release comes last, as one folder: complete or absent
        for p in sorted(staging.iterdir(), key=lambda p: p.name == RELEASE):
            os.rename(p, out / p.name)
        _fsync(out)
        staging.rmdir()
        if old:
            _remove(replaced)

    def discard(self) -> None:
        """Drop the staging folder and the lock; remove the directory when this run created it."""
        _remove(self.staging)
        created_and_empty = self._created and all(_is_ours(p.name) for p in self.out.iterdir())
        if created_and_empty:
            (self.out / LOCK_FILE).unlink(missing_ok=True)
        self._unlock()
        if created_and_empty:
            try:
                self.out.rmdir()
            except OSError:
                pass

    def close(self) -> None:
        """Release the lock (after :meth:`commit`, or after :meth:`discard`)."""
        _remove(self.staging)
        self._unlock()

    def _unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None
