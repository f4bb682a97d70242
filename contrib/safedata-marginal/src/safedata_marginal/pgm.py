"""A discrete graphical model fit to noisy marginals (the estimation step of MST and AIM).

Given measurements ``(attributes, noisy counts, per-cell weight)`` the model
is a junction tree over the measured cliques (triangulated greedily so that
the largest clique stays small), with one dense log-potential per maximal
clique. Fitting minimises the weighted squared error between the model's
marginals and the measurements by entropic mirror descent on the
potentials (each step is one sum-product calibration of the tree), with
Armijo backtracking. Everything the model learns is post-processing of the
measurements, so fitting costs no privacy.

The model answers any marginal (inside one clique by summing, across cliques
by contracting the conditional tables of the smallest connecting subtree) and
samples rows along the tree with vectorised inverse-CDF draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GraphicalModel", "Measurement", "junction_tree", "model_cells", "warm_start"]

Clique = tuple[int, ...]


@dataclass(frozen=True)
class Measurement:
    """Noisy counts ``y`` of the marginal on ``attrs`` (sorted), weighted by ``w`` = 1 / noise std."""

    attrs: Clique
    y: np.ndarray  # shape = domain sizes of attrs
    w: np.ndarray  # same shape (or broadcastable)


def _expand(arr: np.ndarray, attrs: Clique, target: Clique, dom: Sequence[int]) -> np.ndarray:
    """View ``arr`` over ``attrs`` as broadcastable to ``target`` (both sorted, attrs within target)."""
    inside = set(attrs)
    return arr.reshape([dom[v] if v in inside else 1 for v in target])


def _sum_to(arr: np.ndarray, attrs: Clique, keep: Clique) -> np.ndarray:
    axes = tuple(i for i, v in enumerate(attrs) if v not in set(keep))
    return arr.sum(axis=axes) if axes else arr


def _lse_to(arr: np.ndarray, attrs: Clique, keep: Clique) -> np.ndarray:
    axes = tuple(i for i, v in enumerate(attrs) if v not in set(keep))
    if not axes:
        return arr
    m = arr.max(axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return np.squeeze(np.log(np.exp(arr - m).sum(axis=axes, keepdims=True)) + m, axis=axes)


def _log_size(c: Clique, dom: Sequence[int]) -> float:
    return float(sum(math.log(dom[v]) for v in c))


def junction_tree(cliques: Sequence[Clique], dom: Sequence[int]) -> tuple[list[Clique], list[tuple[int, int]]]:
    """Maximal cliques of a greedy (min-weight) triangulation and the tree edges joining them."""
    n = len(dom)
    adj: list[set[int]] = [set() for _ in range(n)]
    for c in cliques:
        for a in c:
            adj[a] |= set(c) - {a}
    remaining = set(range(n))
    found: list[Clique] = []
    while remaining:
        v = min(remaining, key=lambda u: (_log_size(tuple((adj[u] & remaining) | {u}), dom), len(adj[u]), u))
        nb = adj[v] & remaining
        found.append(tuple(sorted(nb | {v})))
        for a in nb:
            adj[a] |= nb - {a}
        remaining.remove(v)
    maximal: list[Clique] = []
    for c in sorted(set(found), key=lambda c: (-len(c), c)):
        if not any(set(c) <= set(d) for d in maximal):
            maximal.append(c)
    # maximum spanning tree on separator sizes (Kruskal); zero-size separators join components
    pairs = sorted(
        ((len(set(a) & set(b)), i, j) for i, a in enumerate(maximal) for j, b in enumerate(maximal) if i < j),
        key=lambda t: -t[0],
    )
    parent = list(range(len(maximal)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges: list[tuple[int, int]] = []
    for _, i, j in pairs:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[ri] = rj
            edges.append((i, j))
    return maximal, edges


def model_cells(cliques: Sequence[Clique], dom: Sequence[int]) -> float:
    """Total number of cells in the junction tree built for ``cliques`` (its memory and time scale)."""
    maximal, _ = junction_tree(cliques, dom)
    return float(sum(math.prod(dom[v] for v in c) for c in maximal))


class GraphicalModel:
    """Junction-tree model over attributes with domain sizes ``dom``, fit to measurements."""

    def __init__(self, dom: Sequence[int], cliques: Sequence[Clique], total: float) -> None:
        self.dom = [int(d) for d in dom]
        self.total = float(max(total, 1.0))
        base = [tuple(sorted(c)) for c in cliques] + [(v,) for v in range(len(self.dom))]
        self._setup(*junction_tree(base, self.dom))

    def _setup(self, cliques: list[Clique], edges: list[tuple[int, int]]) -> None:
        self.cliques, self.edges = cliques, edges
        m = len(self.cliques)
        nbrs: list[list[int]] = [[] for _ in range(m)]
        for i, j in edges:
            nbrs[i].append(j)
            nbrs[j].append(i)
        self._nbrs = nbrs
        self.order: list[int] = []
        self.parent = [-1] * m
        seen = {0}
        queue = [0]
        while queue:
            c = queue.pop(0)
            self.order.append(c)
            for k in sorted(nbrs[c]):
                if k not in seen:
                    seen.add(k)
                    self.parent[k] = c
                    queue.append(k)
        self.children: list[list[int]] = [[] for _ in range(m)]
        for c in self.order[1:]:
            self.children[self.parent[c]].append(c)
        self.sep: list[Clique] = [
            tuple(sorted(set(self.cliques[c]) & set(self.cliques[self.parent[c]]))) if self.parent[c] >= 0 else ()
            for c in range(m)
        ]
        self.theta = [np.zeros(self._shape(c)) for c in self.cliques]
        self._logp = self._calibrate(self.theta)
        self._alpha = 0.0

    def _shape(self, attrs: Clique) -> tuple[int, ...]:
        return tuple(self.dom[v] for v in attrs)

    @property
    def cells(self) -> int:
        return int(sum(math.prod(self._shape(c)) for c in self.cliques))

    # -- inference -------------------------------------------------------------
    def _calibrate(self, theta: list[np.ndarray]) -> list[np.ndarray]:
        """Sum-product on the tree: normalised log-marginals of every clique."""
        cl, dom = self.cliques, self.dom
        up: dict[int, np.ndarray] = {}
        inner: dict[int, np.ndarray] = {}
        for c in reversed(self.order):
            b = theta[c]
            for k in self.children[c]:
                b = b + _expand(up[k], self.sep[k], cl[c], dom)
            inner[c] = b
            if self.parent[c] >= 0:
                up[c] = _lse_to(b, cl[c], self.sep[c])
        beliefs: list[np.ndarray] = [np.empty(0)] * len(cl)
        down: dict[int, np.ndarray] = {}
        for c in self.order:
            b = inner[c]
            if self.parent[c] >= 0:
                b = b + _expand(down[c], self.sep[c], cl[c], dom)
            beliefs[c] = b
            for k in self.children[c]:
                down[k] = _lse_to(b - _expand(up[k], self.sep[k], cl[c], dom), cl[c], self.sep[k])
        root = self.order[0]
        log_z = float(_lse_to(beliefs[root], cl[root], ()).reshape(()))
        return [b - log_z for b in beliefs]

    def clique_marginals(self) -> list[np.ndarray]:
        """Counts (total * probability) of every maximal clique."""
        return [self.total * np.exp(lp) for lp in self._logp]

    def project(self, attrs: Sequence[int]) -> np.ndarray:
        """Model counts of the marginal on ``attrs`` (returned over the sorted attributes)."""
        q = tuple(sorted(attrs))
        containing = [i for i, c in enumerate(self.cliques) if set(q) <= set(c)]
        if containing:
            i = min(containing, key=lambda j: len(self.cliques[j]))
            return self.total * _sum_to(np.exp(self._logp[i]), self.cliques[i], q)
        return self.total * self._project_across(q)

    def _project_across(self, q: Clique) -> np.ndarray:
        # smallest subtree holding every queried attribute: prune unmarked leaves
        marked = set()
        for v in q:
            marked.add(next(i for i, c in enumerate(self.cliques) if v in c))
        alive = set(range(len(self.cliques)))
        deg = {i: len(self._nbrs[i]) for i in alive}
        leaves = [i for i in alive if deg[i] <= 1 and i not in marked]
        while leaves:
            i = leaves.pop()
            if i not in alive or i in marked:
                continue
            alive.remove(i)
            for k in self._nbrs[i]:
                if k in alive:
                    deg[k] -= 1
                    if deg[k] <= 1 and k not in marked:
                        leaves.append(k)
        root = min(alive)
        operands: list[Any] = [np.exp(self._logp[root]), list(self.cliques[root])]
        stack, seen = [root], {root}
        while stack:
            c = stack.pop()
            for k in self._nbrs[c]:
                if k in alive and k not in seen:
                    seen.add(k)
                    stack.append(k)
                    sep = tuple(sorted(set(self.cliques[k]) & set(self.cliques[c])))
                    pk = np.exp(self._logp[k])
                    ps = _expand(_sum_to(pk, self.cliques[k], sep), sep, self.cliques[k], self.dom)
                    cond = np.divide(pk, ps, out=np.zeros_like(pk), where=ps > 0)
                    operands += [cond, list(self.cliques[k])]
        labels = sorted({v for i in range(1, len(operands), 2) for v in operands[i]})
        relabel = {v: j for j, v in enumerate(labels)}
        args: list[Any] = []
        for i in range(0, len(operands), 2):
            args += [operands[i], [relabel[v] for v in operands[i + 1]]]
        return np.einsum(*args, [relabel[v] for v in q], optimize="greedy")

    # -- estimation ------------------------------------------------------------
    def fit(self, measurements: Sequence[Measurement], iters: int = 300, tol: float = 1e-7) -> float:
        """Mirror descent on the potentials; returns the final weighted squared error."""
        home = []
        for m in measurements:
            containing = [i for i, c in enumerate(self.cliques) if set(m.attrs) <= set(c)]
            home.append(min(containing, key=lambda j: len(self.cliques[j])))

        def loss_grad(logp: list[np.ndarray]) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
            mu = [self.total * np.exp(lp) for lp in logp]
            grads = [np.zeros_like(x) for x in mu]
            loss = 0.0
            for m, c in zip(measurements, home, strict=True):
                diff = _sum_to(mu[c], self.cliques[c], m.attrs) - m.y
                loss += 0.5 * float(np.sum((m.w * diff) ** 2))
                grads[c] = grads[c] + _expand(m.w**2 * diff, m.attrs, self.cliques[c], self.dom)
            return loss, grads, mu

        if not measurements:
            return 0.0
        w2 = max(float(np.max(m.w**2)) for m in measurements)
        alpha = self._alpha or 1.0 / (self.total * w2)
        loss, grads, mu = loss_grad(self._logp)
        for _ in range(iters):
            for _ in range(30):
                theta = [t - alpha * g for t, g in zip(self.theta, grads, strict=True)]
                logp = self._calibrate(theta)
                new_loss, new_grads, new_mu = loss_grad(logp)
                decrease = sum(float(np.sum(g * (a - b))) for g, a, b in zip(grads, mu, new_mu, strict=True))
                if new_loss <= loss - 0.5 * decrease:
                    break
                alpha *= 0.5
            else:
                break
            done = loss - new_loss <= tol * max(loss, 1.0)
            self.theta, self._logp = theta, logp
            loss, grads, mu = new_loss, new_grads, new_mu
            alpha *= 1.5
            if done:
                break
        self._alpha = alpha
        return loss

    # -- sampling --------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows of codes, shape (n, n_attributes), drawn along the tree."""
        out = np.zeros((n, len(self.dom)), dtype=np.int64)
        root = self.order[0]
        p = np.exp(self._logp[root]).ravel()
        flat = rng.choice(p.size, size=n, p=p / p.sum())
        for v, col in zip(self.cliques[root], np.unravel_index(flat, self._shape(self.cliques[root])), strict=True):
            out[:, v] = col
        for c in self.order[1:]:
            attrs, sep = self.cliques[c], self.sep[c]
            new = tuple(v for v in attrs if v not in set(sep))
            if not new:
                continue
            axes = [attrs.index(v) for v in sep] + [attrs.index(v) for v in new]
            s_size = math.prod(self._shape(sep)) if sep else 1
            k_size = math.prod(self._shape(new))
            table = np.transpose(np.exp(self._logp[c]), axes).reshape(s_size, k_size)
            rows = table.sum(axis=1, keepdims=True)
            cond = np.where(rows > 0, table / np.where(rows > 0, rows, 1.0), 1.0 / k_size)
            cum = np.cumsum(cond, axis=1)
            cum[:, -1] = 1.0
            cdf = (np.arange(s_size)[:, None] + cum).ravel()
            sidx = np.ravel_multi_index([out[:, v] for v in sep], self._shape(sep)) if sep else np.zeros(n, int)
            pos = np.searchsorted(cdf, sidx + rng.random(n), side="left")
            k = np.clip(pos - sidx * k_size, 0, k_size - 1)
            for v, col in zip(new, np.unravel_index(k, self._shape(new)), strict=True):
                out[:, v] = col
        return out

    # -- state -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "dom": self.dom,
            "total": self.total,
            "cliques": [list(c) for c in self.cliques],
            "edges": [list(e) for e in self.edges],
            "theta": [t.ravel().tolist() for t in self.theta],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GraphicalModel:
        model = cls.__new__(cls)
        model.dom = [int(x) for x in d["dom"]]
        model.total = float(d["total"])
        model._setup([tuple(c) for c in d["cliques"]], [(int(i), int(j)) for i, j in d["edges"]])
        model.theta = [
            np.asarray(t, dtype=float).reshape(model._shape(c)) for t, c in zip(d["theta"], model.cliques, strict=True)
        ]
        model._logp = model._calibrate(model.theta)
        return model


def warm_start(model: GraphicalModel, old: GraphicalModel) -> None:
    """Carry ``old``'s potentials into ``model`` (whose cliques cover old's): same distribution, new structure."""
    theta = [np.zeros_like(t) for t in model.theta]
    for c, t in zip(old.cliques, old.theta, strict=True):
        i = min((j for j, d in enumerate(model.cliques) if set(c) <= set(d)), key=lambda j: len(model.cliques[j]))
        theta[i] = theta[i] + _expand(t, c, model.cliques[i], model.dom)
    model.theta = theta
    model._logp = model._calibrate(theta)
    model._alpha = old._alpha
