"""View tests (jaffle_shop's data tests on the real engine): every ``sql/*.sql`` file registers as the
view named after it and opens with its grain and units; every view passes its data tests on the shipped
data (unique and not-null keys, accepted values, relationships); the territory is whole (47 communes,
each with an outline and exactly one zone per zoning); ``barometre validate`` finds nothing.

These tests read only ``data/`` of this repository (never the raw sources). No mock of DuckDB.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from barometre.catalogue import load_catalogue
from barometre.donnees.db import connect, query, register_views, sql_files
from barometre.donnees.validate import DATA_TESTS, validate
from barometre.settings import PROJECT_ROOT, Settings, load_territoire
from barometre.sources.layouts import STATUT_CITE, STATUT_DEFINITIF, STATUT_NON_DIFFUSE

DATA_DIR = PROJECT_ROOT / "data"
N_COMMUNES = 47  # La Porte du Hainaut (EPCI 200042190), COG 2024
EPCI = "200042190"

# The key (grain) of every view, as its header states it. A new view must be added here, so that it
# gets its data tests (test_every_view_has_data_tests).
VIEW_KEYS: dict[str, list[str]] = {
    "stg_valeurs": ["indicateur", "niveau", "code", "annee", "ventilation"],
    "stg_territoires": ["niveau", "code"],
    "stg_appartenances": ["commune", "zonage"],
    "stg_geometries": ["niveau", "code"],
    "stg_indicateurs": ["indicateur"],
    "int_groupes": ["niveau", "code", "commune"],
    "int_perimetre": ["niveau", "code"],
    "int_sommes": ["niveau", "code", "indicateur", "annee", "ventilation"],
    "int_calculees": ["indicateur", "niveau", "code", "annee", "ventilation"],
    "mart_valeurs": ["indicateur", "niveau", "code", "annee", "ventilation"],
    "mart_dernieres_valeurs": ["indicateur", "niveau", "code", "ventilation"],
    "mart_comparaison": ["indicateur", "ventilation", "niveau", "code"],
    "mart_distribution": ["niveau", "code", "indicateur", "annee", "ventilation"],
    "mart_disponibilite": ["indicateur", "niveau", "annee", "ventilation"],
}
# Views whose rows are values of the catalogue's indicators, for any territory.
VALUE_VIEWS = ["stg_valeurs", "int_calculees", "mart_valeurs", "mart_dernieres_valeurs", "mart_comparaison",
               "mart_distribution"]
FIXED_LEVELS = {"commune", "epci", "bv2022_insee", "departement", "region", "france"}
COMPARISON_LEVELS = {"epci", "departement", "region", "france"}


def _stems() -> list[str]:
    return [p.stem for p in sql_files()]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(data_dir=DATA_DIR)


@pytest.fixture(scope="module")
def con(settings: Settings) -> duckdb.DuckDBPyConnection:
    return connect(settings)


@pytest.fixture(scope="module")
def accepted_levels(settings: Settings) -> set[str]:
    """commune, epci, the comparison levels, INSEE's whole bassins, and every configured zoning."""
    zonages = {z.id for z in load_territoire(settings).zonages}
    local = settings.zonages_dir
    if local.exists():
        zonages |= {p.stem for p in local.glob("*.csv")}
    return FIXED_LEVELS | zonages


def rows(con, sql: str, params: dict | None = None) -> list[dict]:
    return query(con, sql, params).to_dicts()


# ------------------------------------------------------------------------ registration and headers


def test_sql_directory_has_the_expected_views():
    assert set(_stems()) >= {"stg_valeurs", "stg_territoires", "mart_valeurs", "mart_distribution"}


def test_every_sql_file_registers_as_a_view_named_after_the_file(con):
    views = rows(con, "select view_name from duckdb_views() where not internal")
    registered = {r["view_name"] for r in views}
    # valeurs_stockees: the values' current version (register_values), a view before the first load
    assert registered - {"valeurs_stockees"} == set(_stems())


def test_register_views_creates_every_file_once_in_dependency_order(settings):
    fresh = duckdb.connect(":memory:")
    data_dir = str(settings.data_dir.resolve()).replace("'", "''")
    fresh.execute(f"set file_search_path = '{data_dir}'")
    from barometre.donnees.db import register_tables

    register_tables(fresh, settings, load_catalogue(settings.catalogue_dir))
    created = register_views(fresh)
    assert sorted(created) == sorted(_stems())
    assert len(created) == len(set(created))
    # staging before intermediate before marts
    prefixes = ("stg_", "int_", "mart_")
    layers = [next(i for i, pre in enumerate(prefixes) if s.startswith(pre)) for s in created]
    assert layers == sorted(layers)


def test_a_one_query_connection_has_the_views_it_reads_and_the_same_rows(settings):
    """`barometre values` binds only mart_valeurs and what it reads (binding a view binds every view under
    it: the other marts were two thirds of the command's time); its rows are those of the full connection."""
    seule = connect(settings, views={"mart_valeurs"})
    views = {r["view_name"] for r in rows(seule, "select view_name from duckdb_views() where not internal")}
    assert "mart_valeurs" in views and not views & {"mart_distribution", "mart_comparaison", "stg_geometries"}
    assert {"stg_valeurs", "int_perimetre", "int_calculees"} <= views
    full = connect(settings, materialise=False)
    cle = ["indicateur", "niveau", "code", "annee", "ventilation"]
    expected = query(full, "select * from mart_valeurs").sort(cle)
    assert expected.height > 1000
    assert query(seule, "select * from mart_valeurs").sort(cle).equals(expected)


@pytest.mark.parametrize("stem", _stems())
def test_every_view_is_queryable_and_not_empty(con, stem):
    n = rows(con, f'select count(*) as n from "{stem}"')[0]["n"]
    assert n > 0, f"la vue {stem} est vide sur les données livrées"


def _header(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("--"):
            break
        header.append(line)
    return header


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: p.stem)
def test_every_view_opens_with_its_name_grain_and_units(path):
    header = _header(path)
    assert header, f"{path.name} ne commence pas par un commentaire"
    assert header[0].startswith(f"-- {path.stem}:"), header[0]
    text = "\n".join(header)
    assert "Grain:" in text, f"{path.name} : le commentaire d'en-tête ne donne pas le grain"
    assert re.search(r"\bunits?\b", text, re.IGNORECASE), f"{path.name} : pas d'unités dans l'en-tête"


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: p.stem)
def test_views_name_no_path_outside_the_data_directory(path):
    """No paths in SQL: files are read relative to DuckDB's file_search_path (the data directory)."""
    sql = path.read_text(encoding="utf-8")
    for target in re.findall(r"read_parquet\('([^']+)'", sql):
        assert not target.startswith(("/", "..", "~")) and ":" not in target, target
    assert str(PROJECT_ROOT) not in sql


def test_every_view_has_data_tests():
    assert set(VIEW_KEYS) == set(_stems())


# ------------------------------------------------------------------------------------- data tests


@pytest.mark.parametrize("view", sorted(VIEW_KEYS))
def test_key_is_unique(con, view):
    keys = ", ".join(VIEW_KEYS[view])
    dups = rows(con, f'select {keys}, count(*) as n from "{view}" group by all having count(*) > 1 limit 5')
    assert dups == [], f"{view} : clé en double {dups}"


@pytest.mark.parametrize("view", sorted(VIEW_KEYS))
def test_key_is_never_null(con, view):
    cond = " or ".join(f"{k} is null" for k in VIEW_KEYS[view])
    n = rows(con, f'select count(*) as n from "{view}" where {cond}')[0]["n"]
    assert n == 0


@pytest.mark.parametrize("view", VALUE_VIEWS + ["stg_territoires", "stg_geometries", "int_groupes"])
def test_niveau_has_accepted_values(con, view, accepted_levels):
    found = {r["niveau"] for r in rows(con, f'select distinct niveau from "{view}"')}
    assert found, view
    assert found <= accepted_levels, found - accepted_levels


def test_stg_appartenances_zonages_are_known(con, settings):
    zonages = {r["zonage"] for r in rows(con, "select distinct zonage from stg_appartenances")}
    configured = {z.id for z in load_territoire(settings).zonages}
    local = {p.stem for p in settings.zonages_dir.glob("*.csv")}
    assert configured <= zonages <= configured | {"epci"} | local


def test_mart_comparaison_holds_only_comparison_levels(con):
    found = {r["niveau"] for r in rows(con, "select distinct niveau from mart_comparaison")}
    assert found <= COMPARISON_LEVELS
    assert "epci" in found and "departement" in found


def test_int_perimetre_is_the_whole_shipped_territory(con):
    """The shipped data hold only the followed territory: every territory of stg_territoires is followed,
    and the comparison order is the EPCI, the département, the région, France."""
    missing = rows(con, "select niveau, code from stg_territoires except select niveau, code from int_perimetre")
    assert missing == []
    ordre = rows(con, "select niveau, code from int_perimetre where ordre is not null order by ordre")
    assert [(r["niveau"], r["code"]) for r in ordre] == [("epci", EPCI), ("departement", "59"), ("region", "32"),
                                                          ("france", "FRM")]


def test_a_national_file_never_reaches_the_pickers_nor_the_comparisons(tmp_path):
    """Territories beyond the followed EPCI (another EPCI, département and région with their values, as a
    national file holds them) are neither comparison levels nor offered to the pages."""
    from barometre.donnees import queries

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    terr = pl.read_parquet(data / "territoires.parquet")
    others = [("epci", "200041630", "CA Valenciennes Métropole"), ("departement", "62", "Pas-de-Calais"),
              ("region", "11", "Île-de-France"), ("commune", "59606", "Valenciennes")]
    extra = pl.DataFrame([{"niveau": n, "code": c, "nom": nm} for n, c, nm in others])
    pl.concat([terr, extra], how="diagonal_relaxed").write_parquet(data / "territoires.parquet")
    app = pl.read_parquet(data / "appartenances.parquet")
    stranger_app = pl.DataFrame({"commune": ["59606"], "zonage": ["epci"], "zone": ["200041630"]})
    pl.concat([app, stranger_app], how="diagonal_relaxed").write_parquet(data / "appartenances.parquet")
    vals = pl.read_parquet(data / "valeurs" / "insee_comparateur.parquet")
    # a rate-like indicator: a total (population) has no comparison rows at all (like for like, issue 19)
    model = vals.filter((pl.col("indicateur") == "revenu_median_uc") & (pl.col("code") == "59172")).head(1)
    stranger = pl.concat([model.with_columns(pl.lit(n).alias("niveau"), pl.lit(c).alias("code"))
                          for n, c, _ in others])
    pl.concat([vals, stranger]).write_parquet(data / "valeurs" / "insee_comparateur.parquet")
    con = connect(Settings(data_dir=data))
    # read (in the store's current version), then kept out from the first step: the materialised stg_valeurs holds
    # the followed territories' values only, which is all that its readers use
    assert rows(con, "select count(*) as n from valeurs_stockees where code = '200041630'")[0]["n"] > 0
    assert rows(con, "select count(*) as n from stg_valeurs where code = '200041630'")[0]["n"] == 0
    carried = [(r["niveau"], r["code"]) for r in rows(con, "select distinct niveau, code from mart_valeurs")]
    assert not {(n, c) for n, c, _ in others} & set(carried)  # read, not carried along
    comp = queries.comparaison(con, "revenu_median_uc", "commune", "59172")
    assert {(r["niveau"], r["code"]) for r in comp.to_dicts()} >= {("epci", EPCI)}
    assert not {"200041630", "62", "11", "59606"} & set(comp["code"].to_list())
    assert "59606" not in queries.territoires(con, "commune")["code"].to_list()
    assert "200041630" not in queries.territoires(con)["code"].to_list()
    assert "59606" not in queries.valeurs(con, "revenu_median_uc", "commune")["code"].to_list()
    assert len(queries.valeurs_communes(con, "population", 2022, "bv2022")) == N_COMMUNES


def test_mart_distribution_names_the_same_commune_on_every_run(settings):
    """Ties for the lowest or highest value go to the first name in alphabetical order: the same data
    always name the same commune (DuckDB's arg_min alone picks any of the tied rows)."""
    first = [connect(settings).sql("select * from mart_distribution order by all").fetchall() for _ in range(2)]
    assert first[0] == first[1]
    tie = rows(connect(settings), """
        select commune_min from mart_distribution
        where indicateur = 'qpv_dans_la_commune' and niveau = 'epci' and annee = 2024 and ventilation = ''""")
    assert tie == [{"commune_min": "Abscon"}]


def test_stg_valeurs_secret_values_are_never_numbers(con):
    for view in ("stg_valeurs", "mart_valeurs", "mart_dernieres_valeurs"):
        n = rows(con, f"select count(*) as n from {view} where secret and valeur is not null")[0]["n"]
        assert n == 0, view


def test_mart_valeurs_methode_and_statut_accepted_values(con):
    methodes = {r["methode"] for r in rows(con, "select distinct methode from mart_valeurs")}
    assert methodes == {"publiee", "calculee", "tiers"}  # tiers: computed by a named third party (issue 19)
    statuts = {r["statut"] for r in rows(con, "select distinct statut from mart_valeurs")}
    # a computed index that cannot be computed says why (IDH-4: "non_calculable : il manque …")
    assert {s for s in statuts if not s.startswith("non_calculable : ")} <= {
        STATUT_DEFINITIF, STATUT_NON_DIFFUSE, STATUT_CITE}


@pytest.mark.parametrize("view", ["stg_valeurs", "int_calculees", "mart_valeurs", "mart_distribution"])
def test_every_value_territory_exists_in_stg_territoires(con, view):
    orphans = rows(con, f"""
        select distinct v.niveau, v.code from "{view}" v
        left join stg_territoires t using (niveau, code) where t.code is null""")
    assert orphans == []


@pytest.mark.parametrize("view", VALUE_VIEWS)
def test_every_value_indicator_exists_in_stg_indicateurs(con, view):
    orphans = rows(con, f"""
        select distinct v.indicateur from "{view}" v
        left join stg_indicateurs i using (indicateur) where i.indicateur is null""")
    assert orphans == []


def test_every_value_source_is_in_sources_toml(con, settings):
    sources = [s.id for s in load_catalogue(settings.catalogue_dir).sources]
    unknown = rows(con, "select distinct source from stg_valeurs where not list_contains($s, source)",
                   {"s": sources})
    assert unknown == []


def test_mart_valeurs_names_every_territory(con):
    assert rows(con, "select count(*) as n from mart_valeurs where nom is null")[0]["n"] == 0


def test_catalogue_computations_reference_known_indicators(con):
    orphans = rows(con, """
        select i.indicateur, r.ref from stg_indicateurs i,
             unnest([i.numerateur, i.denominateur, i.poids]) as r(ref)
        where r.ref is not null and r.ref not in (select indicateur from stg_indicateurs)""")
    assert orphans == []


def test_appartenances_point_at_known_communes_and_zones(con):
    bad_communes = rows(con, """
        select a.commune from stg_appartenances a
        left join stg_territoires t on t.niveau = 'commune' and t.code = a.commune where t.code is null""")
    assert bad_communes == []
    bad_zones = rows(con, """
        select a.zonage, a.zone from stg_appartenances a
        left join stg_territoires t on t.niveau = a.zonage and t.code = a.zone where t.code is null""")
    assert bad_zones == []


def test_geometries_point_at_known_territories(con):
    orphans = rows(con, """
        select g.niveau, g.code from stg_geometries g
        left join stg_territoires t using (niveau, code) where t.code is null""")
    assert orphans == []


# --------------------------------------------------------------------------------- the territory


def test_the_territory_has_47_communes(con):
    communes = rows(con, "select count(*) as n from stg_territoires where niveau = 'commune'")
    assert communes[0]["n"] == N_COMMUNES
    epci = rows(con, "select * from stg_territoires where niveau = 'epci'")
    assert [(e["code"], e["n_communes"]) for e in epci] == [(EPCI, N_COMMUNES)]


def test_every_commune_has_a_geometry_with_a_label_point(con):
    found = rows(con, """
        select t.code, g.geojson, g.lon, g.lat from stg_territoires t
        left join stg_geometries g using (niveau, code) where t.niveau = 'commune'""")
    assert len(found) == N_COMMUNES
    for r in found:
        assert r["geojson"] is not None, r["code"]
        shape = json.loads(r["geojson"])
        assert shape["type"] in ("Polygon", "MultiPolygon")
        # The agglomeration lies around Valenciennes / Saint-Amand-les-Eaux (WGS84).
        assert 3.0 < r["lon"] < 3.8 and 50.1 < r["lat"] < 50.6, r


def test_every_commune_has_exactly_one_zone_per_zonage(con):
    per_zonage = rows(con, """
        select z.zonage, t.code, count(a.zone) as n
        from stg_territoires t
        cross join (select distinct zonage from stg_appartenances) z
        left join stg_appartenances a on a.commune = t.code and a.zonage = z.zonage
        where t.niveau = 'commune' group by all""")
    assert per_zonage
    assert {r["n"] for r in per_zonage} == {1}, [r for r in per_zonage if r["n"] != 1][:5]


def test_zone_sizes_add_up_to_the_territory(con):
    """Each zoning partitions the 47 communes: its zones' n_communes sum to 47, as int_groupes says."""
    sums = rows(con, """
        select niveau, sum(n_communes) as n from stg_territoires
        where niveau in (select distinct zonage from stg_appartenances) group by niveau""")
    assert sums and all(r["n"] == N_COMMUNES for r in sums), sums
    groups = rows(con, """
        select niveau, code, any_value(n_membres) as m, count(*) as n from int_groupes group by all""")
    assert all(r["m"] == r["n"] for r in groups)


# ------------------------------------------------------------------------------ barometre validate


def test_validate_finds_nothing_on_the_shipped_data(settings):
    assert validate(settings) == []


def test_validate_reports_broken_data(tmp_path):
    """The data tests can fail: a copy with a duplicated value and an unknown territory is reported."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "valeurs" / "insee_comparateur.parquet"
    df = pl.read_parquet(path)
    extra = df.head(1)
    stranger = df.head(1).with_columns(pl.lit("75056").alias("code"),
                                       pl.lit(1999).cast(pl.Int32).alias("annee"))
    pl.concat([df, extra, stranger]).write_parquet(path)
    findings = validate(Settings(data_dir=data))
    assert any(f.startswith("clé en double") for f in findings), findings
    assert any(f.startswith("territoire inconnu") and "commune:75056" in f for f in findings), findings
    assert len(DATA_TESTS) >= 9


def test_int_calculees_is_unique_when_a_partial_sum_has_a_secret_member(tmp_path):
    """A withheld commune value of an indicator summed partially (cae_1.c…) must give one group value."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "valeurs" / "ademe_igt_2016.parquet"
    df = pl.read_parquet(path)
    target = (pl.col("indicateur") == "cae_1.c") & (pl.col("code") == "59002")
    df.with_columns(pl.when(target).then(None).otherwise(pl.col("valeur")).alias("valeur"),
                    (target | pl.col("secret")).alias("secret")).write_parquet(path)
    con = connect(Settings(data_dir=data))
    dups = rows(con, """
        select niveau, code, count(*) as n from int_calculees
        where indicateur = 'cae_1.c' group by all having count(*) > 1""")
    assert dups == []



# ------------------------------------------------------------------ method labels (issue 19)
def _methode(con, indicateur, niveau, code, annee=None):
    found = rows(con, f"""select methode, source from mart_valeurs where indicateur = '{indicateur}'
                         and niveau = '{niveau}' and code = '{code}' and ventilation = ''
                         {f'and annee = {annee}' if annee else ''} order by annee desc limit 1""")
    return found[0]["methode"], found[0]["source"]


def test_every_value_says_truthfully_how_it_was_made(con):
    """IDH-4 computed here is « calculée », not « publiée »; shares a third-party observatory computed are
    « tiers » (with its name), Filosofi medians it copies stay « publiée »; a commune's own published count
    is « publiée », its rate computed here « calculée » with the formula."""
    from barometre.catalogue import load_catalogue
    from barometre.settings import get_settings

    cat = load_catalogue(get_settings().catalogue_dir)
    assert _methode(con, "idh4", "epci", EPCI)[0] == "calculee"
    assert _methode(con, "idh4", "commune", "59172")[0] == "calculee"
    methode, source = _methode(con, "part_logements_vacants", "departement", "59")
    assert methode == "tiers"
    assert "PTOD" in cat.methode_libelle(methode, source, cat.indicateur("part_logements_vacants"), "departement")
    assert _methode(con, "revenu_median_uc", "departement", "59")[0] == "publiee"
    assert _methode(con, "part_sans_bac_15_plus", "commune", "59172")[0] == "tiers"
    assert _methode(con, "population", "commune", "59172")[0] == "publiee"  # the commune's own count
    assert _methode(con, "population", "epci", EPCI)[0] == "calculee"  # summed here
    methode, source = _methode(con, "part_logements_vacants", "commune", "59172")
    label = cat.methode_libelle(methode, source, cat.indicateur("part_logements_vacants"), "commune")
    assert methode == "calculee" and label == ("calculée par le baromètre : logements vacants ÷ logements × 100")
    label = cat.methode_libelle("calculee", source, cat.indicateur("part_logements_vacants"), "epci")
    assert "effectifs additionnés" in label
    assert cat.methode_libelle("publiee", "insee_comparateur", cat.indicateur("population")) == (
        "publiée par le producteur (INSEE)")
