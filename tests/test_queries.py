"""The pages ask once per level, territory or zoning and filter the answer for each indicator (barometre.ui.cache):
each filtered answer must be exactly what the per-indicator query gives (same columns, types, rows, order).
On the shipped data, for every indicator of the catalogue."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from barometre.catalogue import load_catalogue
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.settings import PROJECT_ROOT, Settings

SETTINGS = Settings(data_dir=PROJECT_ROOT / "data")
INDICATEURS = [i.id for i in load_catalogue(SETTINGS.catalogue_dir).indicateurs]
NIVEAUX = ("commune", "epci", "bv2022", "canton", "departement", "region", "france", "bv2022_insee")
TERRITOIRES = (("epci", "200042190"), ("commune", "59172"), ("bv2022", "59172"), ("departement", "59"))


@pytest.fixture(scope="module")
def con():
    return connect(SETTINGS)


@pytest.fixture(scope="module")
def par_niveau(con) -> dict[str, pl.DataFrame]:
    return {n: queries.valeurs_niveau(con, n) for n in NIVEAUX}


@pytest.mark.parametrize("indicateur", INDICATEURS)
def test_a_level_filtered_is_the_indicator_query(con, par_niveau, indicateur):
    colonnes = queries.indicateurs_colonnes(con)
    assert not set(queries.COLONNES_INDICATEUR) & set(par_niveau["commune"].columns)  # fetched narrow
    for niveau, frame in par_niveau.items():
        for codes, annee, ventilation in ((None, None, None), (None, 2022, ""), (("59172", "200042190"), None, None)):
            expected = queries.valeurs(con, indicateur, niveau, codes, annee, ventilation)
            got = queries.filtrer_valeurs(frame, indicateur, codes, annee, ventilation, colonnes)
            assert_frame_equal(got, expected)


@pytest.mark.parametrize("indicateur", INDICATEURS)
def test_territory_answers_filtered_are_the_indicator_queries(con, indicateur):
    for niveau, code in TERRITOIRES:
        comp = queries.comparaisons(con, niveau, code)
        expected = queries.comparaison(con, indicateur, niveau, code, "")
        got = comp.filter((pl.col("indicateur") == indicateur) & (pl.col("ventilation") == ""))
        assert_frame_equal(got, expected)
        if niveau != "commune":
            dist = queries.distributions(con, niveau, code)
            assert_frame_equal(queries.choisir_distribution(dist, indicateur),
                               queries.distribution(con, indicateur, niveau, code))


def test_commune_values_are_the_communes_joined_to_the_level(con, par_niveau):
    colonnes = queries.indicateurs_colonnes(con)
    checked = 0
    for indicateur in INDICATEURS:
        years = queries.annees(con, indicateur, "commune")
        if not years:
            continue
        for zonage in ("bv2022", "canton"):
            expected = queries.valeurs_communes(con, indicateur, years[-1], zonage)
            values = queries.filtrer_valeurs(par_niveau["commune"], indicateur, None, years[-1], "", colonnes)
            got = queries.joindre_communes(queries.communes_zonage(con, zonage), values)
            assert_frame_equal(got, expected)
            assert got.height == 47  # every commune, a missing value drawn as missing
            checked += 1
    assert checked > 20


def test_the_availability_index_answers_as_the_values_themselves(con):
    """Years with a value or a withheld one, and breakdowns, read from mart_valeurs directly: the index built
    on mart_disponibilite (what every picker reads) and the per-indicator functions give the same."""
    index = queries.index_disponibilites(queries.disponibilites(con))
    for indicateur in INDICATEURS:
        vents = queries.query(con, "select distinct ventilation from mart_valeurs where indicateur = $i order by 1",
                              {"i": indicateur})["ventilation"].to_list()
        assert index.get(("ventilations", indicateur), []) == vents == queries.ventilations(con, indicateur)
        for niveau in (None, *NIVEAUX):
            years = queries.query(con, """
                select distinct annee from mart_valeurs
                where indicateur = $i and ($n is null or niveau = $n) and (valeur is not null or secret)
                order by 1""", {"i": indicateur, "n": niveau})["annee"].to_list()
            assert index.get(("annees", indicateur, niveau), []) == years == queries.annees(con, indicateur, niveau)


def test_a_level_is_fetched_without_the_indicator_columns_only(con):
    columns = queries.query(con, "select * from mart_valeurs limit 0").columns
    assert list(queries.COLONNES_VALEUR) + list(queries.COLONNES_INDICATEUR) == columns
    assert queries.valeurs_niveau(con, "epci").columns == list(queries.COLONNES_VALEUR)
    assert queries.indicateurs_colonnes(con).columns == ["indicateur", *queries.COLONNES_INDICATEUR]
