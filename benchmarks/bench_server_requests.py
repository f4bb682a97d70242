"""Server CPU per request, by endpoint, in-process (no sockets, no job workers).

Drives the ASGI app of ``safedata serve`` with ``httpx.AsyncClient`` over
``ASGITransport``: uploads, then rounds of GET /datasets, GET /datasets/{id},
PUT metadata, POST generate (a stub executor: the job is queued, never run) and
GET /generators/{id}. Reports the server process's CPU milliseconds per request
by endpoint (``time.process_time``, so other helpers' load does not count; the
upload parser's helper process is not counted, as in the real server), the
median of ``--repeats`` runs. ``--profile FILE`` writes a cProfile of one run.

    .venv/bin/python benchmarks/bench_server_requests.py --requests 500 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_server_load import small_csv  # the same small datasets as the load test

META = {
    "columns": {
        "age": {"type": "integer", "bounds": [18, 90]},
        "sex": {"type": "categorical", "categories": ["F", "M"]},
        "income": {"type": "categorical", "categories": ["<=50K", ">50K"]},
    }
}


class StubExecutor:
    """Accepts jobs and never runs them (the request path only)."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str, quick: bool = False) -> None:
        self.submitted.append(job_id)

    def shutdown(self, wait: bool = False) -> None:
        pass


class Metered:
    """The app, with the process CPU time of each call (server side only: not the client's work) kept."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        t0 = time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            self.last = (time.process_time() - t0) * 1000


class ThreadProfiles:
    """cProfile of the work the app hands to its thread pool (cProfile sees one thread only)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def install(self) -> None:
        import fastapi.routing
        import starlette.concurrency

        original = starlette.concurrency.run_in_threadpool

        async def profiled(func: Any, *args: Any, **kwargs: Any) -> Any:
            def run(*a: Any, **k: Any) -> Any:
                prof = cProfile.Profile(time.thread_time)
                self.profiles.append(prof)
                prof.enable()
                try:
                    return func(*a, **k)
                finally:
                    prof.disable()

            return await original(run, *args, **kwargs)

        fastapi.routing.run_in_threadpool = profiled  # type: ignore[assignment]
        starlette.concurrency.run_in_threadpool = profiled  # type: ignore[assignment]

    def dump(self, path: Path) -> None:
        import pstats

        stats = pstats.Stats(self.profiles[0])
        for prof in self.profiles[1:]:
            stats.add(prof)
        stats.dump_stats(str(path))


async def _run(app: Any, key: str, datasets: int, rounds: int, prof: cProfile.Profile | None) -> dict[str, list[float]]:
    cpu: dict[str, list[float]] = defaultdict(list)
    metered = Metered(app)
    transport = httpx.ASGITransport(app=metered)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers, timeout=60) as c:

        async def timed(name: str, method: str, url: str, **kw: Any) -> httpx.Response:
            if prof is not None:
                prof.enable()
            r = await c.request(method, url, **kw)
            cpu[name].append(metered.last)
            if prof is not None:
                prof.disable()
            if r.status_code >= 400:
                raise SystemExit(f"{method} {url}: {r.status_code} {r.text[:200]}")
            return r

        ids = []
        for i in range(datasets):
            files = {"file": (f"d{i}.csv", small_csv(200, i), "text/csv")}
            r = await timed("POST /datasets/upload", "POST", "/datasets/upload", files=files, data={"epsilon": "50"})
            ids.append(r.json()["id"])
        gens: list[str] = []
        for n in range(rounds):
            ds = ids[n % len(ids)]
            await timed("GET /datasets", "GET", "/datasets")
            await timed("GET /datasets/{id}", "GET", f"/datasets/{ds}")
            await timed("PUT /datasets/{id}/metadata", "PUT", f"/datasets/{ds}/metadata", json=META)
            body = {"generator_type": "dp-gaussian-copula", "epsilon": 0.1, "num_rows": 50}
            gen_url = f"/generators/dataset/{ds}/generate"
            r = await timed("POST /generators/dataset/{id}/generate", "POST", gen_url, json=body)
            gens.append(r.json()["id"])
            await timed("GET /generators/{id}", "GET", f"/generators/{gens[-1]}")
    return cpu


def one_run(
    requests: int, datasets: int, processes: int, profile: Path | None, imports: bool = False
) -> dict[str, list[float]]:
    from safedata_server.api.app import create_app
    from safedata_server.config import Settings
    from safedata_server.runtime import create_runtime

    with tempfile.TemporaryDirectory(prefix="sd-bench-req-") as tmp:
        settings = Settings(data_dir=Path(tmp), start_workers=False, master_key="00" * 32)
        rt, admin_key = create_runtime(settings)
        assert admin_key is not None
        rt.executor = StubExecutor()  # type: ignore[assignment]
        import safedata_server.runtime as runtime_module

        if hasattr(runtime_module, "warm_up"):  # what the server does at start-up (since it has warm_up)
            runtime_module.warm_up(rt)
        loaded = set(sys.modules)
        if processes:
            from safedata_server.offload import RequestPool

            rt.cpu = RequestPool(processes)
        app = create_app(settings, runtime=rt)
        prof = cProfile.Profile() if profile is not None else None
        threads = ThreadProfiles() if profile is not None else None
        if threads is not None:
            threads.install()
        rounds = max(1, (requests - datasets) // 5)
        try:
            cpu = asyncio.run(_run(app, admin_key, datasets, rounds, prof))
        finally:
            if rt.cpu is not None:
                rt.cpu.shutdown()
            rt.db.dispose()
        if imports:
            print("imported while serving:", sorted(m for m in set(sys.modules) - loaded if "." not in m))
        if prof is not None and threads is not None and profile is not None:
            prof.dump_stats(str(profile))
            threads.dump(profile.with_suffix(".threads.prof"))
        return cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=500, help="requests per run (uploads included)")
    ap.add_argument("--datasets", type=int, default=20, help="uploads per run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--processes", type=int, default=1, help="upload/metadata helper processes (0: in-thread)")
    ap.add_argument("--profile", type=Path, default=None, help="write a cProfile of the last run here")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--imports", action="store_true", help="list the top-level modules first imported while serving")
    args = ap.parse_args()
    runs = []
    for i in range(args.repeats):
        prof = args.profile if i == args.repeats - 1 else None
        runs.append(one_run(args.requests, args.datasets, args.processes, prof, args.imports))
    names = list(runs[0])
    table = {}
    for name in names:
        medians = [statistics.median(r[name]) for r in runs]
        means = [statistics.fmean(r[name]) for r in runs]
        table[name] = {
            "n": len(runs[0][name]),
            "median_ms": round(statistics.median(medians), 2),
            "mean_ms": round(statistics.median(means), 2),
        }
    total = [sum(sum(v) for v in r.values()) / sum(len(v) for v in r.values()) for r in runs]
    table["all"] = {"n": sum(len(v) for v in runs[0].values()), "mean_ms": round(statistics.median(total), 2)}
    if args.json:
        print(json.dumps(table, indent=2))
    else:
        print(f"server CPU per request (ms), median of {args.repeats} runs")
        for name, row in table.items():
            median = row.get("median_ms", float("nan"))
            print(f"  {name:42s} n={row['n']:4d}  median {median:7.2f}  mean {row['mean_ms']:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
