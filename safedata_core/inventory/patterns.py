"""Value patterns of personal data, each a regular expression plus a validator where one exists.

Every pattern can run in two modes on a pandas Series of strings:
``fullmatch`` (the whole value is, e.g., an e-mail address) and ``search``
(a free-text value *contains* one). In search mode the first candidate in each
value is extracted and then validated. :func:`match_counts` returns only
counts: values never leave this module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from safedata_core.inventory.checksums import iban_valid, luhn_valid, verhoeff_valid
from safedata_core.inventory.names import FIRST_NAMES

__all__ = ["PATTERNS", "Pattern", "match_counts"]

Validator = Callable[["pd.Series"], "np.ndarray"]


@dataclass(frozen=True)
class Pattern:
    """One kind of personal data recognisable from its values."""

    kind: str
    regex: str  # non-capturing groups only
    category: str  # "direct_identifier" or "quasi_identifier"
    validate: Validator | None = None
    needs_hint: bool = False  # only looked for when the column name suggests it
    digits_only: bool = False  # also applies to numeric columns (rendered as whole numbers)
    in_text: bool = True  # also searched for inside free text


def _digits(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\D", "", regex=True)


def _valid_luhn(s: pd.Series) -> np.ndarray:
    d = _digits(s)
    n = d.str.len()
    return np.asarray(luhn_valid(d) & ((n >= 13) & (n <= 19)).to_numpy() & d.str.match(r"[2-6]").to_numpy())


def _valid_iban(s: pd.Series) -> np.ndarray:
    compact = s.str.replace(" ", "", regex=False).str.upper()
    n = compact.str.len()
    return np.asarray(iban_valid(compact) & ((n >= 15) & (n <= 34)).to_numpy())


def _valid_ssn(s: pd.Series) -> np.ndarray:
    d = _digits(s)
    area, group, serial = d.str[:3], d.str[3:5], d.str[5:]
    valid = (
        (d.str.len() == 9)
        & (area != "000")
        & (area != "666")
        & ~area.str.startswith("9")
        & (group != "00")
        & (serial != "0000")
    ).to_numpy()
    return np.asarray(valid, dtype=bool)


def _valid_aadhaar(s: pd.Series) -> np.ndarray:
    d = _digits(s)
    return np.asarray(verhoeff_valid(d) & ((d.str.len() == 12) & d.str.match(r"[2-9]")).to_numpy())


def _valid_ipv4(s: pd.Series) -> np.ndarray:
    octets = s.str.split(".", expand=True).apply(pd.to_numeric, errors="coerce")
    return np.asarray((octets.le(255).all(axis=1) & octets.notna().all(axis=1)).to_numpy())


def _valid_ipv6(s: pd.Series) -> np.ndarray:
    # bounded by the detection sample size; the standard library is the reference parser
    def ok(v: str) -> bool:
        try:
            return isinstance(ipaddress.ip_address(v), ipaddress.IPv6Address)
        except ValueError:
            return False

    return np.fromiter((ok(v) for v in s.tolist()), dtype=bool, count=len(s))


_DATE_LIKE = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"


def _valid_phone(s: pd.Series) -> np.ndarray:
    d = _digits(s)
    n = d.str.len()
    not_other = ~s.str.fullmatch(_DATE_LIKE) & ~s.str.fullmatch(r"-?\d+\.\d+") & ~s.str.fullmatch(_IPV4)
    return np.asarray(((n >= 7) & (n <= 15) & not_other).to_numpy())


def _valid_formatted_phone(s: pd.Series) -> np.ndarray:
    """Without a name hint a phone number must look formatted (leading '+'/'00', brackets or separators)."""
    formatted = s.str.match(r"\+|00|\(") | s.str.contains(r"\d[ .-]\d", regex=True)
    return np.asarray(_valid_phone(s) & formatted.to_numpy())


def _valid_person_name(s: pd.Series) -> np.ndarray:
    first = s.str.split(" ", n=1).str[0].str.lower()
    return np.asarray(first.isin(FIRST_NAMES).to_numpy())


_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"

PATTERNS: tuple[Pattern, ...] = (
    Pattern("email", r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "direct_identifier"),
    Pattern("iban", r"[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{1,4}){3,8}", "direct_identifier", _valid_iban),
    Pattern("credit_card", r"\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}", "direct_identifier", _valid_luhn, digits_only=True),
    Pattern("us_ssn", r"\d{3}[- ]\d{2}[- ]\d{4}", "direct_identifier", _valid_ssn),
    Pattern("us_ssn", r"\d{9}", "direct_identifier", _valid_ssn, needs_hint=True, digits_only=True, in_text=False),
    Pattern("aadhaar", r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}", "direct_identifier", _valid_aadhaar, digits_only=True),
    Pattern("pan", r"[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z]", "direct_identifier"),
    Pattern("ip_address", _IPV4, "direct_identifier", _valid_ipv4),
    Pattern("ip_address", r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", "direct_identifier", _valid_ipv6),
    Pattern("phone", r"(?:\+|00)?\(?\d[\d ().-]{5,20}\d", "direct_identifier", _valid_formatted_phone),
    Pattern(
        "phone", r"\+?\d{7,15}", "direct_identifier", _valid_phone, needs_hint=True, digits_only=True, in_text=False
    ),
    # person names: the structure count is reported as "person_name" and the values whose first word is a
    # common given name as "person_name_known"; identifiers.py weighs both
    Pattern(
        "person_name",
        rf"{_NAME_WORD}(?: [A-Z]\.)?(?: {_NAME_WORD}){{0,3}}",
        "direct_identifier",
        _valid_person_name,
        in_text=False,
    ),
    Pattern("postal_code", r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "quasi_identifier", in_text=False),  # UK
    Pattern("postal_code", r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "quasi_identifier", in_text=False),  # Canada
    Pattern(
        "postal_code",
        r"\d{5}(?:-\d{4})?|\d{4}|\d{6}",
        "quasi_identifier",
        needs_hint=True,
        digits_only=True,
        in_text=False,
    ),
)

_BOUND_L = r"(?<![A-Za-z0-9@._%+-])"
_BOUND_R = r"(?![A-Za-z0-9@])"


def match_counts(values: pd.Series, *, mode: str, numeric: bool, hints: frozenset[str]) -> dict[str, int]:
    """Per pattern kind, how many of ``values`` (strings, no missing) match and validate.

    ``mode`` is ``"fullmatch"`` or ``"search"``; ``numeric`` restricts to digit patterns;
    ``hints`` are the kinds the column name suggests (enabling ``needs_hint`` patterns).
    """
    counts: dict[str, int] = {}
    if len(values) == 0:
        return counts
    s = values.astype(str)
    for pat in PATTERNS:
        if numeric and not pat.digits_only:
            continue
        if pat.needs_hint and pat.kind not in hints:
            continue
        if mode == "search":
            if not pat.in_text:
                continue
            cand = s.str.extract(f"{_BOUND_L}({pat.regex}){_BOUND_R}", expand=False)
            hit = cand.notna().to_numpy()
        else:
            hit = s.str.fullmatch(pat.regex).to_numpy(dtype=bool)
            cand = s
        if not hit.any():
            continue
        if pat.kind == "person_name":
            counts["person_name"] = int(hit.sum())
            counts["person_name_known"] = int(pat.validate(s[hit]).sum()) if pat.validate else 0
            continue
        if pat.validate is not None:
            sub = cand[hit].astype(str)
            ok = pat.validate(sub)
            n_ok = int(np.asarray(ok, dtype=bool).sum())
        else:
            n_ok = int(hit.sum())
        if n_ok:
            counts[pat.kind] = max(counts.get(pat.kind, 0), n_ok)
    return counts
