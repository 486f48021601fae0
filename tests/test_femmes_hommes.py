"""Women and men (issue 23, item 4): pairs published by sex with the gap, on hand-made rows and on the shipped
data (part-time share of employees, agglomeration, RP 2008-2018; life expectancy), and on the volet through
app.py."""

from __future__ import annotations

import polars as pl
import pytest

from barometre.calculs import femmes_hommes as fh
from barometre.donnees.db import connect, query
from barometre.settings import PROJECT_ROOT, get_settings


def test_sex_is_read_from_the_breakdown_label():
    assert fh.sexe("Femmes") == ("femmes", "") and fh.sexe("Alcool, hommes") == ("hommes", "Alcool")
    assert fh.sexe("15-24 ans") is None and fh.sexe("") is None
    assert fh.a_des_sexes(["Femmes", "Hommes"]) and not fh.a_des_sexes(["Femmes", "15-24 ans"])


def test_gap_only_where_both_sexes_are_published():
    rows = pl.DataFrame({
        "indicateur": ["x"] * 5, "niveau": ["epci"] * 5, "code": ["1"] * 5, "nom": ["A"] * 5,
        "annee": [2018, 2018, 2013, 2018, 2018], "ventilation": ["Femmes", "Hommes", "Femmes", "", "Alcool, femmes"],
        "valeur": [30.0, 8.0, 29.0, 18.0, 2.0], "secret": [False] * 5})
    out = fh.ecarts(rows)
    assert out.height == 1  # 2013 has women only; the total and « Alcool, femmes » alone are never paired
    assert out.row(0, named=True)["ecart"] == pytest.approx(22.0)


def test_shipped_part_time_by_sex_with_its_gap():
    con = connect(get_settings())
    vals = query(con, "select * from mart_valeurs where indicateur = 'part_temps_partiel_salaries'")
    out = fh.ecarts(vals)
    assert sorted(out["annee"].to_list()) == [2008, 2013, 2018] and set(out["niveau"]) == {"epci"}
    for r in out.iter_rows(named=True):
        f = vals.filter((pl.col("annee") == r["annee"]) & (pl.col("ventilation") == "Femmes"))["valeur"][0]
        h = vals.filter((pl.col("annee") == r["annee"]) & (pl.col("ventilation") == "Hommes"))["valeur"][0]
        assert r["ecart"] == pytest.approx(f - h) and r["ecart"] > 0  # women work part time more often


def test_the_volet_and_the_explorer_show_women_men_or_say_it_is_not_available(warm_server):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["theme_qv"] = "Égalité femmes-hommes"
    at.query_params["ind_qv"] = "part_temps_partiel_salaries"
    at.switch_page("pages/qualite_de_vie.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "### Femmes et hommes" in [m.value for m in at.markdown]
    table = next(df.value for df in at.dataframe if any("Écart femmes − hommes" in c for c in df.value.columns))
    assert list(table["Année"]) == ["2008", "2013", "2018"]
    at.query_params["ind_explo"] = "taux_chomage_15_64"
    at.switch_page("pages/explorateur.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Les extraits chargés ne donnent pas cet indicateur par sexe" in c.value for c in at.caption)
