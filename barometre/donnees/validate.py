"""``barometre validate``: checks of the catalogue and of the data, as findings in French.

Each check is a SQL data test over the views (unique keys, known territories, known indicators and
sources, impossible values) or a catalogue check; an empty list means everything holds.
"""

from __future__ import annotations

from barometre.catalogue import CatalogueError, load_catalogue
from barometre.donnees.db import connect, query
from barometre.settings import Settings

# (description of the finding, SQL returning one row per offending record with a `detail` column)
DATA_TESTS: list[tuple[str, str]] = [
    ("clé en double dans les valeurs",
     """select indicateur || ' ' || niveau || ':' || code || ' ' || annee || ' ' || ventilation as detail
        from stg_valeurs group by indicateur, niveau, code, annee, ventilation having count(*) > 1"""),
    ("territoire inconnu",
     """select distinct v.niveau || ':' || v.code as detail from stg_valeurs v
        left join stg_territoires t using (niveau, code) where t.code is null"""),
    ("indicateur absent du catalogue",
     """select distinct v.indicateur as detail from stg_valeurs v
        left join stg_indicateurs i using (indicateur) where i.indicateur is null"""),
    ("source absente de sources.toml",
     """select distinct source as detail from stg_valeurs where not list_contains($sources, source)"""),
    ("valeur secrète non vide",
     """select indicateur || ' ' || code || ' ' || annee as detail from stg_valeurs
        where secret and valeur is not null"""),
    ("effectif négatif",
     """select indicateur || ' ' || code || ' ' || annee as detail from mart_valeurs v
        join stg_indicateurs i using (indicateur)
        where i.agregation = 'somme' and v.valeur < 0"""),
    ("taux hors de 0-100 %",
     """select indicateur || ' ' || niveau || ':' || code || ' ' || annee || ' = ' || valeur as detail
        from mart_valeurs v join stg_indicateurs i using (indicateur)
        where i.unite = '%' and i.agregation <> 'evolution' and not i.peut_depasser_100
          and (v.valeur < 0 or v.valeur > 100)"""),
    ("commune sans zone",
     """select t.code || ' (' || z.zonage || ')' as detail from stg_territoires t
        cross join (select distinct zonage from stg_appartenances) z
        left join stg_appartenances a on a.commune = t.code and a.zonage = z.zonage
        where t.niveau = 'commune' and a.zone is null"""),
    ("commune sans contour",
     """select t.code as detail from stg_territoires t left join stg_geometries g using (niveau, code)
        where t.niveau = 'commune' and g.geojson is null"""),
]


def validate(settings: Settings) -> list[str]:
    findings: list[str] = []
    try:
        catalogue = load_catalogue(settings.catalogue_dir)
    except CatalogueError as exc:
        return [str(exc)]
    findings += catalogue.problems()
    try:
        from barometre.calculs.targets import load_objectifs

        load_objectifs(settings.catalogue_dir / "objectifs.csv")
    except Exception as exc:  # every error of the targets file is a finding, whatever its kind
        findings.append(str(exc))
    con = connect(settings, catalogue, materialise=False)  # the views as the files make them
    sources = [s.id for s in catalogue.sources]
    for description, sql in DATA_TESTS:
        params = {"sources": sources} if "$sources" in sql else None
        for row in query(con, sql, params).iter_rows(named=True):
            findings.append(f"{description} : {row['detail']}")
    return findings
