"""Proxy columns of an SDC release: a kept column that gives back a quasi-identifier the SDC hid.

SDC protects records by suppressing or generalising quasi-identifiers (QIs).
If the release keeps another column that (nearly) determines a hidden QI, the
protection is void: Adult's ``education_num`` is a 1:1 code of ``education``,
and ``relationship`` = Husband / Wife gives away ``sex``. An attacker learns
the link from the release itself or from any public sample.

For every treated QI ``q`` (a QI with changed values, or one dropped from the
release) and every kept column ``c`` (in the release, not a QI, unchanged),
the association is measured **on the real data** (the chain's input) as the
uncertainty coefficient (Theil's U) of ``q`` given ``c``, *beyond what the
released value of* ``q`` *already says*, over the records whose ``q`` the SDC
changed::

    U = (H(q | r) - H(q | r, c)) / H(q | r)

where ``r`` is the released value of ``q`` in the same row (all suppressed
cells, i.e. blank or ``*``, count as one value ``r``). U is 0 when ``c`` tells
nothing more and 1 when it restores ``q`` exactly. For suppressed cells the
attacker's model of ``q`` given ``c`` is learnt from all rows (what a public
sample would teach), for generalised cells from the rows sharing ``r``;
probabilities are smoothed with one pseudo-record spread over the values of
``q``, so a value held by a handful of records does not count as determining. Numbers with more than
:data:`MAX_EXACT_VALUES` distinct values are cut into quantile bins with
point masses (:mod:`safedata_core.evaluation.binning`), so a near-unique
column such as ``fnlwgt`` is not mistaken for a proxy, and U is corrected for
chance (``(U - U0) / (1 - U0)``, ``U0`` the mean U with the kept column
shuffled), so many small groups on a small table do not look informative.

``revealed_share`` is the plain-language companion: the share of treated
records whose hidden value the kept column predicts with at least
:data:`REVEAL_CONFIDENCE` confidence (and better than the released value did).

Everything is vectorised: codes per column, pandas group-by counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.sdc.hierarchy import TOP

__all__ = ["MAX_EXACT_VALUES", "PROXY_BINS", "REVEAL_CONFIDENCE", "find_proxies", "suppressed_mask"]

MAX_EXACT_VALUES = 32
PROXY_BINS = 20
REVEAL_CONFIDENCE = 0.95
NULL_SHUFFLES = 2
_PRIOR = 1.0  # total pseudo-count, spread evenly over the values of q (Perks prior)


def suppressed_mask(original: pd.Series, released: pd.Series) -> np.ndarray:
    """Cells blanked by SDC: missing in the release where the original had a value, or the hierarchy top ``*``."""
    rel = released.reset_index(drop=True)
    orig = original.reset_index(drop=True)
    star = rel.astype("object").eq(TOP).to_numpy(dtype=bool)
    return np.asarray(star | (rel.isna().to_numpy() & orig.notna().to_numpy()))


def _text(s: pd.Series) -> np.ndarray:
    """Values as text (missing as one marker), to compare two versions of a column cell by cell."""
    return np.asarray(s.astype("object").where(s.notna(), "\x00<missing>").astype(str).to_numpy())


def _codes(s: pd.Series) -> np.ndarray:
    """Small integer codes of one column (numbers and dates with many values binned; missing is a code of its own)."""
    from safedata_core.evaluation.binning import quantile_bins

    if pd.api.types.is_datetime64_any_dtype(s) or (
        pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    ):
        from safedata_core.evaluation import as_numbers

        v = as_numbers(s)
        if np.unique(v[~np.isnan(v)]).size > MAX_EXACT_VALUES:
            return quantile_bins(v, PROXY_BINS).codes(v)
    codes, _ = pd.factorize(s.astype("object"), use_na_sentinel=True)
    return np.asarray(np.where(codes < 0, codes.max(initial=-1) + 1, codes).astype(np.int64))


def _count(key: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """For each row, how many rows with ``fit`` true share its ``key`` (a pandas hash group-by)."""
    groups, _ = pd.factorize(key)
    return np.asarray(np.bincount(groups[fit], minlength=groups.max(initial=-1) + 1)[groups].astype(float))


def _prob(q: np.ndarray, by: np.ndarray | None, k: int) -> np.ndarray:
    """Smoothed P(q | by) of each row's own q, counted over all rows (``by`` None: the marginal P(q))."""
    every = np.ones(len(q), dtype=bool)
    if by is None:
        n_q, n = _count(q, every), np.full(len(q), float(len(q)))
    else:
        n_q, n = _count(by * k + q, every), _count(by, every)
    return (n_q + _PRIOR / k) / (n + _PRIOR)


def _coefficient(
    q: np.ndarray, r: np.ndarray, sup: np.ndarray, c: np.ndarray, hidden: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """U of ``q`` given ``c`` beyond ``r`` on the ``hidden`` rows, and each row's P(q | r) and P(q | r, c)."""
    k = int(q.max(initial=0)) + 1
    nc = int(c.max(initial=0)) + 1
    # generalised or kept cells: learn q from the rows sharing the released value (and c)
    p0 = _prob(q, r, k)
    p1 = _prob(q, r * nc + c, k)
    if sup.any():  # suppressed cells: r says nothing; learn q (given c) from every row
        p0 = np.where(sup, _prob(q, None, k), p0)
        p1 = np.where(sup, _prob(q, c, k), p1)
    if not hidden.any():
        return 0.0, p0, p1
    h0, h1 = float(-np.log(p0[hidden]).mean()), float(-np.log(p1[hidden]).mean())
    u = 0.0 if h0 <= 1e-12 else max(0.0, (h0 - h1) / h0)
    return min(u, 1.0), p0, p1


def _how(kept: bool, aligned: bool, sup: np.ndarray, hidden: np.ndarray) -> str:
    """How the SDC hid the QI: ``dropped``, ``suppressed``, ``generalised`` or ``suppressed or generalised``."""
    if not kept:
        return "dropped"
    if not aligned:
        return "suppressed or generalised"
    n_sup = int((sup & hidden).sum())
    if n_sup == int(hidden.sum()):
        return "suppressed"
    return "generalised" if n_sup == 0 else "suppressed or generalised"


def _chance_corrected(
    u: float, q: np.ndarray, r: np.ndarray, sup: np.ndarray, c: np.ndarray, hidden: np.ndarray
) -> float:
    """``u`` corrected for chance: ``(u - u0) / (1 - u0)`` with ``u0`` the mean U of ``c`` shuffled (2 shuffles)."""
    rng = np.random.default_rng(0)  # evaluation only, not a release: a fixed seed keeps reports reproducible
    u0 = float(np.mean([_coefficient(q, r, sup, rng.permutation(c), hidden)[0] for _ in range(NULL_SHUFFLES)]))
    return max(0.0, (u - u0) / (1 - u0)) if u0 < 1 else 0.0


def find_proxies(
    original: pd.DataFrame,
    released: pd.DataFrame,
    quasi_identifiers: list[str],
    *,
    warn_at: float,
    fail_at: float,
) -> list[dict[str, Any]]:
    """Kept columns whose Theil's U for a hidden QI is >= ``warn_at`` (``fail`` from ``fail_at``), strongest first.

    ``original`` is the SDC chain's input (the real data) and ``released`` the
    released table; rows are matched by position when both have the same
    length (otherwise every QI value counts as hidden).
    """
    aligned = len(original) == len(released)
    orig = original.reset_index(drop=True)
    rel = released.reset_index(drop=True)
    qis = [q for q in quasi_identifiers if q in orig.columns]
    everything = np.ones(len(orig), dtype=bool)
    treated: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for q in qis:
        if q not in rel.columns or not aligned:  # dropped, or rows not matched: every value counts as hidden
            treated[q] = (np.zeros(len(orig), dtype=np.int64), everything, everything)
            continue
        changed = _text(orig[q]) != _text(rel[q])
        if not changed.any():
            continue
        sup = suppressed_mask(orig[q], rel[q])
        r = _codes(rel[q].astype("object").where(~sup, other=TOP))
        treated[q] = (r, sup, changed)
    kept = [c for c in rel.columns if c in orig.columns and c not in qis]
    if aligned:
        kept = [c for c in kept if (_text(orig[c]) == _text(rel[c])).all()]
    codes = {c: _codes(orig[c]) for c in kept}
    out: list[dict[str, Any]] = []
    for q, (r, sup, hidden) in treated.items():
        qc = _codes(orig[q])
        for c in kept:
            u, p0, p1 = _coefficient(qc, r, sup, codes[c], hidden)
            if u < warn_at:
                continue
            u = _chance_corrected(u, qc, r, sup, codes[c], hidden)
            if u < warn_at:
                continue
            revealed = hidden & (p1 >= REVEAL_CONFIDENCE) & (p0 < REVEAL_CONFIDENCE)
            values = orig.loc[revealed, c].astype("object").astype(str).value_counts().index[:4].tolist()
            out.append(
                {
                    "column": c,
                    "determines": q,
                    "hidden_as": _how(q in rel.columns, aligned, sup, hidden),
                    "theil_u": round(u, 4),
                    "hidden_records": int(hidden.sum()),
                    "revealed_share": round(float(revealed.sum() / max(int(hidden.sum()), 1)), 4),
                    "revealing_values": values if not pd.api.types.is_numeric_dtype(orig[c]) else [],
                    "verdict": "fail" if u >= fail_at else "warn",
                }
            )
    return sorted(out, key=lambda p: -p["theil_u"])
