"""Query functions: what each screen and the command line ask of the views.

Each function takes the connection and plain values, binds them as parameters (never formatted into
the SQL) and returns a polars DataFrame. Column lists are documented in the views' headers (sql/).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from barometre.db import query

NIVEAUX_COMPARAISON = ("epci", "departement", "region", "france")


def valeurs(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str | None = None,
            codes: Sequence[str] | None = None, annee: int | None = None,
            ventilation: str | None = None) -> pl.DataFrame:
    """Values of one indicator (mart_valeurs), optionally for one level, some territories, a year."""
    return query(
        con,
        """
        select * from mart_valeurs
        where indicateur = $indicateur
          and ($niveau is null or niveau = $niveau)
          and ($codes is null or list_contains($codes, code))
          and ($annee is null or annee = $annee)
          and ($ventilation is null or ventilation = $ventilation)
        order by niveau, code, annee, ventilation
        """,
        {"indicateur": indicateur, "niveau": niveau, "codes": list(codes) if codes else None, "annee": annee,
         "ventilation": ventilation},
    )


def dernieres_valeurs(con: duckdb.DuckDBPyConnection, indicateurs: Sequence[str], niveau: str,
                      code: str) -> pl.DataFrame:
    """Latest value, previous vintage and change of several indicators for one territory."""
    return query(
        con,
        """
        select * from mart_dernieres_valeurs
        where list_contains($indicateurs, indicateur) and niveau = $niveau and code = $code
        order by indicateur, ventilation
        """,
        {"indicateurs": list(indicateurs), "niveau": niveau, "code": code},
    )


def comparaison(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str, code: str,
                ventilation: str = "") -> pl.DataFrame:
    """Latest value for the chosen territory and for the comparison levels (each with its own year)."""
    return query(
        con,
        """
        select indicateur, ventilation, niveau, code, nom, annee, valeur, secret, source, methode, unite,
               decimales, 0 as ordre
        from mart_dernieres_valeurs
        where indicateur = $indicateur and ventilation = $ventilation and niveau = $niveau and code = $code
          and niveau not in ('epci', 'departement', 'region', 'france')
        union all
        select indicateur, ventilation, niveau, code, nom, annee, valeur, secret, source, methode, unite,
               decimales, 1 as ordre
        from mart_dernieres_valeurs
        -- the whole INSEE bassin de vie, where the producer publishes it, beside its part in the agglomeration
        where indicateur = $indicateur and ventilation = $ventilation and $niveau = 'bv2022'
          and niveau = 'bv2022_insee' and code = $code
        union all
        select indicateur, ventilation, niveau, code, nom, annee, valeur, secret, source, methode, unite,
               decimales, ordre
        from mart_comparaison
        where indicateur = $indicateur and ventilation = $ventilation
        order by ordre
        """,
        {"indicateur": indicateur, "ventilation": ventilation, "niveau": niveau, "code": code},
    )


def distribution(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str, code: str,
                 annee: int | None = None, ventilation: str = "") -> pl.DataFrame:
    """Spread across the communes of a group (min, quartiles, max, max/min), latest year by default."""
    return query(
        con,
        """
        select * from mart_distribution
        where indicateur = $indicateur and niveau = $niveau and code = $code and ventilation = $ventilation
          and annee = coalesce($annee, (
              select max(annee) from mart_distribution
              where indicateur = $indicateur and niveau = $niveau and code = $code
                and ventilation = $ventilation and n_valeurs > 0))
        """,
        {"indicateur": indicateur, "niveau": niveau, "code": code, "annee": annee, "ventilation": ventilation},
    )


def distribution_zones(con: duckdb.DuckDBPyConnection, indicateur: str, zonage: str, annee: int,
                       ventilation: str = "") -> pl.DataFrame:
    """The spread across communes inside each zone of a zoning, for one year (equity between bassins)."""
    return query(
        con,
        """
        select d.*, t.nom from mart_distribution d
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

    Communes without a row appear with a null value, so that a map draws them as missing.
    """
    return query(
        con,
        """
        with communes as (
            select t.code, t.nom, a.zone, z.nom as nom_zone
            from stg_territoires t
            left join stg_appartenances a on a.commune = t.code and a.zonage = $zonage
            left join stg_territoires z on z.niveau = $zonage and z.code = a.zone
            where t.niveau = 'commune'
        )
        select c.code, c.nom, c.zone, c.nom_zone, v.valeur, coalesce(v.secret, false) as secret,
               v.annee, v.source, v.methode
        from communes c
        left join mart_valeurs v
          on v.niveau = 'commune' and v.code = c.code and v.indicateur = $indicateur
         and v.annee = $annee and v.ventilation = $ventilation
        order by c.nom
        """,
        {"indicateur": indicateur, "annee": annee, "zonage": zonage, "ventilation": ventilation},
    )


def annees(con: duckdb.DuckDBPyConnection, indicateur: str, niveau: str | None = None) -> list[int]:
    df = query(
        con,
        """
        select distinct annee from mart_valeurs
        where indicateur = $indicateur and ($niveau is null or niveau = $niveau)
          and (valeur is not null or secret)
        order by annee
        """,
        {"indicateur": indicateur, "niveau": niveau},
    )
    return df["annee"].to_list()


def ventilations(con: duckdb.DuckDBPyConnection, indicateur: str) -> list[str]:
    df = query(con, "select distinct ventilation from mart_valeurs where indicateur = $i order by 1",
               {"i": indicateur})
    return df["ventilation"].to_list()


def disponibilite(con: duckdb.DuckDBPyConnection, indicateur: str) -> pl.DataFrame:
    """Which levels have values for an indicator, with their years: the basis of honest empty states."""
    return query(
        con,
        """
        select niveau, min(annee) as premiere_annee, max(annee) as derniere_annee,
               count(*) filter (where valeur is not null) as n_valeurs,
               count(*) filter (where secret) as n_secret
        from mart_valeurs where indicateur = $indicateur
        group by niveau order by niveau
        """,
        {"indicateur": indicateur},
    )


def territoires(con: duckdb.DuckDBPyConnection, niveau: str | None = None) -> pl.DataFrame:
    return query(con, "select * from stg_territoires where ($niveau is null or niveau = $niveau) order by niveau, nom",
                 {"niveau": niveau})


def geometries(con: duckdb.DuckDBPyConnection, niveau: str) -> pl.DataFrame:
    return query(
        con,
        """
        select g.*, t.nom from stg_geometries g
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
