"""The panel's vote and the label's map layer in a real browser, on a server of its own whose edit database
(``BAROMETRE_DATABASE_URL``, a temporary SQLite file) this test fills through the store:

- the room's screen (projection mode) shows the QR code of the ballot link and the count of votes, which
  rises by itself as members vote from their phones (a phone-sized context each, on the link their QR code
  carries); a reused code is refused; once the vote is closed, the screen shows the full distribution;
- on Territoires, the « Projets labellisés » switch adds the layer and its legend; the commune's profile lists
  the project.

The séance, codes and project are test content written here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from barometre.calculs import bien_etre
from barometre.catalogue import load_catalogue
from barometre.pilotage.panel import Panel
from barometre.pilotage.store import Store, Utilisateur
from barometre.pilotage.structure import charger_structure
from barometre.settings import get_settings

from .conftest import pages_on, running_streamlit
from .streamlit_page import CARTE, FULL_HD, VIEWPORTS, app_errors, assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ADMIN = Utilisateur("admin", "admin")
AGENT = Utilisateur("agent", "agent")
N_PHONES = 3
DENAIN = "59172"
TITRE = "Jardin partagé (test navigateur)"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """(store, panel, base URL, vote id, codes) on a server reading the same temporary database."""
    db = Path(tmp_path_factory.mktemp("panel")) / "pilotage.sqlite"
    url = f"sqlite:///{db}"
    store = Store(url, charger_structure())
    store.initialiser_admin("admin", "Admin", "$argon2id$test-only")
    store.creer_compte(ADMIN, "agent", "agent", "Agent", "$argon2id$test-only")
    p = Panel(store)
    seance = p.creer(AGENT, "panel_seances", date="2027-03-12", lieu="Salle (test)", groupe="Groupe (test)")
    settings = get_settings()
    corr = bien_etre.load_dimensions(settings.catalogue_dir / bien_etre.DIMENSIONS_FILE,
                                     load_catalogue(settings.catalogue_dir))
    vote_id = p.creer_vote(AGENT, seance, "ponderation_bien_etre", "Pondération (test navigateur)",
                           [{"id": d.id, "libelle": d.libelle, "indicateurs": d.indicateurs} for d in corr.dimensions])
    codes = p.generer_codes(AGENT, vote_id, N_PHONES + 1)
    p.ouvrir_vote(AGENT, vote_id, p.vote(vote_id)["version"])
    appel = p.creer(AGENT, "label_appels", libelle="Appel (test)", annee=2027, date_ouverture="2027-01-10",
                    criteres=["Critère (test)"])
    cand = p.creer(AGENT, "label_candidatures", appel_id=appel, porteur="Association (test)",
                   type_porteur="association", commune=DENAIN, engagement="E1", titre=TITRE,
                   description="Description (test)")
    p.decider(AGENT, cand, 1, "labellise", "2027-05-01", "Motifs (test)")
    with running_streamlit({"BAROMETRE_DATABASE_URL": url}) as server:
        yield store, p, server, vote_id, codes
    store.fermer()


@pytest.fixture(scope="module")
def opener(browser, base):
    yield from pages_on(browser, base[2])


def _count(page) -> str:
    return page.get_by_role("status").inner_text()


def test_room_screen_counts_phone_votes_then_shows_the_distribution(base, opener):
    store, p, server, vote_id, codes = base
    room = opener(f"/panel?vote={vote_id}&mode=projection", viewport=FULL_HD)
    wait_for_app(room)
    assert_no_exception(room)
    assert re.match(r"0 vote", _count(room))
    qr = room.locator('[data-testid="stImage"] img')
    assert qr.count() == 1 and qr.first.bounding_box()["width"] >= 300, "the QR code of the ballot link is drawn"
    link = f"{server}/panel?vote={vote_id}&voter=1"
    shown = room.locator('[data-testid="stCode"]').all_inner_texts()
    assert link in " ".join(shown), (shown, link)
    screenshot(room, "panel-salle-ouvert-1920x1080")
    for i, code in enumerate(codes[:N_PHONES]):
        phone = opener(f"/panel?vote={vote_id}&jeton={code}", viewport=PHONE)
        wait_for_app(phone)
        phone.get_by_role("button", name="Voter").click()
        phone.get_by_text("Votre vote est enregistré").wait_for(timeout=30_000)
        if i == 0:
            screenshot(phone, "panel-bulletin-telephone")
        assert app_errors(phone) == []
    reuse = opener(f"/panel?vote={vote_id}&jeton={codes[0]}", viewport=PHONE)
    wait_for_app(reuse)
    reuse.get_by_role("button", name="Voter").click()
    reuse.get_by_text("déjà servi").wait_for(timeout=30_000)
    # the room's count rises by itself (no reload): the fragment reruns every second
    room.get_by_role("status").filter(has_text=f"{N_PHONES} votes").wait_for(timeout=30_000)
    assert p.nombre_votes(vote_id) == N_PHONES
    debut = time.perf_counter()
    p.clore_vote(AGENT, vote_id, p.vote(vote_id)["version"], "2027-03-12")
    room.get_by_text(f"Résultat : {N_PHONES} bulletins").wait_for(timeout=30_000)
    # measured, not asserted (speed belongs to benchmarks): printed with -s
    print(f"\nrésultat affiché {time.perf_counter() - debut:.2f} s après la clôture")
    wait_for_app(room)
    assert room.locator('[data-testid="stVegaLiteChart"]').count() >= 2, "distribution and weighting charts"
    screenshot(room, "panel-salle-resultat-1920x1080", full_page=True)
    assert app_errors(room) == []


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_labelled_projects_layer_and_commune_profile(base, opener, viewport_name):
    page = opener(f"/territoires?niveau=commune&code={DENAIN}", viewport=VIEWPORTS[viewport_name])
    wait_for_app(page)
    legend = page.get_by_text("Projet labellisé Porte du Hainaut 2044")
    assert legend.count() == 0
    page.get_by_text(re.compile(r"Projets labellisés « Porte du Hainaut 2044 » \(1\)")).click()
    wait_for_app(page)
    legend.first.wait_for(timeout=30_000)
    assert_no_exception(page)
    carte = page.locator(CARTE)
    assert carte.count() == 1
    # the project is drawn on the map, a point of its own beside the communes' shapes
    assert carte.locator('[aria-roledescription="circle"]').count() == 1, carte.inner_html()[:2000]
    page.locator('[data-testid="stMarkdown"]', has_text="Porte du Hainaut 2044 » : 1").first.wait_for()
    screenshot(page, f"territoires-label-{viewport_name}", full_page=True)
    assert app_errors(page) == []
