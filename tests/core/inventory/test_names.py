"""Column-name evidence: tokens with accents folded, person-name hints in several languages, things vs people."""

from __future__ import annotations

import pytest

from safedata_core.inventory.names import (
    GENERIC_NAME,
    STRONG_NAME,
    WEAK_NAME,
    names_a_thing,
    person_name_hint,
    tokens,
)


def test_tokens_fold_accents_and_split_camel_case() -> None:
    assert tokens("Prénom") == ["prenom"]
    assert tokens("DateOfBirth") == ["date", "of", "birth"]
    assert tokens("native_country") == ["native", "country"]
    assert tokens("Nachname2") == ["nachname", "2"]


@pytest.mark.parametrize(
    ("column", "part"),
    [
        ("first_name", "given"),
        ("FirstName", "given"),
        ("fname", "given"),
        ("given name", "given"),
        ("forename", "given"),
        ("Prénom", "given"),
        ("Vorname", "given"),
        ("voornaam", "given"),
        ("last_name", "family"),
        ("LastName", "family"),
        ("surname", "family"),
        ("family_name", "family"),
        ("Nachname", "family"),
        ("apellido", "family"),
        ("Apellidos", "family"),
        ("cognome", "family"),
        ("sobrenome", "family"),
        ("nom_de_famille", "family"),
        ("achternaam", "family"),
        ("nazwisko", "family"),
        ("full_name", "full"),
        ("fullName", "full"),
        ("nombre completo", "full"),
        ("patient_name", "full"),
        ("customer name", "full"),
        ("first nom", "given"),
    ],
)
def test_strong_person_name_columns(column: str, part: str) -> None:
    assert person_name_hint(column) == (part, STRONG_NAME)


@pytest.mark.parametrize("column", ["name", "Name", "NAME", "nom", "nombre", "nome", "naam", "name_2"])
def test_generic_name_columns(column: str) -> None:
    assert person_name_hint(column) == ("full", GENERIC_NAME)


@pytest.mark.parametrize(
    ("column", "part"),
    [("first", "given"), ("last", "family"), ("Last", "family"), ("given", "given"), ("customer_first", "given")],
)
def test_weak_columns_need_the_values(column: str, part: str) -> None:
    assert person_name_hint(column) == (part, WEAK_NAME)


@pytest.mark.parametrize(
    "column",
    [
        "company_name",
        "file_name",
        "country_name",
        "product name",
        "first_visit",
        "last_login",
        "family_size",
        "age",
        "native_country",
        "username_hash",
        "city",
    ],
)
def test_things_and_other_columns_are_not_person_names(column: str) -> None:
    assert person_name_hint(column) is None


def test_names_a_thing() -> None:
    assert names_a_thing("city") and names_a_thing("company_name") and names_a_thing("StreetName")
    assert not names_a_thing("name") and not names_a_thing("x") and not names_a_thing("surname")
