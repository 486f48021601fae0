"""Page tests of the composite indices (IDH-4, well-being index weighted by the panel), through app.py and
Streamlit's AppTest: each page runs without exception, says what it must say, a slider changes the ranking,
weights travel in the URL and a saved weighting reopens identically by its link.

Every test runs on a copy of ``data/`` under tmp_path (``BAROMETRE_DATA_DIR`` points at it), so saving a
weighting never writes into the shipped data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from barometre.calculs import bien_etre as be
from barometre.catalogue import load_catalogue
from barometre.settings import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
DATA_DIR = PROJECT_ROOT / "data"
IDH4_PAGE = "pages/idh4.py"
BIEN_ETRE_PAGE = "pages/bien_etre.py"
MDP = "mot-de-passe-de-test"
RUN_TIMEOUT_S = 120  # first runs build the DuckDB views and the charts on a 2-core machine


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns(be.PONDERATIONS_DIR))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(copy))
    # Streamlit's caches live as long as the process: the connection and the catalogue must be
    # those of this test's copy, and must not outlive it.
    st.cache_resource.clear()
    st.cache_data.clear()
    yield copy
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(autouse=True)
def navigation_mode(warm_server):
    """Every AppTest run of this module as on a server that already served app.py (tests/conftest.py)."""


@pytest.fixture
def corr(data_dir) -> be.Correspondance:
    catalogue = load_catalogue(data_dir / "catalogue")
    return be.load_dimensions(data_dir / "catalogue" / be.DIMENSIONS_FILE, catalogue)


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)  # straight to the page, through app.py (no run of the home page first)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def url(at: AppTest, key: str) -> str | None:
    """A URL parameter as the page left it (AppTest keeps a list for those given before the run)."""
    if key not in at.query_params:
        return None
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def sliders(at: AppTest, corr: be.Correspondance) -> dict[str, int]:
    return {d: at.slider(key=f"be_note_{d}").value for d in corr.ids}


def ranking(at: AppTest) -> list[str]:
    """The communes in the order of the current ranking (the rank-range table is sorted by current rank);
    shows the page's « Sensibilité des rangs » section, where that table is (only the chosen one is drawn)."""
    section = at.radio(key="onglet_be")
    if section.value != "sensibilite":
        section.set_value("sensibilite").run()
    table = next(df.value for df in at.dataframe if "Rang actuel" in df.value.columns)
    return list(table["Commune"])


# ------------------------------------------------------------------------------------------ IDH-4


def test_idh4_page_runs_and_says_what_is_missing(data_dir):
    at = open_page(IDH4_PAGE)
    assert "calculé pour aucun territoire" in texts(at.info)
    assert "IDH-4 = (S + E + N) / 3" in texts(at.info)
    assert ("min/max observés parmi les 47 communes, pas les bornes régionales — l'indice n'est pas "
            "comparable à la carte régionale") in texts(at.warning)
    # education from the documented variant (at least the bac), its difference named on screen
    assert "Éducation : variante : part des 15 ans ou plus non scolarisés titulaires au moins du baccalauréat" in (
        texts(at.warning))
    table = next(df.value for df in at.dataframe if "Commune" in df.value.columns)
    assert len(table) == 47
    assert set(table["IDH-4"]) == {"non calculé : manque santé"}
    education = table["Sous-indice éducation"]
    assert "1,000" in set(education) and "0,000" in set(education)
    income = table["Sous-indice niveau de vie"]
    assert "1,000" in set(income) and "0,000" in set(income)  # observed max and min among the communes
    assert not any(v.startswith("0,000") and "secret" in v for v in income)
    assert all("Filosofi" in t or "INSEE" in t for t in table["Niveau de vie : source, année"])


def test_idh4_page_shows_a_secret_income_as_secret_never_zero(data_dir):
    # make one commune's income secret in the copy, as INSEE does for small communes
    path = data_dir / "valeurs" / "insee_comparateur.parquet"
    df = pl.read_parquet(path)
    target = (pl.col("indicateur") == "revenu_median_uc") & (pl.col("code") == "59100")
    assert df.filter(target).height == 1
    df.with_columns(pl.when(target).then(None).otherwise(pl.col("valeur")).alias("valeur"),
                    pl.when(target).then(True).otherwise(pl.col("secret")).alias("secret")).write_parquet(path)
    at = open_page(IDH4_PAGE)
    table = next(df.value for df in at.dataframe if "Commune" in df.value.columns)
    row = table[table["Commune"] == "Bousignies"].iloc[0]
    assert row["Niveau de vie : Revenu médian par UC"] == "secret statistique"
    assert row["Sous-indice niveau de vie"] == "non disponible (secret statistique)"
    # income goalposts among the communes with a published value (its card), education's among all 47
    income_card = next(el.proto.body for el in at.get("html") if "Sous-indice niveau de vie" in el.proto.body)
    assert "46 communes" in income_card


# The catalogue entries the IDH-4 inputs need (proposed for data/catalogue/, owned by the catalogue's
# editors): the page picks them up by these ids (barometre.calculs.bien_etre.IDH4_INDICATEURS).
IDH4_INDICATEURS_TOML = """
[[indicateur]]
id = "icm_toutes_causes"
libelle = "Indice comparatif de mortalité, toutes causes"
libelle_court = "ICM toutes causes"
volet = "qualite_de_vie"
theme = "Santé"
unite = "indice (France métropolitaine = 100)"
sens = "baisse_favorable"
definition = "Décès observés ÷ décès attendus avec la mortalité par âge de la France métropolitaine, × 100."
methode = "Publié par l'OR2S par canton ; chaque commune reçoit la valeur de son canton (méthode de l'IDH-4)."
agregation = "aucune"
source = "or2s_icm"
millesime = "à charger"

[[indicateur]]
id = "non_scolarises_15_plus"
libelle = "Personnes de 15 ans ou plus non scolarisées"
volet = "contexte"
theme = "Formation"
unite = "personnes"
sens = "neutre"
definition = "Population de 15 ans ou plus sortie du système scolaire (RP, P22_NSCOL15P)."
agregation = "somme"
source = "insee_rp_diplomes"
millesime = "RP 2022"
decimales = 0

[[indicateur]]
id = "non_scolarises_15_plus_diplomes"
libelle = "Personnes de 15 ans ou plus non scolarisées titulaires d'un diplôme"
volet = "contexte"
theme = "Formation"
unite = "personnes"
sens = "neutre"
definition = "P22_NSCOL15P − P22_NSCOL15P_DIPLMIN (au moins un diplôme au-delà du CEP)."
agregation = "somme"
source = "insee_rp_diplomes"
millesime = "RP 2022"
decimales = 0

[[indicateur]]
id = "part_diplomes_15_plus"
libelle = "Part des diplômés parmi les 15 ans ou plus non scolarisés"
volet = "qualite_de_vie"
theme = "Formation"
unite = "%"
sens = "hausse_favorable"
definition = "Part des personnes de 15 ans ou plus sorties du système scolaire qui détiennent un diplôme."
methode = "non scolarisés diplômés ÷ non scolarisés × 100, sur les effectifs additionnés pour un groupe."
agregation = "ratio"
numerateur = "non_scolarises_15_plus_diplomes"
denominateur = "non_scolarises_15_plus"
facteur = 100
source = "insee_rp_diplomes"
millesime = "RP 2022"
"""
IDH4_SOURCES_TOML = """
[[source]]
id = "or2s_icm"
producteur = "OR2S (Observatoire régional de la santé et du social Hauts-de-France)"
jeu_de_donnees = "Indice comparatif de mortalité générale par canton"
millesime = "à charger"
licence = "à vérifier auprès de l'OR2S"
url = "https://www.or2s.fr/"

[[source]]
id = "insee_rp_diplomes"
producteur = "INSEE"
jeu_de_donnees = "Recensement de la population, base communale Diplômes – Formation"
millesime = "RP 2022"
licence = "Licence Ouverte / Etalab 2.0"
url = "https://www.insee.fr/fr/statistiques?debut=0&theme=7&categorie=5"
"""


def test_idh4_appears_once_its_missing_inputs_are_loaded(data_dir):
    """With ICM (per canton) and diploma counts (per commune) in the data, the index is computed."""
    catalogue = data_dir / "catalogue"
    with (catalogue / "indicateurs.toml").open("a", encoding="utf-8") as f:
        f.write(IDH4_INDICATEURS_TOML)
    with (catalogue / "sources.toml").open("a", encoding="utf-8") as f:
        f.write(IDH4_SOURCES_TOML)
    communes = pl.read_parquet(data_dir / "territoires.parquet").filter(pl.col("niveau") == "commune")
    codes = sorted(communes["code"].to_list())
    rows = [{"indicateur": "icm_toutes_causes", "niveau": "canton", "code": canton, "annee": 2019,
             "valeur": icm, "source": "or2s_icm"}
            for canton, icm in {"5903": 118.0, "5906": 104.0, "5914": 131.0, "5934": 99.0}.items()]
    for i, code in enumerate(codes):
        total = 1000.0 + 37 * i
        rows.append({"indicateur": "non_scolarises_15_plus", "niveau": "commune", "code": code, "annee": 2022,
                     "valeur": total, "source": "insee_rp_diplomes"})
        rows.append({"indicateur": "non_scolarises_15_plus_diplomes", "niveau": "commune", "code": code,
                     "annee": 2022, "valeur": total * (0.6 + 0.005 * i), "source": "insee_rp_diplomes"})
    pl.DataFrame(rows).with_columns(pl.col("annee").cast(pl.Int32), pl.lit("").alias("periode"),
                                    pl.lit("").alias("ventilation"), pl.lit(False).alias("secret"),
                                    pl.lit("definitif").alias("statut")
                                    ).write_parquet(data_dir / "valeurs" / "idh4_test.parquet")
    at = open_page(IDH4_PAGE)
    assert "L'IDH-4 est calculé pour 47 commune(s) sur 47" in texts(at.success)
    table = next(df.value for df in at.dataframe if "Commune" in df.value.columns)
    assert not table["IDH-4"].str.startswith("non calculé").any()
    denain = table[table["Commune"] == "Denain"].iloc[0]
    assert "valeur du canton 5914" in denain["Santé : source, année"]
    assert denain["Sous-indice santé"] == "0,000"  # the worst ICM of the four cantons


# ------------------------------------------------------------------------------------------ well-being index


def test_bien_etre_page_runs_with_the_neutral_weighting_marked_as_such(data_dir, corr):
    at = open_page(BIEN_ETRE_PAGE)
    assert "Pondération neutre de départ" in texts(at.info)
    assert "pas le choix du panel" in texts(at.info)
    assert sliders(at, corr) == be.notes_neutres(corr.ids)
    assert len(ranking(at)) == 47
    assert url(at, "w") is None and url(at, "ponderation") is None


def test_moving_a_slider_changes_the_ranking_and_the_url(data_dir, corr):
    at = open_page(BIEN_ETRE_PAGE)
    before = ranking(at)
    at.slider(key="be_note_moyens_de_vie").set_value(5)
    at.slider(key="be_note_biens_communs").set_value(0)
    at.run()
    assert not at.exception
    after = ranking(at)
    assert after != before and sorted(after) == sorted(before)
    expected = be.notes_neutres(corr.ids) | {"moyens_de_vie": 5, "biens_communs": 0}
    assert url(at, "w") == be.format_notes(expected, corr.ids)
    assert "Pondération personnalisée, non enregistrée" in texts(at.warning)


def test_weights_in_the_url_set_the_sliders(data_dir, corr):
    at = open_page(BIEN_ETRE_PAGE, w="1,2,3,4,5,0")
    assert list(sliders(at, corr).values()) == [1, 2, 3, 4, 5, 0]


def test_garbage_in_the_url_gives_the_neutral_default_without_exception(data_dir, corr):
    at = open_page(BIEN_ETRE_PAGE, w="9;zz,<script>", ponderation="../../etc/passwd")
    assert sliders(at, corr) == be.notes_neutres(corr.ids)
    errors = texts(at.error)
    assert "Lien de pondération invalide" in errors and "illisible" in errors


def test_a_crafted_link_parameter_is_never_markup_nor_a_traceback(data_dir, corr):
    """``?ponderation=[cliquez ici](https://…)`` once rendered a link inside the site's red box, and 300
    characters gave a traceback with server paths."""
    for crafted in ("[cliquez ici](https://exemple.invalid/x)", "x" * 300 + "![i](https://exemple.invalid/i.png)"):
        at = open_page(BIEN_ETRE_PAGE, ponderation=crafted)
        assert not at.exception
        errors = texts(at.error)
        assert "Lien de pondération invalide" in errors
        assert "](https://" not in errors and "cliquez" not in errors


@pytest.fixture
def comptes(data_dir, monkeypatch):
    """Accounts (panel, agent) in the page's store, with cheap argon2 parameters."""
    from argon2 import PasswordHasher

    from barometre.pilotage import auth
    from barometre.pilotage.store import Store, Utilisateur

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    s = Store()
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    for role in ("agent", "panel"):
        s.creer_compte(Utilisateur("admin", "admin"), role, role, role.capitalize(), auth.hacher(MDP))
    yield s
    s.fermer()


def sign_in(at: AppTest, login: str) -> AppTest:
    at.sidebar.text_input(key="connexion_login").input(login)
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    assert not at.exception
    assert any("Connecté" in m.value for m in at.sidebar.markdown), "signed in"
    return at


def test_an_adopted_weighting_reopens_identically_by_its_link(data_dir, corr, comptes):
    from barometre.pilotage.store import Utilisateur

    notes = dict(zip(corr.ids, [2, 5, 0, 1, 4, 3], strict=True))
    p = comptes.proposer_ponderation(Utilisateur("panel", "panel"), "Panel de mars", notes, dt.date(2025, 3, 12),
                                     be.dimensions_figees(corr))
    proposed = open_page(BIEN_ETRE_PAGE, ponderation=p["slug"])
    assert sliders(proposed, corr) == notes
    assert "Pondération du panel" not in texts(proposed.success)  # a proposal is not the panel's
    assert "non adoptée" in texts(proposed.info)
    comptes.adopter_ponderation(Utilisateur("agent", "agent"), p["id"], p["version"])
    at = open_page(BIEN_ETRE_PAGE, ponderation=p["slug"])
    assert sliders(at, corr) == notes
    assert "Pondération du panel « Panel de mars »" in texts(at.success)
    assert "12/03/2025" in texts(at.success)
    assert url(at, "ponderation") == p["slug"] and url(at, "w") is None
    again = open_page(BIEN_ETRE_PAGE, ponderation=p["slug"])
    assert ranking(again) == ranking(at)


def test_signed_out_visitors_save_nothing(data_dir, corr, comptes):
    at = open_page(BIEN_ETRE_PAGE, w="4,3,2,1,0,5")
    assert not any(b.label.startswith(("Proposer", "Enregistrer", "Adopter")) for b in at.button)
    assert "demande un compte du panel" in texts(at.caption)
    assert comptes.ponderations(("proposee", "adoptee", "retiree")) == []
    assert not (data_dir / be.PONDERATIONS_DIR).exists()


def test_the_panel_proposes_and_an_agent_adopts_from_the_page(data_dir, corr, comptes):
    at = sign_in(open_page(BIEN_ETRE_PAGE, w="4,3,2,1,0,5"), "panel")
    assert not any(b.label == "Adopter cette pondération" for b in at.button)
    next(t for t in at.text_input if t.label == "Nom de la pondération").input("![x](https://exemple.invalid/i.png)")
    at.date_input[0].set_value(dt.date(2025, 6, 30))
    next(b for b in at.button if b.label == "Proposer cette pondération").click()
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    [p] = comptes.ponderations(("proposee",))
    assert p["modifie_par"] == "panel" and p["slug"] == "2025-06-30-x-https-exemple-invalid-i-png"
    assert url(at, "ponderation") == p["slug"]
    assert "non adoptée" in texts(at.info)
    assert "![x]" not in texts(at.markdown) + texts(at.info)  # the typed name is escaped, never an image
    assert not (data_dir / be.PONDERATIONS_DIR).exists()  # nothing written as a file

    agent = sign_in(open_page(BIEN_ETRE_PAGE, ponderation=p["slug"]), "agent")
    next(b for b in agent.button if b.label == "Adopter cette pondération").click()
    agent.run()
    assert not agent.exception and not agent.error, texts(agent.error)
    assert comptes.ponderation_adoptee()["id"] == p["id"]
    assert "Pondération du panel" in texts(agent.success)
