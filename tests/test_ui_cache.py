"""The UI's cached reads (``barometre.ui.cache``) that pages use in place of a loop of cached calls."""

from __future__ import annotations

from barometre.ui import cache


def test_indicators_of_a_level_read_once_are_those_with_a_vintage_there():
    """Territoires asked ``annees`` for each of the catalogue's indicators (each read copies the cached
    index): one read gives the same set (issue #24)."""
    cat = cache.catalogue()
    for niveau in ("commune", "epci", "canton"):
        assert cache.indicateurs_du_niveau(niveau) == {i.id for i in cat.indicateurs if cache.annees(i.id, niveau)}
    assert cache.indicateurs_du_niveau("commune")  # the shipped data has communal indicators
    assert cache.indicateurs_du_niveau("niveau inconnu") == set()
