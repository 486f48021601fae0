"""Targets joined to the observed series: what ``barometre objectifs`` prints and the volet shows."""

from __future__ import annotations

from typing import Any

import duckdb

from barometre.catalogue import load_catalogue
from barometre.db import connect, query
from barometre.settings import Settings
from barometre.targets import higher_is_better_from_sens, load_objectifs, objectifs_table

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


def objectifs_rows(settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> list[dict[str, Any]]:
    catalogue = load_catalogue(settings.catalogue_dir)
    objectifs = load_objectifs(settings.catalogue_dir / OBJECTIFS_FILE,
                               indicateurs_connus=[i.id for i in catalogue.indicateurs])
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
