"""Which layout reads a file: the shipped sources' layouts (:mod:`barometre.sources.layouts`), the
energy / air / land importers (:mod:`barometre.sources.layouts_energie`) and the comparison and IDH-4
extracts (:mod:`barometre.sources.layouts_refs`), recognised by their header.

A module of its own so that neither layout module imports the other's user (no import cycle).
"""

from __future__ import annotations

from barometre.sources.layouts import LAYOUTS, Layout
from barometre.sources.layouts_elections import ELECTIONS_LAYOUTS
from barometre.sources.layouts_energie import ENERGY_LAYOUTS
from barometre.sources.layouts_refs import REFS_LAYOUTS


def all_layouts() -> list[Layout]:
    """The layouts of the shipped sources, the energy / air / land importers and the comparison, context
    and IDH-4 extracts (:mod:`barometre.sources.layouts_refs`)."""
    return LAYOUTS + list(ENERGY_LAYOUTS) + REFS_LAYOUTS + ELECTIONS_LAYOUTS


def detect_layout(header: list[str]) -> Layout | None:
    """The most specific layout whose signature columns are all in the header."""
    candidates = [lay for lay in all_layouts() if lay.matches(header)]
    # Enedis department/region files share columns: the département file has code_departement.
    return max(candidates, key=lambda lay: len(lay.signature), default=None)
