"""Tests that kill surviving mutants of bayes_net's DP path (`make mutation`, issue 22).

Parent candidates are compared with a brute-force definition written here (every parent set within the
theta-usefulness limit that no single further attribute can extend, or of the largest allowed size), at the
exact boundary values of the limit; the greedy structure must make exactly d - 1 charged picks, each
recorded under its documented note.
"""

from __future__ import annotations

from itertools import combinations
from math import prod

import numpy as np
import pytest
from safedata_bayesnet.privbayes import greedy_structure, parent_candidates

from safedata_core.testing import make_budget


def _brute_force(x: int, chosen: list[int], sizes: list[int], max_parents: int, limit: float) -> set[tuple[int, ...]]:
    k_max = min(max_parents, len(chosen))
    out = set()
    for k in range(1, k_max + 1):
        for combo in combinations(chosen, k):
            dom = sizes[x] * prod(sizes[c] for c in combo)
            if dom > limit:
                continue
            extendable = any(dom * sizes[c] <= limit for c in chosen if c not in combo)
            if k == k_max or not extendable:
                out.add(combo)
    return out or {()}


def test_parent_candidates_equal_the_brute_force_definition_at_the_limit_boundaries() -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(400):
        d = int(rng.integers(2, 6))
        sizes = [int(s) for s in rng.integers(2, 6, d)]
        x = int(rng.integers(d))
        others = [c for c in range(d) if c != x]
        chosen = [int(c) for c in rng.permutation(others)[: int(rng.integers(1, len(others) + 1))]]
        max_parents = int(rng.integers(1, 4))
        # limits exactly on a product of sizes (the boundary), just below it, and just above it
        combo = [c for c in chosen if rng.random() < 0.6]
        exact = float(sizes[x] * prod(sizes[c] for c in combo))
        for limit in (exact, exact - 0.5, exact + 0.5):
            got = parent_candidates(x, chosen, sizes, max_parents, limit)
            assert len(got) == len(set(got))
            assert set(got) == _brute_force(x, chosen, sizes, max_parents, limit), (x, chosen, sizes, limit)
            checked += 1
    assert checked == 1200


def test_parent_candidates_keep_a_later_combination_after_one_over_the_limit() -> None:
    # sizes: x=0 has 2 values; attribute 1 is large, attributes 2 and 3 small
    sizes = [2, 10, 2, 2]
    got = parent_candidates(0, [1, 2, 3], sizes, 1, 4.0)
    assert set(got) == {(2,), (3,)}  # (1,) gives 20 > 4 and is skipped, the later ones fit exactly
    # maximality with unequal rest: (2,) at dom 4 extends by 3 (dom 8 <= 8) but not by 1 (40)
    got = parent_candidates(0, [1, 2, 3], sizes, 2, 8.0)
    assert set(got) == {(2, 3)}


def test_greedy_structure_makes_d_minus_one_noted_picks() -> None:
    rng = np.random.default_rng(0)
    for d in (2, 3):
        codes = rng.integers(0, 2, (300, d))
        budget = make_budget(1.0, 0.0)
        network = greedy_structure(codes, [2] * d, budget=budget, epsilon=0.5, max_parents=2, domain_limit=1e9)
        assert len(network) == d and sorted(x for x, _ in network) == list(range(d))
        assert network[0][1] == () and all(len(p) >= 1 for _, p in network[1:])
        picks = [c for c in budget.charges if c.event.mechanism == "exponential"]
        assert len(picks) == d - 1
        assert all(c.note == "bayes_net: PrivBayes pick of (attribute, parents)" for c in picks)
        assert sum(c.event.epsilon for c in picks) == pytest.approx(0.5, rel=1e-12)


def test_greedy_structure_note_names_the_caller() -> None:
    codes = np.random.default_rng(1).integers(0, 3, (200, 3))
    budget = make_budget(1.0, 0.0)
    greedy_structure(codes, [3] * 3, budget=budget, epsilon=0.4, max_parents=1, domain_limit=1e9, where="step x")
    assert [c.note for c in budget.charges] == ["step x: PrivBayes pick of (attribute, parents)"] * 2
