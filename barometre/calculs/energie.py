"""Energy autonomy by territory: the table behind the energy tab (no Streamlit).

Grain of :func:`tableau_autonomie`: one row per territory of one level (the 47 communes, or the bassins de
vie of the agglomeration) for one year. Units: autonomy in % (local renewable production ÷ final
consumption, computed in SQL from the summed commune values: ``autonomie_energetique``), consumption in
GWh (``cae_2.a``), production in MWh (``cae_3.a``), gap to the target in percentage points. A territory
without a value keeps its row, marked secret or missing, never 0; rows with a value come first, highest
autonomy first.
"""

from __future__ import annotations

import polars as pl

from barometre.formats import MISSING_TEXT, SECRET_TEXT

COLONNES = ("code", "nom", "annee", "autonomie", "secret", "statut", "consommation", "production",
            "ecart_cible", "objectif_atteint", "n_communes")


def _annee(df: pl.DataFrame, annee: int) -> pl.DataFrame:
    keep = df.filter((pl.col("annee") == annee) & (pl.col("ventilation") == ""))
    return keep.select("code", "valeur", "secret", *(["n_communes"] if "n_communes" in keep.columns else []))


def tableau_autonomie(territoires: pl.DataFrame, autonomie: pl.DataFrame, consommation: pl.DataFrame,
                      production: pl.DataFrame, annee: int, cible: float | None) -> pl.DataFrame:
    """Every territory of ``territoires`` (code, nom) with its autonomy of ``annee`` and the gap to ``cible``.

    The value frames are ``mart_valeurs`` rows (code, annee, ventilation, valeur, secret, n_communes) of one
    level. ``statut`` says why a value is empty (« secret statistique » / « non disponible »)."""
    auto = _annee(autonomie, annee).rename({"valeur": "autonomie", "secret": "secret"})
    conso = _annee(consommation, annee).select("code", pl.col("valeur").alias("consommation"))
    prod = _annee(production, annee).select("code", pl.col("valeur").alias("production"))
    if "n_communes" not in auto.columns:
        auto = auto.with_columns(pl.lit(None, pl.Int64).alias("n_communes"))
    out = (territoires.select("code", "nom")
           .join(auto, on="code", how="left")
           .join(conso, on="code", how="left")
           .join(prod, on="code", how="left")
           .with_columns(pl.lit(annee, pl.Int32).alias("annee"),
                         pl.col("secret").fill_null(False)))
    cible_expr = pl.lit(cible, pl.Float64) if cible is not None else pl.lit(None, pl.Float64)
    out = out.with_columns(
        pl.when(pl.col("secret")).then(pl.lit(SECRET_TEXT))
        .when(pl.col("autonomie").is_null()).then(pl.lit(MISSING_TEXT))
        .otherwise(pl.lit("")).alias("statut"),
        (pl.col("autonomie") - cible_expr).alias("ecart_cible"),
        (pl.col("autonomie") >= cible_expr).alias("objectif_atteint"),
    )
    rang = (pl.when(pl.col("autonomie").is_not_null()).then(0)
            .when(pl.col("secret")).then(1).otherwise(2))
    return (out.with_columns(rang.alias("_rang"), (-pl.col("autonomie")).alias("_tri"))
            .sort(["_rang", "_tri", "nom"], nulls_last=True)
            .select(COLONNES))
