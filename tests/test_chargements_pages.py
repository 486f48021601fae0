"""Loads in the dashboard (AppTest through app.py): the list of loads for agents, the undo for
administrators only, the producer revisions on the Méthodologie page, and a load made by another process on
the same catalog (embedded file, or the shared PostgreSQL catalog) picked up by this server once its
version check is due.

Runs on a copy of data/ (BAROMETRE_DATA_DIR); the energy files are the TEST fixtures of tests/fixtures/energie/
(invented round numbers, see the README there); the APL file is written from the stored values.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from barometre.pilotage import auth
from barometre.pilotage.store import Store, Utilisateur
from barometre.settings import PROJECT_ROOT, get_settings
from barometre.sources.entrepot import Entrepot
from barometre.sources.ingest import ingest
from barometre.ui import chargements as ui_chargements

APP = PROJECT_ROOT / "app.py"
DATA_DIR = PROJECT_ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures" / "energie"
ORE = FIXTURES / "ore_conso_elec_gaz_commune_2023.csv"
ENEDIS = FIXTURES / "enedis_production_filiere_commune_2023.csv"
TIMEOUT_S = 90
MDP = "mot-de-passe-de-test"
ADMIN = Utilisateur("admin", "admin", "Admin")
HEADER = ("millesime,Code commune INSEE,APL aux médecins généralistes,APL aux médecins généralistes de moins "
          "de 65 ans,Population standardisée pour la médecine générale")


@pytest.fixture
def env(monkeypatch, db_url, data_copy_db):
    """A copy of data/, the test database as BAROMETRE_DATABASE_URL (SQLite: embedded lake; PostgreSQL: the
    lake's catalog there), one agent and one administrator, fresh Streamlit caches."""
    data = data_copy_db.data_dir
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    store = Store(db_url)
    store.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    store.creer_compte(ADMIN, "agent", "agent", "Agent", auth.hacher(MDP))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield {"settings": get_settings(), "store": store, "url": db_url, "data": data}
    store.fermer()
    st.cache_resource.clear()
    st.cache_data.clear()


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(page).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _sign_in(at: AppTest, login: str) -> AppTest:
    at.sidebar.text_input(key="connexion_login").input(login)
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    _ok(at)
    return at


def _tab(at: AppTest, start: str):
    """Show the page's section whose label starts with ``start`` (only the chosen section is drawn)."""
    from barometre.ui.environnement import SECTIONS

    choice = next(k for k, label in SECTIONS.items() if label.startswith(start))
    radio = at.radio(key="onglet_env")
    if radio.value != choice:
        radio.set_value(choice).run()
    return at.main


def _texts(container) -> str:
    return "\n".join([m.value for m in container.markdown] + [c.value for c in container.caption])


def _loads_table(at: AppTest):
    return next(d.value for d in at.main.dataframe if "Fichier" in d.value.columns)


def apl_revision(settings, tmp_path: Path) -> Path:
    """Abscon's 2023 APL revised by 5 % (a producer revision), as a DREES file."""
    vals = Entrepot(settings).valeurs().filter((pl.col("code") == "59002") & (pl.col("annee") == 2023))
    v = {r["indicateur"]: r["valeur"] for r in vals.to_dicts()}
    path = tmp_path / "apl_2023_revise.csv"
    path.write_text(f"{HEADER}\n2023,59002,{v['apl_medecins_generalistes'] * 1.05!r},"
                    f"{v['apl_medecins_generalistes_65']!r},{v['population_standardisee_mg']!r}\n", encoding="utf-8")
    return path


def test_agents_see_the_loads_and_only_administrators_undo(env, tmp_path, warm_server):
    settings = env["settings"]
    before = Entrepot(settings).valeurs().sort("indicateur", "niveau", "code", "annee", "ventilation")
    report = ingest(apl_revision(settings, tmp_path), settings, auteur="agent")

    anonymous = _open("pages/donnees.py")
    assert not any("Fichier" in d.value.columns for d in anonymous.main.dataframe)

    agent = _sign_in(_open("pages/donnees.py"), "agent")
    table = _loads_table(agent)
    assert table["Fichier"].tolist() == ["apl_2023_revise.csv"] and table["Par"].tolist() == ["agent"]
    assert table["Révision du producteur"].tolist() == ["oui"] and table["État"].tolist() == ["en vigueur"]
    assert not [b for b in agent.button if b.label == "Annuler ce chargement"], "agents do not undo"

    admin = _sign_in(_open("pages/donnees.py"), "admin")
    assert admin.selectbox(key="chargement_a_annuler").value == report.chargement
    next(b for b in admin.button if b.label == "Annuler ce chargement").click().run()
    _ok(admin)
    after = Entrepot(settings).valeurs().sort("indicateur", "niveau", "code", "annee", "ventilation")
    assert after.equals(before)
    assert _loads_table(admin)["État"].tolist()[0].startswith("annulé")
    assert any("annulé" in s.value for s in admin.success)


def test_the_methodologie_page_lists_producer_revisions(env, tmp_path, warm_server):
    at = _open("pages/methodologie.py")
    assert "Aucune révision" in _texts(at)
    ingest(apl_revision(env["settings"], tmp_path), env["settings"], auteur="agent")
    st.cache_data.clear()
    at = _open("pages/methodologie.py")
    table = next(d.value for d in at.dataframe if "Valeurs révisées" in d.value.columns)
    assert table["Source"].tolist() == ["DREES – APL aux médecins généralistes"]
    assert table["Valeurs révisées"].tolist() == ["apl_medecins_generalistes 2023 (1)"]


def test_a_load_by_another_process_on_the_same_catalog_shows_here(env, warm_server):
    at = _open("pages/environnement.py")
    assert "pas encore chargée" in _texts(_tab(at, "Énergie"))
    process_env = {**os.environ, "BAROMETRE_DATA_DIR": str(env["data"]), "BAROMETRE_DATABASE_URL": env["url"]}
    # The other server: another process writing to the same catalog, `barometre ingest` of each file (in one
    # process: a Python start and the package's imports cost seconds, the boundary is crossed once either way).
    script = ("import sys\nfrom barometre.cli import main\n"
              "for f in sys.argv[1:]:\n    assert main(['ingest', f, '--auteur', 'agent2']) == 0, f")
    done = subprocess.run([sys.executable, "-c", script, str(ORE), str(ENEDIS)],
                          env=process_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ui_chargements.version_donnees.clear()  # what the check's time-to-live does after 30 s
    at.run()
    _ok(at)
    assert "pas encore chargée" not in _texts(_tab(at, "Énergie"))
    assert "Autonomie" in _texts(_tab(at, "Énergie"))


def test_the_donnees_page_lists_every_expected_dataset_and_takes_any_recognised_file(env, tmp_path, warm_server):
    """Every source with its status, regional-only indicators with the file that would give the
    agglomeration's value; the upload (agents only) takes an INSEE or DREES file as well as an energy one,
    previews the actual new and changed values, loads, and the status follows."""
    from barometre.ui import donnees  # noqa: F401 - the page's module imports

    at = _open("pages/donnees.py")
    statuts = next(d.value for d in at.main.dataframe if "Statut" in d.value.columns)
    ore_titre = "Consommation annuelle d'électricité et gaz par commune"
    cat_ore = statuts[statuts["Jeu de données"].str.startswith(ore_titre)]
    assert cat_ore["Statut"].tolist() == ["à charger"]
    assert cat_ore["Téléchargement"].tolist() == ["barometre telecharger"]
    assert statuts["Statut"].str.startswith("chargé").any()
    regionaux = next(d.value for d in at.main.dataframe if "Publié pour" in d.value.columns)
    enedis = regionaux[regionaux["Indicateur"].str.contains("Production")]
    assert enedis["Fichier qui donnerait la valeur de l'agglomération"].str.contains("maille commune").all()
    assert not at.get("file_uploader"), "visitors do not upload"
    agent = _sign_in(_open("pages/donnees.py"), "agent")
    uploaders = agent.get("file_uploader")
    assert len(uploaders) == 1
    # An INSEE/DREES file goes through the same form (the preview is the ingest's; see test_environnement for
    # the energy files): loaded from the command line here, the page's status follows.
    ingest(apl_revision(env["settings"], tmp_path), env["settings"], auteur="agent")
    ingest(ORE, env["settings"], auteur="agent")
    st.cache_data.clear()
    statuts = next(d.value for d in _open("pages/donnees.py").main.dataframe if "Statut" in d.value.columns)
    ore = statuts[statuts["Jeu de données"].str.startswith(ore_titre)]
    assert ore["Statut"].tolist() == ["chargé : 2023"]
    apl = statuts[statuts["Producteur"].str.startswith("DREES")]
    assert apl["Révision du producteur"].str.startswith("oui").any()
