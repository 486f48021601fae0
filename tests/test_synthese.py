"""« Où en est le territoire ? » (issue 19): the register of targets, each target's status, the counts of
verdicts and what moved — pure computation (barometre/calculs/synthese.py) and the register on the
shipped file (neutrality, not the press's −80 % of CO2, speaks for the GHG emissions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
import pytest

from barometre.calculs import synthese as sy
from barometre.calculs.bilan import choisir_objectif
from barometre.calculs.targets import load_registre
from barometre.settings import PROJECT_ROOT

EPCI = "200042190"
OBJECTIFS_CSV = PROJECT_ROOT / "data" / "catalogue" / "objectifs.csv"


@dataclass
class Ind:
    id: str
    libelle: str
    sens: str
    unite: str = "%"
    decimales: int = 1
    agregation: str = "ratio"


def _cible(**kw) -> dict:
    row = {"id": "t", "intitule": "Cible", "nature": "cible", "indicateur": "x", "territoire": EPCI,
           "origine": "PCAET", "illustratif": False, "principal": True, "annee_reference": 2015,
           "valeur_reference": 100.0, "reference_source": "fichier", "annee_cible": 2035, "valeur_cible": 50.0,
           "document": "PCAET", "date_document": "3 juillet 2023", "localisation": "p. 12", "confiance": "adopte",
           "a_confirmer": False, "donnee_attendue": "Atmo, inventaire par EPCI"}
    return {**row, **kw}


# ------------------------------------------------------------------------------------------ target status
def test_a_target_without_observation_is_not_followed_and_names_the_awaited_data():
    e = sy.etat_objectif(_cible(), [], "baisse_favorable", "Conso", 2026)
    assert e.code == sy.NON_SUIVI and e.libelle == "non suivi — donnée attendue"
    phrase = e.phrase()
    assert "donnée attendue : Atmo, inventaire par EPCI" in phrase
    assert "à atteindre en 2035" in phrase and "origine : PCAET, 3 juillet 2023, p. 12" in phrase
    assert phrase.endswith("adopté.")


def test_a_target_on_its_path_gives_the_year_of_observation_and_the_year_at_the_current_pace():
    # −25 % in 8 years: −3.5 %/yr compound, the target needs −3.4 %/yr (halving in 20 years): on track
    e = sy.etat_objectif(_cible(), [(2015, 100.0), (2023, 75.0)], "baisse_favorable", "Conso", 2026)
    assert e.code == "sur_la_trajectoire"
    assert e.annee_observation == 2023 and e.annee_cible == 2035
    assert e.annee_au_rythme == 2031  # 25 more to lose at 3.125 a year from 2023
    assert "dernière observation 2023, à atteindre en 2035, au rythme observé, atteinte en 2031" in e.phrase()
    # a straight line from 100 to 80 in 8 years lags the compound rate the target needs
    assert sy.etat_objectif(_cible(), [(2015, 100.0), (2023, 80.0)], "baisse_favorable", "C", 2026).code == \
        "a_accelerer"


def test_a_target_moving_away_is_never_reached_at_that_pace_and_one_point_is_too_early():
    away = sy.etat_objectif(_cible(), [(2015, 100.0), (2020, 110.0)], "baisse_favorable", "Conso", 2026)
    assert away.code == "s_eloigne" and away.au_rythme_jamais and "jamais atteinte" in away.phrase()
    one = sy.etat_objectif(_cible(), [(2015, 100.0)], "baisse_favorable", "Conso", 2026)
    assert one.code == "trop_tot"


def test_an_unconfirmed_target_says_so():
    e = sy.etat_objectif(_cible(confiance="a_confirmer"), [(2015, 100.0)], "baisse_favorable", "Conso", 2026)
    assert e.phrase().endswith("à confirmer.")


@pytest.mark.parametrize(("end", "code"), [(110.0, "progres_net"), (105.0, "progres_modere"),
                                           (101.0, "stable"), (99.0, "stable"), (95.0, "recul")])
def test_an_aim_without_figure_is_read_with_open_sdg_bands(end, code):
    # five years: 110/100 = +1.9 %/yr, 105 = +1.0 %/yr, 101 = +0.2 %/yr, 95 = −1.0 %/yr
    row = _cible(nature="orientation", valeur_cible=None, annee_cible=None)
    assert sy.etat_objectif(row, [(2015, 100.0), (2020, end)], "hausse_favorable", "IDH-4", 2026).code == code
    # the same change for an indicator whose fall is wanted reads the other way
    down = sy.etat_objectif(row, [(2015, 100.0), (2020, end)], "baisse_favorable", "x", 2026).code
    assert down == {110.0: "recul", 105.0: "recul", 101.0: "stable", 99.0: "stable", 95.0: "progres_modere"}[end]


def test_the_aim_reads_the_last_five_years_only():
    row = _cible(nature="orientation", valeur_cible=None)
    # a fall long ago, a rise over the last five years
    pts = [(2000, 200.0), (2010, 100.0), (2015, 100.0), (2020, 110.0)]
    assert sy.etat_objectif(row, pts, "hausse_favorable", "x", 2026).code == "progres_net"


def test_the_projects_targets_are_the_agglomerations_own_headline_first():
    rows = [_cible(id="a", principal=False), _cible(id="b"), _cible(id="c", illustratif=True),
            _cible(id="d", territoire="FR"), _cible(id="e", origine="SRADDET"),
            _cible(id="f", nature="orientation")]
    assert [r["id"] for r in sy.objectifs_du_projet(rows, EPCI)] == ["b", "f", "a"]


# ------------------------------------------------------------------------------------------ what moved
def test_a_change_within_the_margin_is_stable_and_money_is_judged_in_constant_euros():
    """Fails on the synthesis before: « +980 € (euros courants) … (s'améliore) » judged the nominal amount."""
    assert sy.evolution("x", "X", [(2019, 10.0), (2021, 10.3)], "baisse_favorable", "%", 1, marge=0.5).code == "stable"
    assert sy.evolution("x", "X", [(2019, 10.0), (2021, 10.6)], "baisse_favorable", "%", 1, marge=0.5).code == \
        "se_degrade"
    assert sy.evolution("x", "X", [(2019, 10.0)], "baisse_favorable", "%", 1) is None
    serie = [(2019, 18550.0), (2021, 19530.0)]
    # without the price index of both years: current euros, said so, and not judged
    money = sy.evolution("r", "Revenu médian", serie, "hausse_favorable", "€", 0)
    assert money.code == "en_hausse"
    assert money.phrase().startswith("Revenu médian : +980 € (euros courants, inflation non déduite) entre 2019")
    # with a price index (test values, 2015 = 100): +980 € nominal is about +570 € of 2021
    ipc = {2019: 104.47, 2021: 106.75}
    real = sy.evolution("r", "Revenu médian", serie, "hausse_favorable", "€", 0, marge=None, ipc=ipc)
    assert real.variation_constante == pytest.approx(19530 - 18550 * 106.75 / 104.47)
    assert real.code == "s_ameliore"
    assert real.phrase().startswith(f"Revenu médian : +{round(real.variation_constante)} € en euros constants de 2021 "
                                    "(+980 € en euros courants) entre 2019 et 2021, de 18")
    # a nominal rise that inflation eats is a loss of purchasing power
    assert sy.evolution("r", "R", [(2019, 100.0), (2021, 101.0)], "hausse_favorable", "€", 0, ipc=ipc).code == \
        "se_degrade"


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["indicateur", "niveau", "code", "annee", "valeur"], orient="row")


def test_counts_against_the_nord_and_france_separately_and_never_totals():
    inds = [Ind("pauvrete", "Taux de pauvreté", "baisse_favorable"),
            Ind("revenu", "Revenu médian", "hausse_favorable", "€", 0),
            Ind("emissions", "Émissions", "baisse_favorable", "kteq", 0, "somme"),
            Ind("population", "Population", "neutre", "hab.", 0, "somme")]
    valeurs = _frame([
        ("pauvrete", "epci", EPCI, 2019, 22.5), ("pauvrete", "epci", EPCI, 2021, 23.0),
        ("pauvrete", "departement", "59", 2021, 19.0), ("pauvrete", "france", "FRM", 2021, 23.0),
        ("revenu", "epci", EPCI, 2019, 18550.0), ("revenu", "epci", EPCI, 2021, 19530.0),
        ("revenu", "departement", "59", 2021, 21000.0), ("revenu", "france", "FRM", 2020, 22000.0),
        ("emissions", "epci", EPCI, 2016, 1065.7), ("emissions", "departement", "59", 2016, 20000.0),
        ("population", "epci", EPCI, 2015, 160000.0), ("population", "epci", EPCI, 2021, 158000.0),
    ])
    s = sy.synthese(inds, valeurs, "epci", EPCI, "La Porte du Hainaut", [], valeurs, EPCI, "CAPH", 2026,
                    ipc={2019: 100.0, 2021: 102.0})  # test values: +980 € nominal, +609 € constant
    assert s.comptes.progression == {"s_ameliore": 1, "stable": 0, "se_degrade": 1, "trop_tot": 1, "non_juge": 0}
    # without the price index, money is not judged (counted as such, not as « trop tôt »)
    assert sy.synthese(inds, valeurs, "epci", EPCI, "LPH", [], valeurs, EPCI, "CAPH", 2026).comptes.progression \
        == {"s_ameliore": 0, "stable": 0, "se_degrade": 1, "trop_tot": 1, "non_juge": 1}
    assert s.comptes.nord == {"plus_favorable": 0, "comparable": 0, "moins_favorable": 2}
    # France is found by its level whatever its code; a reference of another year is never compared
    assert s.comptes.france == {"plus_favorable": 0, "comparable": 1, "moins_favorable": 0}
    moved = [e.indicateur for e in s.evolutions_montrees()]
    assert moved[0] == "revenu" and set(moved) == {"revenu", "pauvrete", "population"}
    assert "Population : −2\u202f000 hab. entre 2015 et 2021" in " ".join(s.phrases())


def test_the_statements_name_targets_counts_share_not_followed_and_loads():
    valeurs = _frame([("x", "epci", EPCI, 2015, 100.0), ("x", "epci", EPCI, 2023, 75.0)])
    registre = [_cible(), _cible(id="u", intitule="Autonomie", indicateur="y")]
    s = sy.synthese([Ind("x", "Conso", "baisse_favorable")], valeurs, "epci", EPCI, "CAPH", registre, valeurs,
                    EPCI, "CAPH", 2026, chargements=["Nouveaux millésimes — 2 mars 2026 — Conso."],
                    depuis="1er janvier 2026")
    phrases = s.phrases()
    assert phrases[0].startswith("Cible : sur la trajectoire (dernière observation 2023")
    assert phrases[1].startswith("Autonomie : non suivi — donnée attendue")
    assert "Cibles du projet non renseignées : 1 sur 2 (50 %)." in phrases
    assert phrases[-1] == "Nouveaux millésimes — 2 mars 2026 — Conso."
    empty = sy.synthese([], valeurs.head(0), "epci", EPCI, "CAPH", [], valeurs.head(0), EPCI, "CAPH", 2026,
                        depuis="1er janvier 2026")
    assert "Aucun chargement de données enregistré depuis le 1er janvier 2026." in empty.phrases()


# ------------------------------------------------------------------------------------------ the register
def test_the_register_holds_the_projects_three_environmental_targets_and_its_social_aims():
    entries = {e.id: e for e in load_registre(OBJECTIFS_CSV)}
    neutral = entries["pcaet-ges-neutralite-2050-caph"].registre
    assert neutral.principal and neutral.confiance == "adopte" and "neutralité carbone" in neutral.localisation
    press = entries["pcaet-co2-moins-80-2050-caph"].registre
    assert not press.principal and press.confiance == "a_confirmer" and "CO2 seul" in press.perimetre
    assert entries["pcaet-energie-moins-50-2050-caph"].registre.principal
    assert entries["projet-autonomie-energetique-50-caph"].registre.principal
    aims = [e for e in entries.values() if e.registre.nature == "orientation"]
    assert {e.id for e in aims} >= {"projet-sante-esperance-vie-caph", "projet-developpement-humain-idh4-caph",
                                    "projet-equite-bassins-caph"}
    for e in aims:
        assert e.objectif is None and e.registre.donnee_attendue and e.registre.document
    for e in entries.values():  # every entry says where it comes from and how sure it is
        assert e.registre.intitule and e.registre.confiance in ("adopte", "a_confirmer")


def test_the_awaited_data_reads_in_plain_french_without_internal_ids():
    """What a target awaits is printed in the pack and projected (issue 20): producer and dataset, never an
    indicator id (``cae_2.a``), a source id (``atmo_hdf_inventaire_epci``) or a project file."""
    texts = [e.registre.donnee_attendue for e in load_registre(OBJECTIFS_CSV) if e.registre.donnee_attendue]
    assert texts
    for text in texts:
        assert not re.search(r"\b[a-z]+_[a-z0-9_.]+\b|\.(toml|csv|parquet)\b", text), text


def test_neutrality_speaks_for_the_ghg_emissions_not_the_press_co2_figure():
    """Fails on the code before the register: the −80 % of CO2 won by id order (« cible 2050 : 213,1 kteq »)."""
    from barometre.pilotage.objectifs import objectifs_rows
    from barometre.settings import get_settings

    rows = objectifs_rows(get_settings())
    chosen = choisir_objectif(rows, "cae_1.a", EPCI, 2026)
    assert chosen["id"] == "pcaet-ges-neutralite-2050-caph" and chosen["valeur_cible"] == 0
    press = next(r for r in rows if r["id"] == "pcaet-co2-moins-80-2050-caph")
    assert press["confiance"] == "a_confirmer" and not press["principal"]


def test_the_volet_opens_on_the_headline_target_with_data():
    from barometre.calculs.targets import indicateurs_par_priorite

    rows = [{"indicateur": "cae_2.a", "territoire": EPCI, "principal": True, "annee_observation": None},
            {"indicateur": "autonomie_energetique", "territoire": EPCI, "principal": True, "annee_observation": None},
            {"indicateur": "cae_1.a", "territoire": EPCI, "principal": False, "annee_observation": 2016},
            {"indicateur": "cae_1.a", "territoire": EPCI, "principal": True, "annee_observation": 2016},
            {"indicateur": "cae_4.a", "territoire": "FR", "principal": False, "annee_observation": 2020}]
    assert indicateurs_par_priorite(rows, EPCI) == ["cae_1.a", "cae_2.a", "autonomie_energetique", "cae_4.a"]
