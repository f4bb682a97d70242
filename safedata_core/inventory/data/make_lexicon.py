"""Rebuild the person-name lexicon from the 1990 US Census name files (public domain).

The files ``dist.male.first``, ``dist.female.first`` and ``dist.all.last``
(name, percent frequency, cumulative percent, rank) ship in the ``names``
package on PyPI (0.3.0, MIT code, public-domain data). To rebuild::

    pip download --no-deps --no-binary :all: -d /tmp/names names==0.3.0
    tar xzf /tmp/names/names-0.3.0.tar.gz -C /tmp/names
    python safedata_core/inventory/data/make_lexicon.py /tmp/names/names-0.3.0/names

It writes ``given_names.txt.gz`` and ``surnames.txt.gz`` beside this file: one
lower-case name per line, most frequent first. Only names are kept, no
frequencies. The output is deterministic (gzip mtime 0).
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

SURNAMES = 20_000  # the top 20,000 of 88,799 surnames cover 78% of the 1990 population (90% reach all 88,799)

__all__ = ["build", "read_dist"]


def read_dist(path: Path) -> list[tuple[str, float]]:
    """``(name, percent)`` rows of one Census ``dist.*`` file, in rank order."""
    rows = []
    for line in path.read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rows.append((parts[0].lower(), float(parts[1])))
    return rows


def _write(path: Path, names: list[str]) -> None:
    data = ("\n".join(names) + "\n").encode("ascii")
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def build(source: Path, target: Path) -> tuple[int, int]:
    """Write the two lexicon files from the Census files in ``source``; returns their sizes."""
    weight: dict[str, float] = {}
    for sex in ("male", "female"):
        for name, pct in read_dist(source / f"dist.{sex}.first"):
            weight[name] = weight.get(name, 0.0) + pct / 2  # each list's percents are of one sex
    given = sorted(weight, key=lambda n: (-weight[n], n))
    surnames = [name for name, _ in read_dist(source / "dist.all.last")][:SURNAMES]
    _write(target / "given_names.txt.gz", given)
    _write(target / "surnames.txt.gz", surnames)
    return len(given), len(surnames)


if __name__ == "__main__":  # pragma: no cover
    n_given, n_sur = build(Path(sys.argv[1]), Path(__file__).resolve().parent)
    print(f"wrote {n_given} given names and {n_sur} surnames")
