"""IDH-4 values computed by build (barometre.calculs.idh4_valeurs): sub-indices per commune and EPCI with
stored goalposts, the documented education variant, the composite only where the three inputs exist."""

import math

import polars as pl
import pytest

from barometre.calculs import idh4_valeurs
from barometre.cli import values_rows
from barometre.settings import get_settings
from barometre.sources.layouts import Valeur

EPCI = "E"


def v(ind, code, value, niveau="commune", annee=2021, secret=False):
    return Valeur(ind, niveau, code, annee, value, "test", secret=secret)


def by_key(out):
    return {(x.indicateur, x.code): x for x in out}


def test_sub_indices_use_the_min_max_of_the_communes_and_no_two_dimension_index():
    values = [v("revenu_median_uc", "A", 15000), v("revenu_median_uc", "B", 30000), v("revenu_median_uc", "C", 20000),
              v("revenu_median_uc", EPCI, 19000, "epci"),
              v("part_au_moins_bac_15_plus", "A", 30, annee=2022), v("part_au_moins_bac_15_plus", "B", 60, annee=2022),
              v("part_au_moins_bac_15_plus", "C", None, annee=2022, secret=True)]
    out, bornes = idh4_valeurs.compute(values, ["A", "B", "C"], EPCI)
    got = by_key(out)
    c = got[("idh4_revenu", "C")].valeur
    assert c == pytest.approx((math.log(20000) - math.log(15000)) / (math.log(30000) - math.log(15000)))
    assert got[("idh4_revenu", "A")].valeur == 0 and got[("idh4_revenu", "B")].valeur == 1
    assert got[("idh4_revenu", EPCI)].valeur == pytest.approx(
        (math.log(19000) - math.log(15000)) / (math.log(30000) - math.log(15000)))
    # education variant: share holding at least the bac
    assert got[("idh4_education", "A")].valeur == 0 and got[("idh4_education", "B")].valeur == 1
    assert got[("idh4_education", "C")].valeur is None and got[("idh4_education", "C")].secret
    # no ICM: no composite anywhere, each with its reason
    for code in ("A", "B", "C", EPCI):
        comp = got[("idh4", code)]
        assert comp.valeur is None and comp.statut.startswith("non_calculable") and "santé" in comp.statut
        assert got[("idh4_sante", code)].valeur is None
    table = {b.entree: b for b in bornes}
    assert (table["median_income"].minimum, table["median_income"].maximum) == (15000, 30000)
    assert "variante" in table["diploma_share"].variable and table["icm"].minimum is None


def test_with_icm_by_canton_and_insee_counts_the_composite_is_the_mean_of_three():
    values = [v("revenu_median_uc", "A", 15000), v("revenu_median_uc", "B", 30000),
              v("icm_toutes_causes", "K1", 130, "canton", 2019), v("icm_toutes_causes", "K2", 90, "canton", 2019),
              v("non_scolarises_15_plus", "A", 1000, annee=2022), v("non_scolarises_15_plus", "B", 1000, annee=2022),
              v("non_scolarises_15_plus_diplomes", "A", 600, annee=2022),
              v("non_scolarises_15_plus_diplomes", "B", 800, annee=2022),
              v("part_au_moins_bac_15_plus", "A", 90, annee=2022), v("part_au_moins_bac_15_plus", "B", 10, annee=2022)]
    out, bornes = idh4_valeurs.compute(values, ["A", "B"], EPCI, {"A": "K1", "B": "K2"})
    got = by_key(out)
    assert got[("idh4_sante", "A")].valeur == 0 and got[("idh4_sante", "B")].valeur == 1
    assert got[("idh4", "A")].valeur == 0 and got[("idh4", "B")].valeur == 1
    # INSEE counts win over the variant (A has fewer diploma holders although more with the bac)
    assert got[("idh4_education", "A")].valeur == 0
    assert "Diplômes – Formation" in {b.entree: b for b in bornes}["diploma_share"].variable
    assert "canton" in got[("idh4_sante", EPCI)].statut  # no ICM for the EPCI: said so


def test_a_published_idh4_is_never_recomputed():
    values = [v("idh4", "A", 0.5), v("revenu_median_uc", "A", 15000), v("revenu_median_uc", "B", 30000)]
    assert idh4_valeurs.compute(values, ["A", "B"], EPCI) == ([], [])


def test_shipped_data_every_commune_with_inputs_has_education_and_income_sub_indices():
    settings = get_settings()
    for ind in ("idh4_education", "idh4_revenu"):
        rows = values_rows(ind, "commune", None, None)
        assert len(rows) == 47 and all(r["valeur"] is not None for r in rows), ind
        assert min(r["valeur"] for r in rows) == 0 and max(r["valeur"] for r in rows) == 1
    epci = values_rows("idh4_revenu", "epci", None, None)[0]
    bornes = pl.read_parquet(settings.data_dir / idh4_valeurs.BORNES_FILE)
    income = bornes.filter(pl.col("entree") == "median_income").row(0, named=True)
    assert (income["minimum"], income["maximum"], income["n_communes"]) == (14890, 28720, 47)
    assert epci["valeur"] == pytest.approx((math.log(19530) - math.log(14890)) / (math.log(28720) - math.log(14890)))
    composite = values_rows("idh4", "commune", None, None)
    assert len(composite) == 47 and all(r["valeur"] is None and "santé" in r["statut"] for r in composite)


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "idh4"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    import shutil

    from barometre.settings import PROJECT_ROOT

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("edits", "ponderations", "raw"))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    return data


def test_icm_by_canton_once_ingested_completes_the_idh4_of_every_commune(data_copy, capsys):
    from barometre.cli import main

    assert main(["ingest", str(FIXTURES / "icm_canton_or2s.csv")]) == 0
    icm = values_rows("icm_toutes_causes", "canton", None, None)
    assert sorted(r["code"] for r in icm) == ["5903", "5906", "5914", "5934"]  # not the other département's
    assert {r["periode"] for r in icm} == {"2011-2017"}
    sante = values_rows("idh4_sante", "commune", None, None)
    assert len(sante) == 47 and all(r["valeur"] is not None for r in sante)
    composite = values_rows("idh4", "commune", None, None)
    assert len(composite) == 47 and all(r["valeur"] is not None for r in composite)
    edu = {r["code"]: r["valeur"] for r in values_rows("idh4_education", "commune", None, None)}
    inc = {r["code"]: r["valeur"] for r in values_rows("idh4_revenu", "commune", None, None)}
    s = {r["code"]: r["valeur"] for r in sante}
    assert all(r["valeur"] == pytest.approx((s[r["code"]] + edu[r["code"]] + inc[r["code"]]) / 3) for r in composite)
    # the EPCI has no ICM (published per canton): its composite says so, it is never a two-dimension mean
    epci = values_rows("idh4", "epci", None, None)[0]
    assert epci["valeur"] is None and "santé" in epci["statut"]


def test_the_regions_published_idh4_replaces_the_computation(data_copy, capsys):
    from barometre.cli import main

    assert main(["ingest", str(FIXTURES / "idh4_communal_region.csv")]) == 0
    rows = values_rows("idh4", "commune", None, None)
    assert len(rows) == 47 and {r["source"] for r in rows} == {"region_idh4"}
    # the computed IDH-4 left the current version of the values, in the load's own transaction
    from barometre.settings import get_settings
    from barometre.sources.entrepot import Entrepot

    current = Entrepot(get_settings()).valeurs()
    assert idh4_valeurs.SOURCE_IDH4 not in set(current["source"].to_list())
    assert values_rows("idh4_revenu", "commune", None, None)[0]["source"] == "region_idh4"


def test_an_index_outside_0_1_is_refused_with_file_line_and_column(data_copy, tmp_path, capsys):
    from barometre.cli import main

    bad = tmp_path / "idh4.csv"
    bad.write_text("code_commune,annee,idh4\n59002,2019,1.5\n", encoding="utf-8")
    before = sorted(p.name for p in (data_copy / "valeurs").iterdir())
    assert main(["ingest", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "idh4.csv" in err and "ligne 2" in err and "idh4" in err and "[0, 1]" in err
    assert sorted(p.name for p in (data_copy / "valeurs").iterdir()) == before


def test_idh4_page_shows_the_regions_published_values_once_loaded(data_copy, capsys, warm_server):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from barometre.cli import main
    from barometre.settings import PROJECT_ROOT

    assert main(["ingest", str(FIXTURES / "idh4_communal_region.csv")]) == 0
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/idh4.py").run()
        assert not at.exception, [e.message for e in at.exception]
        assert any("IDH-4 publié par la Région chargé (2019" in s.value for s in at.success)
        table = next(df.value for df in at.dataframe if "IDH-4 publié" in df.value.columns)
        assert len(table) == 47 and table[table["Commune"] == "Abscon"]["IDH-4 publié"].tolist() == ["0,300"]
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
