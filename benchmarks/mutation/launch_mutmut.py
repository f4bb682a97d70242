"""mutmut 3.8.1's command line with two cost cuts for benchmarks/mutation/run.py; run from a target's work folder.

    python launch_mutmut.py generate MAX_CHILDREN OUT.json   write every mutant's name (mutants/ is created,
                                                               no test runs)
    python launch_mutmut.py run [--max-children N] NAMES...   ``mutmut run NAMES...``

``generate`` does only the first step of ``mutmut run`` (copy the sources, write the mutated files and their
.meta files) and lists the mutant names from the .meta files, so a random sample can be drawn before any
test runs. A later ``mutmut run`` finds the mutated files newer than their sources and does not regenerate.

``run`` is ``mutmut run`` unchanged except:

- the clean-test run is skipped when this same process has just run the full stats collection: the stats
  run executes every selected test on the same unmutated code and mutmut already stops when it fails, so
  the clean run would repeat it (a second pass over the whole test selection, minutes for the torch
  plugins). With stats loaded from an earlier run (a kept work folder) the clean run still happens.
- with process_isolation = "forkserver" a mutant's tests run fastest first, as mutmut's fork runner already
  does (the fork server kept the arbitrary order of a set, so a killed torch mutant often ran the slowest
  test before the one that fails).
- a pattern without a wildcard is compared by equality, which is what fnmatch does with it on posix, without
  fnmatch's cost (mutmut tries every sampled name as a pattern against every mutant: population x sample).
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import types
from pathlib import Path


def _generate(max_children: int, out: Path) -> None:
    import mutmut.__main__ as mm

    mm.set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    mm.copy_src_dir()
    mm.copy_also_copy_files()
    mm.setup_source_paths()
    mm.store_lines_covered_by_tests()
    mm.create_mutants(max_children)
    names: list[str] = []
    for path in mm.walk_mutatable_files():
        data = mm.SourceFileMutationData(path=path)
        data.load()
        names.extend(data.exit_code_by_key)
    out.write_text(json.dumps(names))


def _run(argv: list[str]) -> None:
    import mutmut.__main__ as mm
    from mutmut.workers import isolation

    fresh = {"stats": False}
    collect = mm.run_stats_collection

    def run_stats_collection(runner, tests=None):  # type: ignore[no-untyped-def]
        collect(runner, tests)
        if not tests:  # the full stats run (every selected test) passed on the unmutated code
            fresh["stats"] = True

    mm.run_stats_collection = run_stats_collection

    for cls in (isolation.ForkRunner, isolation.ForkServerRunner):
        clean = cls.run_clean_tests

        def run_clean_tests(self, tests, _clean=clean):  # type: ignore[no-untyped-def]
            if fresh["stats"]:
                print("    clean run skipped: the stats run just passed every selected test")
                return 0
            return _clean(self, tests)

        cls.run_clean_tests = run_clean_tests  # type: ignore[method-assign]

    # the fork server runs a mutant's tests in the order given (a set's order); mutmut's plain fork runner
    # sorts them fastest first so a killed mutant stops early: do the same for the fork server
    submit = isolation.ForkServerRunner.submit

    def submit_fastest_first(self, mutant_name, tests, cpu_time_limit, estimated_time):  # type: ignore[no-untyped-def]
        durations = mm.state().duration_by_test
        ordered = sorted(tests, key=lambda t: (durations.get(t, 0.0), t))
        return submit(self, mutant_name, ordered, cpu_time_limit, estimated_time)

    isolation.ForkServerRunner.submit = submit_fastest_first  # type: ignore[method-assign]

    def match(name: str, pattern: str) -> bool:
        # without a wildcard fnmatch is equality (posix), and the name was already compared by equality
        return fnmatch.fnmatch(name, pattern) if any(ch in pattern for ch in "*?[") else name == pattern

    mm.fnmatch = types.SimpleNamespace(fnmatch=match)  # type: ignore[attr-defined]
    mm.cli(["run", *argv], prog_name="mutmut")


def main() -> None:
    command, *rest = sys.argv[1:]
    if command == "generate":
        _generate(int(rest[0]), Path(rest[1]))
    elif command == "run":
        _run(rest)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
