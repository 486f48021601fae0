"""Targets joined to the observed series: what ``barometre objectifs`` prints and the volet shows.

The effective targets are the shipped file ``data/catalogue/objectifs.csv`` overlaid by the edits agents
made in the barometer (table ``objectifs`` of :mod:`barometre.pilotage.store`): a stored row replaces the file's
row of the same id (or adds a target), and a stored row marked ``retire`` withdraws it. Each stored row was
validated by the file's own model (:class:`barometre.calculs.targets.Objectif`) when it was written, with its
author, date and history; reverting the stored row's creation brings the file's row back.

It belongs to ``pilotage`` (not ``calculs``): it reads the store's edits and the observations (through
``donnees``); the trajectory arithmetic it applies stays pure in :mod:`barometre.calculs.targets`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import duckdb
import polars as pl

from barometre.calculs.targets import (
    OBJECTIFS_COLUMNS,
    Objectif,
    higher_is_better_from_sens,
    load_objectifs,
    objectifs_table,
)
from barometre.catalogue import Catalogue, load_catalogue
from barometre.donnees.db import connect, query
from barometre.pilotage.store import ENV_URL, FICHIER_SQLITE, Store
from barometre.settings import Settings

OBJECTIFS_FILE = "objectifs.csv"
# The targets file names territories by code; France there means the whole country, shown at the
# barometer's "france" level.
FRANCE_TARGET_CODE = "FR"
SINGLE_OBSERVATION_LABEL = "Sans tendance (une seule observation)"


def observations(con: duckdb.DuckDBPyConnection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """Observed (year, value) series of each (indicator, territory code) with no breakdown."""
    found: dict[tuple[str, str], list] = {k: [] for k in keys}
    if not keys:
        return found
    df = query(
        con,
        """
        select indicateur, case when niveau = 'france' then $fr else code end as code, annee, valeur
        from mart_valeurs
        where ventilation = '' and valeur is not null and list_contains($indicateurs, indicateur)
          and niveau in ('epci', 'departement', 'region', 'france')
        order by annee
        """,
        {"fr": FRANCE_TARGET_CODE, "indicateurs": sorted({k[0] for k in keys})},
    )
    for row in df.iter_rows(named=True):
        key = (row["indicateur"], row["code"])
        if key in found:
            found[key].append((row["annee"], row["valeur"]))
    return found


Provenance = Literal["fichier", "modifie", "ajoute"]
PROVENANCES_FR: dict[str, str] = {
    "fichier": "fichier des objectifs",
    "modifie": "fichier, modifié dans le baromètre",
    "ajoute": "ajouté dans le baromètre",
}


@dataclass(frozen=True)
class ObjectifSaisi:
    """One target as the barometer knows it: the file's row, or the stored edit that replaces it.

    ``version`` is 0 for a row of the file never edited (the version to send back with a change)."""

    objectif: Objectif
    provenance: Provenance
    retire: bool = False
    version: int = 0
    modifie_par: str = ""
    modifie_le: str = ""


def superposer(base: list[Objectif], saisies: pl.DataFrame | list[dict]) -> list[ObjectifSaisi]:
    """The file's targets overlaid by the stored edits (rows of ``Store.objectifs_saisis``).

    Order: the file's order, then the targets added in the barometer by id. Withdrawn targets are kept
    (``retire=True``) so the edit form can show and restore them; :func:`effectifs` drops them."""
    rows = saisies.to_dicts() if isinstance(saisies, pl.DataFrame) else list(saisies)
    stored = {r["id"]: r for r in rows}
    out: list[ObjectifSaisi] = []
    for obj in base:
        row = stored.pop(obj.id, None)
        out.append(_saisi(row, "modifie") if row else ObjectifSaisi(obj, "fichier"))
    out.extend(_saisi(stored[i], "ajoute") for i in sorted(stored))
    return out


def _saisi(row: dict, provenance: Provenance) -> ObjectifSaisi:
    objectif = Objectif.model_validate({c: row[c] for c in OBJECTIFS_COLUMNS})
    return ObjectifSaisi(objectif, provenance, bool(row["retire"]), int(row["version"]),
                         row.get("modifie_par") or "", row.get("modifie_le") or "")


def effectifs(saisis: list[ObjectifSaisi]) -> list[Objectif]:
    """The targets in force (withdrawn ones left out)."""
    return [s.objectif for s in saisis if not s.retire]


@lru_cache(maxsize=8)
def _store_pour(url: str) -> Store:
    return Store(url)


def store_des_saisies(settings: Settings) -> Store | None:
    """The store holding the targets' edits: ``BAROMETRE_DATABASE_URL``, else the embedded SQLite file of
    ``settings.data_dir`` when it exists (a fresh copy of the data has no edits: nothing is created)."""
    url = os.environ.get(ENV_URL, "").strip()
    if not url:
        path = settings.data_dir / "edits" / FICHIER_SQLITE
        if not path.exists():
            return None
        url = f"sqlite:///{path}"
    return _store_pour(url)


def objectifs_saisis(settings: Settings, store: Store | None = None,
                     catalogue: Catalogue | None = None) -> list[ObjectifSaisi]:
    """The file's targets (validated, indicators checked against the catalogue) with the stored edits."""
    catalogue = catalogue or load_catalogue(settings.catalogue_dir)
    base = load_objectifs(settings.catalogue_dir / OBJECTIFS_FILE,
                          indicateurs_connus=[i.id for i in catalogue.indicateurs])
    store = store or store_des_saisies(settings)
    return superposer(base, store.objectifs_saisis() if store is not None else [])


def objectifs_rows(settings: Settings, con: duckdb.DuckDBPyConnection | None = None,
                   store: Store | None = None, saisis: list[ObjectifSaisi] | None = None) -> list[dict[str, Any]]:
    """One row per target in force (file + edits, or the given ``saisis``) with its trajectory's latest
    status (targets.objectifs_table columns)."""
    catalogue = load_catalogue(settings.catalogue_dir)
    objectifs = effectifs(saisis if saisis is not None else objectifs_saisis(settings, store, catalogue))
    con = con or connect(settings, catalogue)
    obs = observations(con, {(o.indicateur, o.territoire) for o in objectifs})
    directions = {}
    for ind in catalogue.indicateurs:
        d = higher_is_better_from_sens(ind.sens)
        if d is not None:
            directions[ind.id] = d
    rows = objectifs_table(objectifs, obs, directions)
    for row in rows:
        # A path that starts from the only observation cannot say whether the territory is on course.
        if (row["reference_source"] == "premiere_observation" and row["annee_observation"] is not None
                and row["annee_observation"] == row["annee_reference"]):
            row["statut"] = "sans_donnee"
            row["statut_libelle"] = SINGLE_OBSERVATION_LABEL
    return rows


NOMBRES_FORMULAIRE = ("annee_reference", "valeur_reference", "annee_cible", "valeur_cible", "variation_cible_pct")


def depuis_formulaire(champs: dict[str, Any]) -> dict[str, Any]:
    """Values typed in the edit form → the values the targets model validates.

    Numbers are typed the French way: a decimal comma and spaces between thousands are accepted
    (``-12,5``, ``1 065,7``) and given to the model with a decimal point; anything else is left as typed,
    for the model to refuse with its French message."""
    out = dict(champs)
    for name in NOMBRES_FORMULAIRE:
        value = out.get(name)
        if isinstance(value, str):
            text = value.strip()
            for space in (" ", "\u00a0", "\u202f"):
                text = text.replace(space, "")
            out[name] = text.replace(",", ".")
    return out


def vers_formulaire(value: float | int | None) -> str:
    """A stored number as the form shows it: decimal comma, no thousands separator, no float noise."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.12g}".replace(".", ",")
