"""The DuckDB connection the barometer reads through.

One in-memory connection per process: DuckDB's ``file_search_path`` points at the data directory, so
the SQL in ``sql/`` names files relative to it; the validated catalogue is registered as the table
``catalogue_indicateurs``, the followed territory (territoire.toml) as ``territoire_suivi`` and the current
version of the values as ``valeurs_stockees`` (see :func:`register_values`); then every ``sql/*.sql`` file
becomes a view named after the file. Nothing is ever written through this connection: values are written
only by build and ingest, as versioned transactions of the value store (barometre/sources/entrepot.py).
Queries run on ``con.cursor()`` so that Streamlit's threads do not share a cursor.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from barometre.catalogue import Catalogue, load_catalogue
from barometre.settings import PROJECT_ROOT, Settings, get_settings, load_territoire

SQL_DIR = PROJECT_ROOT / "sql"
# Layers in dependency order: staging views read files, intermediate views join staging, marts join both.
LAYER_ORDER = ("stg_", "int_", "mart_")


def sql_files() -> list[Path]:
    """The view files, staging first, then intermediate, then marts (each layer in name order)."""
    files = sorted(SQL_DIR.glob("*.sql"))
    return sorted(files, key=lambda p: (next((i for i, pre in enumerate(LAYER_ORDER) if p.stem.startswith(pre)),
                                             len(LAYER_ORDER)), p.stem))


def catalogue_frame(catalogue: Catalogue) -> pl.DataFrame:
    rows = [ind.model_dump(exclude={"projets"}) for ind in catalogue.indicateurs]
    return pl.DataFrame(rows, infer_schema_length=None)


def with_dependencies(views: set[str]) -> set[str]:
    """``views`` and every sql/ view they read, directly or not (a view names another by its file's stem)."""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sql_files()}
    found, todo = set(), list(views)
    while todo:
        name = todo.pop()
        if name in found or name not in texts:
            continue
        found.add(name)
        todo += [other for other in texts if other not in found and re.search(rf"\b{other}\b", texts[name])]
    return found


def register_views(con: duckdb.DuckDBPyConnection, only: set[str] | None = None,
                   sauf: tuple[str, ...] = ()) -> list[str]:
    """Create one view per sql/ file, in dependency order (a view that needs a later one is retried);
    ``only``: those views and what they read (creating a view binds it, through every view it reads: the
    four marts a one-query command does not read cost it two thirds of the time); ``sauf``: views left out
    (the marts that :func:`materialise_marts` computes from their SQL)."""
    pending = [p for p in sql_files() if p.stem not in sauf]
    if only is not None:
        keep = with_dependencies(only)
        pending = [p for p in pending if p.stem in keep]
    created: list[str] = []
    while pending:
        failed: list[Path] = []
        last_error: Exception | None = None
        for path in pending:
            try:
                con.execute(f'create or replace view "{path.stem}" as {path.read_text(encoding="utf-8")}')
                created.append(path.stem)
            except duckdb.CatalogException as exc:
                failed.append(path)
                last_error = exc
        if len(failed) == len(pending):
            raise RuntimeError(f"vues SQL impossibles à créer : {[p.stem for p in failed]} ({last_error})")
        pending = failed
    return created


# One order of the stored values, whatever their history (files, loads, undos): sums over communes then add
# up in the same order, so an undone load gives back byte-identical figures.
ORDRE_VALEURS = "indicateur, niveau, code, annee, ventilation, source"


# What the pages read, in dependency order. The views recompute every aggregate (and re-read the parquet
# files) on each query; once the connection is built (once per process) their rows are computed one time
# into in-memory tables, sorted so that DuckDB's min/max zone maps skip the row groups a query does not
# need (the pages filter on the indicator, or on the territory), and each view then reads its table. The
# SQL files stay the definition (see `barometre bench`, which checks both give the same rows).
# The followed perimeter comes first: the territories, memberships and outlines then keep the followed
# territories only (what stg_territoires' header promises: "every territory the barometer shows"), so
# that a national file of 35 000 communes costs the pages nothing. The values too: every view that reads
# stg_valeurs keeps the followed territories' rows only (mart_valeurs' published values, the sums over the followed
# communes, the ratios and weighted means of followed territories), so they are kept once, in the fixed order of
# the stored values, instead of each of stg_valeurs' six readers sorting the whole store again (29,5 million
# values on the bench's national set, before the first load: mart_valeurs 37 s → see README, Performance).
MATERIALISED: dict[str, str | None] = {
    "int_perimetre": None,
    "stg_territoires": None,
    "stg_appartenances": None,
    "stg_geometries": None,
    "stg_valeurs": ORDRE_VALEURS,
    "mart_valeurs": "indicateur, niveau, code, annee, ventilation",
    "mart_dernieres_valeurs": "niveau, code, indicateur, ventilation",
    "mart_comparaison": "indicateur, ventilation, ordre",
    "mart_distribution": "niveau, code, indicateur, annee, ventilation",
    "mart_disponibilite": "indicateur, niveau, annee, ventilation",
}
MATERIALISED_MARTS = tuple(v for v in MATERIALISED if v.startswith("mart_"))


def restriction(view: str, perimetre: str) -> str:
    """The clause that keeps a staging view's rows of the followed territories (``perimetre``: the table
    holding int_perimetre's rows); empty for the other views. The view is aliased ``v``."""
    if view in ("stg_territoires", "stg_geometries", "stg_valeurs"):
        return f"semi join {perimetre} as p on p.niveau = v.niveau and p.code = v.code"
    if view == "stg_appartenances":
        return f"semi join {perimetre} as p on p.niveau = 'commune' and p.code = v.commune"
    return ""


def materialise_marts(con: duckdb.DuckDBPyConnection, sources: dict[str, str] | None = None) -> None:
    """Each of MATERIALISED computed once into its table ``_<view>``, then the view reads the table. ``sources``: the
    SQL of the views not created as views, computed straight from their text (creating a mart's view binds it
    through every view it reads, and its table binds it all again: a connection on the shipped data took 1,34 s of
    CPU with the five mart views made first, 0,87 s without)."""
    sources = sources or {}
    for view, order in MATERIALISED.items():
        source = f"({sources[view]}\n)" if view in sources else f'"{view}"'
        sort = f" order by {order}" if order else ""
        con.execute(f'create or replace table "_{view}" as select v.* from {source} as v '
                    f'{restriction(view, "_int_perimetre")}{sort}')
        con.execute(f'create or replace view "{view}" as select * from "_{view}"')


def register_values(con: duckdb.DuckDBPyConnection, settings: Settings, version: int | None = None,
                    ordonner: bool = True) -> None:
    """``valeurs_stockees``, what stg_valeurs reads: the current version of the value store (a copy of the
    lake's latest snapshot, read once under its lock), or, before the first load, the parquet files that
    ``barometre build`` wrote (a view, as the bench's national data sets use). In ORDRE_VALEURS unless
    ``ordonner`` is False: for a connection that materialises stg_valeurs, which sorts the followed rows itself
    (sorting the whole store first cost 8 s on the national set, and a view sorted again for each reader)."""
    from barometre.sources.entrepot import Entrepot

    ordre = f" order by {ORDRE_VALEURS}" if ordonner else ""
    entrepot = Entrepot(settings)
    if version is not None or entrepot.existe():
        frame = entrepot.valeurs(version=version)  # noqa: F841 - read by DuckDB's replacement scan below
        con.execute(f"create or replace table valeurs_stockees as select * from frame{ordre}")
    else:
        con.execute("create or replace view valeurs_stockees as select * from read_parquet('valeurs/*.parquet', "
                    f"union_by_name = true){ordre}")


def register_tables(con: duckdb.DuckDBPyConnection, settings: Settings, catalogue: Catalogue,
                    version: int | None = None, ordonner: bool = True) -> None:
    """The tables the views read besides the data files: the values, the catalogue and the followed territory."""
    register_values(con, settings, version, ordonner)
    frame = catalogue_frame(catalogue)  # noqa: F841 - read by DuckDB's replacement scan below
    con.execute("create or replace table catalogue_indicateurs as select * from frame")
    con.execute("create or replace table catalogue_sources (source varchar, calcul varchar, calcule_par varchar, "
                "publies_tels_quels varchar[])")
    if catalogue.sources:
        con.executemany("insert into catalogue_sources values (?, ?, ?, ?)",
                        [[s.id, s.calcul, s.calcule_par, s.publies_tels_quels] for s in catalogue.sources])
    conf = load_territoire(settings)
    con.execute("create or replace table territoire_suivi (niveau varchar, code varchar, ordre integer)")
    con.executemany("insert into territoire_suivi values (?, ?, ?)",
                    [["epci", conf.epci.code, 1], ["departement", conf.departement.code, 2],
                     ["region", conf.region.code, 3]])


def connect(settings: Settings | None = None, catalogue: Catalogue | None = None,
            materialise: bool = True, version: int | None = None,
            views: set[str] | None = None) -> duckdb.DuckDBPyConnection:
    """``version``: read the values as they were at that version of the value store (default: current);
    ``views``: only those views and what they read, not materialised (for a command that runs one query)."""
    settings = settings or get_settings()
    catalogue = catalogue or load_catalogue(settings.catalogue_dir)
    con = duckdb.connect(":memory:")
    data_dir = str(settings.data_dir.resolve()).replace("'", "''")
    con.execute(f"set global file_search_path = '{data_dir}'")
    materialiser = materialise and views is None
    register_tables(con, settings, catalogue, version, ordonner=not materialiser)  # else stg_valeurs sorts
    if materialiser:
        register_views(con, sauf=MATERIALISED_MARTS)
        materialise_marts(con, {m: (SQL_DIR / f"{m}.sql").read_text(encoding="utf-8") for m in MATERIALISED_MARTS})
    else:
        register_views(con, views)
    return con


def query(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pl.DataFrame:
    """Run a parameterised query on its own cursor and return a polars frame.

    ``execute`` (a prepared statement), not the relational API: on DuckDB 1.5 ``cursor.sql(…, params=…)``
    took 35-45 ms for a select that ``execute`` answers in 2-5 ms (mart_valeurs of one level, shipped
    data), on each of a page's 3 to 10 queries."""
    cur = con.cursor()
    try:
        return pl.from_arrow(cur.execute(sql, params or {}).to_arrow_table())
    finally:
        cur.close()
