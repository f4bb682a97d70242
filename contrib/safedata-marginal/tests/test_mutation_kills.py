"""Tests that kill surviving mutants of the marginal synthesizers' DP planning (`make mutation`, issue 22).

The planner's sigma must be the smallest one whose measurements compose to the share (checked with the
ledger and with an RDP conversion of the discrete Gaussian written here), it must account for earlier
charges and planned extra events, and its refusals must name the step and the fix.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from safedata_marginal.accounting import Planner, measurement

from safedata_core import PrivacyBudgetError
from safedata_core.privacy import DiscreteLaplace, Exponential, add_noise
from safedata_core.privacy.rdp_curves import DEFAULT_ORDERS
from safedata_core.testing import make_budget


def _rdp_epsilon(count: int, sigma: float, delta: float) -> float:
    """count Gaussian measurements of L2 sensitivity 1 (RDP a/(2 sigma^2) each), converted as Balle et al. 2020."""
    a = DEFAULT_ORDERS
    rdp = count * a / (2 * sigma**2)
    return float(np.min(rdp + np.log((a - 1) / a) - (math.log(delta) + np.log(a)) / (a - 1)))


@pytest.mark.parametrize(("epsilon", "count"), [(1.0, 1), (1.0, 7), (0.2, 30), (25.0, 3)])
def test_sigma_is_the_smallest_that_fits(epsilon: float, count: int) -> None:
    budget = make_budget(epsilon, 1e-6)
    planner = Planner(budget)
    sigma = planner.sigma_for(count)

    def composed(s: float) -> float:
        return planner.composed([planner.gaussian_event(s)] * count)

    assert composed(sigma) <= epsilon
    assert composed(sigma * (1 - 1e-6)) > epsilon  # 80 halvings of log-width 23 leave < 1e-20
    assert composed(sigma) == pytest.approx(epsilon, rel=1e-6)
    # independent: the ledger composes with min(RDP, basic); at these counts RDP is the tighter one
    if count > 1:
        assert _rdp_epsilon(count, sigma, 1e-6) == pytest.approx(epsilon, rel=1e-3)
    assert planner.total_rho() == pytest.approx(1.0 / planner.sigma_for(2) ** 2, rel=1e-12)


def test_measurement_is_a_unit_sensitivity_discrete_gaussian_at_the_share_delta() -> None:
    budget = make_budget(1.0, 3e-7)
    m = measurement(4.5, budget)
    assert (m.sigma, m.sensitivity, m.delta) == (4.5, 1.0, 3e-7)
    e = Planner(budget).gaussian_event(4.5)
    assert e.mechanism == "discrete_gaussian" and e.delta == 3e-7 and e.params["noise_multiplier"] == 4.5


def test_sigma_accounts_for_earlier_charges_and_planned_extras() -> None:
    fresh, used = make_budget(1.0, 1e-6), make_budget(1.0, 1e-6)
    add_noise(used, DiscreteLaplace(1, 0.3), np.zeros(2), note="earlier")
    s_fresh, s_used = Planner(fresh).sigma_for(4), Planner(used).sigma_for(4)
    assert s_used > 1.2 * s_fresh
    extra = [Exponential(0.3).event()]
    p_fresh = Planner(fresh)
    s_extra = p_fresh.sigma_for(4, extra)
    assert s_extra > 1.2 * s_fresh
    assert p_fresh.composed([*extra, *[p_fresh.gaussian_event(s_extra)] * 4]) == pytest.approx(1.0, rel=1e-6)
    # a lower target needs more noise and lands on it
    p = Planner(make_budget(1.0, 1e-6))
    s_half = p.sigma_for(4, target=0.5)
    assert p.composed([p.gaussian_event(s_half)] * 4) == pytest.approx(0.5, rel=1e-6)


def test_refusals_name_the_step_and_the_fix() -> None:
    budget = make_budget(1.0, 1e-6, step="synth", component="mst", accountant="basic")
    add_noise(budget, DiscreteLaplace(1, 1.0), np.zeros(1), note="all of it")
    with pytest.raises(PrivacyBudgetError) as err:
        Planner(budget).sigma_for(3)
    assert str(err.value) == (
        "step 'synth': mst has no budget left for its measurements (epsilon share 1 already used); "
        "raise the step's privacy share"
    )
    tiny = make_budget(1.0, 1e-6, step="synth", component="aim", accountant="basic")
    with pytest.raises(PrivacyBudgetError) as err:
        Planner(tiny).sigma_for(3, target=1e-9)  # even sigma 1e7 spends more than this target
    assert str(err.value) == (
        "step 'synth': aim cannot fit 3 measurements in the remaining epsilon; raise the step's privacy share"
    )


@pytest.mark.parametrize("name", ["mst", "aim"])
def test_a_dp_fit_without_a_budget_names_the_component_and_both_fixes(name: str) -> None:
    from safedata_marginal.aim import AIMSynthesizer
    from safedata_marginal.mst import MSTSynthesizer

    from safedata_core.testing.fixtures import tiny_table

    model = {"mst": MSTSynthesizer, "aim": AIMSynthesizer}[name]({})
    with pytest.raises(PrivacyBudgetError) as err:
        model.fit(tiny_table(20), budget=None, seed=0)
    assert str(err.value) == (
        f"{name}: DP fit needs a privacy budget share (give the pipeline a privacy budget, "
        "or set params.dp: false for a non-private fit)"
    )


def test_mst_report_names_its_tree_and_the_charged_noise_scales() -> None:
    """The report's tree is the spanning tree whose 2-way marginals were charged, and its sigmas are theirs."""
    import pandas as pd
    from safedata_marginal.mst import MSTSynthesizer

    from safedata_core import Table
    from safedata_core.data import ColumnMeta, Metadata

    rng = np.random.default_rng(0)
    n = 200
    a = rng.integers(0, 3, n)
    df = pd.DataFrame({"a": a, "b": (a + rng.integers(0, 2, n)) % 3, "c": rng.integers(0, 2, n)})
    meta = Metadata(columns={c: ColumnMeta(type="categorical", categories=[0, 1, 2]) for c in df.columns})
    budget = make_budget(1.0, 1e-5)
    model = MSTSynthesizer({"bins": 4, "iters": 5})
    model.fit(Table.from_dataframe(df, meta), budget=budget, seed=0)
    extras = model.report_extras()
    tree = extras["tree"]
    # a spanning tree on 3 columns: 2 distinct edges covering every column
    assert len(tree) == 2 and len({tuple(sorted(e)) for e in tree}) == 2
    assert {c for e in tree for c in e} == {"a", "b", "c"}
    gauss = [c for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    twoway = [c for c in gauss if c.note.startswith("2-way")]
    oneway = [c for c in gauss if not c.note.startswith("2-way")]
    assert len(twoway) == 2 and len(oneway) == 3
    index = {"a": 0, "b": 1, "c": 2}
    charged_pairs = {c.note.removeprefix("2-way marginal ") for c in twoway}
    assert charged_pairs == {str(tuple(sorted(index[x] for x in e))) for e in tree}
    # the sigmas reported are the noise multipliers the ledger charged (sensitivity 1)
    assert {c.event.params["noise_multiplier"] for c in oneway} == {extras["sigma_1way"]}
    assert {c.event.params["noise_multiplier"] for c in twoway} == {extras["sigma_2way"]}
    # MST splits rho in thirds: the 3 one-way measurements (zCDP 1/(2 sigma^2) each) spend one third
    rho_total = Planner(make_budget(1.0, 1e-5)).total_rho()
    assert 3 / (2 * extras["sigma_1way"] ** 2) == pytest.approx(rho_total / 3, rel=1e-9)
    # the ledger facts in the report are the share's own: every charge counted, the whole share spent
    assert extras["charges"] == len(budget.charges) == 3 + 2 + 2  # 3 one-way, 2 picks, 2 two-way
    assert extras["epsilon_spent"] == pytest.approx(1.0, rel=1e-6)


def _three_columns(n: int = 300, d: int = 3) -> object:
    import pandas as pd

    from safedata_core import Table
    from safedata_core.data import ColumnMeta, Metadata

    rng = np.random.default_rng(1)
    a = rng.integers(0, 3, n)
    cols = {"a": a, "b": (a + rng.integers(0, 2, n)) % 3, "c": rng.integers(0, 3, n)}
    df = pd.DataFrame({k: cols[k] for k in list(cols)[:d]})
    meta = Metadata(columns={c: ColumnMeta(type="categorical", categories=[0, 1, 2]) for c in df.columns})
    return Table.from_dataframe(df, meta)


@pytest.mark.parametrize("d", [2, 3])
def test_mst_spends_a_third_of_rho_on_each_of_its_three_parts(d: int) -> None:
    """MST (McKenna et al. 2021): one-way measurements, tree selection and 2-way measurements each get rho/3.

    zCDP costs written out: a discrete Gaussian of sensitivity 1 and std sigma costs 1 / (2 sigma^2), an
    exponential mechanism of epsilon e (bounded range) costs e^2 / 8.
    """
    from safedata_marginal.mst import MSTSynthesizer

    budget = make_budget(1.0, 1e-5)
    MSTSynthesizer({"bins": 4, "iters": 5}).fit(_three_columns(d=d), budget=budget, seed=0)
    rho = Planner(make_budget(1.0, 1e-5)).total_rho()
    gauss = [c for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    one = sum(1 / (2 * c.event.params["noise_multiplier"] ** 2) for c in gauss if not c.note.startswith("2-way"))
    expo = [c.event for c in budget.charges if c.event.mechanism == "exponential"]
    selection = sum(e.count * e.params["epsilon_each"] ** 2 / 8 for e in expo)
    assert sum(e.count for e in expo) == d - 1  # one pick per tree edge
    assert one == pytest.approx(rho / 3, rel=1e-9)
    assert selection == pytest.approx(rho / 3, rel=1e-9)


def test_mst_report_of_one_column_has_no_two_way_scale() -> None:
    """One column: no tree, no 2-way marginal measured, so the report has no 2-way noise scale (null), while the
    one-way scale is the charged one and the whole of rho goes to the one-way measurement (1 / (2 sigma^2))."""
    from safedata_marginal.mst import MSTSynthesizer

    budget = make_budget(1.0, 1e-5)
    model = MSTSynthesizer({"bins": 4, "iters": 5})
    model.fit(_three_columns(d=1), budget=budget, seed=0)
    extras = model.report_extras()
    assert extras["tree"] == [] and extras["sigma_2way"] is None
    (one,) = [c.event for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    assert one.params["noise_multiplier"] == extras["sigma_1way"]
    rho = Planner(make_budget(1.0, 1e-5)).total_rho()
    assert 1 / (2 * extras["sigma_1way"] ** 2) == pytest.approx(rho, rel=1e-9)
    # without DP neither scale exists
    plain = MSTSynthesizer({"bins": 4, "iters": 5, "dp": False})
    plain.fit(_three_columns(d=1), budget=None, seed=0)
    assert plain.report_extras()["sigma_1way"] is None and plain.report_extras()["sigma_2way"] is None


def test_mst_dp_tree_scores_use_the_inverse_variance_row_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under DP an edge's score is sum |C_ab - N p_a p_b| with N the inverse-variance mean of the noisy 1-way
    totals (every 1-way measurement has noise std sigma_1way per cell), written out here from the codes."""
    import safedata_marginal.mst as mst

    seen: dict[str, object] = {}
    real = mst.edge_scores

    def spy(codes: np.ndarray, dom: list[int], oneway: list, **kw: object) -> tuple:
        out = real(codes, dom, oneway, **kw)  # type: ignore[arg-type]
        seen.update(codes=np.asarray(codes).copy(), dom=list(dom), oneway=list(oneway), out=out)
        return out

    monkeypatch.setattr(mst, "edge_scores", spy)
    model = mst.MSTSynthesizer({"bins": 4, "iters": 5})
    model.fit(_three_columns(), budget=make_budget(1.0, 1e-5, noise_seed=11), seed=0)
    sigma1 = model.report_extras()["sigma_1way"]
    codes, dom, oneway = seen["codes"], seen["dom"], seen["oneway"]
    totals = np.array([float(m.y.sum()) for m in oneway])  # type: ignore[attr-defined]
    var = np.array([m.y.size * sigma1**2 for m in oneway])  # type: ignore[attr-defined]
    n_hat = max(float(np.sum(totals / var) / np.sum(1 / var)), 1.0)
    assert n_hat != pytest.approx(totals[0], abs=1e-6)  # this seed tells the estimate from the first total
    pairs, scores = seen["out"]  # type: ignore[misc]
    assert pairs == [(0, 1), (0, 2), (1, 2)]
    for (a, b), score in zip(pairs, scores, strict=True):
        joint = np.zeros((dom[a], dom[b]))  # type: ignore[index]
        np.add.at(joint, (codes[:, a], codes[:, b]), 1.0)  # type: ignore[index]
        pa, pb = (np.clip(oneway[i].y, 0, None) for i in (a, b))  # type: ignore[index]
        expected = np.abs(joint - n_hat * np.outer(pa / pa.sum(), pb / pb.sum())).sum()
        assert score == pytest.approx(expected, rel=1e-9)


def test_aim_rounds_anneal_by_halving_sigma_and_doubling_epsilon_and_the_last_takes_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AIM (McKenna et al. 2022): a round spends 1/(2 sigma^2) + eps^2/8; annealing halves sigma and doubles
    eps; the last round splits what is left 0.9 : 0.1 between its measurement and its selection."""
    import safedata_marginal.aim as aim
    from safedata_marginal.aim import AIMSynthesizer

    seen_sigma: list[float] = []
    limits: list[float] = []
    choose, fitting = aim.choose_round, AIMSynthesizer._fitting

    def spy_choose(*args: object, **kw: object) -> int:
        seen_sigma.append(float(args[4]))  # type: ignore[arg-type]
        return choose(*args, **kw)  # type: ignore[arg-type]

    def spy_fitting(candidates: object, model: object, dom: object, limit: float) -> object:
        limits.append(float(limit))
        return fitting(candidates, model, dom, limit)  # type: ignore[arg-type]

    monkeypatch.setattr(aim, "choose_round", spy_choose)
    monkeypatch.setattr(AIMSynthesizer, "_fitting", staticmethod(spy_fitting))
    budget = make_budget(2.0, 1e-5, noise_seed=4)  # reproducible noise: this run anneals after round 1
    params = {"bins": 4, "max_rounds": 16, "round_iters": 5, "final_iters": 5, "progress": False}
    AIMSynthesizer(params).fit(_three_columns(100), budget=budget, seed=0)
    rho = Planner(make_budget(2.0, 1e-5)).total_rho()
    charges = list(budget.charges)
    sel = [c.event.params["epsilon_each"] for c in charges if c.event.mechanism == "exponential"]
    meas = [
        c.event.params["noise_multiplier"]
        for c in charges
        if c.event.mechanism == "discrete_gaussian" and c.note.startswith("AIM round")
    ]
    one = [
        c.event.params["noise_multiplier"]
        for c in charges
        if c.event.mechanism == "discrete_gaussian" and not c.note.startswith("AIM round")
    ]
    assert len(sel) == len(meas) >= 2
    annealed = 0
    for t in range(len(sel) - 2):  # consecutive non-final rounds: unchanged, or annealed (x2, /2)
        pair = (sel[t + 1] / sel[t], meas[t + 1] / meas[t])
        annealed += pair == pytest.approx((2.0, 0.5))
        assert pair == pytest.approx((1.0, 1.0)) or pair == pytest.approx((2.0, 0.5)), (t, pair)
    assert annealed >= 1
    before_last = sum(1 / (2 * s**2) for s in one) + sum(
        1 / (2 * s**2) + e**2 / 8 for s, e in zip(meas[:-1], sel[:-1], strict=True)
    )
    assert sel[-1] ** 2 / 8 == pytest.approx(0.1 * (rho - before_last), rel=1e-6)
    # the last selection scores candidates with the sigma of 0.9 of the rest (zCDP 1/(2 sigma^2))
    assert 1 / (2 * seen_sigma[-1] ** 2) == pytest.approx(0.9 * (rho - before_last), rel=1e-6)
    assert seen_sigma[:-1] == pytest.approx(meas[:-1])
    # the model-size limit grows with the share of rho spent once the round is counted (AIM, Alg. 2)
    cells = AIMSynthesizer(params).params.max_model_cells
    used = sum(1 / (2 * s**2) for s in one)
    for t in range(len(sel) - 1):
        used += 1 / (2 * meas[t] ** 2) + sel[t] ** 2 / 8
        assert limits[t] == pytest.approx(cells * min(used / rho, 1.0), rel=1e-9)
    assert limits[-1] == pytest.approx(cells)
    assert 1 / (2 * meas[-1] ** 2) + sel[-1] ** 2 / 8 == pytest.approx(rho - before_last, rel=1e-3)


# -- session 5 kill round: workload, AIM's round schedule, non-private limits and progress, MST's pair pass ----


def test_workload_candidates_stop_at_the_degree() -> None:
    """Every subset of 1 to ``degree`` columns of a workload marginal, weighted by its size per holder."""
    from safedata_marginal.aim import workload_weights

    got = workload_weights([(0, 1, 2), (1, 2, 3)], 2)
    assert got == {
        (0,): 1.0,
        (1,): 2.0,
        (2,): 2.0,
        (3,): 1.0,
        (0, 1): 2.0,
        (0, 2): 2.0,
        (1, 2): 4.0,
        (1, 3): 2.0,
        (2, 3): 2.0,
    }
    assert workload_weights([(0, 1)], 1) == {(0,): 1.0, (1,): 1.0}


def _columns(d: int, n: int = 120) -> object:
    import pandas as pd

    from safedata_core import Table
    from safedata_core.data import ColumnMeta, Metadata

    rng = np.random.default_rng(2)
    df = pd.DataFrame({f"c{i}": rng.integers(0, 3, n) for i in range(d)})
    meta = Metadata(columns={c: ColumnMeta(type="categorical", categories=[0, 1, 2]) for c in df.columns})
    return Table.from_dataframe(df, meta)


@pytest.mark.parametrize(
    ("d", "planned", "anneal", "rounds", "last_units"),
    [
        # 1-way: 0.9 d units of rho/planned; a round: 1 unit, never annealed. Rounds go on while two rounds'
        # worth is left: 2.7 + 6 = 8.7 used after round 6, 1.3 < 2 left -> round 7 is the last and takes 1.3
        (3, 10, False, 7, 1.3),
        # always annealed (a round costs 1, 4, 16 units): 6.3 + 1 + 4 = 11.3 used after round 2, 31.7 left,
        # less than two rounds of 16 -> round 3 is the last and takes all 31.7
        (7, 43, True, 3, 31.7),
    ],
)
def test_aim_last_round_starts_when_less_than_two_rounds_are_left(
    monkeypatch: pytest.MonkeyPatch, d: int, planned: int, anneal: bool, rounds: int, last_units: float
) -> None:
    """AIM's schedule (McKenna et al. 2022, Alg. 1): a round costs 1/(2 sigma^2) + eps^2/8; when less than
    twice that is left, the round is the last and spends all of it (0.9 measuring, 0.1 selecting).

    Annealing is switched off (or forced every round) through the sqrt(2/pi) factor of its test, so the
    schedule is fixed and the round count can be written out by hand (units of rho / planned rounds)."""
    import types

    import safedata_marginal.aim as aim
    from safedata_marginal.aim import AIMSynthesizer

    pi = 2e-12 if anneal else math.inf  # sqrt(2/pi) = 1e6 (every move is "small") or 0 (none is)
    monkeypatch.setattr(aim, "math", types.SimpleNamespace(sqrt=math.sqrt, floor=math.floor, pi=pi))
    budget = make_budget(1.0, 1e-5, noise_seed=3)
    params = {
        "bins": 4,
        "degree": 1,
        "max_rounds": planned,
        "max_seconds": None,
        "round_iters": 2,
        "final_iters": 2,
        "progress": False,
    }
    model = AIMSynthesizer(params)
    model.fit(_columns(d), budget=budget, seed=0)
    assert model.report_extras()["rounds"] == rounds
    unit = Planner(make_budget(1.0, 1e-5)).total_rho() / planned
    sel = [c.event.params["epsilon_each"] for c in budget.charges if c.event.mechanism == "exponential"]
    meas = [
        c.event.params["noise_multiplier"]
        for c in budget.charges
        if c.event.mechanism == "discrete_gaussian" and c.note.startswith("AIM round")
    ]
    assert len(sel) == len(meas) == rounds
    for t in range(rounds - 1):  # round t + 1 costs 4^t units annealed, 1 unit otherwise
        cost = 4.0**t if anneal else 1.0
        assert 1 / (2 * meas[t] ** 2) == pytest.approx(0.9 * cost * unit, rel=1e-9)
        assert sel[t] ** 2 / 8 == pytest.approx(0.1 * cost * unit, rel=1e-9)
    assert sel[-1] ** 2 / 8 == pytest.approx(0.1 * last_units * unit, rel=1e-9)


def test_a_non_private_aim_may_grow_to_the_full_model_size_from_the_first_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The size limit grows with the share of rho spent only under DP; a non-private fit spends none."""
    from safedata_marginal.aim import AIMSynthesizer

    limits: list[float] = []
    fitting = AIMSynthesizer._fitting

    def spy(candidates: object, model: object, dom: object, limit: float) -> object:
        limits.append(float(limit))
        return fitting(candidates, model, dom, limit)  # type: ignore[arg-type]

    monkeypatch.setattr(AIMSynthesizer, "_fitting", staticmethod(spy))
    params = {"dp": False, "bins": 4, "max_rounds": 3, "round_iters": 2, "final_iters": 2, "progress": False}
    params["max_model_cells"] = 500.0
    AIMSynthesizer(params).fit(_columns(3), budget=None, seed=0)
    assert limits == [500.0, 500.0, 500.0]


class _Bar:
    """Stands in for tqdm: records what the progress bar would show."""

    shown: list[dict[str, object]] = []

    def __init__(self, **kw: object) -> None:
        self.kw = kw

    def update(self, n: int) -> None:
        assert n == 1

    def set_postfix(self, **kw: object) -> None:
        _Bar.shown.append(kw)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("dp", [False, True])
def test_aim_progress_bar_shows_the_workload_error_only_without_dp(monkeypatch: pytest.MonkeyPatch, dp: bool) -> None:
    import re

    import tqdm.auto
    from safedata_marginal.aim import AIMSynthesizer

    _Bar.shown = []
    monkeypatch.setattr(tqdm.auto, "tqdm", _Bar)
    params = {"dp": dp, "bins": 4, "max_rounds": 2, "round_iters": 2, "final_iters": 2}
    AIMSynthesizer(params).fit(_columns(3), budget=make_budget(1.0, 1e-5) if dp else None, seed=0)
    assert len(_Bar.shown) == 2
    for shown in _Bar.shown:
        assert set(shown) == ({"eps", "cells"} if dp else {"err", "cells"})
        assert isinstance(shown["cells"], int) and shown["cells"] >= 1
        if dp:
            assert re.fullmatch(r"\d+\.\d{3}", str(shown["eps"]))
        else:  # mean L1 error over the workload per row: between 0 and 2, three decimals
            assert re.fullmatch(r"\d\.\d{3}", str(shown["err"])) and 0.0 <= float(str(shown["err"])) <= 2.0


def test_mst_counts_every_column_pair_once_in_its_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pairs MST prefetches (one Dask pass) are the d(d-1)/2 pairs a < b, nothing else."""
    from safedata_marginal.base import FitContext
    from safedata_marginal.mst import MSTSynthesizer

    asked: list[list[tuple[int, ...]]] = []
    prefetch = FitContext.prefetch

    def spy(self: FitContext, attr_sets: list[tuple[int, ...]]) -> None:
        asked.append(list(attr_sets))
        prefetch(self, attr_sets)

    monkeypatch.setattr(FitContext, "prefetch", spy)
    MSTSynthesizer({"bins": 4, "iters": 2}).fit(_columns(4), budget=make_budget(1.0, 1e-5), seed=0)
    assert asked == [[(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]]
