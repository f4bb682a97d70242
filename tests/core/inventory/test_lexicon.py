"""The shipped name lexicon and the value evidence computed with it (shares only, never values)."""

from __future__ import annotations

import hashlib
from importlib import resources

import pandas as pd
import pytest

from safedata_core.inventory.lexicon import LEXICON_SIZES, given_names, lexicon, name_evidence, surnames
from safedata_core.inventory.names import FIRST_NAMES

DATA = resources.files("safedata_core.inventory") / "data"


def test_lexicon_files_match_their_provenance() -> None:
    provenance = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "public domain" in provenance and "names-0.3.0.tar.gz" in provenance and "1990" in provenance
    for name in ("given_names.txt.gz", "surnames.txt.gz"):
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        assert f"`{name}` {digest}" in provenance, f"PROVENANCE.md must give the sha256 of {name}"


def test_lexicon_sizes_order_and_form() -> None:
    given, family = lexicon("given"), lexicon("surname")
    assert (len(given), len(family)) == (LEXICON_SIZES["given"], LEXICON_SIZES["surname"])
    assert given[:2] == ("james", "john") and family[:3] == ("smith", "johnson", "williams")
    assert len(set(given)) == len(given) and len(set(family)) == len(family)
    assert all(n.isalpha() and n == n.lower() for n in given + family)
    assert FIRST_NAMES <= given_names() and len(given_names()) > 5000 and len(surnames()) == 20000


def test_evidence_for_full_names_in_any_case_and_order() -> None:
    values = pd.Series(["Dr. Maribel Whitehurst Jr.", "LEANDRA OKONKWO-SMITH", "hollis, ardith", "Zoë Müller"])
    ev = name_evidence(values)
    assert ev.sampled == 4 and ev.distinct == 4 and ev.shaped == 1.0 and ev.multi_word == 1.0
    assert ev.given >= 0.5 and ev.surname >= 0.5


def test_evidence_rejects_codes_numbers_and_sentences() -> None:
    values = pd.Series(["AB-1234", "42", "x7", "2021-03-04", "the quick brown fox jumps over the lazy dog"])
    ev = name_evidence(values)
    assert ev.shaped == 0.0 and ev.score == 0.0


@pytest.mark.parametrize("values", [[], ["Smith"]])
def test_evidence_on_tiny_samples(values: list[str]) -> None:
    ev = name_evidence(pd.Series(values, dtype=object))
    assert ev.sampled == len(values) and 0.0 <= ev.score <= 1.0
