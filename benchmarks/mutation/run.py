"""`make mutation`: mutation testing of the privacy code with mutmut, summarised in benchmarks/results/mutation.json.

Each target in targets.toml is copied to a work folder (a temporary one unless ``--keep DIR``, so mutmut's
``mutants/`` never lands in the work tree) and given a ``setup.cfg`` [mutmut] section. mutmut writes every
mutant of the listed files (launch_mutmut.py ``generate``: no test runs), the target's ``functions`` keep
the DP path (the population), and a seeded random sample of it, stratified by module, is run with
``mutmut run NAMES...``: one stats pass over the target's tests maps tests to functions, then each sampled
mutant runs only the tests that cover its function (fastest first, stopping at the first failure).
Nothing is paid per unsampled mutant beyond writing it. A small pytest plugin (deadline_plugin.py) gives
every test of a mutant run its own deadline, so a mutant that makes a loop endless costs seconds.

Sampling: running every mutant of every target takes hours on 2 cores; a simple random sample estimates
the detected share (killed + timeout, as mutmut's own score) with a known error. Per module the sample is
proportional to the module's mutant count, with at least ``MIN_PER_MODULE``; the estimate weights each
module's share by its population, and its 95% Wilson interval uses the effective sample size of that
stratified estimate (no finite-population correction, so it is slightly wide). ``min_killed`` is checked
on the point estimate. ``--full`` runs every mutant (the share is then exact).

    .venv/bin/python benchmarks/mutation/run.py [--group core|plugins|all] [--only NAME ...]
                                                [--sample N | --full] [--seed S] [--keep DIR]
                                                [--mutants GLOB ...] [--report-only]

Targets have a group ("core" unless targets.toml says otherwise); without --only the chosen group runs
(default: all, which is what `make mutation` runs; ``make mutation-full`` adds --full).

``--keep DIR`` reuses DIR/<target> between runs (mutmut then loads its stats instead of re-running the
stats pass), ``--mutants`` re-tests only the named mutants (fnmatch globs, e.g. after adding a test; the
result file is not rewritten) and ``--report-only`` summarises the kept folder's last sample.
The summary lists every surviving mutant of the sample with its diff and the reason recorded for it in
survivors.toml (an equivalent mutant, or the test still to add). Exit status 1 when a target's estimate
is below its ``min_killed``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fnmatch
import importlib.metadata
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RESULT = REPO / "benchmarks" / "results" / "mutation.json"
IGNORE = shutil.ignore_patterns(".venv", "mutants", "__pycache__", ".pytest_cache", ".git", "*.egg-info", "runs")
PLUGIN = "mutation_deadline"
# the per-test deadline (deadline_plugin.py) is the real guard; mutmut's own wall limit, (estimate + constant)
# * multiplier over the whole covering test set, is the backstop for hangs the plugin cannot interrupt (C
# loops). It must stay generous: the estimate sums only the tests' call phases (no fixtures, no start-up),
# and on a loaded machine a surviving marginal mutant's 88 tests took 115 s wall against an estimate of
# 19 s, so (19 + 10) * 4 recorded a survivor as a "timeout" (a false detection)
TIMEOUT_MULTIPLIER = 6.0
TIMEOUT_CONSTANT = 30.0
DETECTED = ("killed", "caught by type check", "timeout")
MIN_PER_MODULE = 5  # a stratum smaller than this is taken whole
Z95 = 1.959963984540054
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


class CpuMeter:
    """CPU seconds of the processes a target started (each reaped with os.wait4: the process and the
    descendants it waited for), so targets running side by side are charged separately."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def add(self, usage: resource.struct_rusage) -> None:
        self.seconds += usage.ru_utime + usage.ru_stime


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], meter: CpuMeter, timeout: float | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, capture_output=True, text=True)`` that charges the CPU time of the command (and
    of the descendants it reaped) to ``meter``; on timeout the command's whole process group is killed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=out, stderr=err, text=True, start_new_session=True
        )
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.01
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                meter.add(usage)
                out.seek(0)
                raise subprocess.TimeoutExpired(cmd, timeout or 0.0, output=out.read())
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        meter.add(usage)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())


def _mutmut(
    work: Path, env: dict[str, str], meter: CpuMeter, *args: str, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """``generate`` and ``run`` through launch_mutmut.py, anything else through mutmut's own command line."""
    if args[0] in ("generate", "run"):
        cmd = [sys.executable, str(HERE / "launch_mutmut.py"), *args]
    else:
        cmd = [str(Path(sys.executable).parent / "mutmut"), *args]
    return _run(cmd, work, env, meter, timeout=timeout)


def _statuses(work: Path, env: dict[str, str], meter: CpuMeter) -> dict[str, str]:
    found = {}
    for line in _mutmut(work, env, meter, "results", "--all", "true").stdout.splitlines():
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


def _diffs(work: Path, env: dict[str, str], meter: CpuMeter, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    proc = _run([sys.executable, "-c", _DIFFS], work, env, meter, stdin=json.dumps(names))
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


def allocate(population: dict[str, int], size: int, minimum: int = MIN_PER_MODULE) -> dict[str, int]:
    """Sample size per module: proportional to its mutant count (largest remainders), at least ``minimum``
    (or the whole module when smaller), never more than the module; the sizes add up to ``size`` unless the
    minimums alone exceed it."""
    total = sum(population.values())
    if size >= total:
        return dict(population)
    floor = {m: min(n, minimum) for m, n in population.items()}
    left = size - sum(floor.values())
    if left <= 0:
        return floor
    room = {m: population[m] - floor[m] for m in population}
    free = sum(room.values())
    quota = {m: left * room[m] / free for m in population}
    sizes = {m: floor[m] + min(room[m], math.floor(q)) for m, q in quota.items()}
    order = sorted(population, key=lambda m: (quota[m] - math.floor(quota[m]), m), reverse=True)
    i = 0
    while sum(sizes.values()) < size:
        m = order[i % len(order)]
        if sizes[m] < population[m]:
            sizes[m] += 1
        i += 1
    return sizes


def draw_sample(names: list[str], size: int | None, seed: int, target: str) -> list[str]:
    """A seeded stratified random sample (by module) of ``names``; all of them when ``size`` is None."""
    if size is None:
        return sorted(names)
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        by_module[_module_of(name)].append(name)
    sizes = allocate({m: len(v) for m, v in by_module.items()}, size)
    rng = random.Random(f"{seed}:{target}")
    return sorted(n for m, members in sorted(by_module.items()) for n in rng.sample(members, sizes[m]))


def wilson(detected: float, n: float) -> list[float] | None:
    """95% Wilson score interval for a share ``detected / n`` (``n`` may be an effective sample size)."""
    if n <= 0:
        return None
    p = detected / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def estimate(strata: dict[str, tuple[int, int, int]]) -> tuple[float | None, list[float] | None, float]:
    """Detected share of a population from a stratified sample: ``strata`` maps module -> (population,
    checked, detected). Returns the population-weighted share, its 95% Wilson interval (effective sample
    size of the stratified estimate) and that effective size; the interval is None when a stratum is exact
    everywhere (every mutant checked)."""
    strata = {m: s for m, s in strata.items() if s[1]}
    total = sum(s[0] for s in strata.values())
    if not total:
        return None, None, 0.0
    share = sum(pop / total * det / chk for pop, chk, det in strata.values())
    checked = sum(chk for _, chk, _ in strata.values())
    if all(chk >= pop for pop, chk, _ in strata.values()):
        return round(share, 4), [round(share, 4), round(share, 4)], float(checked)
    variance = sum((pop / total) ** 2 * (det / chk) * (1 - det / chk) / chk for pop, chk, det in strata.values())
    n_eff = share * (1 - share) / variance if variance > 0 else float(checked)
    return round(share, 4), wilson(share * n_eff, n_eff), round(n_eff, 1)


def _counts(statuses: list[str]) -> dict:
    c = Counter(statuses)
    return {
        "killed": c["killed"] + c["caught by type check"],
        "timeout": c["timeout"],
        "survived": c["survived"],
        "no_tests": c["no tests"],
        "not_checked": c["not checked"],
        "other": sum(v for k, v in c.items() if k not in (*DETECTED, "survived", "no tests", "not checked")),
    }


def run_target(
    target: dict,
    reasons: dict[str, str],
    by_diff: dict[str, str],
    timeout: float,
    keep: Path | None,
    mutants: list[str],
    shared: Path,
    size: int | None,
    seed: int,
    report_only: bool = False,
) -> dict:
    started = time.perf_counter()
    meter = CpuMeter()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{target['name']}-") as tmp:
        work = _prepare(target, (keep / target["name"]) if keep else Path(tmp) / "pkg", shared)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SAFEDATA_MUTATION": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        if target.get("preload"):
            env["SAFEDATA_MUTATION_PRELOAD"] = ",".join(target["preload"])
        env["SAFEDATA_MUTATION_TIMEOUT_LOG"] = str(work / "mutation-timeouts.tsv")
        if target.get("deadline_floor"):
            env["SAFEDATA_MUTATION_DEADLINE_FLOOR"] = str(target["deadline_floor"])
        children = str(target.get("max_children", 2))
        globs = scope_globs(target)
        sample_file = work / "mutation-sample.json"
        if report_only:
            drawn = json.loads(sample_file.read_text())
            population, sample, size, seed = drawn["population"], drawn["sample"], drawn["size"], drawn["seed"]
            proc = subprocess.CompletedProcess([], 0, "", "")
        else:
            names_file = work / "mutation-names.json"
            gen = _mutmut(work, env, meter, "generate", children, str(names_file))
            if gen.returncode != 0:
                raise SystemExit(f"mutation target '{target['name']}': mutant generation failed:\n{gen.stderr[-3000:]}")
            population = sorted(m for m in json.loads(names_file.read_text()) if _in_scope(m, globs))
            if not population:
                raise SystemExit(f"mutation target '{target['name']}': no mutant in scope (check functions)")
            sample = draw_sample(population, size, seed, target["name"])
            if mutants:
                sample = [m for m in population if any(fnmatch.fnmatchcase(m, g) for g in mutants)]
            else:
                sample_file.write_text(
                    json.dumps({"population": population, "sample": sample, "size": size, "seed": seed})
                )
            print(
                f"mutation: {target['name']}: running {len(sample)} of {len(population)} mutants"
                + (f" (seed {seed})" if size is not None and not mutants else ""),
                flush=True,
            )
            args = ["run", "--max-children", children, *sample]
            try:
                proc = _mutmut(work, env, meter, *args, timeout=timeout)
            except subprocess.TimeoutExpired as exc:  # summarise what was checked; the rest stays "not checked"
                print(f"mutation: {target['name']}: stopped after {timeout:.0f} s", flush=True)
                proc = subprocess.CompletedProcess(args, 1, str(exc.stdout or ""), str(exc.stderr or ""))
        found = _statuses(work, env, meter)
        statuses = {m: found.get(m, "not checked") for m in sample}
        if not report_only and all(s in ("not checked", "no tests") for s in statuses.values()):
            tail = re.sub(r"[\u2800-\u28ff][^\u2800-\u28ff\n]*", "", proc.stdout + proc.stderr)[-3000:]
            raise SystemExit(f"mutation target '{target['name']}': mutmut checked no mutant:\n{tail}")
        left = [m for m, s in statuses.items() if s in UNDETECTED]
        diffs = _diffs(work, env, meter, left)
    pop_by_module = Counter(_module_of(m) for m in population)
    by_module: dict[str, list[str]] = defaultdict(list)
    for mutant, status in statuses.items():
        by_module[_module_of(mutant)].append(status)
    strata = {}
    modules = {}
    for module in sorted(pop_by_module):
        st = by_module.get(module, [])
        c = _counts(st)
        checked = len(st) - c["not_checked"]
        detected = c["killed"] + c["timeout"]
        strata[module] = (pop_by_module[module], checked, detected)
        share, interval, _ = estimate({module: strata[module]})
        modules[module] = {
            "population": pop_by_module[module],
            "sample": len(st),
            "checked": checked,
            "detected": detected,
            **c,
            "detected_share": share,
            "interval95": interval,
        }
    share, interval, n_eff = estimate(strata)
    survivors = []
    for mutant, status in sorted(statuses.items()):
        if status in UNDETECTED:
            survivors.append(
                {
                    "mutant": mutant,
                    "status": status,
                    "diff": diffs.get(mutant, ""),
                    "reason": _reason(mutant, reasons, by_diff, diffs.get(mutant, "")),
                }
            )
    total = _counts(list(statuses.values()))
    full = len(sample) >= len(population)
    return {
        "name": target["name"],
        "mode": "full" if full else "sample",
        "seed": None if full else seed,
        "population": len(population),
        "sample": len(sample),
        "checked": sum(s[1] for s in strata.values()),
        "detected": total["killed"] + total["timeout"],
        **total,
        # population-weighted share of detected mutants (killed + timeout) and its 95% Wilson interval
        "detected_share": share,
        "interval95": interval,
        "effective_sample": n_eff,
        "min_killed": target.get("min_killed", 0.0),
        "passed": share is not None and share >= target.get("min_killed", 0.0),
        "seconds": round(time.perf_counter() - started, 1),
        # CPU time of mutmut and its test processes (about twice the wall time on an otherwise idle 2-core machine)
        "cpu_seconds": round(meter.seconds, 1),
        "load_before": None,
        "incremental": keep is not None,
        "report_only": report_only,
        "pytest_args": target.get("pytest_args", []),
        "mutated": target["mutate"],
        "functions": target.get("functions", []),
        "modules": modules,
        "survivors": survivors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run only these target names")
    ap.add_argument("--group", default="all", help="targets of this group (core, plugins) when --only is not given")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--sample", type=int, help="sample size per target (default: the target's `sample`)")
    how.add_argument("--full", action="store_true", help="every mutant in scope (hours for all targets)")
    ap.add_argument("--seed", type=int, help="sampling seed (default: targets.toml's seed)")
    ap.add_argument(
        "--lanes", type=int, help="targets run side by side (default: targets.toml's lanes; each runs its own mutmut)"
    )
    ap.add_argument("--timeout-minutes", type=float, default=60.0, help="per target")
    ap.add_argument("--keep", type=Path, help="persistent work folder (reuses mutmut's stats between runs)")
    ap.add_argument("--mutants", nargs="*", default=[], help="re-test only these mutant names/globs (needs --keep)")
    ap.add_argument("--report-only", action="store_true", help="with --keep: summarise the kept sample, run nothing")
    ap.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="folder holding the reference data/ (default: ../shared beside the repo; tests needing it skip without)",
    )
    args = ap.parse_args(argv)
    if (args.mutants or args.report_only) and not args.keep:
        ap.error("--mutants and --report-only need --keep (a previous run's work folder)")
    config = tomllib.loads((HERE / "targets.toml").read_text())
    targets = config["target"]
    seed = args.seed if args.seed is not None else int(config.get("seed", 0))
    recorded = tomllib.loads((HERE / "survivors.toml").read_text())
    reasons, by_diff = recorded.get("reasons", {}), recorded.get("by_diff", {})
    if args.only:
        chosen = [t for t in targets if t["name"] in args.only]
    else:
        chosen = [t for t in targets if args.group == "all" or t.get("group", "core") == args.group]
    if args.only and len(chosen) != len(args.only):
        ap.error(f"unknown target in {args.only}; targets: {[t['name'] for t in targets]}")
    lanes = max(1, args.lanes if args.lanes is not None else int(config.get("lanes", 1)))
    keep = args.keep.resolve() if args.keep else None
    previous_seconds = _previous_seconds()
    # longest first (the last run's wall time, else the sample size): greedy scheduling onto the lanes
    chosen.sort(key=lambda t: previous_seconds.get(t["name"], float(t.get("sample", 0))), reverse=True)
    started = time.perf_counter()
    failed = []
    results = {}
    printing = threading.Lock()

    def one(target: dict) -> dict:
        size = None if args.full else (args.sample if args.sample is not None else target.get("sample"))
        load = os.getloadavg()[0]
        with printing:
            print(f"mutation: {target['name']} ... (load {load:.1f})", flush=True)
        res = run_target(
            target,
            reasons,
            by_diff,
            args.timeout_minutes * 60,
            keep,
            args.mutants,
            args.shared,
            size,
            seed,
            args.report_only,
        )
        res["load_before"] = round(load, 2)
        with printing:
            print(_summary(res, show_all=bool(args.mutants)), flush=True)
        return res

    with concurrent.futures.ThreadPoolExecutor(max_workers=lanes) as pool:
        for res in pool.map(one, chosen):
            results[res["name"]] = res
            if not res["passed"]:
                failed.append(f"{res['name']} {_pct(res['detected_share'])} < {res['min_killed']:.0%}")
    if not args.mutants:
        # read the file only now: another run may have updated other targets meanwhile
        previous = json.loads(RESULT.read_text()) if RESULT.exists() else {}
        # entries written before sampling existed have no "mode": drop them rather than mix the formats
        previous["targets"] = {k: v for k, v in previous.get("targets", {}).items() if "mode" in v}
        if args.report_only:
            # a summary of a kept folder: keep the wall/CPU time of the run that produced the verdicts
            for name, res in results.items():
                before = previous["targets"].get(name, {})
                for key in ("seconds", "cpu_seconds", "load_before"):
                    res[key] = before.get(key, res[key])
        previous["targets"].update(results)
        previous["mode_last_run"] = "full" if args.full else "sample"
        previous["seed"] = seed
        previous["seconds_last_run"] = round(time.perf_counter() - started, 1)
        previous["targets_last_run"] = [t["name"] for t in chosen]
        previous["lanes_last_run"] = lanes
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


def _previous_seconds() -> dict[str, float]:
    """Wall seconds of each target's last recorded run (for scheduling), empty without a result file."""
    if not RESULT.exists():
        return {}
    return {k: float(v.get("seconds") or 0.0) for k, v in json.loads(RESULT.read_text()).get("targets", {}).items()}


def _summary(res: dict, show_all: bool) -> str:
    """The printed summary of one target: per module, the total, and every survivor without a reason."""
    lines = [
        f"  {module}: {s['detected']}/{s['checked']} of {s['population']} detected"
        f" ({_pct(s['detected_share'])} {_interval(s['interval95'])})"
        for module, s in res["modules"].items()
    ]
    lines.append(
        f"mutation: {res['name']} ({res['mode']}): {res['detected']}/{res['checked']} checked of"
        f" {res['population']} detected; estimate {_pct(res['detected_share'])} {_interval(res['interval95'])};"
        f" {res['timeout']} timeouts, {len(res['survivors'])} undetected; {res['seconds']:.0f} s wall,"
        f" {res['cpu_seconds']:.0f} s CPU"
    )
    lines += [
        f"    {s['status']}: {s['mutant']}  {s['diff']}"
        for s in res["survivors"]
        if show_all or s["reason"].startswith("no reason recorded")
    ]
    return "\n".join(lines)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def _interval(interval: list[float] | None) -> str:
    return "" if interval is None else f"[95%: {interval[0]:.1%}-{interval[1]:.1%}]"


if __name__ == "__main__":
    sys.exit(main())
