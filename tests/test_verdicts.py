"""Verdicts: the Open SDG thresholds, the direction rule, « trop tôt pour conclure », vintage and age."""

import math

import pytest

from barometre.calculs import bilan
from barometre.calculs import verdicts as v
from barometre.donnees import queries


def _lectures(con, inds, niveau: str, code: str, refs, objectifs, **kw):
    """bilan.lectures on the series read as the pages read them (one query, then frames)."""
    series = queries.series_territoires(con, [i.id for i in inds], [(niveau, code), *refs])
    return bilan.lectures(series, inds, niveau, code, objectifs, **kw)


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


def test_too_early_single_point_or_target_change_within_margin():
    assert v.verdict_objectif([(2016, 1000)], 2050, 0, False).code == "trop_tot"
    assert v.verdict_objectif([], 2050, 0, False).code == "trop_tot"
    assert v.verdict_objectif([(2015, 100), (2020, 99)], 2030, 50, False, marge=2).code == "trop_tot"
    assert v.verdict_tendance([(2022, 10.0)], "baisse_favorable").code == "trop_tot"
    assert v.verdict_tendance([(2016, 10.0), (2022, 10.4)], "baisse_favorable", marge=0.5).code == "stable"
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
    res = _lectures(con, cat.indicateurs, "epci", terr.epci.code, refs, [], annee_courante=2026)
    pop = res["population"].progression
    assert pop.code == ("en_hausse" if v1 > v0 else "en_baisse")  # population has no favourable direction
    assert (pop.annee, pop.age) == (a1, 2026 - a1) and str(a0) in pop.detail
    assert res["population"].situation is None  # a total is never set beside the Nord's
    assert set(res) == {i.id for i in cat.indicateurs}


# ------------------------------------------------------------------ margins (issue 19)
def test_dans_la_marge_absolute_relative_and_none():
    from barometre.catalogue import Marge

    assert v.dans_la_marge(-0.02, Marge(absolue=0.5))
    assert not v.dans_la_marge(0.6, Marge(absolue=0.5))
    assert v.dans_la_marge(9.0, Marge(relative=1.0), reference=1000.0)  # 1 % of 1 000
    assert not v.dans_la_marge(11.0, Marge(relative=1.0), reference=1000.0)
    assert v.dans_la_marge(0.4, Marge(absolue=0.5, relative=1.0), reference=10.0)  # the larger applies
    assert v.dans_la_marge(0.0, None) and not v.dans_la_marge(0.01, None)  # no margin: equality only
    assert v.dans_la_marge(7.17 - 7.17, Marge(absolue=0.0))
    assert not v.dans_la_marge(None, Marge(absolue=1.0))


def test_change_within_margin_is_stable_gap_within_margin_comparable():
    from barometre.catalogue import Marge

    m = Marge(absolue=0.5)
    stable = v.verdict_tendance([(2016, 10.0), (2022, 10.4)], "baisse_favorable", marge=m)
    assert stable.code == "stable" and "marge" in stable.detail
    assert v.verdict_tendance([(2016, 10.0), (2022, 10.6)], "baisse_favorable", marge=m).code == "se_degrade"
    refs = [v.Repere("Nord", 2022, 7.17), v.Repere("France métropolitaine", 2022, 7.86)]
    out = v.verdicts_situation(2022, 7.15, refs, "baisse_favorable", marge=m)
    assert [(r.nom, x.code) for r, x in out] == [("Nord", "comparable"), ("France métropolitaine", "plus_favorable")]
    assert v.verdict_situation(2022, 7.15, refs, "baisse_favorable", marge=m).code == "comparable"
    assert v.verdict_situation(2022, 7.15, refs, "baisse_favorable").code == "plus_favorable"  # no margin


def test_every_indicator_has_a_margin_rule_shown_with_its_text():
    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    assert not cat.problems()
    missing = [i.id for i in cat.indicateurs if cat.marge(i) is None]
    assert missing == []
    for key in ("recensement_taux", "recensement_effectif", "filosofi_niveau", "filosofi_taux",
                "comptage_administratif", "modele", "producteur"):
        assert key in cat.marges and cat.marges[key].texte
    assert cat.marge("part_logements_vacants").regle == "recensement_taux"
    assert cat.marge("revenu_median_uc").regle == "filosofi_niveau"
    assert cat.marge("cae_1.a").regle == "modele"


def test_catalogue_rejects_unknown_margin_rule_and_takes_the_producers_margin(tmp_path):
    import shutil

    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    src = get_settings().catalogue_dir
    for f in src.iterdir():
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "indicateurs.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('marge_regle = "recensement_taux"', 'marge_regle = "inconnue"', 1)
    text = text.replace('id = "revenu_median_uc"\n', 'id = "revenu_median_uc"\nmarge_regle = "producteur"\n'
                        'marge = 120.0\nmarge_note = "intervalle publié"\n', 1)
    text = text.replace('marge_regle = "filosofi_niveau"\n', "", 1)  # the first one: revenu_median_uc's
    path.write_text(text, encoding="utf-8")
    cat = load_catalogue(tmp_path)
    assert any("règle de marge inconnue « inconnue »" in p for p in cat.problems())
    m = cat.marge("revenu_median_uc")
    assert (m.regle, m.absolue, m.origine) == ("producteur", 120.0, "producteur")


def test_shipped_verdicts_use_margins_and_france():
    """Escautpont's vacancy (7,15 %) against the Nord's (7,17 %) is « comparable », not « plus favorable »;
    France (stored as FRM) enters the situation."""
    import polars as pl

    from barometre.calculs import bilan
    from barometre.catalogue import load_catalogue
    from barometre.donnees import queries
    from barometre.donnees.db import connect
    from barometre.settings import get_settings, load_territoire

    settings = get_settings()
    cat, con, terr = load_catalogue(settings.catalogue_dir), connect(), load_territoire(settings)
    communes = queries.valeurs(con, "part_logements_vacants", niveau="commune")
    esc = communes.filter(pl.col("nom") == "Escautpont").sort("annee")
    code, annee, valeur = esc["code"][-1], esc["annee"][-1], esc["valeur"][-1]
    nord = queries.valeurs(con, "part_logements_vacants", niveau="departement", codes=[terr.departement.code],
                           annee=annee)["valeur"][0]
    assert valeur < nord and abs(valeur - nord) < 0.5  # the case of the issue, read from the data
    refs = bilan.references(terr.departement.code, terr.region.code)
    assert ("france", "FRM") in refs
    ind = cat.indicateur("part_logements_vacants")
    lec = _lectures(con, [ind], "commune", code, refs, [], annee_courante=2026,
                         marges=bilan.marges(cat))["part_logements_vacants"]
    assert lec.situation.code == "comparable"
    noms = [n for n, _ in lec.situations]
    assert "France métropolitaine" in noms and noms[0] != "France métropolitaine"


# ------------------------------------------------------------------ money in constant euros (issue 19)
def test_insee_price_index_is_loaded_and_deflates_amounts():
    from barometre.settings import get_settings
    from barometre.sources.ipc import lire_ipc

    ipc = lire_ipc(get_settings().raw_dir)
    assert ipc[2015] == 100.0 and 2019 in ipc and 2021 in ipc and 2024 not in ipc  # « (O) »: not published
    assert v.euros_constants(100.0, 2019, 2021, ipc) == 100.0 * ipc[2021] / ipc[2019]
    assert v.euros_constants(100.0, 2019, 2030, ipc) is None  # never a guessed index
    assert v.montants_constants([(2019, 100.0), (2021, 110.0)], ipc) == (
        [(2019, 100.0 * ipc[2021] / ipc[2019]), (2021, 110.0)], "")
    assert v.montants_constants([(2019, 100.0), (2030, 110.0)], ipc)[0] is None
    assert v.duree_periode("2011-2020") == 10 and v.duree_periode("2021-2023") == 3
    assert v.duree_periode("") is None and v.duree_periode("rapport de 2022") is None


def test_price_index_file_errors_are_french_and_located(tmp_path):
    from barometre.sources.csvread import IngestError
    from barometre.sources.ipc import DOSSIER, FICHIER, lire_ipc

    assert lire_ipc(tmp_path) == {}  # no file: money stays in current euros, said so on the card
    (tmp_path / DOSSIER).mkdir()
    (tmp_path / DOSSIER / FICHIER).write_text("Libellé,idBank,2019,2020\nIPC,001764363,104.23,abc\n",
                                              encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        lire_ipc(tmp_path)
    text = str(exc.value)
    assert FICHIER in text and "ligne 2" in text and "2020" in text


def test_income_progression_is_judged_after_inflation():
    from barometre.calculs import bilan
    from barometre.catalogue import load_catalogue
    from barometre.donnees.db import connect
    from barometre.settings import get_settings, load_territoire
    from barometre.sources.ipc import lire_ipc

    settings = get_settings()
    cat, con, terr = load_catalogue(settings.catalogue_dir), connect(), load_territoire(settings)
    refs = bilan.references(terr.departement.code, terr.region.code)
    ind = [cat.indicateur("revenu_median_uc")]
    reel = _lectures(con, ind, "epci", terr.epci.code, refs, [], marges=bilan.marges(cat),
                          ipc=lire_ipc(settings.raw_dir))["revenu_median_uc"].progression
    courant = _lectures(con, ind, "epci", terr.epci.code, refs, [],
                             marges=bilan.marges(cat))["revenu_median_uc"].progression
    assert "euros constants de 2021" in reel.detail and "+585" in reel.detail.replace("\u202f", "")
    # without the index: no verdict in current euros (was « s'améliore » on +980 € nominal), the reason said
    assert courant.code == "non_juge" and courant.libelle == "non jugé", courant
    assert "indice des prix de l'INSEE ne couvre pas 2019 et 2021" in courant.detail, courant.detail


def _money(unite: str):
    from barometre.catalogue import Indicateur

    return Indicateur(id="revenu", libelle="Revenu", volet="qualite_de_vie", theme="Revenus", unite=unite,
                      sens="hausse_favorable", definition="Revenu.", agregation="aucune", source="x",
                      millesime="2021", decimales=0)


@pytest.mark.parametrize("unite", ["€", "k€", "€/hab."])
@pytest.mark.parametrize("ipc", [{2019: 100.0, 2021: 106.0}, {2019: 100.0}, {}])
def test_cards_and_synthesis_judge_money_with_one_rule(unite, ipc):
    """Issue 24: the card (bilan) tested ``unite == "€"`` and judged current euros without the index, the
    synthesis tested ``"€" in unite`` and did not judge: both now go through verdicts.verdict_progression.
    +3 % nominal with +6 % prices is a loss of purchasing power wherever it is read."""
    import polars as pl

    from barometre.calculs import synthese as sy

    ind = _money(unite)
    pts = [(2019, 20000.0), (2021, 20600.0)]
    lec = bilan.lecture(ind, "epci", "200042190", pl.DataFrame(pts, schema=["annee", "valeur"], orient="row"),
                        pl.DataFrame(schema={"nom": pl.String, "niveau": pl.String, "annee": pl.Int64,
                                             "valeur": pl.Float64}), annee_courante=2026, ipc=ipc)
    valeurs = pl.DataFrame([("revenu", "epci", "200042190", a, x) for a, x in pts],
                           schema=["indicateur", "niveau", "code", "annee", "valeur"], orient="row")
    s = sy.synthese([ind], valeurs, "epci", "200042190", "LPH", [], valeurs, "200042190", "CAPH", 2026, ipc=ipc)
    counted = [k for k, n in s.comptes.progression.items() if n]
    if len(ipc) == 2:
        assert lec.progression.code == "se_degrade" and "euros constants de 2021" in lec.progression.detail
        assert counted == ["se_degrade"]
    else:
        assert lec.progression.code == "non_juge" and "2021" in lec.progression.detail
        assert counted == ["non_juge"]
        assert "1 non jugé (montant sans indice des prix)" in s.phrases_comptes()[0]
    assert v.est_monnaie(unite) and not v.est_monnaie("%") and not v.est_monnaie("")


def test_money_not_judged_says_why_on_the_card_not_only_in_the_tooltip():
    from barometre.ui.verdicts import verdict_html

    out = verdict_html(v.verdict_progression([(2019, 1.0), (2024, 2.0)], "hausse_favorable", "€",
                                             ipc={2019: 100.0}, annee_courante=2026))
    assert "non jugé</strong>" in out and "— l&#x27;indice des prix de l&#x27;INSEE ne couvre pas 2024" in out


def test_definitions_say_what_is_counted():
    """Population is the population municipale, not « totale »; part-time employment counts employed
    residents, not « emplois au lieu de travail »."""
    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    pop = cat.indicateur("population").definition
    assert "municipale" in pop and "totale" not in pop.lower()
    tp = cat.indicateur("part_temps_partiel_salaries").definition
    assert "lieu de résidence" in tp and "(emplois au lieu de travail)" not in tp
    assert all("population totale" not in (i.definition + i.methode).lower() for i in cat.indicateurs)
    assert "France métropolitaine" in cat.indicateur("taux_pauvrete").definition  # Filosofi's threshold


def test_poverty_rate_rise_of_half_a_point_is_read_as_a_change():
    """Filosofi is exhaustive and published to 0,1 point: the agglomeration's +0,5 pt (2019 → 2021) is
    « se dégrade », not hidden as « stable » by a census-sized margin."""
    from barometre.calculs import bilan
    from barometre.catalogue import load_catalogue
    from barometre.donnees.db import connect
    from barometre.settings import get_settings, load_territoire

    settings = get_settings()
    cat, con, terr = load_catalogue(settings.catalogue_dir), connect(), load_territoire(settings)
    refs = bilan.references(terr.departement.code, terr.region.code)
    lec = _lectures(con, [cat.indicateur("taux_pauvrete")], "epci", terr.epci.code, refs, [],
                         marges=bilan.marges(cat))["taux_pauvrete"]
    assert lec.progression.code == "se_degrade", lec.progression


def test_a_total_never_gets_a_situation_verdict():
    """The agglomeration's number of GPs (a count the INSEE publishes for the Nord too) is never judged
    against the Nord's count: a total has no situation, whatever its aggregation rule."""
    from barometre.calculs import bilan
    from barometre.catalogue import load_catalogue
    from barometre.donnees.db import connect
    from barometre.settings import get_settings, load_territoire

    settings = get_settings()
    cat, con, terr = load_catalogue(settings.catalogue_dir), connect(), load_territoire(settings)
    refs = bilan.references(terr.departement.code, terr.region.code)
    totals = [i for i in cat.indicateurs if i.grandeur == "total"]
    assert any(i.agregation == "aucune" for i in totals)  # not only the summed ones
    for niveau, code in (("epci", terr.epci.code), ("commune", "59172")):
        out = _lectures(con, totals, niveau, code, refs, [], marges=bilan.marges(cat))
        assert all(lec.situation is None and not lec.situations for lec in out.values())


def test_a_published_count_is_not_judged_against_the_nords_count():
    import polars as pl

    from barometre.calculs import bilan
    from barometre.catalogue import Indicateur

    ind = Indicateur(id="medecins", libelle="Médecins", volet="qualite_de_vie", theme="Santé",
                     unite="médecins", sens="hausse_favorable", definition="Nombre de médecins.",
                     agregation="aucune", source="x", millesime="2024")
    assert ind.grandeur == "total"
    serie = pl.DataFrame({"annee": [2024], "valeur": [120.0]})
    refs = pl.DataFrame({"nom": ["Nord"], "niveau": ["departement"], "annee": [2024], "valeur": [2600.0]})
    lec = bilan.lecture(ind, "epci", "200042190", serie, refs, annee_courante=2026)
    assert lec.situation is None
