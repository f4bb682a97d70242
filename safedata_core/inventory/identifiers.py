"""Direct-identifier and PII detection for one column: name hints, validated value patterns, uniqueness.

A finding is a dict ``{"kind", "category", "source", "confidence", "matches",
"sampled", "estimated_count", "reason"}`` -- counts only, never values. Value
patterns run on a fixed-seed sample of at most ``sample_size`` non-missing
values, so detection costs the same on a million rows as on ten thousand.
A column becomes a direct identifier when a direct-identifier finding reaches
:data:`DIRECT_THRESHOLD` confidence.

Person names weigh three kinds of evidence (:func:`person_name_finding`): the
column name (``surname``, ``Vorname``, ``name``, ``first``... in several
languages), the shape of the values (words of letters) and a public-domain
lexicon of 5,163 given names and 20,000 surnames (``inventory/lexicon.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from safedata_core.inventory.lexicon import NameEvidence, name_evidence
from safedata_core.inventory.names import (
    DIRECT_HINTS,
    GENERIC_NAME,
    QI_HINTS,
    STRONG_NAME,
    NamePart,
    hint,
    names_a_thing,
    person_name_hint,
    tokens,
)
from safedata_core.inventory.patterns import PATTERNS, match_counts

DIRECT_THRESHOLD = 0.6
NEAR_UNIQUE = 0.95
MIN_ROWS_FOR_UNIQUENESS = 20

__all__ = ["DIRECT_THRESHOLD", "detect_identifiers", "detection_sample", "person_name_finding"]

_POSTAL_TOKENS = frozenset({"zip", "zipcode", "postcode", "postal", "plz", "pincode", "pin"})
_KINDS_BY_PATTERN = {p.kind: p.category for p in PATTERNS}
_LABELS = {
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "ip_address": "IP addresses",
    "credit_card": "payment card numbers (Luhn-valid)",
    "iban": "IBANs (mod-97 valid)",
    "us_ssn": "US social security numbers",
    "aadhaar": "Aadhaar numbers (Verhoeff-valid)",
    "pan": "Indian PAN numbers",
    "person_name": "person names",
    "postal_code": "postal codes",
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
    person_hint = person_name_hint(name)
    if direct_hint is None and person_hint is not None and person_hint[1] >= GENERIC_NAME:
        direct_hint = "person_name"
    qi_hint = hint(name, QI_HINTS)
    postal = bool(set(tokens(name)) & _POSTAL_TOKENS)
    hints = frozenset(h for h in (direct_hint, "postal_code" if postal else None) if h)
    if ctype == "datetime" or qi_hint == "date":
        findings += _date_findings(series, ctype, qi_hint, non_missing)
    if ctype not in ("boolean", "datetime") and non_missing:
        sample, numeric = detection_sample(series, sample_size, seed)
        findings += _pattern_findings(sample, ctype, numeric, hints, non_missing, direct_hint)
        if not numeric:
            found = person_name_finding(sample, name, non_missing)
            findings += [found] if found is not None else []
    findings += _uniqueness_findings(series, ctype, non_missing, direct_hint, distinct)
    if direct_hint and not any(f["kind"] == direct_hint for f in findings) and direct_hint != "record_id":
        by_name = person_hint[1] if direct_hint == "person_name" and person_hint is not None else 0.5
        findings.append(
            _finding(
                direct_hint,
                "direct_identifier",
                "name",
                by_name,
                0,
                0,
                0,
                f"column name suggests {_LABELS.get(direct_hint, direct_hint.replace('_', ' '))}",
            )
        )
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
    # person names are weighed by person_name_finding (name, shape and lexicon together)
    counts.pop("person_name_known", None)
    counts.pop("person_name", None)
    for kind, c in counts.items():
        share = c / n
        category = _KINDS_BY_PATTERN.get(kind, "direct_identifier")
        agrees = direct_hint == kind or (kind == "postal_code" and "postal_code" in hints)
        conf = share + (0.1 if agrees else 0.0) if share >= 0.5 else share * 0.5
        reason = f"{share:.0%} of sampled values are {_LABELS.get(kind, kind)}" + (
            " (and the column name agrees)" if agrees else ""
        )
        conf = round(min(conf, 0.99), 3)
        if conf >= 0.05:
            out.append(
                _finding(
                    kind,
                    category,
                    "values+name" if agrees else "values",
                    conf,
                    c,
                    n,
                    round(share * non_missing),
                    reason,
                )
            )
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
        out.append(
            _finding(
                f"contains_{kind}",
                "direct_identifier",
                "values",
                conf,
                c,
                n,
                round(share * non_missing),
                f"{share:.1%} of sampled values contain {_LABELS.get(kind, kind)}",
            )
        )
    return out


_PART_LABELS: dict[str, str] = {"full": "person names", "given": "given names", "family": "surnames"}


def _enough_variety(ev: NameEvidence) -> bool:
    """Names vary: at least 20 distinct values (fewer in a small sample), not a short code list."""
    return ev.distinct >= max(3, min(20, round(0.2 * ev.sampled)))


def _name_confidence(ev: NameEvidence, strength: float | None) -> float:
    """Confidence that the sampled values are person names, given the column-name ``strength`` (None: no hint)."""
    lex, shaped, varied = ev.score, ev.shaped, _enough_variety(ev)
    if shaped < 0.6:
        return 0.0
    if strength is not None and strength >= STRONG_NAME:
        return 0.75 + 0.2 * min(1.0, lex / 0.5)
    if not varied:
        return 0.0
    if strength is not None and strength >= GENERIC_NAME:
        if lex >= 0.2:
            return 0.7 + 0.25 * min(1.0, lex / 0.6)
        return 0.65 if ev.multi_word >= 0.6 else 0.45  # several words of letters: names outside the lexicon
    if strength is not None:  # "first", "last": only with the lexicon's support
        return 0.65 + 0.3 * min(1.0, (lex - 0.3) / 0.5) if lex >= 0.3 else 0.0
    if shaped < 0.7 or lex < 0.5:
        return 0.0
    if ev.multi_word >= 0.5 and min(ev.given, ev.surname) < 0.3:
        return 0.0  # "first last" needs both halves recognised without a column-name hint
    if ev.multi_word < 0.5 and lex < 0.6:
        return 0.0
    return 0.6 + 0.35 * min(1.0, (lex - 0.5) / 0.4)


def person_name_finding(sample: pd.Series, name: str, non_missing: int) -> dict[str, Any] | None:
    """A ``person_name`` finding for a column of strings, or ``None``; reasons give shares, never values."""
    if len(sample) == 0:
        return None
    hinted = person_name_hint(name)
    if hinted is None and names_a_thing(name):
        return None  # "city", "company_name": names of things, even when they are also surnames
    part: NamePart = hinted[0] if hinted else "full"
    strength = hinted[1] if hinted else None
    ev = name_evidence(sample)
    conf = round(min(_name_confidence(ev, strength), 0.99), 3)
    if conf < 0.05:
        return None
    what = _PART_LABELS[part]
    said = f"column name suggests {what}; " if hinted else ""
    reason = (
        f"{said}{ev.shaped:.0%} of sampled values are words of letters; {ev.given:.0%} start with a given name "
        f"and {ev.surname:.0%} end with a surname of the name lexicon (1990 US Census, public domain); "
        f"{ev.distinct} distinct in {ev.sampled} sampled"
    )
    matched = round(ev.shaped * ev.sampled)
    return _finding(
        "person_name",
        "direct_identifier",
        "values+name" if hinted else "values",
        conf,
        matched,
        ev.sampled,
        round(ev.shaped * non_missing),
        reason,
    )


def _date_findings(series: pd.Series, ctype: str, qi_hint: str | None, non_missing: int) -> list[dict[str, Any]]:
    """Dates of birth (a strong quasi-identifier): by name, or by a plausible birth-date range."""
    if not non_missing:
        return []
    if qi_hint == "date":
        return [
            _finding(
                "date_of_birth",
                "quasi_identifier",
                "name",
                0.9,
                non_missing,
                non_missing,
                non_missing,
                "column name suggests a date or year of birth",
            )
        ]
    dates = pd.to_datetime(series, errors="coerce").dropna()
    if len(dates) == 0:
        return []
    years = dates.dt.year
    now = pd.Timestamp.now().year
    if years.min() >= 1900 and years.max() <= now and years.max() - years.min() >= 15:
        return [
            _finding(
                "date_of_birth",
                "quasi_identifier",
                "values",
                0.4,
                len(dates),
                len(dates),
                len(dates),
                f"dates span {years.max() - years.min()} years in the past, as birth dates do",
            )
        ]
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
            return [
                _finding(
                    "record_id",
                    "direct_identifier",
                    "name",
                    0.5,
                    distinct,
                    non_missing,
                    distinct,
                    f"column name suggests a key; {ratio:.0%} of values are distinct",
                )
            ]
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
    reason = (
        f"{ratio:.1%} of values are distinct"
        + (", consecutive integers" if sequential else "")
        + (" and the name suggests a key" if direct_hint == "record_id" else "")
    )
    return [
        _finding("near_unique_key", "direct_identifier", "uniqueness", conf, distinct, non_missing, distinct, reason)
    ]


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
