"""Test helpers shared by the test suites of safedata-deep, safedata-tvae and safedata-ctgan.

* :func:`reproducible_share`: a budget share whose DP noise replays from a seed
  (test-only; a release made with it is not DP).
* :func:`independent_epsilon`: a step's epsilon recomputed from the charged
  parameters alone, to check a component's calibration against something
  other than its own sum.
* :func:`check_neighbours_share_public_state`: fits a synthesizer on two
  neighbouring tables (one extra extreme record with a unique category) and
  checks that everything it keeps that is not noisy is identical, that the
  extra record shows up nowhere, and that the DP-SGD steps run are the steps
  charged.

Nothing here is used by the components themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import NoiseSource, rdp_curves
from safedata_core.testing import make_budget

__all__ = [
    "EXTREME",
    "UNIQUE",
    "check_neighbours_share_public_state",
    "count_dp_steps",
    "independent_epsilon",
    "neighbour_tables",
    "reproducible_share",
]

#: the extra record of :func:`neighbour_tables`: a value far outside the public bounds and a unique category
EXTREME, UNIQUE = 987654321.0, "zz-unique-category"


def reproducible_share(epsilon: float, delta: float, noise_seed: int) -> Any:
    """A fresh share of (epsilon, delta) whose DP noise replays from ``noise_seed`` (TEST ONLY)."""
    share = make_budget(epsilon, delta)
    share.noise = NoiseSource.reproducible(noise_seed)
    return share


def independent_epsilon(share: Any) -> float:
    """The step's epsilon recomputed from the charged PARAMETERS only (not the ledger, not the events' epsilons).

    RDP curves per mechanism from their parameters (``geometric``: pure
    ``sensitivity / scale``; ``subsampled_gaussian``: noise multiplier, sample
    rate, steps), summed and converted at the share's delta minus the deltas
    of the ``approx`` events (thresholded selections, ``1 / scale``), which
    are added by basic composition; then the min with basic composition of
    each event's own epsilon, also recomputed from its parameters.
    """
    orders = rdp_curves.DEFAULT_ORDERS
    curve = np.zeros(orders.shape)
    basic, approx_eps, approx_delta = 0.0, 0.0, 0.0
    for charge in share.charges:
        e, p = charge.event, charge.event.params
        if e.mechanism == "geometric":
            eps = p["sensitivity"] / p["scale"]
            curve = curve + rdp_curves.pure_rdp(eps, orders)
            basic += eps
        elif e.mechanism == "subsampled_gaussian":
            sgd = rdp_curves.subsampled_gaussian_rdp(p["noise_multiplier"], p["sample_rate"], orders) * p["steps"]
            curve = curve + sgd
            basic += rdp_curves.rdp_to_epsilon(sgd, orders, e.delta)[0]
        elif e.mechanism == "approx":
            approx_eps += 1 / p["scale"]
            approx_delta += e.delta
        else:
            raise AssertionError(f"independent_epsilon: no recomputation for mechanism '{e.mechanism}'")
    rdp_eps = rdp_curves.rdp_to_epsilon(curve, orders, share.delta - approx_delta)[0] + approx_eps
    return min(rdp_eps, basic + approx_eps)


@contextlib.contextmanager
def count_dp_steps() -> Iterator[list[int]]:
    """Record the realised batch size of every :class:`~safedata_deep.dpsgd.LinearDPSGD` step in the block."""
    from safedata_deep import dpsgd

    sizes: list[int] = []
    original = dpsgd.LinearDPSGD.step

    def counting(self: Any, losses: Any, n: int) -> float:
        sizes.append(n)
        return original(self, losses, n)

    setattr(dpsgd.LinearDPSGD, "step", counting)  # noqa: B010 (patching a method for the block)
    try:
        yield sizes
    finally:
        setattr(dpsgd.LinearDPSGD, "step", original)  # noqa: B010


def neighbour_tables(n: int = 1500) -> tuple[Table, Table]:
    """D and D' = D + one record (an extreme numeric value, a unique category in a DP-selected column)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(50, 10, n).clip(0, 100),
            "colour": rng.choice(["red", "blue", "green"], n).astype(object),  # no public domain: DP-selected
            "size": rng.choice(["S", "M", "L"], n).astype(object),  # public domain
        }
    )
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 100)),
            "colour": ColumnMeta(type="categorical"),
            "size": ColumnMeta(type="categorical", categories=["S", "M", "L"]),
        }
    )
    extra = pd.DataFrame({"x": [EXTREME], "colour": [UNIQUE], "size": ["L"]})
    return Table.from_dataframe(df, meta), Table.from_dataframe(pd.concat([df, extra], ignore_index=True), meta)


def _public_layout(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Per column: everything except the DP-estimated mixture (means, sds, weights come from a noisy histogram)."""
    drop = {"means", "stds", "weights"}
    return [{k: v for k, v in c.items() if k not in drop} for c in state["transformer"]["columns"]]


def _ledger(share: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for c in share.charges:
        e = c.event
        if e.mechanism == "subsampled_gaussian":  # sigma, sample rate and steps follow the DP row count
            out.append((e.mechanism, c.note, e.params["clip_norm"]))
            continue
        out.append((e.mechanism, c.note, e.count, round(e.epsilon, 12), tuple(sorted(e.params.items()))))
    return out


def check_neighbours_share_public_state(cls: Any, params: dict[str, Any], epsilon: float = 3.0) -> list[Any]:
    """Fit ``cls(params)`` on :func:`neighbour_tables` (same seed, same test-only noise) and check (assert):

    identical params, metadata, column layout (public bounds, DP-selected categories without the unique one)
    and preprocessing charges; the extra record's value and category nowhere in the state or report; the
    spend within the share; DP-SGD steps run == steps charged, with Poisson batch sizes around q * n.
    Returns the two fitted models for model-specific checks.
    """
    small, big = neighbour_tables()
    fits = []
    for t in (small, big):
        share = reproducible_share(epsilon, 1e-5, 5)
        model = cls(params)
        with count_dp_steps() as sizes:
            model.fit(t, budget=share, seed=7)
        fits.append((model, share, sizes, len(t.df)))
    s1, s2 = fits[0][0].state_dict(), fits[1][0].state_dict()
    assert s1 is not None and s2 is not None
    assert s1["params"] == s2["params"] and s1["metadata"] == s2["metadata"]
    assert _public_layout(s1) == _public_layout(s2)
    x_col = next(c for c in s1["transformer"]["columns"] if c["name"] == "x")
    assert (x_col["low"], x_col["high"]) == (0.0, 100.0)  # public bounds, not the data's min/max
    colour = next(c for c in s2["transformer"]["columns"] if c["name"] == "colour")
    assert colour["categories"] == ["blue", "green", "red"]  # DP-selected; the unique category is not
    assert _ledger(fits[0][1]) == _ledger(fits[1][1])
    for model, share, sizes, n in fits:
        text = repr(model.state_dict()) + repr(model.report_extras())
        assert UNIQUE not in text and "987654321" not in text
        assert share.spent().epsilon <= epsilon * (1 + 1e-9)
        # the steps actually run are the steps charged, empty Poisson batches included
        sgd = next(c.event for c in share.charges if c.event.mechanism == "subsampled_gaussian")
        assert len(sizes) == sgd.count == sgd.params["steps"]
        expected = sgd.params["sample_rate"] * n
        assert abs(np.mean(sizes) - expected) < 4 * np.sqrt(expected / len(sizes)) + 1
    return [fits[0][0], fits[1][0]]
