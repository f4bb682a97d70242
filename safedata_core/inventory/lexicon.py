"""Person names in values: a public-domain name lexicon and vectorised evidence on a sample of strings.

The lexicon (``inventory/data/``, see its PROVENANCE.md) holds the 5,163
given names and the 20,000 most frequent surnames of the 1990 US Census, plus
the short international list :data:`~safedata_core.inventory.names.FIRST_NAMES`.
:func:`name_evidence` measures, on a sample, how many values look like a
person name (one to five words of letters, initials, particles, a title or
suffix) and how many start with a given name and end with a surname. Only
shares and counts come out: values never leave this module.
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from safedata_core.inventory.names import FIRST_NAMES

__all__ = ["LEXICON_SIZES", "NameEvidence", "given_names", "lexicon", "name_evidence", "surnames"]

LexiconKind = Literal["given", "surname"]
_FILES: dict[str, str] = {"given": "given_names.txt.gz", "surname": "surnames.txt.gz"}
LEXICON_SIZES: dict[str, int] = {"given": 5163, "surname": 20000}

# letters (any script) with inner apostrophes/hyphens/dots: O'Neil, Jean-Luc, St.
_WORD = r"[^\W\d_]+(?:['’\-.][^\W\d_]+)*\.?"
_NAME_SHAPE = rf"{_WORD}(?:,?\s+{_WORD}){{0,5}}"
_TITLES = r"^(?:mr|mrs|ms|miss|dr|prof|sir|madam|mme|mlle|herr|frau|sr|sra|srta)\.?\s+"
_SUFFIXES = r",?\s+(?:jr|sr|ii|iii|iv|phd|md)\.?$"


@functools.cache
def lexicon(kind: LexiconKind) -> tuple[str, ...]:
    """The lexicon's names of one kind, lower case, most frequent first."""
    ref = resources.files("safedata_core.inventory") / "data" / _FILES[kind]
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
        return tuple(line.strip() for line in text if line.strip())


@functools.cache
def given_names() -> frozenset[str]:
    """Given names: the Census list plus the built-in international list."""
    return frozenset(lexicon("given")) | FIRST_NAMES


@functools.cache
def surnames() -> frozenset[str]:
    return frozenset(lexicon("surname"))


@functools.cache
def _index(kind: LexiconKind) -> pd.Index:
    """A hashed index of one lexicon, built once (``isin`` would rebuild a hash table per call)."""
    names = given_names() if kind == "given" else surnames()
    return pd.Index(sorted(names), dtype=object)


def _member(words: pd.Series, kind: LexiconKind) -> np.ndarray:
    return np.asarray(_index(kind).get_indexer(words.to_numpy(dtype=object)) >= 0)


@dataclass(frozen=True)
class NameEvidence:
    """How much a sample of strings looks like person names (shares of the sampled values)."""

    sampled: int
    distinct: int
    shaped: float  # shaped like a name: letters only, one to six words
    multi_word: float  # shaped, with two words or more
    given: float  # shaped, first word (or the only word) a given name; "Last, First" is understood
    surname: float  # shaped, last word (or the only word) a surname
    score: float  # lexicon recognition: a one-word value counts 1 if it is a given name or a surname,
    # a longer one counts 1/2 for a given name first and 1/2 for a surname last


def _fold(s: pd.Series) -> pd.Series:
    """Lower case without accents (José -> jose); non-Latin letters are kept."""
    decomposed = s.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    return decomposed.str.lower()


def name_evidence(values: pd.Series) -> NameEvidence:
    """Evidence that ``values`` (strings, no missing) are person names; counts and shares only.

    Works on the distinct values weighted by their counts, and stops early when
    too few values are shaped like names to matter.
    """
    counts = values.astype(str).str.strip().value_counts(sort=False)
    n, distinct = int(counts.sum()), len(counts)
    if n == 0:
        return NameEvidence(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    s = pd.Series(counts.index, dtype=object)
    w = counts.to_numpy(dtype=float) / n
    shaped = s.str.fullmatch(_NAME_SHAPE).to_numpy(dtype=bool)
    shaped_share = float(w[shaped].sum())
    if shaped_share < 0.5:
        return NameEvidence(n, distinct, shaped_share, 0.0, 0.0, 0.0, 0.0)
    folded = _fold(s).str.replace(_TITLES, "", regex=True).str.replace(_SUFFIXES, "", regex=True)
    comma = folded.str.contains(",", regex=False).to_numpy(dtype=bool)
    words = folded.str.replace(",", " ", regex=False).str.replace(".", " ", regex=False).str.split()
    count = words.str.len().fillna(0).to_numpy()
    head, tail = words.str[0].fillna(""), words.str[-1].fillna("")
    # "Smith, John": the given name comes after the comma
    first = head.where(~comma, tail)
    last = tail.where(~comma, head)
    is_given = _member(first, "given") & shaped
    is_family = _member(last, "surname") & shaped
    multi = shaped & (count >= 2)
    recognised = multi * (0.5 * is_given + 0.5 * is_family) + (shaped & ~multi) * (is_given | is_family)
    return NameEvidence(
        sampled=n,
        distinct=distinct,
        shaped=shaped_share,
        multi_word=float(w[multi].sum()),
        given=float(w[is_given].sum()),
        surname=float(w[is_family].sum()),
        score=float((w * recognised).sum()),
    )
