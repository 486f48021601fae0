"""Pure computations of the panel (barometre.calculs.panel): counts per family, the index's dimensions from
adopted criteria, vote tallies with full distributions and the resulting weighting, recommendation states
and what an indicator did since. The criteria and ballots are test content written here."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from barometre.calculs import bien_etre
from barometre.calculs import panel as calc
from barometre.catalogue import load_catalogue
from barometre.settings import get_settings

CATALOGUE = load_catalogue(get_settings().catalogue_dir)


def test_six_families_in_the_projects_order():
    assert list(calc.FAMILLES) == ["moyens_de_vie", "relations", "engagement", "sentiment", "cadre_de_vie",
                                   "services"]
    assert calc.FAMILLES["relations"][0].startswith("Qualité des relations interpersonnelles")


def test_counts_per_family_and_nature():
    df = pl.DataFrame({"famille": ["relations", "relations", "", "services"],
                       "nature": ["bien_etre", "mal_etre", "je_peux", "agglo_peut"]})
    counts = calc.comptes_par_famille(df)
    assert counts.height == 7  # six families + not classified
    rel = counts.filter(pl.col("famille") == "relations").row(0, named=True)
    assert rel["Total"] == 2 and rel["Ce qui fait mon bien-être"] == 1 and rel["Ce qui fait mon mal-être"] == 1
    assert counts.filter(pl.col("famille") == "")["Famille"][0] == calc.NON_CLASSEE
    assert counts["Total"].sum() == 4
    empty = calc.comptes_par_famille(pl.DataFrame(schema={"famille": pl.String, "nature": pl.String}))
    assert empty["Total"].sum() == 0 and empty.height == 7


def test_dimensions_from_adopted_criteria():
    criteres = [
        {"famille": "engagement", "libelle": "Avoir un emploi", "indicateurs": ["taux_chomage_15_64"]},
        {"famille": "engagement", "libelle": "Être actif", "indicateurs": ["taux_activite_15_64", "inconnu"]},
        {"famille": "services", "libelle": "Voir un médecin", "indicateurs": ["apl_medecins_generalistes"]},
        {"famille": "relations", "libelle": "Se sentir entouré", "indicateurs": [], "a_construire": True},
    ]
    corr = calc.correspondance_adoptee(criteres, CATALOGUE)
    assert corr.ids == ["engagement", "services"]
    assert corr.dimension[0].indicateurs == ["taux_chomage_15_64", "taux_activite_15_64"]
    assert "inconnu : inconnu du catalogue" in corr.dimension[0].pourquoi
    raisons = {f.famille: f.raison for f in corr.non_couverte}
    assert "Indicateur à construire" in raisons[calc.FAMILLES["relations"][0]]
    assert "Aucun critère adopté" in raisons[calc.FAMILLES["sentiment"][0]]
    # the index computes on these dimensions
    sens = bien_etre.directions(corr, CATALOGUE)
    assert sens == {"taux_chomage_15_64": False, "taux_activite_15_64": True, "apl_medecins_generalistes": True}
    # an indicator without loaded commune values is set aside when the loaded set is given
    corr2 = calc.correspondance_adoptee(criteres, CATALOGUE, avec_valeurs={"apl_medecins_generalistes"})
    assert corr2.ids == ["services"]
    with pytest.raises(bien_etre.BienEtreError):
        calc.correspondance_adoptee(criteres[3:], CATALOGUE)


def test_tally_keeps_the_full_distribution():
    objets = [{"id": "a", "libelle": "A"}, {"id": "b", "libelle": "B"}]
    bulletins = [{"a": 0, "b": 5}, {"a": 5, "b": 5}, {"a": 5, "b": 4}, {"a": 1}]
    res = {r.objet: r for r in calc.depouiller(objets, bulletins)}
    assert res["a"].distribution == {0: 1, 1: 1, 2: 0, 3: 0, 4: 0, 5: 2}
    assert res["a"].n == 4 and res["a"].moyenne == pytest.approx(2.75) and res["a"].mediane == 3.0
    assert res["a"].note_retenue == 3
    assert res["b"].n == 3 and res["b"].note_retenue == 5  # 14/3 = 4.67
    poids = calc.ponderation_resultante(list(res.values()))
    assert poids == pytest.approx({"a": 3 / 8, "b": 5 / 8})
    assert calc.arrondi(2.5) == 3 and calc.arrondi(3.5) == 4 and calc.arrondi(2.49) == 2
    frame = calc.distribution_frame(list(res.values()))
    assert frame.height == 12 and frame["votes"].sum() == 7
    table = calc.tableau_resultats(list(res.values()), poids)
    assert table["Note 5"].to_list() == [2, 2] and table["Poids"].to_list() == [37.5, 62.5]


def test_all_zero_ratings_give_equal_weights():
    res = calc.depouiller([{"id": "a", "libelle": "A"}, {"id": "b", "libelle": "B"}], [{"a": 0, "b": 0}])
    assert calc.ponderation_resultante(res) == {"a": 0.5, "b": 0.5}


def test_recommendation_states():
    f = calc.etat_recommandation
    today = date(2027, 7, 1)
    assert f("2027-06-30", None, None, today) == (calc.ETAT_EN_RETARD, True)
    assert f("2027-07-01", None, None, today) == (calc.ETAT_PROPOSEE, False)
    assert f(None, None, None, today) == (calc.ETAT_PROPOSEE, False)
    assert f("2027-06-30", "retenue", "2027-06-01", today) == ("Retenue", False)
    assert f("2027-06-30", "non_retenue", "2027-07-01", today) == ("Non retenue", True)


def test_evolution_since_a_recommendation():
    s = pl.DataFrame({"annee": [2019, 2021, 2022, 2023], "valeur": [10.0, 12.0, None, 9.0],
                      "secret": [False, False, False, False]})
    e = calc.evolution_depuis(s, 2021, "baisse_favorable")
    assert (e["annee_avant"], e["valeur_avant"], e["annee_apres"], e["valeur_apres"]) == (2021, 12.0, 2023, 9.0)
    assert e["ecart"] == pytest.approx(-3.0) and e["tendance"] == "favorable"
    same = calc.evolution_depuis(s, 2024, "baisse_favorable")
    assert same["annee_apres"] is None and same["tendance"] == ""
    early = calc.evolution_depuis(s, 2010, "hausse_favorable")  # no value before: the first one
    assert early["annee_avant"] == 2019 and early["tendance"] == "défavorable"
    secret = pl.DataFrame({"annee": [2021], "valeur": [None], "secret": [True]},
                          schema_overrides={"valeur": pl.Float64})
    assert calc.evolution_depuis(secret, 2021, "hausse_favorable")["tendance"] == ""


def test_project_position():
    assert calc.position_projet(50.3, 3.4, (50.0, 3.0)) == (50.3, 3.4, "lieu du projet")
    assert calc.position_projet(None, None, (50.0, 3.0)) == (50.0, 3.0, "centre de la commune")
    assert calc.position_projet(None, 3.4, None) is None


def test_recommendation_facts_for_the_meeting_pack():
    recos = pl.DataFrame({"id": [1, 2], "date": ["2027-03-12", "2026-01-01"], "texte": ["Reco A", "Reco B"],
                          "engagement": ["E1", "E2"], "orientation": ["", ""], "critere": ["", ""],
                          "indicateurs": [[], []], "echeance_reponse": ["2027-04-30", None]})
    reponses = pl.DataFrame({"recommandation_id": [1, 2], "decision": ["retenue", "non_retenue"],
                             "motif": ["Motif A", "Motif B"], "date_reponse": ["2027-05-02", "2026-02-01"],
                             "deliberation": ["D-1", ""], "action_id": [None, None], "jalon_id": [None, None]})
    suivi = calc.suivi_recommandations(recos, reponses, date(2027, 6, 1))
    faits = calc.faits_recommandations(suivi, date(2027, 1, 1), date(2027, 6, 1))
    assert [(f["genre"], f["titre"]) for f in faits] == [("Recommandation du panel", "Reco A"),
                                                         ("Réponse à une recommandation", "Reco A")]
    assert faits[0]["detail"] == "Réponse attendue le 30/04/2027"
    assert faits[1]["detail"] == "Retenue — Motif A (délibération D-1) ; réponse tardive"
