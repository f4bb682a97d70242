"""safedata_core.inventory.patterns: value patterns of personal data and their validators (counts only)."""

from __future__ import annotations

import pandas as pd
import pytest

from safedata_core.inventory.patterns import match_counts


def counts(values, *, mode="fullmatch", numeric=False, hints=frozenset()):
    return match_counts(pd.Series(values), mode=mode, numeric=numeric, hints=frozenset(hints))


@pytest.mark.parametrize(
    ("kind", "valid", "invalid"),
    [
        # Luhn: the published Visa test number passes, one changed digit fails
        ("credit_card", "4111 1111 1111 1111", "4111 1111 1111 1112"),
        # ISO 13616's example IBAN; another check digit fails mod 97
        ("iban", "GB82 WEST 1234 5698 7654 32", "GB83 WEST 1234 5698 7654 32"),
        # SSA rules: area 666 (and 000, 9xx), group 00 and serial 0000 are never issued
        ("us_ssn", "123-45-6789", "666-45-6789"),
        ("ip_address", "192.168.10.1", "192.168.10.256"),
        ("ip_address", "2001:db8::ff00:42:8329", "2001:db8::ff00::8329"),
    ],
)
def test_a_validated_pattern_counts_only_values_that_validate(kind, valid, invalid):
    assert counts([valid, valid, invalid]).get(kind) == 2
    assert counts([invalid]).get(kind) is None


def test_email_pan_and_formatted_phone_numbers_are_recognised():
    found = counts(["jane.doe+x@example.co.uk", "ABCPE1234F", "+44 20 7946 0958", "plain words"])
    assert found["email"] == 1 and found["pan"] == 1 and found["phone"] == 1


def test_dates_decimals_and_addresses_are_not_phone_numbers():
    assert "phone" not in counts(["2024-01-05", "2024/01/05"], hints={"phone"})
    assert "phone" not in counts(["1234567.89"], hints={"phone"})
    # an unformatted digit run is a phone number only where the column name says so
    assert "phone" not in counts(["4420794609"])
    assert counts(["4420794609"], hints={"phone"})["phone"] == 1


def test_patterns_that_need_a_hint_wait_for_the_column_name():
    assert "us_ssn" not in counts(["123456789"])
    assert counts(["123456789"], hints={"us_ssn"})["us_ssn"] == 1
    assert "postal_code" not in counts(["10115"])
    assert counts(["10115", "90210-1234"], hints={"postal_code"})["postal_code"] == 2


def test_uk_and_canadian_postcodes_need_no_hint():
    assert counts(["SW1A 1AA", "EC1A 1BB", "hello"])["postal_code"] == 2
    assert counts(["K1A 0B1", "M5V 3L9"])["postal_code"] == 2
    # two patterns of one kind: the kind counts the values of the pattern matching most of them
    assert counts(["SW1A 1AA", "EC1A 1BB", "K1A 0B1"])["postal_code"] == 2


def test_numeric_columns_only_try_digit_patterns():
    found = counts(["4111111111111111", "jane@example.org"], numeric=True)
    assert found.get("credit_card") == 1 and "email" not in found


def test_search_mode_finds_identifiers_inside_free_text():
    notes = [
        "call me on +1 (555) 010-4477 tomorrow",
        "my mail is jane@example.org, thanks",
        "card 4111-1111-1111-1111 was declined",
        "nothing personal here",
    ]
    found = counts(notes, mode="search")
    assert found["phone"] == 1 and found["email"] == 1 and found["credit_card"] == 1
    # the whole value is not an address, so fullmatch finds none
    assert "email" not in counts(notes)
    # patterns that only make sense for a whole value (names, postcodes) are not searched in text
    assert "postal_code" not in counts(["send it to SW1A 1AA"], mode="search")


def test_person_names_report_the_structure_and_the_known_given_names():
    found = counts(["Mary Smith", "Zqxv Blorp", "not a name"])
    assert found["person_name"] == 2
    assert found["person_name_known"] == 1


def test_no_values_no_counts():
    assert counts([]) == {}
