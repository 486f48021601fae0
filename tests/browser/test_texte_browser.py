"""User text is data, never markup (issue 13, finding 2), checked in Chromium on a real `streamlit run`.

Every text field of the store (edition, grille row, action, jalon, délibération, account name, weighting
name and comment) is seeded with payloads; the pages that show them (grille, its projection mode, jalons,
bien-être, a crafted ``?ponderation=`` link) are opened signed out, and the DOM and the browser's requests
are checked: no request to the attacker's host, no image, no ``javascript:`` link, no bold/heading
element coming from the typed text. The payload's own https link may stay a plain link (shown by host).
"""

from __future__ import annotations

import re

import pytest

from barometre.pilotage.store import Store, Utilisateur

from .conftest import pages_on, running_streamlit
from .streamlit_page import assert_no_exception, wait_for_app

HOTE = "attaquant.invalid"
PAYLOAD = (f"<img src=https://{HOTE}/html.png onerror=alert(1)> ![x](https://{HOTE}/md.png) "
           f"[cliquez ici](javascript:alert(1)) **GRASINJECTE** # TITREINJECTE :red[ROUGEINJECTE]")
AGENT = Utilisateur("agent", "agent")
PANEL = Utilisateur("panel", "panel")


@pytest.fixture(scope="module")
def serveur_seme(tmp_path_factory, browser):
    db = tmp_path_factory.mktemp("secu") / "pilotage.sqlite"
    url = f"sqlite:///{db}"
    s = Store(url)
    s.initialiser_admin("admin", PAYLOAD[:200], "$argon2id$test-only")
    admin = Utilisateur("admin", "admin")
    s.creer_compte(admin, "agent", "agent", PAYLOAD[:200], "$argon2id$test-only")
    s.creer_compte(admin, "panel", "panel", PAYLOAD[:200], "$argon2id$test-only")
    edition = s.creer_edition(AGENT, PAYLOAD[:200], 2027)
    critere = s.structure.criteres[0].id
    s.enregistrer_ligne_grille(PANEL, edition, critere, 0, positionnement=PAYLOAD, impacts=PAYLOAD, acquis=PAYLOAD,
                               difficultes=PAYLOAD, objectifs=PAYLOAD)
    e1 = s.structure.engagements[0].id
    action = s.creer_action(AGENT, engagement=e1, libelle=PAYLOAD, responsable=PAYLOAD[:200],
                            question_evaluative=PAYLOAD, feuille_de_route=PAYLOAD)
    s.creer_jalon(AGENT, action_id=action, libelle=PAYLOAD, responsable=PAYLOAD[:200], commentaire=PAYLOAD,
                  date_prevue="2027-01-01")
    s.creer_deliberation(AGENT, numero=PAYLOAD[:50], date="2026-01-01", objet=PAYLOAD, engagement=e1,
                         lien=f"https://{HOTE}/deliberation")
    from barometre.calculs import bien_etre as be
    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    corr = be.load_dimensions(get_settings().catalogue_dir / be.DIMENSIONS_FILE, cat)
    p = s.proposer_ponderation(PANEL, "Panel " + PAYLOAD[:100], be.notes_neutres(corr.ids), "2026-03-12",
                               be.dimensions_figees(corr), PAYLOAD[:400])
    s.adopter_ponderation(AGENT, p["id"], p["version"])
    vues = "taux_chomage_15_64,population"
    seance = s.creer_seance(AGENT, titre=PAYLOAD[:200], date_seance="2026-12-10", niveau="epci",
                            code="200042190", vues=vues)
    s.fermer()
    with running_streamlit({"BAROMETRE_DATABASE_URL": url}) as base:
        yield base, p["slug"], seance


def _verifier(page) -> None:
    wait_for_app(page)
    assert_no_exception(page)
    html = page.content()
    assert not [u for u in page.external_requests if HOTE in u], page.external_requests
    assert page.locator(f'img[src*="{HOTE}"]').count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator("strong", has_text="GRASINJECTE").count() == 0
    assert page.locator("h1,h2,h3,h4,h5,h6", has_text="TITREINJECTE").count() == 0
    assert not re.search(r'<span[^>]*color[^>]*>\s*ROUGEINJECTE', html)
    for a in page.locator(f'a[href*="{HOTE}"]').all():  # a kept https link shows its host, nothing else
        assert a.inner_text().strip() == HOTE, a.evaluate("e => e.parentElement.parentElement.outerHTML")[:1500]


@pytest.mark.parametrize("chemin", ["/grille", "/grille?mode=projection", "/jalons", "/bien_etre",
                                    "/seance?seance={seance}", "/seance?seance={seance}&mode=projection",
                                    "/bien_etre?ponderation={slug}",
                                    "/bien_etre?ponderation=%5Bcliquez%20ici%5D(https%3A%2F%2Fattaquant.invalid)"])
def test_seeded_payloads_are_shown_as_text(serveur_seme, browser, chemin):
    base, slug, seance = serveur_seme
    opener = pages_on(browser, base)
    page = next(opener)(chemin.format(slug=slug, seance=seance))
    wait_for_app(page)
    if chemin.startswith(("/grille", "/seance")):  # the seeded text is drawn (a cold server is slow)
        # (read as the body's visible text: a copy also sits in a table's hidden accessibility cells)
        page.wait_for_function("() => document.body.innerText.includes('GRASINJECTE')", timeout=90_000)
    _verifier(page)
    body = page.inner_text("body")
    if chemin.startswith(("/grille", "/seance")):
        assert "GRASINJECTE" in body  # the typed text is there, as text
    if "ponderation=%5B" in chemin:
        # the crafted parameter is neither rendered nor echoed (a seeded weighting name holding « cliquez
        # ici » as plain text may be listed on the page: that is the safe-text rule working)
        assert "Lien de pondération invalide" in body and "cliquez ici](https://attaquant.invalid)" not in body
    if "{slug}" in chemin:
        assert "Pondération du panel" in body and "**GRASINJECTE**" in body
