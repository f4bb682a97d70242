"""Direct-identifier and PII detection on generated fixtures (no real people)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import Table
from safedata_core.inventory import build_profile
from safedata_core.inventory.identifiers import detect_identifiers
from tests.core.inventory.fixtures import aadhaar_numbers, digits_strings, pii_frame


@pytest.fixture(scope="module")
def pii_profile() -> dict:
    profile, _ = build_profile(Table.from_dataframe(pii_frame()))
    return profile


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("customer_id", "near_unique_key"),
        ("full_name", "person_name"),
        ("contact", "email"),
        ("mobile", "phone"),
        ("notes", "contains_email"),
    ],
)
def test_pii_columns_are_direct_identifiers(pii_profile: dict, column: str, kind: str) -> None:
    col = pii_profile["columns"][column]
    assert col["role"] == "direct_identifier"
    assert kind in {f["kind"] for f in col["findings"]}
    assert column in pii_profile["direct_identifiers"]


def test_checksum_failures_are_not_aadhaar(pii_profile: dict) -> None:
    for column in ("ref_nine", "ref_twelve"):
        col = pii_profile["columns"][column]
        assert not [f for f in col["findings"] if f["kind"] == "aadhaar"], column
        assert col["role"] != "direct_identifier"
    assert set(pii_profile["quasi_identifiers"]) == {"age", "sex", "region"}
    assert pii_profile["columns"]["score"]["findings"] == []


def test_findings_have_counts_and_no_values(pii_profile: dict) -> None:
    email = next(f for f in pii_profile["columns"]["contact"]["findings"] if f["kind"] == "email")
    assert email["matches"] == email["sampled"] == 300 and email["estimated_count"] == 300
    assert 0.9 <= email["confidence"] <= 1
    assert "@" not in repr(pii_profile["columns"])


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (lambda rng, n: aadhaar_numbers(rng, n, valid=True), "aadhaar"),
        (lambda rng, n: pd.Series([f"10.{i % 250}.{i % 7}.{i % 200}" for i in range(n)]), "ip_address"),
        (lambda rng, n: pd.Series([f"2001:db8::{i:x}" for i in range(n)]), "ip_address"),
        (lambda rng, n: pd.Series(["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"] * (n // 2)), "iban"),
        (lambda rng, n: pd.Series(["4111 1111 1111 1111", "5500-0000-0000-0004"] * (n // 2)), "credit_card"),
        (lambda rng, n: pd.Series([f"{100 + i % 500}-{10 + i % 80}-{1000 + i}" for i in range(n)]), "us_ssn"),
        (lambda rng, n: pd.Series(["ABCPE1234F", "BNZPM2501Q"] * (n // 2)), "pan"),
    ],
)
def test_value_patterns_without_name_hints(values, kind: str) -> None:  # type: ignore[no-untyped-def]
    s = values(np.random.default_rng(1), 200)
    found = detect_identifiers(s, "col_x", "categorical")
    top = [f for f in found if f["kind"] == kind]
    assert top and top[0]["confidence"] >= 0.9


def test_luhn_failures_and_random_numbers_are_not_cards() -> None:
    s = pd.Series(["4111111111111112", "5500000000000005"] * 100)
    assert not [f for f in detect_identifiers(s, "x", "categorical") if f["kind"] == "credit_card"]
    nine = digits_strings(np.random.default_rng(2), 400, 9).astype(float)
    kinds = {f["kind"] for f in detect_identifiers(nine, "value", "integer")}
    assert not kinds & {"aadhaar", "us_ssn", "phone", "credit_card"}


def test_name_hints_enable_bare_digit_patterns() -> None:
    ssn = pd.Series([float(f"{123 + i}45{6789 + i}") for i in range(100)])
    assert detect_identifiers(ssn, "ssn", "integer")[0]["kind"] == "us_ssn"
    assert not [f for f in detect_identifiers(ssn, "amount", "integer") if f["kind"] == "us_ssn"]


def test_sampling_keeps_counts_scaled() -> None:
    s = pd.Series([f"user{i}@example.com" for i in range(50_000)])
    f = detect_identifiers(s, "x", "categorical", sample_size=500)[0]
    assert f["kind"] == "email" and f["sampled"] == 500 and f["estimated_count"] == 50_000


def test_logs_carry_no_values(caplog: pytest.LogCaptureFixture) -> None:
    df = pii_frame(n=60)
    with caplog.at_level(logging.DEBUG, logger="safedata.inventory"):
        build_profile(Table.from_dataframe(df))
    text = caplog.text
    assert "profile column contact" in text
    assert "@example" not in text and not any(name in text for name in df["full_name"])


# -- person names: column names, value shape and the public-domain lexicon ------------------------------------------


def _uncommon_names(n: int, seed: int = 11) -> tuple[list[str], list[str]]:
    """Given names and surnames from the lexicon but outside its top 300 and the built-in list (generated pairs)."""
    from safedata_core.inventory.lexicon import lexicon
    from safedata_core.inventory.names import FIRST_NAMES

    common = set(lexicon("given")[:300]) | set(lexicon("surname")[:300]) | FIRST_NAMES
    given = [g for g in lexicon("given")[300:] if g not in common]
    family = [s for s in lexicon("surname")[300:] if s not in common]
    rng = np.random.default_rng(seed)
    return [g.title() for g in rng.choice(given, n)], [s.title() for s in rng.choice(family, n)]


@pytest.fixture(scope="module")
def names_profile() -> dict:
    first, last = _uncommon_names(400)
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
            "first": first,
            "last": last,
            "age": rng.integers(18, 90, 400),
            "colour": rng.choice(["White", "Black", "Brown", "Green", "Gray"], 400),
            "company_name": rng.choice(["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli"], 400),
        }
    )
    profile, _ = build_profile(Table.from_dataframe(df))
    return profile


@pytest.mark.parametrize("column", ["name", "first", "last"])
def test_person_name_columns_are_direct_identifiers(names_profile: dict, column: str) -> None:
    col = names_profile["columns"][column]
    top = col["findings"][0]
    assert col["role"] == "direct_identifier" and column in names_profile["direct_identifiers"]
    assert top["kind"] == "person_name" and top["confidence"] >= 0.9 and top["source"] == "values+name"
    assert "lexicon" in top["reason"]


def test_name_findings_print_no_values(names_profile: dict) -> None:
    first, last = _uncommon_names(400)
    text = repr({c: names_profile["columns"][c]["findings"] for c in ("name", "first", "last")})
    assert not any(v in text for v in set(first) | set(last))


def test_words_that_are_also_surnames_are_not_names(names_profile: dict) -> None:
    for column in ("colour", "company_name", "age"):
        assert names_profile["columns"][column]["role"] != "direct_identifier", column
        assert not [f for f in names_profile["columns"][column]["findings"] if f["kind"] == "person_name"]


def test_the_lexicon_is_what_flags_first_and_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_core.inventory import lexicon

    first, last = _uncommon_names(300)
    for column, values in (("first", first), ("last", last)):
        found = detect_identifiers(pd.Series(values), column, "categorical")
        assert found and found[0]["kind"] == "person_name" and found[0]["confidence"] >= 0.6
    monkeypatch.setattr(lexicon, "_index", lambda kind: pd.Index([], dtype=object))  # an empty lexicon
    for column, values in (("first", first), ("last", last)):
        found = detect_identifiers(pd.Series(values), column, "categorical")
        assert not [f for f in found if f["kind"] == "person_name"], column


@pytest.mark.parametrize(
    ("column", "style"),
    [
        ("Prénom", "first"),
        ("Nachname", "last"),
        ("apellido", "last"),
        ("cognome", "last"),
        ("nombre", "full"),
        ("nom", "full"),
        ("x", "full"),
        ("Name", "upper"),
        ("name", "lower"),
        ("customer", "last_first"),
    ],
)
def test_names_in_other_languages_cases_and_orders(column: str, style: str) -> None:
    first, last = _uncommon_names(300, seed=3)
    values = {
        "first": first,
        "last": last,
        "full": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
        "upper": [f"{f} {s}".upper() for f, s in zip(first, last, strict=True)],
        "lower": [f"{f} {s}".lower() for f, s in zip(first, last, strict=True)],
        "last_first": [f"{s.upper()}, {f}" for f, s in zip(first, last, strict=True)],
    }[style]
    found = [f for f in detect_identifiers(pd.Series(values), column, "categorical") if f["kind"] == "person_name"]
    assert found and found[0]["confidence"] >= 0.6, (column, style)


def test_name_columns_outside_the_lexicon_by_column_name_and_shape() -> None:
    rng = np.random.default_rng(4)
    syllables = np.array(["ka", "zu", "mi", "ro", "te", "ya", "shi", "no", "ba", "lu"])
    words = ["".join(rng.choice(syllables, 3)).title() for _ in range(600)]
    full = pd.Series([f"{a} {b}" for a, b in zip(words[:300], words[300:], strict=True)])
    assert detect_identifiers(full, "name", "categorical")[0]["confidence"] >= 0.6  # several words under "name"
    assert detect_identifiers(full, "surname", "categorical")[0]["confidence"] >= 0.75
    single = pd.Series(words[:300])
    assert max((f["confidence"] for f in detect_identifiers(single, "first", "categorical")), default=0) < 0.6
    assert max((f["confidence"] for f in detect_identifiers(single, "name", "categorical")), default=0) < 0.6
