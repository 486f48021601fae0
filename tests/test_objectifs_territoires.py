"""The EPCI's targets applied to each commune's and zone's own reference value (issue 11)."""

import pytest

from barometre.pilotage.objectifs import SINGLE_OBSERVATION_LABEL, objectif_territoire, objectifs_par_territoire


def epci_row(**kw):
    row = {"id": "t", "indicateur": "x", "annee_reference": 2015, "valeur_reference": 200.0,
           "reference_source": "fichier", "annee_cible": 2050, "valeur_cible": None, "variation_cible_pct": -50.0,
           "forme": "lineaire"}
    return {**row, **kw}


def test_a_variation_applies_to_the_territorys_own_reference_and_gives_a_status_from_two_observations():
    r = objectif_territoire(epci_row(), "somme", "baisse_favorable", [(2015, 100.0), (2022, 60.0)])
    assert r["valeur_reference"] == 100 and r["valeur_cible"] == 50
    assert r["valeur_attendue"] == pytest.approx(100 - 50 * 7 / 35)
    assert r["statut"] == "en_avance"


def test_a_single_observation_never_gets_a_status():
    r = objectif_territoire(epci_row(annee_reference=None, reference_source="premiere_observation"), "somme",
                            "baisse_favorable", [(2016, 80.0)])
    assert r["annee_reference"] == 2016 and r["valeur_cible"] == 40 and r["trajectoire"]
    assert r["statut"] == "sans_donnee" and r["statut_libelle"] == SINGLE_OBSERVATION_LABEL


def test_a_quantity_target_becomes_the_epcis_relative_change_and_a_share_target_stays():
    quantity = objectif_territoire(epci_row(valeur_cible=50.0, variation_cible_pct=None), "somme",
                                   "baisse_favorable", [(2015, 10.0), (2020, 9.0)])
    assert quantity["variation_appliquee_pct"] == -75 and quantity["valeur_cible"] == 2.5
    neutral = objectif_territoire(epci_row(valeur_cible=0.0, variation_cible_pct=None, valeur_reference=None),
                                  "somme", "baisse_favorable", [(2015, 10.0)])
    assert neutral["valeur_cible"] == 0
    share = objectif_territoire(epci_row(valeur_cible=50.0, variation_cible_pct=None), "ratio", "hausse_favorable",
                                [(2015, 5.0), (2020, 12.0)])
    assert share["valeur_cible"] == 50 and share["variation_appliquee_pct"] is None


def test_shipped_targets_reach_every_commune_and_bassin():
    from barometre.catalogue import load_catalogue
    from barometre.donnees.db import connect
    from barometre.pilotage.objectifs import objectifs_rows
    from barometre.settings import get_settings, load_territoire

    settings = get_settings()
    con = connect(settings)
    rows = objectifs_rows(settings, con)
    epci = load_territoire(settings).epci.code
    cat = load_catalogue(settings.catalogue_dir)
    communes = objectifs_par_territoire(con, cat, rows, epci, "commune")
    ges = [r for r in communes if r["indicateur"] == "cae_1.a" and r["id"] == "pcaet-co2-moins-80-2050-caph"]
    assert len(ges) == 47
    for r in ges:  # one inventory (2016): the path starts there, no status
        assert r["annee_reference"] == 2016 and r["valeur_cible"] == pytest.approx(r["valeur_reference"] * 0.2)
        assert r["statut_libelle"] == SINGLE_OBSERVATION_LABEL
    bassins = objectifs_par_territoire(con, cat, rows, epci, "bv2022")
    assert {r["code"] for r in bassins if r["indicateur"] == "cae_1.a"}


def test_environment_page_shows_the_communes_trajectory_with_its_method(warm_server):
    from streamlit.testing.v1 import AppTest

    from barometre.settings import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["niveau"] = "commune"
    at.query_params["code"] = "59172"
    at.query_params["onglet_env"] = "trajectoires"  # the page draws one section at a time
    at.run()
    at.switch_page("pages/environnement.py").run()
    at.selectbox(key="traj_ind").set_value("cae_1.a").run()
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(m.value for m in at.markdown)
    assert "Denain — pcaet-co2-moins-80-2050-caph" in shown and SINGLE_OBSERVATION_LABEL in shown
    assert any("propre valeur de référence" in c.value for c in at.caption)
    table = next(df.value for df in at.dataframe if "Territoire" in df.value.columns and "Statut" in df.value.columns)
    assert table["Territoire"].nunique() == 47
    import json

    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") if c.proto.alt.startswith("Trajectoire de")]
    assert charts and any("dernière observation : 2016" in json.dumps(c, ensure_ascii=False) for c in charts)
