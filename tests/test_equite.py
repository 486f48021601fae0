"""Equity over time (issue 23, item 3): max − min, max / min and the weighted coefficient of variation per
vintage, whether the spread narrows, on hand-made figures and on the shipped data (APL to GPs 2022 and 2023,
weighted by the standardised population: the weighted mean is the agglomeration's published rule)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from barometre.calculs import equite
from barometre.donnees.db import connect, query
from barometre.settings import get_settings


def test_dispersion_of_one_vintage_by_hand():
    d = equite.dispersion(2022, {"a": 10.0, "b": 20.0, "c": None}, {"a": 3.0, "b": 1.0, "c": 5.0}, "dénominateur")
    assert (d.n, d.n_sans_valeur, d.minimum, d.code_min, d.maximum, d.code_max) == (2, 1, 10.0, "a", 20.0, "b")
    assert (d.ecart, d.rapport) == (10.0, 2.0)
    mean = (3 * 10 + 1 * 20) / 4  # 12.5
    sd = math.sqrt((3 * (10 - mean) ** 2 + 1 * (20 - mean) ** 2) / 4)
    assert d.cv == pytest.approx(sd / mean) and d.ponderation == "dénominateur"


def test_missing_weight_gives_an_unweighted_cv_said_so_and_one_value_gives_nothing():
    d = equite.dispersion(2022, {"a": 10.0, "b": 20.0}, {"a": 3.0}, "population")
    assert d.ponderation == "aucune (non pondéré)" and d.cv == pytest.approx(5 / 15)
    assert equite.dispersion(2022, {"a": 10.0, "b": None}, None, "") is None
    assert equite.dispersion(2022, {"a": 0.0, "b": 4.0}, None, "").rapport is None  # no ratio over zero


def test_narrowing_widening_stable():
    frame = pl.DataFrame({"code": ["a", "b", "a", "b"], "annee": [2016, 2016, 2022, 2022],
                          "valeur": [10.0, 30.0, 15.0, 25.0]})
    ds = equite.dispersions(frame, None, "")
    assert [d.annee for d in ds] == [2016, 2022] and equite.tendance(ds) == "se resserre"
    assert equite.tendance(list(reversed(ds))) == "s'élargit"
    assert equite.tendance(ds[:1]).startswith("un seul millésime")
    same = equite.dispersions(frame.with_columns(pl.col("valeur") * 1.001), None, "")
    assert equite.tendance([ds[0], same[0]]) == "stable"


def test_shipped_apl_weighted_mean_is_the_agglomeration_value():
    con = connect(get_settings())
    vals = query(con, "select code, annee, valeur from mart_valeurs where indicateur = 'apl_medecins_generalistes' "
                      "and niveau = 'commune' and ventilation = ''")
    poids = query(con, "select code, annee, valeur from mart_valeurs where indicateur = 'population_standardisee_mg' "
                       "and niveau = 'commune' and ventilation = ''")
    epci = query(con, "select annee, valeur from mart_valeurs where indicateur = 'apl_medecins_generalistes' "
                      "and niveau = 'epci'")
    ds = equite.dispersions(vals, poids, "population standardisée")
    assert len(ds) >= 2 and all(d.n == 47 and d.ponderation == "population standardisée" for d in ds)
    for d in ds:
        year = vals.filter(pl.col("annee") == d.annee).join(poids.filter(pl.col("annee") == d.annee), on="code")
        mean = (year["valeur"] * year["valeur_right"]).sum() / year["valeur_right"].sum()
        assert mean == pytest.approx(epci.filter(pl.col("annee") == d.annee)["valeur"][0], rel=1e-9)
        assert d.ecart == pytest.approx(year["valeur"].max() - year["valeur"].min())


def test_the_volet_shows_equity_over_time_through_app_py(warm_server):
    from streamlit.testing.v1 import AppTest

    from barometre.settings import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["theme_qv"] = "Santé"
    at.query_params["ind_qv"] = "apl_medecins_generalistes"
    at.switch_page("pages/qualite_de_vie.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [m.value for m in at.markdown]
    assert "### Équité dans le temps" in texts
    line = next(m for m in texts if m.startswith("**Entre les communes de l'agglomération**"))
    assert "entre 2022 et 2023" in line and any(w in line for w in ("se resserre", "s'élargit", "stable"))
    table = next(df.value for df in at.dataframe if "Coefficient de variation pondéré" in df.value.columns)
    assert list(table["Année"]) == ["2022", "2023"]
    assert set(table["Pondération"]) == {"population standardisée pour la médecine générale"}
    assert any("Définition : écart max − min" in c.value for c in at.caption)
