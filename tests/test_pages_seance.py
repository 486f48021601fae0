"""Pages of issue 15 through app.py (AppTest): verdicts on the cards and the method on Méthodologie,
the séance made for the room, its saved compositions."""

from __future__ import annotations

import pytest

from tests.test_pages import assert_ok, cards, goto, start


@pytest.fixture(autouse=True)
def _warm(warm_server):
    """As in tests/test_pages.py: a server that already served app.py."""


def test_cards_carry_verdicts_with_vintage():
    at = start()
    texts = cards(at)
    with_verdict = [t for t in texts.values() if "Progression :" in t]
    assert with_verdict, texts
    assert all("millésime" in t for t in with_verdict)


def test_methodologie_states_the_verdict_rule():
    at = goto(start(), "pages/methodologie.py")
    body = " ".join(m.value for m in at.markdown)
    assert "0,95" in body and "Trop tôt pour conclure" in body and "Situation" in body
    assert_ok(at)


def test_environment_volet_shows_the_carbon_budget_and_target_verdicts():
    at = goto(start(), "pages/environnement.py")
    texts = cards(at)
    assert "Autorisé 2024–2050" in texts and "Restant" in texts and "Épuisé en" in texts
    assert texts["Autorisé 2024–2050"].split("Autorisé 2024–2050")[1].strip()[0].isdigit()
    assert any(c.value.startswith("Méthode : Budget autorisé") for c in at.caption)
    body = " ".join(h.proto.body for h in at.get("html"))
    assert "Progression : " in body  # the Open SDG verdict under each target
