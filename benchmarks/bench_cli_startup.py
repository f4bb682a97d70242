"""How fast `safedata plugins --json` and `safedata --version` answer with every plugin installed (target < 0.6 s).

Run: .venv/bin/python benchmarks/bench_cli_startup.py [--repeats 5] [--plugins dist-a,dist-b]

Each command runs once to warm the bytecode caches (an installed package has its
.pyc files), then ``--repeats`` times; the median wall time and the median CPU
time (user + sys of the child, robust to other load on the machine) are printed
with the load average, next to two references measured in the same run:
``python -c pass`` and ``python -c "import pandas"`` (what the quick commands
no longer pay for). ``--plugins`` sets SAFEDATA_LOAD_PLUGINS (e.g. to leave out
a broken distribution); by default every installed plugin is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time


def _timed(cmd: list[str], env: dict[str, str], repeats: int) -> tuple[float, float, str]:
    subprocess.run(cmd, capture_output=True, env=env, check=False)  # warm the bytecode caches
    walls, cpus, out = [], [], ""
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out = proc.stdout
    return statistics.median(walls), statistics.median(cpus), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--plugins", default=None, help="SAFEDATA_LOAD_PLUGINS for the runs (default: all)")
    args = parser.parse_args()
    exe = shutil.which("safedata", path=os.path.dirname(sys.executable)) or "safedata"
    drop = ("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "SAFEDATA_LOAD_PLUGINS", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if args.plugins is not None:
        env["SAFEDATA_LOAD_PLUGINS"] = args.plugins
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus; median of {args.repeats} runs")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import pandas'", [sys.executable, "-c", "import pandas"]),
        ("safedata --version", [exe, "--version"]),
        ("safedata plugins --json", [exe, "plugins", "--json"]),
    ]
    out = ""
    for label, cmd in rows:
        wall, cpu, out = _timed(cmd, env, args.repeats)
        print(f"{label:28s} wall {wall:6.3f} s  cpu {cpu:6.3f} s")
    info = json.loads(out)
    dists = sorted({c["distribution"] for c in info["components"]})
    print(f"components: {len(info['components'])} from {', '.join(dists)}; failed plugins: {len(info['failed'])}")
    print(f"load average after: {os.getloadavg()[0]:.1f} (target < 0.6 s; wall is inflated when load > cpus)")


if __name__ == "__main__":
    main()
