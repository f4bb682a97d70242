"""Check-digit validators against published example numbers and their one-digit corruptions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safedata_core.inventory.checksums import iban_valid, luhn_valid, verhoeff_valid
from tests.core.inventory.fixtures import aadhaar_numbers


def test_luhn_known_numbers() -> None:
    good = ["4111111111111111", "5500000000000004", "340000000000009", "79927398713"]
    bad = ["4111111111111112", "5500000000000005", "79927398710"]
    assert luhn_valid(pd.Series(good)).all()
    assert not luhn_valid(pd.Series(bad)).any()


def test_iban_mod97() -> None:
    good = ["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606"]
    assert iban_valid(pd.Series(good)).all()
    assert not iban_valid(pd.Series(["GB82WEST12345698765433", "DE89370400440532013001"])).any()


def test_verhoeff_known_and_generated() -> None:
    assert verhoeff_valid(pd.Series(["2363", "142857"])).tolist() == [True, False]
    rng = np.random.default_rng(0)
    assert verhoeff_valid(aadhaar_numbers(rng, 500, valid=True)).all()
    assert not verhoeff_valid(aadhaar_numbers(rng, 500, valid=False)).any()
    # Verhoeff catches every single-digit error
    valid = aadhaar_numbers(rng, 50, valid=True)
    corrupted = valid.str[:5] + ((valid.str[5].astype(int) + 3) % 10).astype(str) + valid.str[6:]
    assert not verhoeff_valid(corrupted).any()
