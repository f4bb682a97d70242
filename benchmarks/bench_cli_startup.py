"""How fast `safedata plugins --json` answers with every installed plugin (target: < 1.5 s).

Run: .venv/bin/python benchmarks/bench_cli_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("safedata", path=os.path.dirname(sys.executable)) or "safedata"
    env = {
        k: v for k, v in os.environ.items() if k not in ("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "SAFEDATA_LOAD_PLUGINS")
    }
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out = subprocess.run([exe, "plugins", "--json"], capture_output=True, text=True, env=env, check=True).stdout
        times.append(time.perf_counter() - t0)
    info = json.loads(out)
    dists = sorted({c["distribution"] for c in info["components"]})
    print(f"components: {len(info['components'])} from {', '.join(dists)}; failed plugins: {len(info['failed'])}")
    print(
        f"safedata plugins --json: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
        f"over {args.repeats} runs (target < 1.5 s)"
    )


if __name__ == "__main__":
    main()
