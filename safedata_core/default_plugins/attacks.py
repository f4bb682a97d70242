"""Built-in privacy attacks: ``singling_out``, ``attribute_inference``, ``membership_inference`` and ``dcr``.

Each attack reports, as anonymeter does, its success rate on members of the
original (training) table, the rate of a naive baseline, and the rate of the
same attack on the control table (the pipeline's holdout: real non-members),
with the risk ``(main - control) / (1 - control)`` and 95% Wilson intervals
(:meth:`AttackResult.from_counts`). Without a control table the baseline plays
the control's part, except for ``membership_inference`` and ``dcr``, which need
non-members and fall back to a proxy (see :func:`shuffled_marginals`).
The algorithms live in :mod:`safedata_core.evaluation`; this module holds the components.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from safedata_core.components import Attack, AttackResult
from safedata_core.data import Table
from safedata_core.errors import ComponentError, DataError
from safedata_core.hookspecs import hookimpl

__all__ = [
    "AttributeInferenceAttack",
    "DCRAttack",
    "MembershipInferenceAttack",
    "SinglingOutAttack",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


def _columns_field() -> Any:
    return Field(None, description="Columns the attacker uses (default: all columns the tables share).")


def _sample_rows(n_rows: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(n_rows, size=min(n, n_rows), replace=False)


def _take(table: Table, rows: np.ndarray, columns: list[str] | None = None) -> Table:
    df = table.df.iloc[rows] if columns is None else table.df.iloc[rows][columns]
    return Table(df.reset_index(drop=True), table.metadata.subset(list(df.columns)))


# -- singling out -------------------------------------------------------------


class SinglingOutAttack(Attack):
    """Singling out: predicates learnt on the release that isolate exactly one original record (anonymeter).

    The attacker writes predicates from the released table that match exactly one
    of its rows: univariate ones (a value seen once, the minimum or maximum, the
    single missing value) or multivariate ones (``n_cols`` attributes of a random
    released row, ``>=``/``<=`` for numbers depending on the median). A predicate
    succeeds when it matches exactly one row of the de-duplicated original table.
    The baseline uses random predicates; the control rate is the same predicates on
    the control table, rescaled to the original's size with anonymeter's fitted
    model when the sizes differ.

    **Privacy guarantee**: none; an evaluation that reads the original data. Its
    result goes in the report, which is not a DP release.

    **Assumptions**: the attacker sees the whole release; original and control are
    samples of one population. Without a control table the risk is measured
    against the random-predicate baseline.

    **Example**: ``{"use": "singling_out", "target": "synth", "params": {"mode": "univariate", "n_attacks": 500}}``
    """

    name = "singling_out"

    class Params(BaseModel):
        model_config = _FROZEN

        mode: Literal["univariate", "multivariate"] = Field("multivariate", description="Kind of predicates.")
        n_attacks: int = Field(500, ge=1, description="Number of singling-out predicates to try.")
        n_cols: int = Field(3, ge=1, description="Attributes per multivariate predicate.")
        max_attempts: int | None = Field(
            200_000, ge=1, description="Cap on predicates generated while searching (None: no cap)."
        )
        columns: list[str] | None = _columns_field()

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        from safedata_core.evaluation import queries as q
        from safedata_core.evaluation import resolve_columns

        p = self.params
        cols = resolve_columns(p.columns, original, released, control, where="singling_out params.columns")
        rng = np.random.default_rng(seed)
        tables = [_dedup(t, cols) for t in (original, released, control) if t is not None]
        mats, kinds = q.encode_for_queries(tables, cols)
        ori, syn = mats[0], mats[1]
        if p.mode == "univariate":
            queries, attempts, n_cols = q.univariate_queries(syn, kinds, p.n_attacks, rng), 0, 1
        else:
            queries, attempts = q.multivariate_queries(
                syn, kinds, p.n_attacks, p.n_cols, rng, max_attempts=p.max_attempts
            )
            n_cols = min(p.n_cols, len(cols))
        n = len(queries)
        details: dict[str, Any] = {"mode": p.mode, "n_cols": n_cols, "n_requested": p.n_attacks, "columns": cols}
        if p.mode == "multivariate":
            details["attempts"] = attempts
        if n == 0:
            details["warning"] = "no singling-out predicate could be built from the release"
            return AttackResult.from_counts(successes=0, baseline_successes=0, n_attempts=0, details=details)
        successes = int((q.count_matches_capped(ori, queries) == 1).sum())
        baseline = q.random_queries(syn, kinds, n, n_cols, rng)
        baseline_successes = int((q.count_matches_capped(ori, baseline) == 1).sum())
        control_successes: float | None = None
        if control is not None:
            ctrl = mats[2]
            matches = q.match_matrix(ctrl, queries)
            control_successes = float((matches.sum(axis=1) == 1).sum())
            if ctrl.shape[0] != ori.shape[0] and ctrl.shape[0] > 1:
                factor = q.size_correction(matches, ori.shape[0], rng)
                details["control_size_correction"] = factor
                control_successes = min(control_successes * factor, float(n))
        if n < p.n_attacks:
            details["warning"] = f"only {n} of {p.n_attacks} singling-out predicates found; risk may be underestimated"
        return AttackResult.from_counts(
            successes=successes,
            baseline_successes=baseline_successes,
            n_attempts=n,
            control_successes=control_successes,
            n_control=n if control_successes is not None else None,
            details=details,
        )


def _dedup(table: Table, cols: list[str]) -> Table:
    df = table.df[cols].drop_duplicates().reset_index(drop=True)
    return Table(df, table.metadata.subset(cols))


# -- attribute inference ------------------------------------------------------


class AttributeInferenceAttack(Attack):
    """Attribute inference: guess a secret column from known columns via the nearest released record (anonymeter).

    For each target record (sampled from the original table, and from the control
    table for the control rate) the attacker finds the released record closest in
    Gower distance on the auxiliary columns and reads its secret. A guess is right
    when it equals the secret (categories; missing matches missing) or, for
    numbers, when ``|guess - secret| / |guess| <= tolerance``. The baseline guesses
    the secret of a random released record. Several secrets are pooled; per-secret
    figures are in ``details``.

    **Privacy guarantee**: none; an evaluation that reads the original data.

    **Assumptions**: the attacker knows the auxiliary columns of the target
    (default: the quasi-identifiers, else every other column) and sees the whole
    release; without a control table the random-guess baseline is the control.

    **Example**: ``{"use": "attribute_inference", "target": "synth", "params": {"secrets": ["income"]}}``
    """

    name = "attribute_inference"

    class Params(BaseModel):
        model_config = _FROZEN

        secrets: list[str] | None = Field(
            None, description="Columns to infer (default: columns with role 'sensitive', else every column)."
        )
        aux_cols: list[str] | None = Field(
            None, description="Columns the attacker knows (default: quasi-identifiers, else all other columns)."
        )
        n_attacks: int = Field(500, ge=1, description="Target records attacked per secret.")
        tolerance: float = Field(0.05, ge=0, description="Relative error counted as a right guess for numbers.")
        columns: list[str] | None = _columns_field()

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        from safedata_core.evaluation import encode_gower, is_numeric_column, nearest_neighbors, resolve_columns

        p = self.params
        where = "attribute_inference params"
        cols = resolve_columns(p.columns, original, released, control, where=f"{where}.columns")
        secrets = p.secrets or [c for c in original.metadata.sensitive if c in cols] or list(cols)
        _require_in(secrets, cols, f"{where}.secrets")
        rng = np.random.default_rng(seed)
        totals = np.zeros(3)
        n_total = 0
        per_secret: dict[str, Any] = {}
        for secret in secrets:
            if p.aux_cols is not None:
                _require_in(p.aux_cols, cols, f"{where}.aux_cols")
                aux = [c for c in p.aux_cols if c != secret]
            else:
                qis = [c for c in original.metadata.quasi_identifiers if c in cols and c != secret]
                aux = qis or [c for c in cols if c != secret]
            if not aux:
                raise DataError(f"{where}.aux_cols: no auxiliary column left for secret '{secret}' (add columns)")
            targets = _take(original, _sample_rows(len(original), p.n_attacks, rng))
            ctrl = _take(control, _sample_rows(len(control), len(targets), rng)) if control is not None else None
            encoded = encode_gower([t for t in (released, targets, ctrl) if t is not None], aux)
            regression = is_numeric_column(original, secret)
            syn_secret = released.df[secret].reset_index(drop=True)
            _, idx = nearest_neighbors(encoded[1], encoded[0], 1)
            hits = _right_guesses(syn_secret.iloc[idx[:, 0]], targets.df[secret], regression, p.tolerance)
            naive = syn_secret.iloc[rng.integers(0, len(syn_secret), size=len(targets))]
            base_hits = _right_guesses(naive, targets.df[secret], regression, p.tolerance)
            ctrl_hits = 0
            if ctrl is not None:
                _, cidx = nearest_neighbors(encoded[2], encoded[0], 1)
                ctrl_hits = _right_guesses(syn_secret.iloc[cidx[:, 0]], ctrl.df[secret], regression, p.tolerance)
            n = len(targets)
            one = AttackResult.from_counts(
                successes=hits,
                baseline_successes=base_hits,
                n_attempts=n,
                control_successes=ctrl_hits if ctrl is not None else None,
            )
            per_secret[secret] = {
                "aux_cols": aux,
                "regression": regression,
                "success_rate": one.success_rate,
                "baseline_rate": one.baseline_rate,
                "control_rate": one.control_rate,
                "risk": one.risk,
                "risk_ci": one.risk_ci,
            }
            totals += (hits, base_hits, ctrl_hits)
            n_total += n
        return AttackResult.from_counts(
            successes=int(totals[0]),
            baseline_successes=int(totals[1]),
            n_attempts=n_total,
            control_successes=int(totals[2]) if control is not None else None,
            details={"secrets": per_secret},
        )


def _require_in(names: list[str], cols: list[str], where: str) -> None:
    missing = [c for c in names if c not in cols]
    if missing:
        raise DataError(f"{where}: column '{missing[0]}' is not among the attacked columns ({', '.join(cols)})")


def _right_guesses(guesses: pd.Series, secrets: pd.Series, regression: bool, tolerance: float) -> int:
    """anonymeter's rule: exact match for categories, relative error within ``tolerance`` for numbers."""
    from safedata_core.evaluation import as_numbers

    g, s = guesses.reset_index(drop=True), secrets.reset_index(drop=True)
    both_missing = (g.isna() & s.isna()).to_numpy()
    if regression:
        gv, sv = as_numbers(g), as_numbers(s)
        with np.errstate(invalid="ignore"):
            ok = np.abs(gv - sv) / (np.abs(gv) + 1e-12) <= tolerance
    else:
        ok = (g.astype(object).astype(str) == s.astype(object).astype(str)).to_numpy() & g.notna().to_numpy()
    return int((ok | both_missing).sum())


# -- membership inference -----------------------------------------------------


def _non_members(original: Table, control: Table | None, seed: int) -> tuple[Table, str]:
    if control is not None:
        if len(control) < 4:
            raise DataError(f"holdout: {len(control)} rows is too few for a membership attack (give at least 4)")
        return control, "holdout"
    from safedata_core.evaluation import shuffled_marginals

    return shuffled_marginals(original, len(original), seed=seed + 1), "shuffled_marginals"


_PROXY_WARNING = (
    "no holdout: non-members are records with independently shuffled columns, which overstates the risk; "
    "set data.holdout in the pipeline for a calibrated figure"
)


def _flag_top_half(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The attacker's decision: flag as members the higher-scoring half of the candidates (random tie-break)."""
    order = np.lexsort((rng.random(scores.size), -scores))
    flags = np.zeros(scores.size, dtype=bool)
    flags[order[: scores.size // 2]] = True
    return flags


class MembershipInferenceAttack(Attack):
    """Membership inference: tell training records from real non-members using only the release.

    Candidates are equal numbers of members (original rows) and non-members (half
    of the control table; the other half is the attacker's reference sample).
    Two scores are computed: ``dcr`` (minus the Gower distance to the closest
    released record) and ``domias`` (a DOMIAS-style density ratio: log of the
    ``k``-th neighbour distance in the reference sample over that in the release,
    so records in regions the release over-represents score high). ``details``
    holds both scores' AUC and TPR at 1% and 0.1% FPR; the headline rates come from
    ``method``: the attacker flags the top-scoring half of the candidates, the
    success rate is the share of members flagged and the control rate the share
    of non-members flagged; the baseline flags at random.

    **Privacy guarantee**: none; an evaluation that reads the original data.

    **Assumptions**: members and non-members come from one population. Without a
    control table, non-members are records with independently shuffled columns,
    which are easier to reject than real non-members, so the risk is overstated.

    **Example**: ``{"use": "membership_inference", "target": "synth", "params": {"method": "domias"}}``
    """

    name = "membership_inference"

    class Params(BaseModel):
        model_config = _FROZEN

        method: Literal["domias", "dcr"] = Field("domias", description="Score behind the headline rates.")
        n_attacks: int = Field(1000, ge=2, description="Members (and as many non-members) attacked.")
        k: int = Field(1, ge=1, description="Neighbour rank used by the density-ratio score.")
        columns: list[str] | None = _columns_field()

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        from safedata_core.evaluation import encode_gower, nearest_neighbors, resolve_columns, roc_summary

        p = self.params
        cols = resolve_columns(p.columns, original, released, control, where="membership_inference params.columns")
        rng = np.random.default_rng(seed)
        others, source = _non_members(original.select(cols), control.select(cols) if control else None, seed)
        perm = rng.permutation(len(others))
        half = len(others) // 2
        m = min(p.n_attacks, len(others) - half, len(original))
        if half < 1 or m < 1 or len(released) < 1:
            raise ComponentError(
                f"membership_inference: {len(others)} non-member record(s) cannot be split into a reference "
                f"sample and candidates (needs at least 2, and a non-empty release of {len(released)} rows); "
                "give a larger table or a holdout"
            )
        reference = _take(others, perm[:half], cols)
        non_members = _take(others, perm[half : half + m], cols)
        members = _take(original, _sample_rows(len(original), m, rng), cols)
        encoded = encode_gower([released.select(cols), reference, members, non_members], cols)
        enc_rel, enc_ref, enc_mem, enc_non = encoded
        k = min(p.k, len(enc_ref), len(enc_rel))
        scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        d_rel = [nearest_neighbors(e, enc_rel, k)[0] for e in (enc_mem, enc_non)]
        d_ref = [nearest_neighbors(e, enc_ref, k)[0] for e in (enc_mem, enc_non)]
        eps = 1e-6
        scores["dcr"] = (-d_rel[0][:, 0], -d_rel[1][:, 0])
        scores["domias"] = tuple(  # type: ignore[assignment]
            np.log(d_ref[i][:, k - 1] + eps) - np.log(d_rel[i][:, k - 1] + eps) for i in (0, 1)
        )
        details: dict[str, Any] = {
            "method": p.method,
            "non_members": source,
            "n_members": m,
            "n_non_members": m,
            "n_reference": half,
        }
        if source != "holdout":
            details["warning"] = _PROXY_WARNING
        for name, (pos, neg) in scores.items():
            details[name] = roc_summary(pos, neg)
        pos, neg = scores[p.method]
        flags = _flag_top_half(np.concatenate([pos, neg]), rng)
        baseline = int((rng.random(m) < 0.5).sum())
        return AttackResult.from_counts(
            successes=int(flags[:m].sum()),
            baseline_successes=baseline,
            n_attempts=m,
            control_successes=int(flags[m:].sum()),
            n_control=m,
            details=details,
        )


# -- distance to closest record -----------------------------------------------


class DCRAttack(Attack):
    """Distance to closest record: is the release closer to its training records than to unseen ones?

    For released records (a sample of ``n_samples``) it computes the Gower distance
    to the closest original record and to the closest holdout record, and the
    nearest-neighbour distance ratio (closest / second closest). A release that
    generalises is as close to the holdout as to the training data: a released
    record's nearest real neighbour is in the original table with probability
    ``n_original / (n_original + n_holdout)`` (the baseline). The success rate is
    the share of released records strictly closer to the original (ties count one
    half). ``details`` holds distance quantiles and the exact-copy rate (released
    rows equal to an original row on every column).

    **Privacy guarantee**: none; an evaluation that reads the original data.

    **Assumptions**: original and holdout are samples of one population. Without a
    holdout the comparison set is records with independently shuffled columns,
    which overstates the risk.

    **Example**: ``{"use": "dcr", "target": "synth", "params": {"n_samples": 5000}}``
    """

    name = "dcr"

    class Params(BaseModel):
        model_config = _FROZEN

        n_samples: int = Field(5000, ge=1, description="Released records measured.")
        columns: list[str] | None = _columns_field()

    def run(self, original: Table, released: Table, control: Table | None, *, seed: int) -> AttackResult:
        from safedata_core.evaluation import encode_gower, nearest_neighbors, resolve_columns

        p = self.params
        cols = resolve_columns(p.columns, original, released, control, where="dcr params.columns")
        rng = np.random.default_rng(seed)
        holdout, source = _non_members(original.select(cols), control.select(cols) if control else None, seed)
        sample = _take(released, _sample_rows(len(released), p.n_samples, rng), cols)
        enc_s, enc_o, enc_h = encode_gower([sample, original.select(cols), holdout], cols)
        d_o, _ = nearest_neighbors(enc_s, enc_o, 2)
        d_h, _ = nearest_neighbors(enc_s, enc_h, 2)
        closer = int((d_o[:, 0] < d_h[:, 0]).sum())
        ties = int((d_o[:, 0] == d_h[:, 0]).sum())
        n = len(sample)
        p0 = len(original) / (len(original) + len(holdout))
        details: dict[str, Any] = {
            "holdout": source,
            "exact_copy_rate": _exact_match_rate(enc_s, enc_o),
            "holdout_copy_rate": _exact_match_rate(enc_s, enc_h),
            "share_closer_to_original": (closer + 0.5 * ties) / n,
            "expected_share": p0,
            "dcr_original": _quantiles(d_o[:, 0]),
            "dcr_holdout": _quantiles(d_h[:, 0]),
            "nndr_original": _quantiles(_nndr(d_o)),
            "nndr_holdout": _quantiles(_nndr(d_h)),
        }
        if source != "holdout":
            details["warning"] = _PROXY_WARNING
        return AttackResult.from_counts(
            successes=closer + 0.5 * ties,
            baseline_successes=p0 * n,
            n_attempts=n,
            details=details,
        )


def _nndr(d: np.ndarray) -> np.ndarray:
    if d.shape[1] < 2:
        return np.ones(d.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d[:, 1] > 0, d[:, 0] / np.where(d[:, 1] > 0, d[:, 1], 1.0), 1.0)


def _quantiles(x: np.ndarray) -> dict[str, float]:
    qs = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95]) if x.size else [float("nan")] * 5
    return {
        "p5": float(qs[0]),
        "p25": float(qs[1]),
        "median": float(qs[2]),
        "p75": float(qs[3]),
        "p95": float(qs[4]),
        "mean": float(x.mean()) if x.size else float("nan"),
    }


def _exact_match_rate(rows: Any, pool: Any) -> float:
    """Share of ``rows`` equal (every encoded value) to some row of ``pool``."""

    def keys(enc: Any) -> np.ndarray:
        mat = np.ascontiguousarray(np.column_stack([enc.numeric, enc.codes.astype(np.float64)]))
        return mat.view(np.dtype((np.void, mat.shape[1] * 8))).ravel()

    if len(rows) == 0:
        return float("nan")
    return float(np.isin(keys(rows), keys(pool)).mean())


@hookimpl
def register_attacks(register: Any) -> None:
    register(SinglingOutAttack)
    register(AttributeInferenceAttack)
    register(MembershipInferenceAttack)
    register(DCRAttack)
