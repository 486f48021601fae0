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
    EntreeRegistre,
    Objectif,
    Registre,
    higher_is_better_from_sens,
    load_registre,
    objectifs_table,
    registre_par_defaut,
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


def registre_fichier(settings: Settings, catalogue: Catalogue | None = None) -> list[EntreeRegistre]:
    """The register of targets as the file writes it (targets with a figure and aims, with their
    description), indicators checked against the catalogue."""
    catalogue = catalogue or load_catalogue(settings.catalogue_dir)
    return load_registre(settings.catalogue_dir / OBJECTIFS_FILE,
                         indicateurs_connus=[i.id for i in catalogue.indicateurs])


def objectifs_saisis(settings: Settings, store: Store | None = None,
                     catalogue: Catalogue | None = None) -> list[ObjectifSaisi]:
    """The file's targets (validated, indicators checked against the catalogue) with the stored edits."""
    base = [e.objectif for e in registre_fichier(settings, catalogue) if e.objectif is not None]
    store = store or store_des_saisies(settings)
    return superposer(base, store.objectifs_saisis() if store is not None else [])


def descriptions(settings: Settings, catalogue: Catalogue | None = None) -> dict[str, Registre]:
    """The register's description of each target of the file, by id."""
    return {e.id: e.registre for e in registre_fichier(settings, catalogue)}


def decrire(row: dict[str, Any], registre: Registre) -> dict[str, Any]:
    """A targets row with its register description (REGISTRE_COLUMNS) added."""
    return {**row, **registre.model_dump(exclude={"id"})}


def objectifs_rows(settings: Settings, con: duckdb.DuckDBPyConnection | None = None,
                   store: Store | None = None, saisis: list[ObjectifSaisi] | None = None) -> list[dict[str, Any]]:
    """One row per target in force (file + edits, or the given ``saisis``) with its trajectory's latest
    status (targets.objectifs_table columns)."""
    catalogue = load_catalogue(settings.catalogue_dir)
    objectifs = effectifs(saisis if saisis is not None else objectifs_saisis(settings, store, catalogue))
    desc = descriptions(settings, catalogue)
    con = con or connect(settings, catalogue, views={"mart_valeurs"})  # one query (the command line)
    obs = observations(con, {(o.indicateur, o.territoire) for o in objectifs})
    directions = {}
    for ind in catalogue.indicateurs:
        d = higher_is_better_from_sens(ind.sens)
        if d is not None:
            directions[ind.id] = d
    par_id = {o.id: o for o in objectifs}
    rows = [decrire(r, desc.get(r["id"]) or registre_par_defaut(par_id[r["id"]]))
            for r in objectifs_table(objectifs, obs, directions)]
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


# ---------------------------------------------------------------- the EPCI's targets down to communes and zones
METHODE_TERRITOIRES = (
    "Chaque objectif de l'agglomération est appliqué à la propre valeur de référence du territoire : une "
    "variation en % (−50 %) s'applique telle quelle à sa valeur de l'année de référence ; une valeur cible "
    "d'un taux ou d'une part (50 % d'autonomie) reste la même ; une valeur cible d'une quantité (tonnes, MWh) "
    "devient la variation en % qu'elle représente pour l'agglomération (0 = −100 %). Sans année de référence "
    "connue, la trajectoire part de la première observation du territoire. Un statut n'est donné qu'à partir "
    "de deux observations : avec une seule, « sans tendance »."
)


def objectif_territoire(row_epci: dict[str, Any], agregation: str, sens: str,
                        points: list[tuple[int, float]]) -> dict[str, Any]:
    """One EPCI target row (objectifs_rows) applied to a commune's or zone's own observed ``points``
    ((year, value), any order): reference, target, path value at the latest observation, gap and status.
    See METHODE_TERRITOIRES; the keys are those of objectifs_rows where they apply."""
    from barometre.calculs.targets import STATUS_LABELS_FR, gap, status, trajectory

    points = sorted((int(y), float(v)) for y, v in points if v is not None)
    by_year = dict(points)
    cible_annee = row_epci["annee_cible"]
    ref_year, ref_value, ref_source = None, None, "inconnue"
    wanted = row_epci["annee_reference"] if row_epci["reference_source"] != "premiere_observation" else None
    if wanted is not None and wanted in by_year:
        ref_year, ref_value, ref_source = wanted, by_year[wanted], "observation"
    elif wanted is None:
        earlier = [p for p in points if p[0] < cible_annee]
        if earlier:
            (ref_year, ref_value), ref_source = earlier[0], "premiere_observation"
    variation = row_epci["variation_cible_pct"]
    if variation is None and row_epci["valeur_cible"] is not None and agregation == "somme":
        epci_ref = row_epci["valeur_reference"]
        if row_epci["valeur_cible"] == 0:
            variation = -100.0
        elif epci_ref:
            variation = (row_epci["valeur_cible"] / epci_ref - 1) * 100
    if variation is not None:
        cible = None if ref_value is None else ref_value * (1 + variation / 100)
    else:
        cible = row_epci["valeur_cible"]  # a rate or share: the same value to reach
    out = {"id": row_epci["id"], "indicateur": row_epci["indicateur"], "annee_reference": ref_year,
           "valeur_reference": ref_value, "reference_source": ref_source, "annee_cible": cible_annee,
           "valeur_cible": cible, "variation_appliquee_pct": variation, "forme": row_epci["forme"],
           "annee_observation": points[-1][0] if points else None,
           "valeur_observation": points[-1][1] if points else None, "n_observations": len(points),
           "valeur_attendue": None, "ecart": None, "statut": "sans_donnee", "trajectoire": []}
    if ref_year is None or ref_value is None or cible is None or cible_annee <= ref_year:
        out["statut_libelle"] = STATUS_LABELS_FR["sans_donnee"]
        return out
    out["trajectoire"] = trajectory(ref_year, ref_value, cible_annee, cible, row_epci["forme"])
    higher = higher_is_better_from_sens(sens)
    if higher is None:
        higher = cible > ref_value
    obs_year, obs_value = points[-1]
    # Never a status from a single observation (the reference itself): no trend is measured yet.
    if len(points) < 2 or obs_year == ref_year:
        out["statut_libelle"] = SINGLE_OBSERVATION_LABEL
        return out
    found = gap(obs_year, obs_value, out["trajectoire"], higher)
    out["statut"] = status(obs_year, obs_value, out["trajectoire"], higher)
    out["statut_libelle"] = STATUS_LABELS_FR[out["statut"]]
    if found:
        out["valeur_attendue"], out["ecart"] = found.expected, found.absolute
    return out


def objectifs_par_territoire(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, rows: list[dict[str, Any]],
                             epci_code: str, niveau: str) -> list[dict[str, Any]]:
    """Every EPCI target applied to every territory of ``niveau`` (commune, bassin, canton, zone…)."""
    targets = [r for r in rows if r["territoire"] == epci_code]
    if not targets:
        return []
    df = query(con, """
        select indicateur, code, nom, annee, valeur from mart_valeurs
        where niveau = $niveau and ventilation = '' and valeur is not null and list_contains($ids, indicateur)
        order by code, annee
        """, {"niveau": niveau, "ids": sorted({r["indicateur"] for r in targets})})
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    names: dict[str, str] = {}
    for r in df.iter_rows(named=True):
        series.setdefault((r["indicateur"], r["code"]), []).append((r["annee"], r["valeur"]))
        names[r["code"]] = r["nom"]
    known = {i.id: i for i in catalogue.indicateurs}
    out = []
    for t in targets:
        ind = known.get(t["indicateur"])
        if ind is None:
            continue
        for code in sorted({c for (i, c) in series if i == t["indicateur"]}):
            row = objectif_territoire(t, ind.agregation, ind.sens, series[(t["indicateur"], code)])
            out.append({**row, "niveau": niveau, "code": code, "nom": names[code], "illustratif": t["illustratif"],
                        "a_confirmer": t["a_confirmer"], "origine": t["origine"]})
    return out
