"""benchmarks/mutation/run.py: the sampling statistics behind `make mutation`'s figures and its process runner."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "mutation" / "run.py"


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("mutation_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wilson_matches_the_published_interval(run):
    # 90 of 100 and 43 of 45: statsmodels' proportion_confint(method="wilson") gives
    # (0.825634, 0.944771) and (0.851725, 0.987726)
    assert run.wilson(90, 100) == pytest.approx([0.8256, 0.9448], abs=1e-4)
    assert run.wilson(43, 45) == pytest.approx([0.8517, 0.9877], abs=1e-4)
    assert run.wilson(0, 0) is None


def test_allocate_is_proportional_with_a_floor_and_adds_up(run):
    sizes = run.allocate({"a": 1000, "b": 100, "c": 3}, 60, minimum=5)
    assert sizes["c"] == 3  # a module smaller than the floor is taken whole
    assert sum(sizes.values()) == 60
    # the 47 left after the floors (5 + 5 + 3) split 995:95 -> quotas 42.90 and 4.10 on top of the floors
    # of 5: 47 + 9 + 3 = 59, and the largest remainder (a's .90) takes the last one
    assert sizes == {"a": 48, "b": 9, "c": 3}
    assert run.allocate({"a": 10, "b": 4}, 100) == {"a": 10, "b": 4}


def test_stratified_estimate_weights_modules_by_population(run):
    # module a: 900 mutants, 9 of 10 sampled detected; module b: 100 mutants, 5 of 10 detected
    share, interval, n_eff = run.estimate({"a": (900, 10, 9), "b": (100, 10, 5)})
    assert share == pytest.approx(0.9 * 0.9 + 0.1 * 0.5, abs=1e-4)
    variance = 0.81 * 0.09 / 10 + 0.01 * 0.25 / 10
    assert n_eff == pytest.approx(share * (1 - share) / variance, abs=0.1)
    assert interval[0] < share < interval[1]
    exact, exact_interval, _ = run.estimate({"a": (4, 4, 3)})
    assert exact == 0.75 and exact_interval == [0.75, 0.75]


def test_draw_sample_is_seeded_and_stratified(run):
    names = [f"pkg.mod{m}.x_f__mutmut_{i}" for m in range(2) for i in range(50)]
    first = run.draw_sample(names, 20, seed=22, target="t")
    assert first == run.draw_sample(names, 20, seed=22, target="t")
    assert first != run.draw_sample(names, 20, seed=23, target="t")
    assert sum(n.startswith("pkg.mod0.") for n in first) == 10
    assert run.draw_sample(names, None, seed=22, target="t") == sorted(names)


def test_run_charges_the_cpu_time_of_the_command_and_its_children(run, tmp_path):
    meter = run.CpuMeter()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\nprint('done')"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}], check=True)"
    proc = run._run([sys.executable, "-c", child], tmp_path, {}, meter)
    assert proc.returncode == 0 and proc.stdout.strip() == "done"
    assert meter.seconds >= 0.3  # the grandchild's 0.3 s of CPU is charged too


def test_run_kills_the_whole_process_group_on_timeout(run, tmp_path):
    marker = tmp_path / "alive"
    sleeper = f"import time, pathlib; time.sleep(3); pathlib.Path({str(marker)!r}).write_text('x')"
    parent = (
        f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {sleeper!r}]); import time; time.sleep(30)"
    )
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run._run([sys.executable, "-c", parent], tmp_path, {}, run.CpuMeter(), timeout=0.5)
    assert time.monotonic() - started < 3
    time.sleep(3.2)
    assert not marker.exists()  # the grandchild died with its group
