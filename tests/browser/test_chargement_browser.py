"""The upload in a real browser, on the « Données » page: a signed-in agent chooses a file (here a DREES
one), sees what it would change before anything is written (old → new, alert), cannot load until the alert
is confirmed, then loads it; the load is recorded with the values. Server on a copy of data/ and its own
SQLite edit database."""

from __future__ import annotations

import shutil

import pytest

from barometre.pilotage import auth
from barometre.pilotage.store import Store, Utilisateur
from barometre.settings import PROJECT_ROOT, Settings
from barometre.sources.entrepot import Entrepot

from .conftest import pages_on, running_streamlit
from .streamlit_page import DESKTOP, assert_no_exception, screenshot, sign_in, wait_for_app

pytestmark = pytest.mark.browser

MDP = "mot-de-passe-de-test"
APL_RAW = PROJECT_ROOT / "data" / "raw" / "drees_apl_mg" / "apl_medecins_generalistes_2022_2023_caph_communes.csv"


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("televersement")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("edits", "lake", "raw"))
    url = f"sqlite:///{root / 'edits.sqlite'}"
    store = Store(url)
    store.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    store.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent", auth.hacher(MDP))
    store.fermer()
    lines = APL_RAW.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [r for r in lines[1:] if r.startswith("2023,")][:10]
    rows = [r if not r.startswith("2023,59002,") else ",".join(r.split(",")[:3] + ["99.9"] + r.split(",")[4:])
            for r in rows]
    fichier = root / "apl_2023_corrige.csv"
    fichier.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with running_streamlit({"BAROMETRE_DATA_DIR": str(data), "BAROMETRE_DATABASE_URL": url}) as base:
        yield base, data, fichier


def test_an_agent_reviews_confirms_then_loads(browser, upload_server):
    base, data, fichier = upload_server
    opener = pages_on(browser, base)
    open_page = next(opener)
    try:
        page = open_page("/donnees", viewport=DESKTOP)
        sign_in(page, "agent", MDP)  # the sign-in form of the one entry point (HTTP)
        assert "/donnees" in page.url, "back on the Données page after signing in"
        # Streamlit's English words replaced by the one CSS (issue 24): the accessible name is French too
        uploader = page.locator('[data-testid="stFileUploader"]').first
        assert uploader.get_by_role("button", name="Choisir un fichier", exact=True).count() == 1
        shown = uploader.inner_text()
        assert "Upload" not in shown and "per file" not in shown, shown
        page.locator('input[type="file"]').set_input_files(str(fichier))
        page.get_by_text("Aperçu : ce que ce fichier changerait").wait_for(timeout=120_000)
        wait_for_app(page)
        for shown in ("Valeurs modifiées", "varient fortement", "Révision du producteur"):
            page.get_by_text(shown).first.wait_for(timeout=60_000)
        assert not Entrepot(Settings(data_dir=data)).existe(), "the preview writes nothing"
        charger = page.get_by_role("button", name="Charger", exact=True)
        assert charger.is_disabled(), "alerts must be confirmed first"
        screenshot(page, "televersement_apercu", full_page=True)
        page.get_by_text("J'ai vérifié les 1 valeur(s) signalée(s)").click()
        wait_for_app(page)
        page.get_by_role("button", name="Charger", exact=True).click()
        page.get_by_text("Chargement n°").first.wait_for(timeout=120_000)
        wait_for_app(page)
        assert_no_exception(page)
        assert page.get_by_text("Aperçu : ce que ce fichier changerait").count() == 0, "the field is emptied"
        loads = [c for c in Entrepot(Settings(data_dir=data)).chargements() if c.type == "chargement"]
        assert [(c.info["fichier"], c.auteur, c.info["alertes"]) for c in loads] == [
            ("apl_2023_corrige.csv", "agent", 1)]
        screenshot(page, "televersement_charge")
    finally:
        opener.close()
