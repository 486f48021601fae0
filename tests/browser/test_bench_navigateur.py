"""``barometre bench --browser``: the browser benchmark produces its per-page fields and ratios.

Speed is never asserted here (the README reports it): only that one quick pass over the séance page (the
one with every measure: open, select change, arrow key) gives each field beside the floor's — a number, or,
when an interaction did not complete (a loaded machine), nothing and the miss named in the report.
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
        # No warm-up visit: the figures of a cold server are as good as any for the report's shape.
        res = pool.submit(navigateur.mesurer, runs=1, pages=[navigateur.SEANCE], log=lambda m: None,
                          echauffement=False).result()
    ligne = res["pages"][navigateur.SEANCE]
    for cle in ("premier_contenu", "ouverture", "changement", "fleche"):
        # Each figure is a number, or None with the missed interaction named (a loaded machine may miss
        # one): the bench reports what happened; whether the machine was quiet is not this test's business.
        for champ, qui in ((f"{cle}_ms", "app"), (f"{cle}_plancher_ms", "plancher")):
            valeur = ligne[champ]
            if valeur is None:
                assert any(e.startswith(qui) and navigateur.SEANCE in e for e in res["erreurs"]), (champ, res)
            else:
                assert isinstance(valeur, int | float) and not isinstance(valeur, bool) and valeur > 0, (champ, valeur)
        if ligne[f"{cle}_ms"] is not None and ligne[f"{cle}_plancher_ms"] is not None:
            assert ligne[f"{cle}_ratio"] == pytest.approx(ligne[f"{cle}_ms"] / ligne[f"{cle}_plancher_ms"],
                                                          abs=0.01)
    assert set(res["objectifs"][navigateur.SEANCE]) == {"premier_contenu", "ouverture", "changement", "fleche"}
    assert "séance →" in navigateur.texte(res)
