"""barometre.calculs.bien_etre: the dimension mapping, the panel-weighted index, saved weightings, URL weights,
and the IDH-4 assembly. Plain pytest (no Streamlit); the shipped catalogue and data are read, never written
(saved weightings go to tmp_path)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barometre.calculs import bien_etre as be
from barometre.calculs import indices
from barometre.catalogue import load_catalogue
from barometre.charts import indicateurs as charts
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.settings import PROJECT_ROOT, Settings

DATA_DIR = PROJECT_ROOT / "data"
NOW = dt.datetime(2025, 3, 12, 18, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def shipped() -> Settings:
    return Settings(data_dir=DATA_DIR)


@pytest.fixture(scope="module")
def catalogue(shipped):
    return load_catalogue(shipped.catalogue_dir)


@pytest.fixture(scope="module")
def corr(shipped, catalogue) -> be.Correspondance:
    return be.load_dimensions(shipped.catalogue_dir / be.DIMENSIONS_FILE, catalogue)


@pytest.fixture(scope="module")
def con(shipped, catalogue):
    return connect(shipped, catalogue)


def obs(value, secret=False, annee=2022):
    return be.Observation(value, secret, annee, "src", "publiee")


# ------------------------------------------------------------------------------------------ mapping


def test_mapping_has_5_to_7_dimensions_named_after_families_with_the_oecd_topic(corr):
    assert 5 <= len(corr.dimensions) <= 7
    for dim in corr.dimensions:
        assert dim.etiquette == f"{dim.libelle} (OCDE : {dim.theme_ocde})"
        assert dim.famille and dim.pourquoi
    assert len(set(corr.ids)) == len(corr.ids)


def test_mapping_refers_to_existing_directional_intensive_indicators(corr, catalogue):
    ids = {i.id for i in catalogue.indicateurs}
    for ind_id in corr.indicateurs():
        assert ind_id in ids
        ind = catalogue.indicateur(ind_id)
        assert ind.sens in ("hausse_favorable", "baisse_favorable")
        assert ind.agregation in be.AGREGATIONS_INTENSIVES
    assert be.directions(corr, catalogue)["taux_chomage_15_64"] is False
    assert be.directions(corr, catalogue)["revenu_median_uc"] is True


def test_every_mapped_indicator_has_commune_values_in_the_shipped_data(corr, con):
    for ind_id in corr.indicateurs():
        assert queries.annees(con, ind_id, "commune"), ind_id


def _write_mapping(tmp_path: Path, indicators: list[list[str]]) -> Path:
    blocks = [
        f'[[dimension]]\nid = "d{i}"\nlibelle = "D{i}"\nfamille = "F{i}"\ntheme_ocde = "t"\n'
        f"indicateurs = {json.dumps(inds)}\n"
        for i, inds in enumerate(indicators)
    ]
    path = tmp_path / be.DIMENSIONS_FILE
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("indicateur_qui_n_existe_pas", "inconnu du catalogue"),
        ("part_familles_monoparentales", "sens = neutre"),
        ("cae_1.a", "effectif"),
    ],
)
def test_load_dimensions_refuses_unknown_neutral_or_count_indicators(tmp_path, catalogue, bad, message):
    good = [["revenu_median_uc"], ["taux_chomage_15_64"], ["part_logements_vacants"],
            ["apl_medecins_generalistes"]]
    path = _write_mapping(tmp_path, [*good, [bad]])
    with pytest.raises(be.BienEtreError, match=message):
        be.load_dimensions(path, catalogue)


def test_load_dimensions_refuses_too_few_dimensions_and_reused_indicators(tmp_path, catalogue):
    with pytest.raises(be.BienEtreError):
        be.load_dimensions(_write_mapping(tmp_path, [["revenu_median_uc"]]), catalogue)
    reused = [["revenu_median_uc"], ["revenu_median_uc"], ["taux_chomage_15_64"], ["part_logements_vacants"],
              ["apl_medecins_generalistes"]]
    with pytest.raises(be.BienEtreError, match="plusieurs dimensions"):
        be.load_dimensions(_write_mapping(tmp_path, reused), catalogue)


def test_load_dimensions_missing_file_is_a_french_error(tmp_path, catalogue):
    with pytest.raises(be.BienEtreError, match="introuvable"):
        be.load_dimensions(tmp_path / "absent.toml", catalogue)


# ------------------------------------------------------------------------------------------ the index


def _synthetic(corr, n=6, secret_income_for=()):
    """n communes c0..c(n-1) with distinct values for every mapped indicator; two zones z0 and z1."""
    communes = {}
    for k, ind in enumerate(corr.indicateurs()):
        # fixed pseudo-random values (one seed per indicator), so that composite scores do not tie
        rng = random.Random(k)
        communes[ind] = {f"c{i}": obs(round(rng.uniform(5.0, 50.0), 3)) for i in range(n)}
    for code in secret_income_for:
        communes["revenu_median_uc"][code] = obs(None, secret=True)
    zones = {ind: {"z0": obs(12.0), "z1": obs(1e9)} for ind in corr.indicateurs()}
    zones["revenu_median_uc"] = {}  # a median is not published for the zones
    return communes, [f"c{i}" for i in range(n)], zones, ["z0", "z1"]


def _sens(corr, catalogue):
    return be.directions(corr, catalogue)


def test_scores_are_in_unit_interval_and_ranks_follow_scores(corr, catalogue):
    communes, codes, zones, zcodes = _synthetic(corr)
    neutral = be.notes_neutres(corr.ids)
    res = be.calculer(corr, _sens(corr, catalogue), neutral, communes, codes, zones, zcodes)
    for per_ind in res.communes.normalises.values():
        assert all(0.0 <= v <= 1.0 for v in per_ind.values())
    scores = res.communes.scores
    assert all(s is not None and 0.0 <= s <= 1.0 for s in scores.values())
    best = max(scores, key=scores.get)
    assert res.communes.rangs[best] == 1
    assert math.isclose(sum(res.poids.values()), 1.0)
    assert len(set(res.poids.values())) == 1  # neutral ratings = equal weights


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=6, max_size=6),
       st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_scores_stay_in_unit_interval_for_any_values_and_ratings(values, ratings):
    cat = load_catalogue(DATA_DIR / "catalogue")
    corr = be.load_dimensions(DATA_DIR / "catalogue" / be.DIMENSIONS_FILE, cat)
    notes = dict(zip(corr.ids, ratings + [3] * (len(corr.ids) - len(ratings)), strict=False))
    communes = {ind: {f"c{i}": obs(v) for i, v in enumerate(values)} for ind in corr.indicateurs()}
    res = be.calculer(corr, be.directions(corr, cat), notes, communes, [f"c{i}" for i in range(6)])
    for s in res.communes.scores.values():
        assert s is None or 0.0 <= s <= 1.0 + 1e-12
    for i, v in enumerate(values):
        if v is None:
            assert res.communes.scores[f"c{i}"] is None


def test_a_secret_input_gives_no_score_never_a_fake_one(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr, secret_income_for=("c2",))
    res = be.calculer(corr, _sens(corr, catalogue), be.notes_neutres(corr.ids), communes, codes)
    assert res.communes.scores["c2"] is None
    assert res.communes.rangs["c2"] is None
    assert res.communes.scores_dimensions["moyens_de_vie"]["c2"] is None
    assert [(m.indicateur, m.raison) for m in res.communes.sans_score["c2"]] == [
        ("revenu_median_uc", be.RAISON_SECRET)]
    # the other communes are ranked among themselves, 1..5
    assert sorted(r for r in res.communes.rangs.values() if r is not None) == [1, 2, 3, 4, 5]


def test_a_missing_input_counts_only_while_its_dimension_is_weighted(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr)
    del communes["revenu_median_uc"]["c4"]  # no row at all
    notes = be.notes_neutres(corr.ids) | {"moyens_de_vie": 0}
    res = be.calculer(corr, _sens(corr, catalogue), notes, communes, codes)
    assert res.communes.scores["c4"] is not None
    assert res.communes.sans_score == {}
    assert res.communes.manques["c4"][0].raison == be.RAISON_MANQUANTE


def test_a_dimension_with_one_missing_indicator_out_of_two_has_no_score(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr)
    communes["taux_chomage_15_64"]["c1"] = obs(None)
    res = be.calculer(corr, _sens(corr, catalogue), be.notes_neutres(corr.ids), communes, codes)
    assert res.communes.scores_dimensions["emploi"]["c1"] is None  # not the mean of the activity rate alone


def test_zones_use_their_own_values_on_the_communes_scale(corr, catalogue):
    communes, codes, zones, zcodes = _synthetic(corr)
    sens = _sens(corr, catalogue)
    res = be.calculer(corr, sens, be.notes_neutres(corr.ids), communes, codes, zones, zcodes)
    ind = "taux_activite_15_64"  # higher is better
    b = res.bornes[ind]
    values = [o.valeur for o in communes[ind].values()]
    assert (b.minimum, b.maximum) == (min(values), max(values))
    assert res.zones.normalises[ind]["z0"] == pytest.approx((12.0 - b.minimum) / (b.maximum - b.minimum))
    assert res.zones.normalises[ind]["z1"] == 1.0  # beyond the communes' max: clipped
    # no published median for the zones: no score while "moyens de vie" is weighted
    assert all(s is None for s in res.zones.scores.values())
    notes = be.notes_neutres(corr.ids) | {"moyens_de_vie": 0}
    res0 = be.calculer(corr, sens, notes, communes, codes, zones, zcodes)
    assert all(s is not None for s in res0.zones.scores.values())


def test_more_weight_on_a_dimension_changes_the_ranking(corr, catalogue):
    # communes ordered one way on income, the opposite way on the other dimensions
    communes, codes, _, _ = _synthetic(corr)
    communes["revenu_median_uc"] = {f"c{i}": obs(30_000.0 - 1000 * i) for i in range(6)}
    sens = _sens(corr, catalogue)
    only_income = {d: 0 for d in corr.ids} | {"moyens_de_vie": 5}
    no_income = be.notes_neutres(corr.ids) | {"moyens_de_vie": 0}
    r1 = be.calculer(corr, sens, only_income, communes, codes).communes.rangs
    r2 = be.calculer(corr, sens, no_income, communes, codes).communes.rangs
    assert r1 != r2
    assert r1["c0"] == 1


def test_sensitivity_is_deterministic_and_ordered(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr, secret_income_for=("c3",))
    res = be.calculer(corr, _sens(corr, catalogue), be.notes_neutres(corr.ids), communes, codes)
    a = be.sensibilite(res.communes, res.poids, 200, 7)
    b = be.sensibilite(res.communes, res.poids, 200, 7)
    assert a == b
    assert a["c3"] is None  # no score, no range
    for plage in (p for p in a.values() if p):
        assert 1 <= plage.min_rank <= plage.median_rank <= plage.max_rank <= 5
    table = be.tableau_sensibilite(res.communes, a, {c: c.upper() for c in codes})
    assert table.height == 5 and table["rang"].to_list() == sorted(table["rang"].to_list())


def test_sensitivity_ignores_dimensions_set_to_zero(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr, secret_income_for=("c3",))
    notes = be.notes_neutres(corr.ids) | {"moyens_de_vie": 0}
    res = be.calculer(corr, _sens(corr, catalogue), notes, communes, codes)
    assert be.sensibilite(res.communes, res.poids, 50, 1)["c3"] is not None


def test_sensitivity_chart_and_ranking_frame_are_pure(corr, catalogue):
    communes, codes, _, _ = _synthetic(corr, secret_income_for=("c0",))
    res = be.calculer(corr, _sens(corr, catalogue), be.notes_neutres(corr.ids), communes, codes)
    frame = be.ranking_frame(res.communes, {c: c for c in codes})
    assert frame.filter(frame["valeur"].is_null())["code"].to_list() == ["c0"]
    table = be.tableau_sensibilite(res.communes, be.sensibilite(res.communes, res.poids, 20, 1), {})
    spec = charts.sensitivity_chart(table).to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","


def test_shipped_data_index_is_in_unit_interval(corr, catalogue, con):
    codes = queries.territoires(con, "commune")["code"].to_list()
    communes = {}
    for ind in corr.indicateurs():
        vent = catalogue.indicateur(ind).ventilation_indice  # turnout: one election (the page does the same)
        annee = max(queries.valeurs(con, ind, "commune", ventilation=vent)["annee"])
        df = queries.valeurs_communes(con, ind, annee, "bv2022", vent)
        communes[ind] = {
            r["code"]: be.Observation(r["valeur"], r["secret"], r["annee"], r["source"], r["methode"])
            for r in df.iter_rows(named=True) if r["annee"] is not None}
    res = be.calculer(corr, _sens(corr, catalogue), be.notes_neutres(corr.ids), communes, codes)
    scored = [s for s in res.communes.scores.values() if s is not None]
    assert len(codes) == 47 and scored
    assert all(0.0 <= s <= 1.0 for s in scored)


# ------------------------------------------------------------------------------------------ URL weights


def test_weights_round_trip_through_the_url(corr):
    notes = dict(zip(corr.ids, [2, 3, 1, 0, 5, 4], strict=False))
    text = be.format_notes(notes, corr.ids)
    assert text == "2,3,1,0,5,4"
    assert be.parse_notes(text, corr.ids) == notes
    assert be.parse_notes(" 2, 3,1 ,0,5 , 4", corr.ids) == notes


@pytest.mark.parametrize("garbage", [
    "", "zzz", "1,2", "1,2,3,4,5,6,7", "9,9,9,9,9,9", "-1,2,3,4,5,6", "1.5,2,3,4,5,6", "1,,3,4,5,6",
    "١,2,3,4,5,6", "３,3,3,3,3,3", "1e0,2,3,4,5,6", "0x1,2,3,4,5,6", "1,2,3,4,5" * 1000, None, 12345, ["1", "2"],
    "../../etc/passwd", "1;2;3;4;5;6",
])
def test_garbage_weights_give_none_and_the_neutral_default(corr, tmp_path, garbage):
    assert be.parse_notes(garbage, corr.ids) is None
    state = be.etat_initial(corr, tmp_path, None, garbage)
    assert state.notes == be.notes_neutres(corr.ids)
    assert state.origine == "neutre"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_notes_never_raises(text):
    ids = ["a", "b", "c", "d", "e"]
    result = be.parse_notes(text, ids)
    assert result is None or (list(result) == ids and all(0 <= v <= 5 for v in result.values()))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_any_valid_weights_round_trip(values):
    ids = ["a", "b", "c", "d", "e"]
    notes = dict(zip(ids, values, strict=True))
    assert be.parse_notes(be.format_notes(notes, ids), ids) == notes


# ------------------------------------------------------------------------------------------ saved weightings
# (kept in the store: tests/test_ponderations.py; here, reopening them by link)


def _ponderation(corr, slug="2025-03-12-panel", notes=None, statut="adoptee", dims=None) -> be.Ponderation:
    return be.Ponderation(id=1, slug=slug, nom="Panel", date=dt.date(2025, 3, 12), enregistree_le=NOW,
                          notes=notes or be.notes_neutres(corr.ids),
                          dimensions=dims if dims is not None else be.dimensions_figees(corr), statut=statut)


def test_a_link_reopens_a_weighting_of_the_store_exactly(corr):
    p = _ponderation(corr, notes=dict(zip(corr.ids, [5, 0, 2, 4, 1, 3], strict=False)))
    state = be.etat_initial(corr, {p.slug: p}.get, p.slug, "1,1,1,1,1,1")  # the saved weighting wins over w
    assert (state.notes, state.origine, state.ponderation) == (p.notes, "ponderation", p)


@pytest.mark.parametrize("slug", ["../../etc/passwd", "2025-03-12-../x", "2025-03-12-Panel", "", "x" * 300,
                                  "2025-03-12-absent", "[cliquez ici](https://exemple.invalid)"])
def test_a_bad_or_unknown_link_is_a_french_error_and_falls_back_to_neutral(corr, slug):
    looked_up = []
    state = be.etat_initial(corr, lambda s: looked_up.append(s), slug, None)
    assert state.notes == be.notes_neutres(corr.ids)
    expected_errors = 1 if slug else 0  # an empty parameter is no link at all
    assert (state.origine, len(state.erreurs)) == ("neutre", expected_errors)
    assert all(be.SLUG_PATTERN.match(s) for s in looked_up)  # a malformed slug is never looked up
    assert all(len(e) < 200 for e in state.erreurs)  # the parameter is not echoed at length


def test_a_link_with_a_bad_weighting_falls_back_to_the_url_weights(corr):
    state = be.etat_initial(corr, {}.get, "2025-03-12-absent", "5,4,3,2,1,0")
    assert state.origine == "url" and len(state.erreurs) == 1


def test_a_withdrawn_weighting_is_not_reopened(corr):
    p = _ponderation(corr, statut="retiree")
    state = be.etat_initial(corr, {p.slug: p}.get, p.slug, None)
    assert state.origine == "neutre" and "retirée" in state.erreurs[0]


def test_a_weighting_made_for_other_dimensions_is_not_reopened_silently(corr):
    p = _ponderation(corr)
    changed = corr.model_copy(update={"dimension": corr.dimension[:-1] + [
        corr.dimension[-1].model_copy(update={"id": "autre"})]})
    blocking, _ = be.ecarts_correspondance(p, changed)
    assert blocking
    state = be.etat_initial(changed, {p.slug: p}.get, p.slug, None)
    assert state.origine == "neutre" and state.erreurs
    moved = corr.model_copy(update={"dimension": corr.dimension[:-1] + [
        corr.dimension[-1].model_copy(update={"indicateurs": ["cae_1.a"]})]})
    blocking, warnings = be.ecarts_correspondance(p, moved)
    assert not blocking and warnings


# ------------------------------------------------------------------------------------------ IDH-4


def _incomes():
    return {"c1": obs(15_000.0), "c2": obs(20_000.0), "c3": obs(30_000.0), "c4": obs(None, secret=True)}


def test_idh4_with_income_only_gives_the_income_sub_index_and_no_index():
    communes = {"icm": {}, "diploma_share": {}, "median_income": _incomes()}
    bornes = be.bornes_idh4(communes)
    assert bornes["icm"] is None and bornes["diploma_share"] is None
    b = bornes["median_income"]
    assert (b.minimum, b.maximum, b.n_communes) == (15_000.0, 30_000.0, 3)  # the secret one is left out
    assert "pas les bornes régionales" in b.description
    absent = {"icm": "entrée non chargée", "diploma_share": "entrée non chargée"}
    ligne = be.idh4_ligne("c2", {"median_income": communes["median_income"]["c2"]}, bornes, absent)
    full_gp = indices.Goalposts(80, 120, 50, 90, 15_000, 30_000, "test")
    assert ligne.sous_indices["median_income"] == pytest.approx(indices.idh4_income(20_000, full_gp))
    assert ligne.sous_indices["icm"] is None and ligne.sous_indices["diploma_share"] is None
    assert ligne.index is None
    assert ligne.raisons == absent


def test_idh4_secret_income_stays_secret_never_zero():
    communes = {"icm": {}, "diploma_share": {}, "median_income": _incomes()}
    bornes = be.bornes_idh4(communes)
    ligne = be.idh4_ligne("c4", {"median_income": communes["median_income"]["c4"]}, bornes, {})
    assert ligne.sous_indices["median_income"] is None
    assert ligne.raisons["median_income"] == be.RAISON_SECRET


def test_idh4_with_all_three_inputs_is_indices_idh4():
    communes = {
        "icm": {"c1": obs(120.0), "c2": obs(100.0), "c3": obs(80.0)},
        "diploma_share": {"c1": obs(60.0), "c2": obs(70.0), "c3": obs(90.0)},
        "median_income": {"c1": obs(15_000.0), "c2": obs(20_000.0), "c3": obs(30_000.0)},
    }
    bornes = be.bornes_idh4(communes)
    gp = indices.goalposts_from_observed([120, 100, 80], [60, 70, 90], [15_000, 20_000, 30_000], "test")
    ligne = be.idh4_ligne("c2", {e: communes[e]["c2"] for e in communes}, bornes, {})
    expected = indices.idh4(100.0, 70.0, 20_000.0, gp)
    assert ligne.index == pytest.approx(expected.index)
    assert ligne.sous_indices == pytest.approx(
        {"icm": expected.health, "diploma_share": expected.education, "median_income": expected.income})
    # a zone beyond the communes' goalposts is clipped and flagged
    zone = be.idh4_ligne("z", {"icm": obs(130.0), "diploma_share": obs(70.0), "median_income": obs(20_000.0)},
                         bornes, {})
    assert zone.sous_indices["icm"] == 0.0 and zone.hors_bornes == ("icm",)


@settings(max_examples=100, deadline=None)
@given(st.floats(1.0, 200.0), st.floats(1.0, 200.0), st.floats(1.0, 200.0))
def test_partial_sub_index_formulas_match_indices(x, a, b):
    low, high = sorted((a, b))
    if high - low < 1e-6:
        return
    gp = indices.Goalposts(low, high, low, high, low, high, "test")
    assert be._sous_indice("icm", x, low, high) == pytest.approx(indices.idh4_health(x, gp))
    assert be._sous_indice("diploma_share", x, low, high) == pytest.approx(indices.idh4_education(x, gp))
    assert be._sous_indice("median_income", x, low, high) == pytest.approx(indices.idh4_income(x, gp))


def test_icm_of_a_canton_is_given_to_each_of_its_communes():
    membership = {"59172": "5914", "59002": "5914", "59526": "5934"}
    out = be.propager_zone({"5914": obs(112.0)}, membership, "canton")
    assert set(out) == {"59172", "59002"}
    assert out["59172"].valeur == 112.0 and out["59172"].methode == "valeur du canton 5914"


def test_idh4_inputs_absent_from_the_shipped_catalogue_are_named(catalogue):
    ids = {i.id for i in catalogue.indicateurs}
    assert be.IDH4_INDICATEURS["median_income"] in ids
    assert "OR2S" in be.IDH4_A_CHARGER["icm"] and "canton" in be.IDH4_A_CHARGER["icm"]
    assert "Diplômes" in be.IDH4_A_CHARGER["diploma_share"]
    assert set(be.IDH4_INDICATEURS) == set(indices.IDH4_INPUTS)


def test_the_page_says_whether_ingest_can_load_each_idh4_input(catalogue):
    # the income comes from the INSEE comparateur, the diploma share from the INSEE « Diplômes – Formation »
    # base and the ICM from the OR2S file by canton, all read by `barometre ingest`; an input without a
    # catalogue entry is not loadable, and the page must not pretend otherwise
    assert be.idh4_ingestible("median_income", catalogue)
    assert be.idh4_ingestible("diploma_share", catalogue)
    assert be.idh4_ingestible("icm", catalogue)
    assert not be.idh4_ingestible("inconnue", catalogue)


def test_the_pages_rank_ranges_are_the_calculations_computed_once(corr, catalogue, monkeypatch):
    """The page's sensitivity (barometre.ui.bien_etre.sensibilite) gives exactly the calculation's rank
    ranges, and computes them once per distinct input (issue #24: 1,000 weightings on every open and every
    slider move); notes that keep the same dimensions active reuse them (the draws do not depend on notes)."""
    from barometre.ui import bien_etre as ui_be

    communes, codes, zones, zcodes = _synthetic(corr)
    notes = be.notes_neutres(corr.ids)
    res = be.calculer(corr, _sens(corr, catalogue), notes, communes, codes, zones, zcodes)
    expected = be.sensibilite(res.communes, res.poids)
    calls = []
    real = indices.rank_sensitivity
    monkeypatch.setattr(indices, "rank_sensitivity", lambda *a, **k: calls.append(1) or real(*a, **k))
    ui_be._sensibilite.clear()
    assert ui_be.sensibilite(res.communes, res.poids) == expected
    autres = be.calculer(corr, _sens(corr, catalogue), {**notes, corr.ids[0]: 5}, communes, codes, zones, zcodes)
    assert ui_be.sensibilite(autres.communes, autres.poids) == be.sensibilite(autres.communes, autres.poids)
    assert len(calls) == 2  # the page's two calls hit the cache; the two direct calls computed
