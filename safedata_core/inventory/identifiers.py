"""Direct-identifier and PII detection for one column: name hints, validated value patterns, uniqueness.

A finding is a dict ``{"kind", "category", "source", "confidence", "matches",
"sampled", "estimated_count", "reason"}`` -- counts only, never values. Value
patterns run on a fixed-seed sample of at most ``sample_size`` non-missing
values, so detection costs the same on a million rows as on ten thousand.
A column becomes a direct identifier when a direct-identifier finding reaches
:data:`DIRECT_THRESHOLD` confidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.names import DIRECT_HINTS, QI_HINTS, hint, tokens
from safedata_core.inventory.patterns import PATTERNS, match_counts

DIRECT_THRESHOLD = 0.6
NEAR_UNIQUE = 0.95
MIN_ROWS_FOR_UNIQUENESS = 20

__all__ = ["DIRECT_THRESHOLD", "detect_identifiers", "detection_sample"]

_POSTAL_TOKENS = frozenset({"zip", "zipcode", "postcode", "postal", "plz", "pincode", "pin"})
_KINDS_BY_PATTERN = {p.kind: p.category for p in PATTERNS}
_LABELS = {
    "email": "e-mail addresses", "phone": "phone numbers", "ip_address": "IP addresses",
    "credit_card": "payment card numbers (Luhn-valid)", "iban": "IBANs (mod-97 valid)",
    "us_ssn": "US social security numbers", "aadhaar": "Aadhaar numbers (Verhoeff-valid)",
    "pan": "Indian PAN numbers", "person_name": "person names", "postal_code": "postal codes",
}


def detection_sample(series: pd.Series, sample_size: int, seed: int = 0) -> tuple[pd.Series, bool]:
    """Non-missing values of ``series`` as strings (whole floats without '.0'), sampled when large.

    Returns the sample and whether the values are numeric.
    """
    if len(series) > 4 * sample_size:  # sample positions first: cheap on millions of rows
        rng = np.random.default_rng(seed)
        s = series.iloc[np.sort(rng.choice(len(series), 4 * sample_size, replace=False))].dropna()
        if len(s) < sample_size:  # mostly missing: fall back to all non-missing values
            s = series.dropna()
    else:
        s = series.dropna()
    if len(s) > sample_size:
        s = s.sample(sample_size, random_state=seed)
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if numeric:
        v = s.to_numpy(dtype=float)
        whole = np.isfinite(v) & (np.mod(v, 1) == 0) & (np.abs(v) < 2**63)
        text = pd.Series(v[whole].astype(np.int64).astype(str), index=s.index[whole])  # cast only what fits
        return text, True
    return s.astype(str).str.strip(), False


def detect_identifiers(
    series: pd.Series,
    name: str,
    ctype: str,
    *,
    sample_size: int = 2000,
    seed: int = 0,
    distinct: int | None = None,
    non_missing: int | None = None,
) -> list[dict[str, Any]]:
    """Findings about ``series`` (column ``name`` of inferred/declared type ``ctype``), strongest first.

    ``distinct`` and ``non_missing`` may be passed when the caller has them already.
    """
    findings: list[dict[str, Any]] = []
    if non_missing is None:
        non_missing = int(series.notna().sum())
    direct_hint = hint(name, DIRECT_HINTS)
    qi_hint = hint(name, QI_HINTS)
    postal = bool(set(tokens(name)) & _POSTAL_TOKENS)
    hints = frozenset(h for h in (direct_hint, "postal_code" if postal else None) if h)
    if ctype == "datetime" or qi_hint == "date":
        findings += _date_findings(series, ctype, qi_hint, non_missing)
    if ctype not in ("boolean", "datetime") and non_missing:
        sample, numeric = detection_sample(series, sample_size, seed)
        findings += _pattern_findings(sample, ctype, numeric, hints, non_missing, direct_hint)
    findings += _uniqueness_findings(series, ctype, non_missing, direct_hint, distinct)
    if direct_hint and not any(f["kind"] == direct_hint for f in findings) and direct_hint != "record_id":
        findings.append(_finding(direct_hint, "direct_identifier", "name", 0.5, 0, 0, 0,
                                 f"column name suggests {_LABELS.get(direct_hint, direct_hint.replace('_', ' '))}"))
    findings.sort(key=lambda f: -f["confidence"])
    return findings


def _pattern_findings(
    sample: pd.Series, ctype: str, numeric: bool, hints: frozenset[str], non_missing: int, direct_hint: str | None
) -> list[dict[str, Any]]:
    n = len(sample)
    if n == 0:
        return []
    out: list[dict[str, Any]] = []
    counts = match_counts(sample, mode="fullmatch", numeric=numeric, hints=hints)
    known = counts.pop("person_name_known", 0)
    for kind, c in counts.items():
        share = c / n
        category = _KINDS_BY_PATTERN.get(kind, "direct_identifier")
        agrees = direct_hint == kind or (kind == "postal_code" and "postal_code" in hints)
        if kind == "person_name":
            conf = _person_name_confidence(share, known / n, agrees, sample)
            reason = f"{share:.0%} of sampled values are capitalised words, {known / n:.0%} start with a given name"
        else:
            conf = share + (0.1 if agrees else 0.0) if share >= 0.5 else share * 0.5
            reason = f"{share:.0%} of sampled values are {_LABELS.get(kind, kind)}" + (
                " (and the column name agrees)" if agrees else "")
        conf = round(min(conf, 0.99), 3)
        if conf >= 0.05:
            out.append(_finding(kind, category, "values+name" if agrees else "values", conf, c, n,
                                round(share * non_missing), reason))
    if not numeric:
        strong = {f["kind"] for f in out if f["confidence"] >= 0.5}
        out += _contained_findings(sample, ctype, hints, non_missing, strong)
    return out


def _contained_findings(
    sample: pd.Series, ctype: str, hints: frozenset[str], non_missing: int, already: set[str]
) -> list[dict[str, Any]]:
    """Personal data *inside* values (free text, comments): e-mails, phone numbers, card numbers..."""
    n = len(sample)
    out = []
    min_share = 0.005 if ctype == "text" else 0.02
    for kind, c in match_counts(sample, mode="search", numeric=False, hints=hints).items():
        share = c / n
        if kind in already or c < 2 or share < min_share:
            continue
        conf = round(min(0.95, 0.6 + share), 3)
        out.append(_finding(f"contains_{kind}", "direct_identifier", "values", conf, c, n, round(share * non_missing),
                            f"{share:.1%} of sampled values contain {_LABELS.get(kind, kind)}"))
    return out


def _person_name_confidence(share: float, known: float, agrees: bool, sample: pd.Series) -> float:
    if share < 0.7:
        return 0.0
    distinct = sample.nunique() / max(len(sample), 1)
    if agrees:
        return 0.75 + 0.2 * min(1.0, known * 2)
    if known >= 0.3 and distinct >= 0.05:
        return 0.6 + 0.35 * known
    return 0.0


def _date_findings(series: pd.Series, ctype: str, qi_hint: str | None, non_missing: int) -> list[dict[str, Any]]:
    """Dates of birth (a strong quasi-identifier): by name, or by a plausible birth-date range."""
    if not non_missing:
        return []
    if qi_hint == "date":
        return [_finding("date_of_birth", "quasi_identifier", "name", 0.9, non_missing, non_missing, non_missing,
                         "column name suggests a date or year of birth")]
    dates = pd.to_datetime(series, errors="coerce").dropna()
    if len(dates) == 0:
        return []
    years = dates.dt.year
    now = pd.Timestamp.now().year
    if years.min() >= 1900 and years.max() <= now and years.max() - years.min() >= 15:
        return [_finding("date_of_birth", "quasi_identifier", "values", 0.4, len(dates), len(dates), len(dates),
                         f"dates span {years.max() - years.min()} years in the past, as birth dates do")]
    return []


def _uniqueness_findings(
    series: pd.Series, ctype: str, non_missing: int, direct_hint: str | None, distinct: int | None
) -> list[dict[str, Any]]:
    if non_missing < MIN_ROWS_FOR_UNIQUENESS or ctype in ("text", "datetime", "boolean", "numerical"):
        return []
    if distinct is None:
        distinct = int(series.nunique(dropna=True))
    ratio = distinct / non_missing
    if ratio < NEAR_UNIQUE:
        if direct_hint == "record_id" and ratio >= 0.5:
            return [_finding("record_id", "direct_identifier", "name", 0.5, distinct, non_missing, distinct,
                             f"column name suggests a key; {ratio:.0%} of values are distinct")]
        return []
    sequential = False
    if ctype == "integer":
        v = series.dropna().to_numpy(dtype=float)
        sequential = bool(v.max() - v.min() + 1 == distinct)
    if direct_hint == "record_id":
        conf = 0.95
    elif ctype == "integer":
        conf = 0.75 if sequential else 0.55
    else:
        conf = 0.75
    reason = f"{ratio:.1%} of values are distinct" + (", consecutive integers" if sequential else "") + (
        " and the name suggests a key" if direct_hint == "record_id" else "")
    return [_finding("near_unique_key", "direct_identifier", "uniqueness", conf, distinct, non_missing, distinct,
                     reason)]


def _finding(
    kind: str, category: str, source: str, confidence: float, matches: int, sampled: int, estimated: int, reason: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "category": category,
        "source": source,
        "confidence": float(confidence),
        "matches": int(matches),
        "sampled": int(sampled),
        "estimated_count": int(estimated),
        "reason": reason,
    }
