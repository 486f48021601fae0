"""Verdicts: the Open SDG thresholds, the direction rule, « trop tôt pour conclure », vintage and age."""

import math

import pytest

from barometre.calculs import verdicts as v


@pytest.mark.parametrize(("ratio", "code"), [
    (1.5, "sur_la_trajectoire"), (0.95, "sur_la_trajectoire"), (0.9499, "a_accelerer"),
    (0.6, "a_accelerer"), (0.5999, "progres_insuffisant"), (0.0, "progres_insuffisant"),
    (-0.0001, "s_eloigne"), (-3.0, "s_eloigne"),
])
def test_open_sdg_thresholds(ratio, code):
    assert v.code_depuis_ratio(ratio) == code


def test_ratio_compound_known_answer():
    # 100 (2015) → 90 (2020), target 50 in 2030, a fall is wanted.
    r, methode = v.ratio_progres((2015, 100.0), (2020, 90.0), (2030, 50.0), hausse_favorable=False)
    obs = 0.9 ** (1 / 5) - 1
    req = 0.5 ** (1 / 15) - 1
    assert methode == "taux_compose"
    assert math.isclose(r, -obs / abs(req))
    assert math.isclose(r, 0.4618, abs_tol=1e-4)


def test_verdict_objectif_categories_from_constructed_series():
    req = 0.5 ** (1 / 15) - 1  # yearly rate that halves the value in 15 years

    def latest(share):  # the 2020 value growing at share × the required rate
        return 100 * (1 + share * req) ** 5

    cases = {1.0: "sur_la_trajectoire", 0.96: "sur_la_trajectoire", 0.8: "a_accelerer",
             0.3: "progres_insuffisant", -0.5: "s_eloigne"}
    for share, code in cases.items():
        verdict = v.verdict_objectif([(2015, 100), (2020, latest(share))], 2030, 50, False, annee_courante=2026)
        assert verdict.code == code, share
        assert verdict.annee == 2020 and verdict.age == 6
        assert verdict.methode == "taux_compose"
        assert math.isclose(verdict.ratio, share, rel_tol=1e-9)


def test_target_zero_uses_linear_changes():
    # Neutrality: 1 000 t in 2016, 900 t in 2021, 0 in 2050 → 20 t/yr observed, 1000/34 t/yr required.
    verdict = v.verdict_objectif([(2016, 1000), (2021, 900)], 2050, 0, False)
    assert verdict.methode == "lineaire"
    assert math.isclose(verdict.ratio, 20 / (1000 / 34))
    assert verdict.code == "a_accelerer"
    assert "variations annuelles" in verdict.detail


def test_target_reached_and_base_from_file():
    assert v.verdict_objectif([(2015, 100), (2022, 45)], 2030, 50, False).code == "objectif_atteint"
    # A base given by the targets file, before the first observation.
    verdict = v.verdict_objectif([(2020, 95)], 2030, 50, False, base=(2012, 100.0))
    assert verdict.code != "trop_tot" and verdict.ratio is not None


def test_too_early_single_point_or_within_margin():
    assert v.verdict_objectif([(2016, 1000)], 2050, 0, False).code == "trop_tot"
    assert v.verdict_objectif([], 2050, 0, False).code == "trop_tot"
    assert v.verdict_objectif([(2015, 100), (2020, 99)], 2030, 50, False, marge=2).code == "trop_tot"
    assert v.verdict_tendance([(2022, 10.0)], "baisse_favorable").code == "trop_tot"
    assert v.verdict_tendance([(2016, 10.0), (2022, 10.4)], "baisse_favorable", marge=0.5).code == "trop_tot"
    assert v.verdict_tendance([(2016, 10.0), (2022, None)], "baisse_favorable").code == "trop_tot"


def test_direction_without_target():
    up = [(2011, 150.0), (2016, 155.0), (2022, 158.0)]
    assert v.verdict_tendance(up, "hausse_favorable").code == "s_ameliore"
    assert v.verdict_tendance(up, "baisse_favorable").code == "se_degrade"
    assert v.verdict_tendance(up, "neutre").code == "en_hausse"
    assert v.verdict_tendance([(2016, 3.0), (2022, 2.0)], "neutre").code == "en_baisse"
    verdict = v.verdict_tendance(up, "hausse_favorable", marge=2.9, annee_courante=2026)
    assert verdict.code == "s_ameliore"  # 3 > 2.9: outside the margin
    assert (verdict.annee, verdict.age) == (2022, 4)
    assert "2016" in verdict.detail and "2022" in verdict.detail
    assert verdict.texte() == "Progression : s'améliore (millésime 2022, donnée de 4 ans)"


def test_situation_same_vintage_only():
    refs = [v.Repere("Nord", 2021, 18.0), v.Repere("France", 2021, 14.5)]
    worse = v.verdict_situation(2021, 21.0, refs, "baisse_favorable")
    assert worse.code == "moins_favorable" and worse.nature == "situation" and "Nord" in worse.detail
    assert v.verdict_situation(2021, 15.0, refs, "baisse_favorable").code == "plus_favorable"
    assert v.verdict_situation(2021, 18.3, refs, "baisse_favorable", marge=0.5).code == "comparable"
    assert v.verdict_situation(2021, 21.0, refs, "neutre").code == "au_dessus"
    assert v.verdict_situation(2022, 21.0, refs, "baisse_favorable") is None


def test_labels_colours_and_rule_text():
    for code in v.LIBELLES:
        assert v.TONALITES[code] in v.COULEURS
    for phrase in ("0,95", "0,6", "Trop tôt pour conclure", "Situation", "Progression", "marge d'erreur"):
        assert phrase.lower() in v.RULE_FR.lower()
    assert v.age_texte(2026, 0) == "millésime 2026, donnée de l'année"
    assert v.age_texte(2025, 1) == "millésime 2025, donnée d'un an"


# ------------------------------------------------------------------ on the shipped data
def test_lectures_on_shipped_data_follow_the_series():
    """The EPCI's population verdict is the direction of its last two census values (read here from the
    data, not hard-coded), with the latest vintage."""
    import polars as pl

    from barometre.calculs import bilan
    from barometre.catalogue import load_catalogue
    from barometre.donnees import queries
    from barometre.donnees.db import connect
    from barometre.settings import get_settings, load_territoire

    settings = get_settings()
    cat, con, terr = load_catalogue(settings.catalogue_dir), connect(), load_territoire(settings)
    serie = (queries.valeurs(con, "population", niveau="epci", codes=[terr.epci.code])
             .filter(pl.col("ventilation") == "").sort("annee"))
    (a0, v0), (a1, v1) = list(zip(serie["annee"], serie["valeur"], strict=True))[-2:]
    refs = [("departement", terr.departement.code), ("region", terr.region.code), ("france", "FR")]
    res = bilan.lectures(con, cat.indicateurs, "epci", terr.epci.code, refs, [], annee_courante=2026)
    pop = res["population"].progression
    assert pop.code == ("en_hausse" if v1 > v0 else "en_baisse")  # population has no favourable direction
    assert (pop.annee, pop.age) == (a1, 2026 - a1) and str(a0) in pop.detail
    assert res["population"].situation is None  # a total is never set beside the Nord's
    assert set(res) == {i.id for i in cat.indicateurs}
