"""`make mutation`: mutation testing of the privacy code with mutmut, summarised in benchmarks/results/mutation.json.

Each target in targets.toml is copied to a work folder (a temporary one unless ``--keep DIR``, so mutmut's
``mutants/`` never lands in the work tree), given a ``setup.cfg`` [mutmut] section, and run with
``mutmut run``. mutmut mutates every function of the listed files, runs only the tests that cover the
mutated function (fastest first, stopping at the first failure), and records killed / survived / timeout /
no-tests per mutant. A small pytest plugin (deadline_plugin.py) gives every test of a mutant run its own
deadline, so a mutant that makes a loop endless costs seconds rather than mutmut's limit for the whole
covering test set. The summary lists every surviving mutant with its diff and the reason recorded for it in
survivors.toml (an equivalent mutant, or the test still to add). Exit status 1 when a target is below its
``min_killed`` share (timeouts count as detected, as in mutmut's own score).

    .venv/bin/python benchmarks/mutation/run.py [--group core|plugins|all] [--only NAME ...] [--keep DIR]
                                                [--retest] [--mutants GLOB ...]

Targets have a group ("core" unless targets.toml says otherwise); without --only the chosen group runs
(default: core, which is what `make mutation` runs).

``--keep DIR`` reuses DIR/<target> between runs: mutmut then re-tests only functions whose code changed,
and ``--mutants`` re-tests the named mutants (fnmatch globs, e.g. after adding a test). The result file is
only rewritten for targets run in full (no ``--mutants``).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.metadata
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULT = REPO / "benchmarks" / "results" / "mutation.json"
IGNORE = shutil.ignore_patterns(".venv", "mutants", "__pycache__", ".pytest_cache", ".git", "*.egg-info", "runs")
PLUGIN = "mutation_deadline"
# the per-test deadline above is the real guard; mutmut's own wall limit, (estimate + constant) * multiplier
# over the whole covering test set, is the backstop for hangs the plugin cannot interrupt (C loops)
TIMEOUT_MULTIPLIER = 4.0
TIMEOUT_CONSTANT = 10.0
DETECTED = ("killed", "caught by type check", "timeout")
UNDETECTED = ("survived", "no tests", "suspicious", "segfault")


def _lines(values: list[str]) -> str:
    return "\n" + "\n".join(f"    {v}" for v in values)


def _setup_cfg(target: dict) -> str:
    pytest_args = [
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        PLUGIN,
        *target.get("pytest_args", []),
    ]
    return (
        "[mutmut]\n"
        f"source_paths = {target['source']}\n"
        f"only_mutate ={_lines(target['mutate'])}\n"
        f"pytest_add_cli_args_test_selection ={_lines(target['tests'])}\n"
        f"pytest_add_cli_args ={_lines(pytest_args)}\n"
        f"also_copy ={_lines([f'{PLUGIN}.py'])}\n"
        f"timeout_multiplier = {TIMEOUT_MULTIPLIER}\n"
        f"timeout_constant = {TIMEOUT_CONSTANT}\n"
        "use_git_change_detection = false\n"
        # torch is not fork-safe once it has run: torch targets fork mutants from a clean server process
        f"process_isolation = {target.get('process_isolation', 'fork')}\n"
    )


def _sync_tree(src: Path, dst: Path) -> None:
    """Make ``dst`` a copy of ``src``; unchanged files keep their mtime so mutmut keeps their results."""
    if dst.exists():
        stale = {p.relative_to(dst) for p in dst.rglob("*") if p.is_file()} - {
            p.relative_to(src) for p in src.rglob("*") if p.is_file()
        }
        for rel in stale:
            if "__pycache__" not in rel.parts:
                (dst / rel).unlink()
    shutil.copytree(src, dst, ignore=IGNORE, dirs_exist_ok=True, copy_function=shutil.copy2)


def _prepare(target: dict, work: Path, shared: Path) -> Path:
    root = REPO / target["root"]
    work.mkdir(parents=True, exist_ok=True)
    if target["root"] == ".":
        for name in ("safedata_core", "tests", "schemas"):
            if (root / name).exists():
                _sync_tree(root / name, work / name)
        text = (root / "pyproject.toml").read_text()
        (work / "pyproject.toml").write_text(re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text))
        # tests/conftest.py finds the reference data at <repo>/../shared/data; from mutants/tests that is
        # <work>/shared/data
        link = work / "shared"
        if link.is_symlink():
            link.unlink()
        if (shared / "data").is_dir():
            link.symlink_to(shared.resolve())
    else:
        for name in (target["source"], "tests"):
            _sync_tree(root / name, work / name)
        for name in ("pyproject.toml", "README.md"):
            if (root / name).exists():
                shutil.copy2(root / name, work / name)
    shutil.copy2(HERE / "deadline_plugin.py", work / f"{PLUGIN}.py")
    cfg = _setup_cfg(target)
    if not (work / "setup.cfg").exists() or (work / "setup.cfg").read_text() != cfg:
        (work / "setup.cfg").write_text(cfg)
    return work


def _reset_survivors(work: Path) -> int:
    """Forget the verdicts of undetected mutants in a kept work folder, so the next run re-tests them."""
    undetected = {0, 33, 35, -11, -9, 2}  # survived, no tests, suspicious, segfault, interrupted
    count = 0
    for meta in (work / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        reset = [k for k, v in codes.items() if v in undetected]
        for k in reset:
            codes[k] = None
        if reset:
            meta.write_text(json.dumps(data, indent=4))
            count += len(reset)
    return count


def _mutmut(work: Path, env: dict[str, str], *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _statuses(work: Path, env: dict[str, str]) -> dict[str, str]:
    found = {}
    for line in _mutmut(work, env, "results", "--all", "true").stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status
    return found


_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
out = {}
for name in json.load(sys.stdin):
    try:
        diff = get_diff_for_mutant(name, path=find_mutant(name).path)
    except Exception as exc:  # report, do not fail the summary
        diff = f"(no diff: {exc})"
    lines = [l.strip() for l in diff.splitlines()[2:] if l.startswith(("+", "-")) and l.strip() not in "+-"]
    out[name] = " | ".join(lines)[:400]
print(json.dumps(out))
"""


def _diffs(work: Path, env: dict[str, str], names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    proc = subprocess.run(
        [sys.executable, "-c", _DIFFS], cwd=work, env=env, input=json.dumps(names), capture_output=True, text=True
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {}


def scope_globs(target: dict) -> list[str]:
    """mutmut mutant-name globs for a target's ``functions`` ("module:function", "module:Class.method",
    "module:*"; fnmatch patterns allowed in the function part); empty when the whole of ``mutate`` is in scope."""
    globs = []
    for spec in target.get("functions", []):
        module, sep, qualname = spec.partition(":")
        if not sep or not module or not qualname:
            raise SystemExit(f"targets.toml: {target['name']}: function {spec!r} is not 'module:name'")
        if qualname == "*":
            globs.append(f"{module}.*")
        elif "." in qualname:
            cls, _, method = qualname.partition(".")
            globs.append(f"{module}.x\u01c1{cls}\u01c1{method}__mutmut_*")
        else:
            globs.append(f"{module}.x_{qualname}__mutmut_*")
    return globs


def _in_scope(mutant: str, globs: list[str]) -> bool:
    return not globs or any(fnmatch.fnmatchcase(mutant, g) for g in globs)


def _module_of(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".xǁ")[0]


def _reason(mutant: str, reasons: dict[str, str], by_diff: dict[str, str] | None = None, diff: str = "") -> str:
    if mutant in reasons:
        return reasons[mutant]
    for pattern, why in reasons.items():
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(mutant, pattern):
            return why
    # a reason that holds for every mutant making this change (robust to mutmut's renumbering)
    for regex, why in (by_diff or {}).items():
        if diff and re.search(regex, diff):
            return why
    return "no reason recorded: add a test that kills it or record why it is equivalent in survivors.toml"


def _summary(c: Counter) -> dict:
    total = sum(c.values())
    killed = c["killed"] + c["caught by type check"]
    return {
        "total": total,
        "killed": killed,
        "timeout": c["timeout"],
        "survived": c["survived"],
        "no_tests": c["no tests"],
        "not_checked": c["not checked"],
        "other": total - killed - sum(c[k] for k in ("timeout", "survived", "no tests", "not checked")),
        # a timeout is a detected mutant (the tests did not pass), as mutmut's own score counts it
        "killed_share": round((killed + c["timeout"]) / total, 4) if total else None,
        # the same share among the mutants that were run (differs from killed_share after a partial run)
        "killed_share_of_checked": round((killed + c["timeout"]) / (total - c["not checked"]), 4)
        if total - c["not checked"]
        else None,
    }


def run_target(
    target: dict,
    reasons: dict[str, str],
    by_diff: dict[str, str],
    timeout: float,
    keep: Path | None,
    mutants: list[str],
    shared: Path,
    retest: bool = False,
    report_only: bool = False,
) -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{target['name']}-") as tmp:
        work = _prepare(target, (keep / target["name"]) if keep else Path(tmp) / "pkg", shared)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SAFEDATA_MUTATION": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        if retest:
            print(f"mutation: {target['name']}: re-testing {_reset_survivors(work)} undetected mutants", flush=True)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        globs = scope_globs(target)
        names = mutants or globs
        args = ["run", "--max-children", str(target.get("max_children", 2)), *names]
        if report_only:
            proc = subprocess.CompletedProcess(args, 0, "", "")
        else:
            try:
                proc = _mutmut(work, env, *args, timeout=timeout)
            except subprocess.TimeoutExpired as exc:  # summarise what was checked; the rest stays "not checked"
                print(f"mutation: {target['name']}: stopped after {timeout:.0f} s", flush=True)
                proc = subprocess.CompletedProcess(args, 1, str(exc.stdout or ""), str(exc.stderr or ""))
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        statuses = {m: s for m, s in _statuses(work, env).items() if _in_scope(m, globs)}
        if not statuses or all(s in ("not checked", "no tests") for s in statuses.values()):
            tail = re.sub(r"[\u2800-\u28ff][^\u2800-\u28ff\n]*", "", proc.stdout + proc.stderr)[-3000:]
            raise SystemExit(f"mutation target '{target['name']}': mutmut checked no mutant:\n{tail}")
        left = [m for m, s in statuses.items() if s in UNDETECTED]
        diffs = _diffs(work, env, left)
    per_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for mutant, status in sorted(statuses.items()):
        per_module[_module_of(mutant)][status] += 1
        if status in UNDETECTED:
            survivors.append(
                {
                    "mutant": mutant,
                    "status": status,
                    "diff": diffs.get(mutant, ""),
                    "reason": _reason(mutant, reasons, by_diff, diffs.get(mutant, "")),
                }
            )
    return {
        "name": target["name"],
        "seconds": round(time.perf_counter() - started, 1),
        # CPU time of mutmut and its test processes: about twice the wall time on an otherwise idle 2-core machine
        "cpu_seconds": round(cpu, 1),
        "incremental": keep is not None,
        "report_only": report_only,
        "min_killed": target.get("min_killed", 0.0),
        "pytest_args": target.get("pytest_args", []),
        "mutated": target["mutate"],
        "functions": target.get("functions", []),
        "total": _summary(sum(per_module.values(), Counter())),
        "modules": {m: _summary(c) for m, c in sorted(per_module.items())},
        "survivors": survivors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run only these target names")
    ap.add_argument("--group", default="core", help="targets of this group when --only is not given (all: every one)")
    ap.add_argument("--timeout-minutes", type=float, default=60.0, help="per target")
    ap.add_argument("--keep", type=Path, help="persistent work folder (incremental re-runs)")
    ap.add_argument("--mutants", nargs="*", default=[], help="re-test only these mutant names/globs (needs --keep)")
    ap.add_argument("--retest", action="store_true", help="with --keep: re-test the undetected mutants too")
    ap.add_argument("--report-only", action="store_true", help="with --keep: summarise the kept results, run nothing")
    ap.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="folder holding the reference data/ (default: ../shared beside the repo; tests needing it skip without)",
    )
    args = ap.parse_args(argv)
    if (args.mutants or args.retest or args.report_only) and not args.keep:
        ap.error("--mutants, --retest and --report-only need --keep (a previous run's work folder)")
    targets = tomllib.loads((HERE / "targets.toml").read_text())["target"]
    recorded = tomllib.loads((HERE / "survivors.toml").read_text())
    reasons, by_diff = recorded.get("reasons", {}), recorded.get("by_diff", {})
    if args.only:
        chosen = [t for t in targets if t["name"] in args.only]
    else:
        chosen = [t for t in targets if args.group == "all" or t.get("group", "core") == args.group]
    if args.only and len(chosen) != len(args.only):
        ap.error(f"unknown target in {args.only}; targets: {[t['name'] for t in targets]}")
    started = time.perf_counter()
    failed = []
    results = {}
    for target in chosen:
        print(f"mutation: {target['name']} ...", flush=True)
        keep = args.keep.resolve() if args.keep else None
        res = run_target(
            target,
            reasons,
            by_diff,
            args.timeout_minutes * 60,
            keep,
            args.mutants,
            args.shared,
            args.retest,
            args.report_only,
        )
        results[target["name"]] = res
        for module, s in res["modules"].items():
            print(f"  {module}: {s['killed'] + s['timeout']}/{s['total']} detected ({s['killed_share']:.1%})")
        share = res["total"]["killed_share"] or 0.0
        print(
            f"mutation: {target['name']}: {res['total']['killed'] + res['total']['timeout']}/{res['total']['total']}"
            f" detected ({share:.1%}; {res['total']['timeout']} timeouts) in {res['seconds']:.0f} s;"
            f" {len(res['survivors'])} left",
            flush=True,
        )
        for s in res["survivors"]:
            if s["reason"].startswith("no reason recorded") or args.mutants:
                print(f"    {s['status']}: {s['mutant']}  {s['diff']}")
        if share < target.get("min_killed", 0.0):
            failed.append(f"{target['name']} {share:.1%} < {target['min_killed']:.0%}")
    if not args.mutants:
        # read the file only now: another run may have updated other targets meanwhile
        previous = json.loads(RESULT.read_text()) if RESULT.exists() else {"targets": {}}
        if args.report_only:
            # a summary of a kept folder: keep the wall/CPU time of the run that produced the verdicts
            for name, res in results.items():
                before = previous["targets"].get(name, {})
                res["seconds"] = before.get("seconds", res["seconds"])
                res["cpu_seconds"] = before.get("cpu_seconds", res["cpu_seconds"])
        previous["targets"].update(results)
        previous["seconds_last_run"] = round(time.perf_counter() - started, 1)
        previous["targets_last_run"] = [t["name"] for t in chosen]
        previous["tool"] = f"mutmut {importlib.metadata.version('mutmut')}"
        previous["cpus"] = os.cpu_count()
        previous["reference_data"] = (args.shared / "data").is_dir()
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
        print(f"mutation: wrote {RESULT.relative_to(REPO)} ({previous['seconds_last_run']:.0f} s)")
    if failed:
        print("mutation: below threshold: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
