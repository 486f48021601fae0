"""Volet environnemental: targets edited over the shipped file (overlay, validation, store permissions,
history, revert, conflicts, the CLI and the page's edit flow), the upload of an energy file by a signed-in
agent (the same path as ``barometre ingest``), and the page with and without energy data loaded.

The loaded-data case runs on a copy of data/ (``BAROMETRE_DATA_DIR``) into which the TEST fixtures of
tests/fixtures/energie/ (invented round numbers, see the README there) are ingested; expected numbers are
summed from those files with the csv module, never hard-coded. Target values typed below (2040, 40, …)
are test inputs, not the agglomeration's targets.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from argon2 import PasswordHasher
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from barometre.calculs.energie import tableau_autonomie
from barometre.calculs.targets import OBJECTIFS_COLUMNS, Objectif, load_objectifs, message_validation_fr
from barometre.catalogue import load_catalogue
from barometre.cli import main as cli_main
from barometre.formats import MISSING_TEXT, SECRET_TEXT, nombre
from barometre.pilotage import auth
from barometre.pilotage.objectifs import (
    OBJECTIFS_FILE,
    depuis_formulaire,
    effectifs,
    objectifs_rows,
    objectifs_saisis,
    superposer,
    vers_formulaire,
)
from barometre.pilotage.store import ConflitEdition, DonneesInvalides, RefusEcriture, Store, Utilisateur
from barometre.settings import PROJECT_ROOT, Settings, get_settings
from barometre.sources.csvread import IngestError
from barometre.sources.entrepot import Entrepot
from barometre.sources.ingest import ingest_televersement

APP = PROJECT_ROOT / "app.py"
FIXTURES = Path(__file__).parent / "fixtures" / "energie"
ORE = FIXTURES / "ore_conso_elec_gaz_commune_2023.csv"
ENEDIS = FIXTURES / "enedis_production_filiere_commune_2023.csv"
ENEDIS_RENOUVELABLES = [f"energie_produite_annuelle_{f}_enedis_mwh"
                        for f in ("photovoltaique", "eolien", "hydraulique", "bio_energie")]
TIMEOUT_S = 90
MDP = "mot-de-passe-de-test"
AGENT = Utilisateur("agent", "agent", "Agent")
AGENT2 = Utilisateur("agent2", "agent", "Second agent")
ADMIN = Utilisateur("admin", "admin", "Admin")
SHIPPED = load_objectifs(get_settings().catalogue_dir / OBJECTIFS_FILE)
AUTONOMIE = next(o for o in SHIPPED if o.indicateur == "autonomie_energetique")


def _fields(obj: Objectif, **changes) -> dict:
    return {**{c: getattr(obj, c) for c in OBJECTIFS_COLUMNS if c != "id"}, **changes}


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    """An empty edit database (BAROMETRE_DATABASE_URL) with one account per role (cheap argon2)."""
    yield from _store(f"sqlite:///{tmp_path / 'edits.sqlite'}", monkeypatch)


@pytest.fixture
def store_db(db_url, monkeypatch) -> Store:
    """The same on SQLite and on PostgreSQL (``db_url``, tests/conftest.py: skipped locally without
    PostgreSQL, required in CI)."""
    yield from _store(db_url, monkeypatch)


def _store(url: str, monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url)
    s.initialiser_admin("admin", "Admin", auth.hacher(MDP))
    for login, role in (("agent", "agent"), ("agent2", "agent"), ("panel", "panel"), ("lecteur", "lecteur")):
        s.creer_compte(ADMIN, login, role, login.capitalize(), auth.hacher(MDP))
    yield s
    s.fermer()


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("edits"))
    return data


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped data/ (no edits) as BAROMETRE_DATA_DIR."""
    data = _copy_data(tmp_path)
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    return data


@pytest.fixture
def fresh_caches():
    """AppTest runs in this process: the cached DuckDB connection and queries must not leak between data
    directories."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def _fixture_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def _communes() -> set[str]:
    return set(pl.read_parquet(PROJECT_ROOT / "data" / "territoires.parquet")
               .filter(pl.col("niveau") == "commune")["code"].to_list())


def _oracle() -> tuple[dict[str, float], dict[str, float]]:
    """Consumption (MWh) and renewable production (MWh) per commune, summed from the fixture files."""
    communes = _communes()
    conso: dict[str, list[float]] = {}
    for r in _fixture_rows(ORE):
        if r["code_commune"] in communes:
            conso.setdefault(r["code_commune"], []).append(float(r["conso"]))
    prod: dict[str, list[float]] = {}
    for r in _fixture_rows(ENEDIS):
        if r["code_commune"] in communes:
            prod.setdefault(r["code_commune"], []).extend(float(r[c]) for c in ENEDIS_RENOUVELABLES)
    return ({k: math.fsum(v) for k, v in conso.items()}, {k: math.fsum(v) for k, v in prod.items()})


# ---------------------------------------------------------------- overlay and validation (pure)
def test_overlay_replaces_withdraws_and_adds():
    a, b = SHIPPED[0], SHIPPED[1]
    changed = {"id": a.id, **_fields(a, annee_cible=2045), "retire": False, "version": 2,
               "modifie_par": "agent", "modifie_le": "2026-01-01T00:00:00+00:00"}
    withdrawn = {"id": b.id, **_fields(b), "retire": True, "version": 1, "modifie_par": "agent", "modifie_le": ""}
    added = {"id": "zz-test-ajoute", **_fields(AUTONOMIE, valeur_cible=40.0), "retire": False, "version": 1,
             "modifie_par": "agent", "modifie_le": ""}
    saisis = superposer(SHIPPED, [added, withdrawn, changed])
    assert [s.objectif.id for s in saisis] == [o.id for o in SHIPPED] + ["zz-test-ajoute"]
    by_id = {s.objectif.id: s for s in saisis}
    assert by_id[a.id].objectif.annee_cible == 2045 and by_id[a.id].provenance == "modifie"
    assert by_id[a.id].version == 2
    assert by_id[b.id].retire and by_id["zz-test-ajoute"].provenance == "ajoute"
    assert by_id[SHIPPED[2].id].provenance == "fichier" and by_id[SHIPPED[2].id].version == 0
    in_force = effectifs(saisis)
    assert b.id not in {o.id for o in in_force}
    assert len(in_force) == len(SHIPPED)  # one withdrawn, one added
    assert superposer(SHIPPED, []) == superposer(SHIPPED, pl.DataFrame())


def test_form_values_french_numbers():
    got = depuis_formulaire({"valeur_reference": "1 065,7", "variation_cible_pct": "\u221250", "annee_cible": " 2050 ",
                             "valeur_cible": "", "source": "a, b"})
    assert got == {"valeur_reference": "1065.7", "variation_cible_pct": "\u221250", "annee_cible": "2050",
                   "valeur_cible": "", "source": "a, b"}
    obj = Objectif.model_validate({**_fields(AUTONOMIE, valeur_cible=None), "id": "x",
                                   **{k: v for k, v in got.items() if k != "source"}, "annee_reference": "2015"})
    assert obj.valeur_reference == 1065.7 and obj.variation_cible_pct == -50
    assert vers_formulaire(None) == "" and vers_formulaire(2050) == "2050" and vers_formulaire(-12.5) == "-12,5"
    assert vers_formulaire(50.0) == "50"


def test_validation_message_names_the_field_and_the_fix():
    with pytest.raises(ValidationError) as exc:
        Objectif.model_validate({**_fields(AUTONOMIE, variation_cible_pct=-50.0), "id": "x"})
    text = message_validation_fr(exc.value)
    assert "« Valeur cible » (valeur_cible)" in text and "Correction :" in text
    with pytest.raises(ValidationError) as exc:
        Objectif.model_validate({**_fields(AUTONOMIE, annee_cible="vingt"), "id": "x"})
    assert "« Année cible » (annee_cible) : « vingt » n'est pas une année" in message_validation_fr(exc.value)


def test_autonomy_table_keeps_secret_and_missing_apart_and_last():
    schema = {"code": pl.String, "annee": pl.Int32, "ventilation": pl.String, "valeur": pl.Float64,
              "secret": pl.Boolean, "n_communes": pl.Int64}

    def frame(rows):
        return pl.DataFrame(rows, schema=schema, orient="row")

    terr = pl.DataFrame({"code": ["a", "b", "c", "d"], "nom": ["A", "B", "C", "D"]})
    auto = frame([("a", 2023, "", 10.0, False, 1), ("b", 2023, "", None, True, 1), ("c", 2023, "", 60.0, False, 1),
                  ("d", 2022, "", 99.0, False, 1)])
    table = tableau_autonomie(terr, auto, frame([]), frame([]), 2023, 50.0)
    assert table["code"].to_list() == ["c", "a", "b", "d"]
    assert table["statut"].to_list() == ["", "", SECRET_TEXT, MISSING_TEXT]
    assert table["ecart_cible"].to_list()[:2] == [10.0, -40.0]
    assert table["objectif_atteint"].to_list() == [True, False, None, None]
    assert tableau_autonomie(terr, auto, frame([]), frame([]), 2023, None)["ecart_cible"].null_count() == 4


# ---------------------------------------------------------------- store: roles, history, revert, conflicts
@pytest.mark.parametrize("user", [None, Utilisateur("lecteur", "lecteur"), Utilisateur("panel", "panel"),
                                  Utilisateur("inconnu", "agent")])
def test_targets_refused_to_readers_panel_anonymous_and_unknown_accounts(store_db, user):
    with pytest.raises(RefusEcriture):
        store_db.enregistrer_objectif(user, AUTONOMIE.id, 0, **_fields(AUTONOMIE, valeur_cible=40.0))
    with pytest.raises(RefusEcriture):
        store_db.creer(user, "objectifs", id="zz-test", retire=False, **_fields(AUTONOMIE))
    assert store_db.objectifs_saisis().is_empty() and store_db.historique(["objectifs"]).is_empty()


def test_change_is_journaled_effective_and_revertible(store_db):
    version = store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 0, **_fields(AUTONOMIE, annee_cible=2040))
    assert version == 1
    h = store_db.historique(["objectifs"])
    assert set(h["login"]) == {"agent"} and set(h["ligne"]) == {AUTONOMIE.id}
    assert set(h["nature"]) == {"creation"} and h["horodatage"][0]
    by_id = {s.objectif.id: s for s in objectifs_saisis(get_settings(), store_db)}
    assert by_id[AUTONOMIE.id].objectif.annee_cible == 2040 and by_id[AUTONOMIE.id].provenance == "modifie"

    v2 = store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 1, **_fields(AUTONOMIE, annee_cible=2040), retire=True)
    assert v2 == 2
    assert AUTONOMIE.id not in {o.id for o in effectifs(objectifs_saisis(get_settings(), store_db))}
    last = store_db.historique(["objectifs"])
    assert last.filter((pl.col("champ") == "retire") & (pl.col("nature") == "modification"))[
        "apres"].to_list() == ["true"]

    store_db.annuler(AGENT, last["operation"][0])  # revert the withdrawal
    assert AUTONOMIE.id in {o.id for o in effectifs(objectifs_saisis(get_settings(), store_db))}
    store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 3, **_fields(AUTONOMIE, annee_cible=2045))
    first = store_db.historique(["objectifs"]).filter(pl.col("nature") == "creation")["operation"][0]
    with pytest.raises(ConflitEdition):  # the row changed since its creation: revert the later ones first
        store_db.annuler(AGENT, first)
    store_db.annuler(AGENT, store_db.historique(["objectifs"])["operation"][0])  # back to 2040
    store_db.annuler(AGENT, first)  # revert the change: back to the file's row
    assert store_db.objectifs_saisis().is_empty()
    assert [s.objectif for s in objectifs_saisis(get_settings(), store_db)] == SHIPPED
    with pytest.raises(RefusEcriture):
        store_db.annuler(Utilisateur("lecteur", "lecteur"), first)


def test_concurrent_edits_of_one_target_conflict(store_db):
    # Both agents opened the file's row (version 0); the first saves, the second is refused.
    store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 0, **_fields(AUTONOMIE, valeur_cible=45.0))
    with pytest.raises(ConflitEdition, match="Second agent|Agent"):
        store_db.enregistrer_objectif(AGENT2, AUTONOMIE.id, 0, **_fields(AUTONOMIE, valeur_cible=55.0))
    store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 1, **_fields(AUTONOMIE, valeur_cible=46.0))
    with pytest.raises(ConflitEdition, match="Conflit de modification"):
        store_db.enregistrer_objectif(AGENT2, AUTONOMIE.id, 1, **_fields(AUTONOMIE, valeur_cible=55.0))
    assert store_db.objectifs_saisis()["valeur_cible"].to_list() == [46.0]


def test_invalid_targets_refused_in_french(store_db):
    with pytest.raises(DonneesInvalides, match=r"« Valeur cible » \(valeur_cible\).*Correction"):
        store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 0, **_fields(AUTONOMIE, variation_cible_pct=-50.0))
    with pytest.raises(DonneesInvalides, match=r"« Année cible » \(annee_cible\)"):
        store_db.enregistrer_objectif(AGENT, AUTONOMIE.id, 0,
                                   **_fields(AUTONOMIE, annee_reference=2050, valeur_reference=1.0))
    with pytest.raises(DonneesInvalides, match="n'est pas dans le catalogue"):
        store_db.creer(AGENT, "objectifs", id="zz-test", retire=False, **_fields(AUTONOMIE, indicateur="inconnu"))
    with pytest.raises(DonneesInvalides, match="existe déjà"):
        store_db.creer(AGENT, "objectifs", id="zz-test", retire=False, **_fields(AUTONOMIE))
        store_db.creer(AGENT, "objectifs", id="zz-test", retire=False, **_fields(AUTONOMIE))
    assert store_db.objectifs_saisis()["id"].to_list() == ["zz-test"]


def test_cli_lists_the_effective_targets(store, capsys):
    store.enregistrer_objectif(AGENT, AUTONOMIE.id, 0, **_fields(AUTONOMIE, valeur_cible=40.0))
    withdrawn = SHIPPED[0]
    store.enregistrer_objectif(AGENT, withdrawn.id, 0, **_fields(withdrawn), retire=True)
    store.creer(AGENT, "objectifs", id="zz-test-ajoute", retire=False, **_fields(AUTONOMIE, annee_cible=2040))
    assert cli_main(["objectifs", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[AUTONOMIE.id]["valeur_cible"] == 40.0
    assert withdrawn.id not in rows and rows["zz-test-ajoute"]["annee_cible"] == 2040
    assert len(rows) == len(SHIPPED)
    assert cli_main(["objectifs", "--format", "csv"]) == 0
    lines = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["id"] for r in lines} == set(rows)


def test_without_edit_database_the_file_rows_are_the_targets(data_copy, monkeypatch):
    monkeypatch.delenv("BAROMETRE_DATABASE_URL", raising=False)
    settings = Settings()
    saisis = objectifs_saisis(settings)
    assert [s.objectif for s in saisis] == SHIPPED
    assert not (data_copy / "edits").exists(), "reading the targets creates no database"


# ---------------------------------------------------------------- upload (same path as barometre ingest)
def test_upload_refused_to_anonymous_and_readers(store, data_copy):
    for user in (None, Utilisateur("lecteur", "lecteur"), Utilisateur("panel", "panel")):
        with pytest.raises(RefusEcriture):
            ingest_televersement(ORE.name, ORE.read_bytes(), Settings(), user, store)
    assert not (data_copy / "valeurs" / "ore_conso_commune.parquet").exists()
    assert not (data_copy / "lake").exists()  # no version of the values was written


def test_upload_loads_like_ingest_and_a_bad_file_changes_nothing(store, data_copy):
    report = ingest_televersement(ORE.name, ORE.read_bytes(), Settings(), AGENT, store)
    assert report.source == "ore_conso_commune" and report.fichier == ORE.name
    entrepot = Entrepot(Settings())
    before = entrepot.valeurs()
    assert before.filter(pl.col("source") == "ore_conso_commune").height == report.n_valeurs
    bad = ORE.read_text(encoding="utf-8").splitlines()
    header = bad[0].split(";")
    cells = bad[1].split(";")
    cells[header.index("conso")] = "beaucoup"
    bad[1] = ";".join(cells)
    with pytest.raises(IngestError) as exc:
        ingest_televersement("C:\\Users\\agent\\conso.csv", "\n".join(bad).encode("utf-8"), Settings(), AGENT, store)
    message = str(exc.value)
    assert message.startswith("Fichier « conso.csv », ligne 2, colonne « conso »"), message
    assert entrepot.valeurs().equals(before)
    with pytest.raises(IngestError, match="non reconnu"):
        ingest_televersement("..", b"a;b\n1;2\n", Settings(), AGENT, store)
    # only the successful load is recorded, in the value store with the values: file, source, counts, who
    log = [c for c in entrepot.chargements() if c.type == "chargement"]
    assert [(c.info["fichier"], c.info["source"], c.info["nouveaux"], c.auteur) for c in log] == [
        (ORE.name, "ore_conso_commune", report.n_valeurs, "agent")]
    assert log[0].info["annees"] == sorted(report.annees) and log[0].id == report.chargement


# ---------------------------------------------------------------- the page through app.py
def _open(**query_params) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/environnement.py").run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _tab(at: AppTest, start: str):
    """Show the page's section whose label starts with ``start`` (only the chosen section is drawn)."""
    from barometre.ui.environnement import SECTIONS

    choice = next(k for k, label in SECTIONS.items() if label.startswith(start))
    radio = at.radio(key="onglet_env")
    if radio.value != choice:
        radio.set_value(choice).run()
    return at.main


def _sign_in(at: AppTest, login: str) -> AppTest:
    at.sidebar.text_input(key="connexion_login").input(login)
    at.sidebar.text_input(key="connexion_mdp").input(MDP)
    next(b for b in at.sidebar.button if b.label == "Se connecter").click().run()
    _ok(at)
    assert any("Connecté·e" in m.value for m in at.sidebar.markdown)
    return at


def _uploaders(at: AppTest) -> list:
    return [e for e in at.get("file_uploader")]


def _texts(container) -> str:
    return "\n".join([m.value for m in container.markdown] + [c.value for c in container.caption]
                     + [i.value for i in container.info])


def test_page_shipped_data_names_missing_datasets_for_agents_only(warm_server, store, fresh_caches):
    """With today's files: nothing invented; visitors read that the energy data are not loaded yet; an agent
    gets each missing dataset (producer, address, what it fills, whether the address was checked with a
    network); in projection nothing of it; files load on the « Données » page, not here."""
    at = _open()
    tab = _tab(at, "Énergie")
    text = _texts(tab)
    cat = load_catalogue(get_settings().catalogue_dir)
    assert "Ce qu'elle laisse de côté" in text and "chaleur renouvelable" in text  # the definition, on screen
    assert "pas encore chargée" in text
    assert cat.source("ore_conso_commune").producteur not in text, "the agents' block is not for visitors"
    assert not _uploaders(at)
    assert "par commune et par bassin de vie (" not in text, "no autonomy table without data"
    assert not re.search(r"\d+,\d\u202f%", " ".join(m.value for m in tab.metric)), "no invented figure"
    agent = _sign_in(_open(onglet_env="energie"), "agent")
    text = re.sub(r"\\(.)", r"\1", _texts(_tab(agent, "Énergie")))  # what a person reads (escaped text)
    for sid in ("ore_conso_commune", "enedis_production_commune", "odre_registre_installations"):
        src = cat.source(sid)
        assert src.producteur in text and src.jeu_de_donnees in text
    assert "conso-elec-gaz-annuelle-par-secteur-dactivite-agregee-commune" in text
    assert "refine=code_epci%3A200042190" in text
    assert "Aucune de ces adresses n'a pu être vérifiée avec un accès réseau" in text
    assert "Données" in text and not _uploaders(agent), "the upload form moved to the Données page"
    projection = _open(onglet_env="energie", mode="projection")
    assert "Pour les agents" not in _texts(_tab(projection, "Énergie"))


def test_page_with_energy_loaded_shows_autonomy_for_epci_and_communes(warm_server, store, data_copy, fresh_caches):
    settings = Settings()
    ingest_televersement(ORE.name, ORE.read_bytes(), settings, AGENT, store)
    ingest_televersement(ENEDIS.name, ENEDIS.read_bytes(), settings, AGENT, store)
    conso, prod = _oracle()
    epci = math.fsum(prod.values()) / (math.fsum(conso.values()) / 1000 * 1000) * 100

    at = _open()
    tab = _tab(at, "Énergie")
    text = _texts(tab)
    assert "pas encore chargée" not in text
    libelle = load_catalogue(settings.catalogue_dir).indicateur("autonomie_energetique").libelle
    tiles = [re.sub(r"<[^>]+>", " ", h.proto.body) for h in tab.get("html")] + [
        f"{m.label} {m.value}" for m in tab.metric]
    tile = [t for t in tiles if "utonomie" in t]
    assert tile and any(nombre(epci, 1) in t for t in tile), (nombre(epci, 1), tiles, libelle)
    table = next(d.value for d in tab.dataframe if "Autonomie" in d.value.columns)
    assert len(table) == len(_communes())
    bouchain = "59092"
    nom = pl.read_parquet(PROJECT_ROOT / "data" / "territoires.parquet").filter(
        (pl.col("niveau") == "commune") & (pl.col("code") == bouchain))["nom"][0]
    expected = prod[bouchain] / (conso[bouchain] / 1000 * 1000) * 100
    row = table[table["Territoire"] == nom].iloc[0]
    assert row["Autonomie"] == f"{nombre(expected, 1)}\u202f%"
    values = [float(v.split("\u202f%")[0].replace("\u202f", "").replace(",", ".")) for v in table["Autonomie"]]
    assert values == sorted(values, reverse=True), "sorted, highest first"
    assert "0,0\u202f%" not in table["Autonomie"].tolist()
    at.radio(key="energie_autonomie_niveau").set_value("bv2022").run()
    _ok(at)
    bassins = next(d.value for d in _tab(at, "Énergie").dataframe if "Autonomie" in d.value.columns)
    assert "Communes de l'agglomération" in bassins.columns and len(bassins) >= 1
    # The same figures at the command line (what the dashboard shows).
    rows = objectifs_rows(settings, store=store)
    assert next(r for r in rows if r["id"] == AUTONOMIE.id)["valeur_observation"] == pytest.approx(epci, rel=1e-9)


def test_agent_edits_a_target_from_the_page(warm_server, store, fresh_caches):
    at = _sign_in(_open(onglet_env="trajectoires"), "agent")
    at.selectbox(key="objectif_choisi").set_value(AUTONOMIE.id).run()
    _ok(at)
    key = f"objectif_{AUTONOMIE.id}"
    at.text_input(key=f"{key}_annee_cible").input("2040")
    at.text_input(key=f"{key}_valeur_cible").input("45,5")
    next(b for b in at.button if b.label == "Enregistrer l'objectif").click().run()
    _ok(at)
    stored = store.objectifs_saisis().row(0, named=True)
    assert (stored["id"], stored["annee_cible"], stored["valeur_cible"], stored["modifie_par"]) == (
        AUTONOMIE.id, 2040, 45.5, "agent")
    text = _texts(_open(onglet_env="energie").main)  # another visitor, on the energy section
    assert "Objectif en vigueur : **45,5\u202f%** en 2040" in text, "the energy tab reads the effective target"

    # An invalid value: the model's French message, nothing written.
    at.text_input(key=f"{key}_valeur_cible").input("beaucoup")
    next(b for b in at.button if b.label == "Enregistrer l'objectif").click().run()
    # Store messages reach the page through the safe-text helper: compare what a person reads.
    shown = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    assert any("« Valeur cible » (valeur_cible)" in s and "Correction" in s for s in shown), shown
    assert store.objectifs_saisis()["valeur_cible"].to_list() == [45.5]

    # Someone else saves meanwhile: this session's save is refused with the conflict message.
    at.button(key=f"{key}_recharger").click().run()
    store.enregistrer_objectif(AGENT2, AUTONOMIE.id, 1, **_fields(AUTONOMIE, annee_cible=2040, valeur_cible=47.0))
    at.text_area(key=f"{key}_commentaire").input("Commentaire de test")
    next(b for b in at.button if b.label == "Enregistrer l'objectif").click().run()
    assert any("Conflit de modification" in e.value for e in at.error)
    assert store.objectifs_saisis()["valeur_cible"].to_list() == [47.0]

    # Withdraw, then revert the withdrawal from the history.
    at.button(key=f"{key}_recharger").click().run()
    next(b for b in at.button if b.label == "Retirer l'objectif").click().run()
    _ok(at)
    assert store.objectifs_saisis()["retire"].to_list() == [True]
    history = next(d.value for d in at.dataframe if "Avant" in d.value.columns)
    assert "Objectif — modification" in history["Quoi"].tolist()
    newest = store.historique(["objectifs"])["operation"][0]
    at.selectbox(key="objectifs_historique_op").set_value(newest)
    next(b for b in at.button if b.label == "Annuler cette opération").click().run()
    _ok(at)
    assert store.objectifs_saisis()["retire"].to_list() == [False]


def test_agent_adds_a_target_and_readers_see_no_form(warm_server, store, fresh_caches):
    at = _sign_in(_open(onglet_env="trajectoires"), "agent")
    at.text_input(key="objectif_nouveau_id").input("zz-test-autonomie-2040")
    at.selectbox(key="objectif_nouveau_indicateur").set_value("autonomie_energetique")
    at.text_input(key="objectif_nouveau_annee_cible").input("2040")
    at.text_input(key="objectif_nouveau_valeur_cible").input("40")
    at.text_area(key="objectif_nouveau_source").input("Source de test")
    next(b for b in at.button if b.label == "Ajouter l'objectif").click().run()
    _ok(at)
    assert store.objectifs_saisis()["id"].to_list() == ["zz-test-autonomie-2040"]
    assert at.selectbox(key="objectif_choisi").value == "zz-test-autonomie-2040"
    overview = next(d.value for d in at.dataframe if "Provenance" in d.value.columns)
    assert "ajouté dans le baromètre" in overview[overview["Objectif"] == "zz-test-autonomie-2040"][
        "Provenance"].tolist()
    reader = _sign_in(_open(), "lecteur")
    assert "Ajouter l'objectif" not in [b.label for b in reader.button]
    assert "Annuler cette opération" not in [b.label for b in reader.button]


# ---------------------------------------------------------------- the volet on files in the producers' layouts
from tests.fixtures.energie import fichiers_reels as reels  # noqa: E402 - builders of the real-layout files


@pytest.fixture
def energie_2019_2023(tmp_path, store, data_copy, fresh_caches) -> Settings:
    """Agence ORE aggregated file (labels, as published) and Enedis production (labels export) for 2019 and
    2023, values of the 47 communes MADE UP (marked in each row), loaded as an agent would."""
    settings = Settings()
    for path in (reels.ore_agregee(tmp_path / "ore"), reels.enedis_libelles(tmp_path / "enedis")):
        ingest_televersement(path.name, path.read_bytes(), settings, AGENT, store, confirmer=True)
    return settings


def _headings(container) -> list[str]:
    return [m.value for m in container.markdown if m.value.startswith("## ")]


def test_volet_draws_consumption_production_and_trajectories_for_the_agglomeration(warm_server, energie_2019_2023):
    at = _open(onglet_env="energie")
    tab = _tab(at, "Énergie")
    titres = _headings(tab)
    assert any(t.startswith("## Consommation d'énergie par énergie et par secteur") and "(2023, GWh)" in t
               for t in titres), titres
    assert any(t.startswith("## Production d'électricité par filière") for t in titres)
    assert any(t.startswith("## Autonomie énergétique : trajectoire vers 50 %") for t in titres)
    assert any(t.startswith("## Consommation d'énergie : trajectoire vers −50 %") for t in titres)
    table = next(d.value for d in tab.dataframe if "Énergie" in d.value.columns)
    assert set(table["Énergie"]) == {"Électricité", "Gaz"}
    assert set(table["Secteur"]) == {"Agriculture", "Industrie", "Tertiaire", "Résidentiel", "Secteur inconnu"}
    # Bouchain's withheld electricity in industry: the agglomeration's sum is secret, never a smaller number.
    industrie = table[(table["Énergie"] == "Électricité") & (table["Secteur"] == "Industrie")]["Consommation"]
    assert industrie.tolist() == [SECRET_TEXT]
    gaz = sum(reels.conso_fictive(c, 2023, "Gaz")["Résidentiel"] for c in reels.COMMUNES) / 1000
    residentiel = table[(table["Énergie"] == "Gaz") & (table["Secteur"] == "Résidentiel")]["Consommation"]
    assert residentiel.tolist() == [f"{nombre(gaz, 3)}\u202fGWh"]
    avertissements = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in tab.warning))
    assert "maille(s) secrétisée(s)" in avertissements
    text = _texts(tab)
    assert "projet-autonomie-energetique-50-caph" in text and "pcaet-energie-moins-50-2050-caph" in text
    assert "première observation chargée" in text  # the PCAET's reference year is not published
    assert len(tab.get("arrow_vega_lite_chart")) >= 4 or len(tab.get("vega_lite_chart")) >= 4


def test_volet_for_a_commune_and_a_bassin(warm_server, energie_2019_2023):
    at = _open(onglet_env="energie", niveau="commune", code=reels.DENAIN)
    tab = _tab(at, "Énergie")
    titres = _headings(tab)
    assert any("Denain (2023, GWh)" in t for t in titres), titres
    assert any(t.startswith("## Autonomie énergétique : trajectoire vers 50 % — Denain") for t in titres)
    avertissements = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in tab.warning))
    assert "Indice qualité faible" in avertissements and "Électricité – Résidentiel 0,25" in avertissements
    prod = next(d.value for d in tab.dataframe if "Énergie" in d.value.columns)
    elec = prod[(prod["Énergie"] == "Électricité") & (prod["Secteur"] == "Résidentiel")]["Consommation"]
    expected = reels.conso_fictive(reels.DENAIN, 2023, "Electricité")["Résidentiel"] / 1000
    assert elec.tolist() == [f"{nombre(expected, 3)}\u202fGWh"]
    bassin = _open(onglet_env="energie", niveau="bv2022", code=reels.DENAIN)
    titres = _headings(_tab(bassin, "Énergie"))
    assert any(t.startswith("## Consommation d'énergie par énergie et par secteur") for t in titres), titres
    assert any(t.startswith("## Consommation d'énergie : trajectoire vers −50 %") for t in titres), titres
