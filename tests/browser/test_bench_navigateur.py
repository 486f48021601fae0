"""``barometre bench --browser``: the browser benchmark produces its per-page fields and ratios.

Speed is never asserted here (the README reports it): only that one quick pass over the séance page (the
one with every measure: open, select change, arrow key) gives a number for each field, beside the floor's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import navigateur

from .conftest import CHROMIUM, _unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_quick_pass_gives_every_field_beside_the_floor():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    # In a thread of its own: the session's Playwright (other browser tests) keeps an asyncio loop running in
    # this one, and Playwright's sync API refuses to start inside a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        res = pool.submit(navigateur.mesurer, runs=1, pages=[navigateur.SEANCE], log=lambda m: None).result()
    ligne = res["pages"][navigateur.SEANCE]
    for cle in ("premier_contenu", "ouverture", "changement", "fleche"):
        assert isinstance(ligne[f"{cle}_ms"], float) and ligne[f"{cle}_ms"] > 0
        assert ligne[f"{cle}_plancher_ms"] > 0
        assert ligne[f"{cle}_ratio"] == pytest.approx(ligne[f"{cle}_ms"] / ligne[f"{cle}_plancher_ms"], abs=0.01)
    assert set(res["objectifs"][navigateur.SEANCE]) == {"premier_contenu", "ouverture", "changement", "fleche"}
    assert "séance →" in navigateur.texte(res)
