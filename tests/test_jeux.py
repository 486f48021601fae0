"""The « Données » page's tables without Streamlit (barometre.pilotage.jeux) and the energy calculations of
the volet (barometre.calculs.energie): statuses from what is stored and the loads' record, regional-only
indicators with the file that would localise them, consumption by energy and sector, the measured share
of a territory's consumption."""

from __future__ import annotations

from types import SimpleNamespace

import polars as pl
import pytest

from barometre.calculs import energie
from barometre.catalogue import load_catalogue
from barometre.pilotage import jeux
from barometre.settings import PROJECT_ROOT

CAT = load_catalogue(PROJECT_ROOT / "data" / "catalogue")


def test_statuses_say_loaded_vintage_to_load_and_producer_revision():
    stockees = pl.DataFrame({"source": ["drees_apl", "ore_conso_commune"], "niveaux": [["commune"], ["commune"]],
                             "premiere_annee": [2022, 2023], "derniere_annee": [2023, 2023], "n_valeurs": [94, 10]})
    faits = [SimpleNamespace(id=3, info={"source": "drees_apl", "revision": True}),
             SimpleNamespace(id=2, info={"source": "ore_conso_commune", "revision": True, "annule_par": 4})]
    table = jeux.statuts(CAT, stockees, faits, {"ore_conso_commune"})
    par_jeu = {r["Jeu de données"]: r for r in table.iter_rows(named=True)}
    apl = par_jeu[CAT.source("drees_apl").jeu_de_donnees]
    assert apl["Statut"] == "chargé : 2022–2023" and apl["Révision du producteur"] == "oui (chargement n° 3)"
    ore = par_jeu[CAT.source("ore_conso_commune").jeu_de_donnees]
    assert ore["Statut"] == "chargé : 2023" and ore["Révision du producteur"] == "non", "an undone load is no revision"
    assert ore["Téléchargement"] == "barometre telecharger"
    odre = par_jeu[CAT.source("odre_registre_installations").jeu_de_donnees]
    assert odre["Statut"] == "à charger" and odre["Téléchargement"] == "à la main"
    assert table.height == len(CAT.sources)


def test_regional_only_indicators_name_the_file_that_would_give_the_agglomerations_value():
    dispo = pl.DataFrame({"indicateur": ["production_electricite_enedis", "production_electricite_enedis",
                                         "population", "esperance_vie_60_ans"],
                          "niveau": ["departement", "region", "commune", "departement"],
                          "n_valeurs": [5, 1, 47, 1], "n_secret": [0, 0, 0, 0]})
    table = jeux.regionaux(CAT, dispo, jeux.fichiers_locaux(PROJECT_ROOT / "data" / "catalogue"))
    rows = {r["Indicateur"]: r for r in table.iter_rows(named=True)}
    enedis = rows[CAT.indicateur("production_electricite_enedis").libelle]
    assert "maille commune" in enedis["Fichier qui donnerait la valeur de l'agglomération"]
    assert enedis["Se charge ici"] == "oui" and enedis["Publié pour"] == "département, région"
    assert rows[CAT.indicateur("esperance_vie_60_ans").libelle][
        "Fichier qui donnerait la valeur de l'agglomération"] == "aucun fichier connu"
    assert CAT.indicateur("population").libelle not in rows


def test_every_local_file_entry_names_a_known_indicator():
    locaux = jeux.fichiers_locaux(PROJECT_ROOT / "data" / "catalogue")
    ids = {i.id for i in CAT.indicateurs}
    assert locaux and set(locaux) <= ids
    assert all(e["fichier"] and e["page"].startswith("https://") for e in locaux.values())


def test_consumption_by_energy_and_sector_keeps_a_withheld_sector_secret():
    valeurs = pl.DataFrame({"indicateur": ["cae_2.d", "cae_2.d", "cae_2.d", "cae_2.n"], "annee": [2023] * 4,
                            "ventilation": ["", "Industrie", "Résidentiel", "Résidentiel"],
                            "valeur": [3.0, None, 2.0, 4.0], "secret": [False, True, False, False]})
    table = energie.conso_energie_secteur(valeurs, 2023)
    assert table.to_dicts() == [
        {"energie": "Gaz", "secteur": "Résidentiel", "valeur": 4.0, "secret": False},
        {"energie": "Électricité", "secteur": "Industrie", "valeur": None, "secret": True},
        {"energie": "Électricité", "secteur": "Résidentiel", "valeur": 2.0, "secret": False},
    ]


def test_measured_share_of_a_territory_is_weighted_by_consumption():
    qualite = pl.DataFrame({"code": ["a", "b", "c"], "annee": [2023] * 3,
                            "ventilation": ["Électricité – Résidentiel"] * 3, "valeur": [0.2, 0.8, 0.9]})
    conso = pl.DataFrame({"code": ["a", "b", "c"], "indicateur": ["cae_2.d"] * 3, "annee": [2023] * 3,
                          "ventilation": ["Résidentiel"] * 3, "valeur": [3.0, 1.0, 100.0]})
    out = energie.qualite_territoire(qualite, conso, ["a", "b"], 2023).row(0, named=True)
    assert out["indice"] == pytest.approx((0.2 * 3 + 0.8 * 1) / 4)  # not the mean of 0.2 and 0.8
    assert out["n_communes"] == 2 and out["faible"] is True
    secrets = pl.DataFrame({"code": ["a", "b", "c"], "annee": [2023] * 3, "valeur": [1.0, None, 5.0]})
    assert energie.mailles_secretisees(secrets, ["a", "b"], 2023) == 1
