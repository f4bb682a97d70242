"""`make mutation`: mutation testing of the privacy code with mutmut, summarised in benchmarks/results/mutation.json.

Each target in targets.toml is copied to a temporary folder (so mutmut's `mutants/` never lands in the work
tree), given a `setup.cfg` [mutmut] section, and run with `mutmut run`. mutmut mutates every function of the
listed files, runs only the tests that cover it, and records killed / survived / timeout / no-tests per mutant.
The summary lists every surviving mutant with the reason recorded for it in survivors.toml (an equivalent
mutant, or the test still to add). Exit status 1 when a target is below its `min_killed` share.

    .venv/bin/python benchmarks/mutation/run.py [--only NAME ...] [--timeout-minutes 30]
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.metadata
import json
import os
import re
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


def _setup_cfg(target: dict) -> str:
    def lines(values: list[str]) -> str:
        return "\n" + "\n".join(f"    {v}" for v in values)

    return (
        "[mutmut]\n"
        f"source_paths = {target['source']}\n"
        f"only_mutate ={lines(target['mutate'])}\n"
        f"pytest_add_cli_args_test_selection ={lines(target['tests'])}\n"
        f"pytest_add_cli_args ={lines(['-x', '-q', '-p', 'no:cacheprovider', '-p', 'no:randomly'])}\n"
        "max_children = 2\n"
    )


def _copy_target(target: dict, into: Path) -> Path:
    root = REPO / target["root"]
    work = into / "pkg"
    if target["root"] == ".":
        work.mkdir()
        for name in ("safedata_core", "tests", "schemas", "docs"):
            if (root / name).exists():
                shutil.copytree(root / name, work / name, ignore=IGNORE)
        text = (root / "pyproject.toml").read_text()
        (work / "pyproject.toml").write_text(re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text))
    else:
        shutil.copytree(root, work, ignore=IGNORE)
    (work / "setup.cfg").write_text(_setup_cfg(target))
    return work


def _statuses(work: Path, env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status
    return found


def _module_of(mutant: str) -> str:
    return mutant.split(".x_")[0].split(".xǁ")[0]


def _reason(mutant: str, reasons: dict[str, str]) -> str:
    if mutant in reasons:
        return reasons[mutant]
    for pattern, why in reasons.items():
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(mutant, pattern):
            return why
    return "no reason recorded: add a test that kills it or record why it is equivalent in survivors.toml"


def run_target(target: dict, reasons: dict[str, str], timeout: float) -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{target['name']}-") as tmp:
        work = _copy_target(target, Path(tmp))
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SAFEDATA_MUTATION": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("PYTHONPATH", None)
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "mutmut"), "run"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        statuses = _statuses(work, env)
        if not statuses or all(s == "not checked" for s in statuses.values()):
            tail = re.sub(r"[\u2800-\u28ff][^\u2800-\u28ff\n]*", "", proc.stdout + proc.stderr)[-3000:]
            raise SystemExit(f"mutation target '{target['name']}': mutmut checked no mutant:\n{tail}")
    per_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for mutant, status in sorted(statuses.items()):
        per_module[_module_of(mutant)][status] += 1
        if status in ("survived", "no tests", "suspicious"):
            survivors.append({"mutant": mutant, "status": status, "reason": _reason(mutant, reasons)})
    modules = {m: _summary(c) for m, c in sorted(per_module.items())}
    total = _summary(sum(per_module.values(), Counter()))
    return {
        "name": target["name"],
        "seconds": round(time.perf_counter() - started, 1),
        "min_killed": target.get("min_killed", 0.0),
        "total": total,
        "modules": modules,
        "survivors": survivors,
    }


def _summary(c: Counter) -> dict:
    total = sum(c.values())
    killed = c["killed"] + c["caught by type check"]
    return {
        "total": total,
        "killed": killed,
        "survived": c["survived"],
        "timeout": c["timeout"],
        "no_tests": c["no tests"],
        "other": total - killed - c["survived"] - c["timeout"] - c["no tests"],
        # a timeout is a detected mutant (the tests did not pass), as mutmut's own score counts it
        "killed_share": round((killed + c["timeout"]) / total, 4) if total else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="run only these target names")
    ap.add_argument("--timeout-minutes", type=float, default=30.0, help="per target")
    args = ap.parse_args(argv)
    targets = tomllib.loads((HERE / "targets.toml").read_text())["target"]
    reasons = tomllib.loads((HERE / "survivors.toml").read_text()).get("reasons", {})
    chosen = [t for t in targets if not args.only or t["name"] in args.only]
    previous = json.loads(RESULT.read_text()) if RESULT.exists() else {"targets": {}}
    started = time.perf_counter()
    failed = []
    for target in chosen:
        print(f"mutation: {target['name']} ...", flush=True)
        res = run_target(target, reasons, args.timeout_minutes * 60)
        previous["targets"][target["name"]] = res
        share = res["total"]["killed_share"] or 0.0
        print(
            f"mutation: {target['name']}: {res['total']['killed']}/{res['total']['total']} killed"
            f" ({share:.1%}, timeouts counted as detected) in {res['seconds']:.0f} s",
            flush=True,
        )
        if share < target.get("min_killed", 0.0):
            failed.append(f"{target['name']} {share:.1%} < {target['min_killed']:.0%}")
    previous["seconds_last_run"] = round(time.perf_counter() - started, 1)
    previous["tool"] = f"mutmut {importlib.metadata.version('mutmut')}"
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
    print(f"mutation: wrote {RESULT.relative_to(REPO)}")
    if failed:
        print("mutation: below threshold: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
