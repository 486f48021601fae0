"""Query functions: what each screen and the command line ask of the views.

Each function takes the connection and plain values, binds them as parameters (never formatted into
the SQL) and returns a polars DataFrame. Column lists are documented in the views' headers (sql/).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from barometre.donnees.db import query

NIVEAUX_COMPARAISON = ("epci", "departement", "region", "france")


def valeurs(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str | None = None,
            codes: Sequence[str] | None = None, annee: int | None = None,
            ventilation: str | None = None) -> pl.DataFrame:
    """Values of one indicator (mart_valeurs) in the followed territories (int_perimetre), optionally for
    one level, some territories, a year."""
    return valeurs_filtre(con, indicateur, niveau, codes, annee, ventilation)


def valeurs_filtre(con: duckdb.DuckDBPyConnection, indicateur: str | None, niveau: str | None = None,
                   codes: Sequence[str] | None = None, annee: int | None = None,
                   ventilation: str | None = None) -> pl.DataFrame:
    return query(
        con,
        """
        -- mart_valeurs holds the followed territories only (int_perimetre)
        select * from mart_valeurs
        where ($indicateur is null or indicateur = $indicateur)
          and ($niveau is null or niveau = $niveau)
          and ($codes is null or list_contains($codes, code))
          and ($annee is null or annee = $annee)
          and ($ventilation is null or ventilation = $ventilation)
        order by indicateur, niveau, code, annee, ventilation
        """,
        {"indicateur": indicateur, "niveau": niveau, "codes": list(codes) if codes else None, "annee": annee,
         "ventilation": ventilation},
    )


def dernieres_valeurs(con: duckdb.DuckDBPyConnection, indicateurs: Sequence[str] | None, niveau: str,
                      code: str) -> pl.DataFrame:
    """Latest value, previous vintage and change of several indicators (all with None) for one territory."""
    return query(
        con,
        """
        select * from mart_dernieres_valeurs
        where niveau = $niveau and code = $code
          and ($indicateurs is null or list_contains($indicateurs, indicateur))
        order by indicateur, ventilation
        """,
        {"indicateurs": None if indicateurs is None else list(indicateurs), "niveau": niveau, "code": code},
    )


def comparaison(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str, code: str,
                ventilation: str = "") -> pl.DataFrame:
    """Latest value for the chosen territory and for the comparison levels (each with its own year)."""
    return comparaisons(con, niveau, code, indicateur, ventilation)


def comparaisons(con: duckdb.DuckDBPyConnection, niveau: str, code: str, indicateur: str | None = None,
                 ventilation: str | None = None) -> pl.DataFrame:
    """:func:`comparaison` for every indicator and breakdown at once (None: all), one query per territory:
    the pages ask it once and filter it for each card. An indicator whose ``grandeur`` is « total » has
    no reference rows (another territory's total is not comparable): per-inhabitant indicators carry the
    comparison."""
    return query(
        con,
        """
        with choisi as (
            select indicateur, ventilation, niveau, code, nom, annee, periode, valeur, secret, source, methode,
                   unite, decimales, 0 as ordre
            from mart_dernieres_valeurs
            where niveau = $niveau and code = $code
              and niveau not in ('epci', 'departement', 'region', 'france')
            union all
            -- the whole INSEE bassin de vie, where the producer publishes it, beside its part in the agglomeration
            select indicateur, ventilation, niveau, code, nom, annee, periode, valeur, secret, source, methode,
                   unite, decimales, 1 as ordre
            from mart_dernieres_valeurs
            where $niveau = 'bv2022' and niveau = 'bv2022_insee' and code = $code
            union all
            select indicateur, ventilation, niveau, code, nom, annee, periode, valeur, secret, source, methode,
                   unite, decimales, ordre
            from mart_comparaison
        )
        -- like for like: a total (population, tonnes, hectares) is never set beside another territory's
        -- total; only the chosen territory's own row of such an indicator is kept
        select c.* from choisi c
        where ($indicateur is null or c.indicateur = $indicateur)
          and ($ventilation is null or c.ventilation = $ventilation)
          and ((c.niveau = $niveau and c.code = $code)
               or c.indicateur not in (select indicateur from stg_indicateurs where grandeur = 'total'))
        order by c.indicateur, c.ventilation, c.ordre, c.niveau, c.code
        """,
        {"indicateur": indicateur, "ventilation": ventilation, "niveau": niveau, "code": code},
    )


def distribution(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str, code: str,
                 annee: int | None = None, ventilation: str = "") -> pl.DataFrame:
    """Spread across the communes of a group (min, quartiles, max, max/min), latest year by default."""
    return choisir_distribution(distributions(con, niveau, code, indicateur, ventilation), indicateur, annee,
                                ventilation)


def distributions(con: duckdb.DuckDBPyConnection, niveau: str, code: str, indicateur: str | None = None,
                  ventilation: str | None = None) -> pl.DataFrame:
    """Every year's spread of every indicator (None: all) across the communes of one group."""
    return query(
        con,
        """
        select * from mart_distribution
        where niveau = $niveau and code = $code
          and ($indicateur is null or indicateur = $indicateur)
          and ($ventilation is null or ventilation = $ventilation)
        order by indicateur, ventilation, annee
        """,
        {"indicateur": indicateur, "niveau": niveau, "code": code, "ventilation": ventilation},
    )


def choisir_distribution(frame: pl.DataFrame, indicateur: str, annee: int | None = None,
                         ventilation: str = "") -> pl.DataFrame:
    """From :func:`distributions`, the row of one indicator and year (by default the latest year in which
    at least one commune has a value)."""
    rows = frame.filter((pl.col("indicateur") == indicateur) & (pl.col("ventilation") == ventilation))
    if annee is None:
        filled = rows.filter(pl.col("n_valeurs") > 0)
        if filled.is_empty():
            return rows.head(0)
        annee = filled["annee"].max()
    return rows.filter(pl.col("annee") == annee)


def distribution_zones(con: duckdb.DuckDBPyConnection, indicateur: str, zonage: str, annee: int,
                       ventilation: str = "") -> pl.DataFrame:
    """The spread across communes inside each zone of a zoning, for one year (equity between bassins)."""
    return query(
        con,
        """
        select d.*, t.nom from mart_distribution d  -- groups of followed communes only (int_groupes)
        left join stg_territoires t on t.niveau = d.niveau and t.code = d.code
        where d.indicateur = $indicateur and d.niveau = $zonage and d.annee = $annee
          and d.ventilation = $ventilation
        order by d.code
        """,
        {"indicateur": indicateur, "zonage": zonage, "annee": annee, "ventilation": ventilation},
    )


def valeurs_communes(con: duckdb.DuckDBPyConnection, indicateur: str, annee: int, zonage: str,
                     ventilation: str = "") -> pl.DataFrame:
    """Every commune's value for one year with its zone in the chosen zoning (map and ranking).

    Communes without a row appear with a null value, so that a map draws them as missing. Only the
    followed EPCI's communes (int_perimetre).
    """
    return joindre_communes(communes_zonage(con, zonage),
                            valeurs(con, indicateur, "commune", annee=annee, ventilation=ventilation))


def communes_zonage(con: duckdb.DuckDBPyConnection, zonage: str) -> pl.DataFrame:
    """The followed communes with their zone in a zoning (code, nom, zone, nom_zone), by name."""
    return query(
        con,
        """
        select t.code, t.nom, a.zone, z.nom as nom_zone
        from stg_territoires t
        left join stg_appartenances a on a.commune = t.code and a.zonage = $zonage
        left join stg_territoires z on z.niveau = $zonage and z.code = a.zone
        semi join int_perimetre p on p.niveau = t.niveau and p.code = t.code
        where t.niveau = 'commune'
        order by t.nom
        """,
        {"zonage": zonage},
    )


def joindre_communes(communes: pl.DataFrame, valeurs_communes: pl.DataFrame) -> pl.DataFrame:
    """:func:`valeurs_communes` from its two parts: the communes of a zoning and one indicator's commune
    values for one year and breakdown (at most one row per commune)."""
    v = valeurs_communes.select("code", "valeur", "secret", "annee", "source", "methode")
    return (communes.join(v, on="code", how="left")
            .with_columns(pl.col("secret").fill_null(False))
            .select("code", "nom", "zone", "nom_zone", "valeur", "secret", "annee", "source", "methode")
            .sort("nom", maintain_order=True))


# The indicator's own columns, the same on every row of an indicator: a level's values are fetched
# without them (a third of the width) and :func:`filtrer_valeurs` adds them back from the catalogue.
COLONNES_INDICATEUR = ("libelle", "unite", "sens", "volet", "theme", "decimales")
COLONNES_VALEUR = ("indicateur", "niveau", "code", "nom", "annee", "periode", "ventilation", "valeur", "secret",
                   "statut", "source", "methode", "n_communes", "n_communes_renseignees")  # mart_valeurs' others


def valeurs_niveau(con: duckdb.DuckDBPyConnection, niveau: str) -> pl.DataFrame:
    """Every value of every indicator at one level, in the followed territories, without the indicator's
    own columns: the pages ask it once and filter it (:func:`filtrer_valeurs`) for each indicator."""
    return query(
        con,
        """
        select indicateur, niveau, code, nom, annee, periode, ventilation, valeur, secret, statut, source,
               methode, n_communes, n_communes_renseignees
        from mart_valeurs where niveau = $niveau
        """,
        {"niveau": niveau},
    )


def indicateurs_colonnes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The indicator's own columns of mart_valeurs, one row per indicator (see :func:`filtrer_valeurs`)."""
    return query(con, "select indicateur, libelle, unite, sens, volet, theme, decimales from stg_indicateurs")


def filtrer_valeurs(frame: pl.DataFrame, indicateur: str, codes: Sequence[str] | None = None,
                    annee: int | None = None, ventilation: str | None = None,
                    indicateurs: pl.DataFrame | None = None) -> pl.DataFrame:
    """:func:`valeurs` of one indicator taken from a frame of several (:func:`valeurs_niveau`, whose rows
    get back their indicator's columns from ``indicateurs``, :func:`indicateurs_colonnes`)."""
    cond = pl.col("indicateur") == indicateur
    if codes:
        cond &= pl.col("code").is_in(list(codes))
    if annee is not None:
        cond &= pl.col("annee") == annee
    if ventilation is not None:
        cond &= pl.col("ventilation") == ventilation
    rows = frame.filter(cond).sort("niveau", "code", "annee", "ventilation", maintain_order=True)
    if indicateurs is not None and "libelle" not in rows.columns:
        rows = rows.join(indicateurs, on="indicateur", how="left", maintain_order="left")
    return rows


def disponibilites(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """For every indicator, level, year and breakdown, how many followed territories have a value
    (mart_disponibilite): one query behind every picker and empty state of the pages."""
    return query(con, "select * from mart_disponibilite order by indicateur, niveau, annee, ventilation")


def index_disponibilites(dispo: pl.DataFrame) -> dict[tuple[str, str | None], list]:
    """The years with at least one value (or a withheld one) and the breakdowns of every indicator, read by
    key: ``("annees", indicateur, niveau or None)`` → years, ``("ventilations", indicateur)`` → breakdowns
    (a page that asks it for a hundred indicators filters the frame once, not a hundred times)."""
    filled = dispo.filter((pl.col("n_valeurs") + pl.col("n_secret")) > 0)
    index: dict[tuple, list] = {}
    for ind, vents in dispo.group_by("indicateur").agg(pl.col("ventilation").unique().sort()).iter_rows():
        index[("ventilations", ind)] = vents
    for ind, niveau, years in (filled.group_by("indicateur", "niveau")
                               .agg(pl.col("annee").unique().sort()).iter_rows()):
        index[("annees", ind, niveau)] = years
    for ind, years in filled.group_by("indicateur").agg(pl.col("annee").unique().sort()).iter_rows():
        index[("annees", ind, None)] = years
    return index


def disponibilite_de(dispo: pl.DataFrame, indicateur: str) -> pl.DataFrame:
    """Which levels have rows of an indicator, with their first and last years and their counts."""
    return (dispo.filter(pl.col("indicateur") == indicateur)
            .group_by("niveau")
            .agg(pl.col("annee").min().alias("premiere_annee"), pl.col("annee").max().alias("derniere_annee"),
                 pl.col("n_valeurs").sum().alias("n_valeurs"), pl.col("n_secret").sum().alias("n_secret"))
            .sort("niveau"))


def annees(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str | None = None) -> list[int]:
    return index_disponibilites(disponibilites_indicateur(con, indicateur)).get(("annees", indicateur, niveau), [])


def ventilations(con: duckdb.DuckDBPyConnection, indicateur: str) -> list[str]:
    return index_disponibilites(disponibilites_indicateur(con, indicateur)).get(("ventilations", indicateur), [])


def disponibilite(con: duckdb.DuckDBPyConnection, indicateur: str) -> pl.DataFrame:
    """Which levels have values for an indicator, with their years: the basis of honest empty states."""
    return disponibilite_de(disponibilites_indicateur(con, indicateur), indicateur)


def disponibilites_indicateur(con: duckdb.DuckDBPyConnection, indicateur: str) -> pl.DataFrame:
    return query(con, "select * from mart_disponibilite where indicateur = $i", {"i": indicateur})


def territoires(con: duckdb.DuckDBPyConnection, niveau: str | None = None) -> pl.DataFrame:
    """The followed territories (int_perimetre), of one level or all."""
    return query(
        con,
        """
        select t.* from stg_territoires t
        semi join int_perimetre p on p.niveau = t.niveau and p.code = t.code
        where ($niveau is null or t.niveau = $niveau) order by t.niveau, t.nom
        """,
        {"niveau": niveau})


def geometries(con: duckdb.DuckDBPyConnection, niveau: str) -> pl.DataFrame:
    return query(
        con,
        """
        select g.*, t.nom from stg_geometries g
        semi join int_perimetre p on p.niveau = g.niveau and p.code = g.code
        left join stg_territoires t using (niveau, code)
        where g.niveau = $niveau order by g.code
        """,
        {"niveau": niveau},
    )


def series(con: duckdb.DuckDBPyConnection, indicateur: str, territoires_choisis: Sequence[tuple[str, str]],
           ventilation: str | None = "") -> pl.DataFrame:
    """Time series of an indicator for several (niveau, code) territories (Explorateur)."""
    keys = [f"{n}|{c}" for n, c in territoires_choisis]
    return query(
        con,
        """
        select * from mart_valeurs
        where indicateur = $indicateur and list_contains($keys, niveau || '|' || code)
          and ($ventilation is null or ventilation = $ventilation)
        order by niveau, code, annee, ventilation
        """,
        {"indicateur": indicateur, "keys": keys, "ventilation": ventilation},
    )


def series_territoires(con: duckdb.DuckDBPyConnection, indicateurs: Sequence[str],
                       territoires: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """(indicateur, niveau, code, nom, annee, valeur) of the given territories, no breakdown, values only."""
    if not indicateurs or not territoires:
        return pl.DataFrame(schema={"indicateur": pl.String, "niveau": pl.String, "code": pl.String,
                                    "nom": pl.String, "annee": pl.Int32, "periode": pl.String,
                                    "valeur": pl.Float64})
    return query(
        con,
        """
        select indicateur, niveau, code, nom, annee, periode, valeur from mart_valeurs
        where ventilation = '' and valeur is not null and not coalesce(secret, false)
          and list_contains($indicateurs, indicateur) and list_contains($keys, niveau || '|' || code)
        order by indicateur, niveau, code, annee
        """,
        {"indicateurs": sorted(set(indicateurs)), "keys": [f"{n}|{c}" for n, c in territoires]},
    )


def sources_chargees(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What is stored per source: levels, first and last year, number of values (secret cells included)
    (source, niveaux, premiere_annee, derniere_annee, n_valeurs)."""
    return query(con, """
        select source, list(distinct niveau order by niveau) as niveaux, min(annee) as premiere_annee,
               max(annee) as derniere_annee, count(*) as n_valeurs
        from mart_valeurs where source is not null group by source order by source""")
