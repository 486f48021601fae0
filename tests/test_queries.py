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


FILTRES = ((None, None, None), (None, 2022, ""), (("59172", "200042190"), None, None))


@pytest.fixture(scope="module")
def attendus(con) -> dict[tuple, tuple[pl.DataFrame, dict]]:
    """The oracle of the level test: ``queries.valeurs_filtre`` (the SQL that ``queries.valeurs`` runs) for every
    indicator at once, per level and filter, split by indicator — 24 queries instead of 24 per indicator (the
    indicator's own predicate is checked once, below)."""
    frames = {(niveau, filtre): queries.valeurs_filtre(con, None, niveau, *filtre)
              for niveau in NIVEAUX for filtre in FILTRES}
    return {cle: (frame, frame.partition_by("indicateur", as_dict=True)) for cle, frame in frames.items()}


@pytest.mark.parametrize("indicateur", INDICATEURS)
def test_a_level_filtered_is_the_indicator_query(con, par_niveau, attendus, indicateur):
    colonnes = queries.indicateurs_colonnes(con)
    assert not set(queries.COLONNES_INDICATEUR) & set(par_niveau["commune"].columns)  # fetched narrow
    for niveau, frame in par_niveau.items():
        for filtre in FILTRES:
            got = queries.filtrer_valeurs(frame, indicateur, *filtre, colonnes)
            tous, parts = attendus[niveau, filtre]
            expected = parts.get((indicateur,), tous.clear())  # none: the filtered frame is empty too
            assert_frame_equal(got, expected)


def test_the_indicator_query_is_the_all_indicators_query_filtered(con):
    """``queries.valeurs`` (one indicator, the SQL predicate on it) is the all-indicators query's rows of it."""
    tous = queries.valeurs_filtre(con, None, "commune")
    echantillon = INDICATEURS[:: max(1, len(INDICATEURS) // 12)]
    for indicateur in echantillon:
        assert_frame_equal(queries.valeurs(con, indicateur, "commune"), tous.filter(pl.col("indicateur") == indicateur))
    assert tous.filter(pl.col("indicateur").is_in(echantillon)).height > 0  # the sample is not all empty


@pytest.fixture(scope="module")
def par_territoire(con) -> dict[tuple[str, str], tuple[pl.DataFrame, pl.DataFrame | None]]:
    """What the pages ask once per territory: every comparison, every distribution (not for a commune)."""
    return {(niveau, code): (queries.comparaisons(con, niveau, code),
                             None if niveau == "commune" else queries.distributions(con, niveau, code))
            for niveau, code in TERRITOIRES}


@pytest.mark.parametrize("indicateur", INDICATEURS)
def test_territory_answers_filtered_are_the_indicator_queries(con, par_territoire, indicateur):
    for (niveau, code), (comp, dist) in par_territoire.items():
        expected = queries.comparaison(con, indicateur, niveau, code, "")
        got = comp.filter((pl.col("indicateur") == indicateur) & (pl.col("ventilation") == ""))
        assert_frame_equal(got, expected)
        if dist is not None:
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
    """Years with a value or a withheld one, and breakdowns, read from mart_valeurs directly (one grouped
    query each, the oracle): the index built on mart_disponibilite (what every picker reads) and the
    per-indicator functions give the same."""
    index = queries.index_disponibilites(queries.disponibilites(con))
    vents = {i: v for i, v in queries.query(con, """
        select indicateur, list(distinct ventilation order by ventilation) as v
        from mart_valeurs group by indicateur""").iter_rows()}
    years = {(i, n): a for i, n, a in queries.query(con, """
        select indicateur, niveau, list(distinct annee order by annee) as a from mart_valeurs
        where valeur is not null or secret
        group by grouping sets ((indicateur, niveau), (indicateur))""").iter_rows()}
    assert len(vents) > 50 and len(years) > len(vents)
    for indicateur in INDICATEURS:
        assert index.get(("ventilations", indicateur), []) == vents.get(indicateur, []) == queries.ventilations(
            con, indicateur)
        # what queries.annees(con, indicateur, niveau) reads, built once per indicator rather than once per level
        seul = queries.index_disponibilites(queries.disponibilites_indicateur(con, indicateur))
        for niveau in (None, *NIVEAUX):
            expected = years.get((indicateur, niveau), [])
            assert index.get(("annees", indicateur, niveau), []) == expected
            assert seul.get(("annees", indicateur, niveau), []) == expected
    assert queries.annees(con, "population") == years[("population", None)]
    assert queries.annees(con, "population", "commune") == years[("population", "commune")]


def test_a_level_is_fetched_without_the_indicator_columns_only(con):
    columns = queries.query(con, "select * from mart_valeurs limit 0").columns
    assert list(queries.COLONNES_VALEUR) + list(queries.COLONNES_INDICATEUR) == columns
    assert queries.valeurs_niveau(con, "epci").columns == list(queries.COLONNES_VALEUR)
    assert queries.indicateurs_colonnes(con).columns == ["indicateur", *queries.COLONNES_INDICATEUR]


# ------------------------------------------------------------------ like for like (issue 19)
def test_no_reference_of_another_unit_kind_or_scale_for_any_territory():
    """Every card and panel takes its references from :func:`queries.comparaisons`: for every followed
    territory of every level, a reference row (another territory's value) exists only for an indicator
    comparable across scales (a rate, a share, an amount per inhabitant, a median…), in the indicator's
    own unit; never a total (population, kteq, ha) of another territory."""
    from barometre.catalogue import load_catalogue
    from barometre.donnees.db import connect
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    grandeur = {i.id: i.grandeur for i in cat.indicateurs}
    unite = {i.id: i.unite for i in cat.indicateurs}
    con = connect()
    terrs = queries.territoires(con)
    assert terrs.height > 47
    seen_refs = 0
    for niveau, code in terrs.select("niveau", "code").iter_rows():
        comp = queries.comparaisons(con, niveau, code)
        refs = comp.filter(~((comp["niveau"] == niveau) & (comp["code"] == code)))
        bad = [(r["indicateur"], r["niveau"], r["code"]) for r in refs.iter_rows(named=True)
               if grandeur[r["indicateur"]] != "taux" or r["unite"] != unite[r["indicateur"]]]
        assert not bad, (niveau, code, bad[:5])
        seen_refs += refs.height
    assert seen_refs > 0  # rates do keep their references
    ges = queries.comparaison(con, "cae_1.a", "epci", "200042190")
    assert set(ges["niveau"]) == {"epci"}  # not the région's 48 000 kteq of another inventory and year
    assert {i.id: i.grandeur for i in cat.indicateurs}["population"] == "total"


def test_land_take_totals_of_different_lengths_are_not_one_series():
    """« −12 527 ha depuis 2020 » subtracted a 10-year total (2011-2020) from a 3-year one (2021-2023)."""
    from barometre.donnees.db import connect

    con = connect()
    rows = queries.dernieres_valeurs(con, ["consommation_enaf"], "region", "32").filter(
        pl.col("ventilation") == "")
    row = rows.to_dicts()[0]
    assert row["periode"] == "2021-2023"
    assert row["annee_precedente"] is None and row["evolution"] is None


def test_query_runs_a_prepared_statement_not_the_relational_api():
    """``db.query`` executes its SQL (``cursor.execute``), never through ``cursor.sql(…, params=…)``: on
    DuckDB 1.5 the relational API took 35-45 ms for a parameterised select that execute answers in 2-5 ms,
    on each of a page's queries (issue #24). Same rows and types either way."""
    import duckdb

    from barometre.donnees.db import query

    real = duckdb.connect()

    class Curseur:
        def __init__(self):
            self.cur = real.cursor()

        def sql(self, *args, **kwargs):
            raise AssertionError("relational API used")

        def execute(self, *args, **kwargs):
            return self.cur.execute(*args, **kwargs)

        def close(self):
            self.cur.close()

    class Connexion:
        def cursor(self):
            return Curseur()

    df = query(Connexion(), "select $a::integer as a, 'x' as b", {"a": 3})
    assert df.to_dicts() == [{"a": 3, "b": "x"}]
    assert query(Connexion(), "select 1 as n").to_dicts() == [{"n": 1}]
