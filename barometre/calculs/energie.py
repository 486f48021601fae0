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


# ---------------------------------------------------------------- consumption by energy and sector
ENERGIES = {"cae_2.d": "Électricité", "cae_2.n": "Gaz"}
SEUIL_QUALITE_FAIBLE = 0.5  # below: most of the consumption is estimated by the network operator, not measured


def conso_energie_secteur(valeurs: pl.DataFrame, annee: int) -> pl.DataFrame:
    """One territory's consumption of ``annee`` by energy and sector (energie, secteur, valeur GWh, secret):
    ``valeurs`` holds its ``cae_2.d`` and ``cae_2.n`` rows (indicateur, annee, ventilation, valeur, secret).
    A withheld sector stays a row marked secret (valeur null), never 0."""
    rows = valeurs.filter((pl.col("annee") == annee) & (pl.col("ventilation") != "")
                          & pl.col("indicateur").is_in(list(ENERGIES)))
    return (rows.select(pl.col("indicateur").replace_strict(ENERGIES, default=None).alias("energie"),
                        pl.col("ventilation").alias("secteur"), "valeur", pl.col("secret").fill_null(False))
            .sort("energie", "secteur"))


def qualite_territoire(qualite: pl.DataFrame, conso: pl.DataFrame, communes: list[str], annee: int
                       ) -> pl.DataFrame:
    """The share of a territory's consumption that was measured (agence ORE quality index), by energy ×
    sector: Σ(index × consumption) ÷ Σ consumption over ``communes`` (exact for a share of a sum).

    ``qualite``: commune ``ore_indice_qualite`` rows (code, annee, ventilation « Électricité – Résidentiel »,
    valeur); ``conso``: commune ``cae_2.d`` / ``cae_2.n`` rows (code, indicateur, annee, ventilation sector,
    valeur). Out: ventilation, indice, n_communes, faible (below :data:`SEUIL_QUALITE_FAIBLE`)."""
    q = qualite.filter((pl.col("annee") == annee) & pl.col("code").is_in(communes) & pl.col("valeur").is_not_null())
    c = (conso.filter((pl.col("annee") == annee) & pl.col("code").is_in(communes) & (pl.col("ventilation") != "")
                      & pl.col("valeur").is_not_null())
         .select("code", (pl.col("indicateur").replace_strict(ENERGIES, default=None) + " – "
                          + pl.col("ventilation")).alias("ventilation"), pl.col("valeur").alias("conso")))
    joint = q.select("code", "ventilation", pl.col("valeur").alias("indice")).join(c, on=["code", "ventilation"])
    out = (joint.group_by("ventilation")
           .agg(((pl.col("indice") * pl.col("conso")).sum() / pl.col("conso").sum()).alias("indice"),
                pl.len().alias("n_communes"))
           .with_columns((pl.col("indice") < SEUIL_QUALITE_FAIBLE).alias("faible"))
           .sort("ventilation"))
    return out


def mailles_secretisees(secrets: pl.DataFrame, communes: list[str], annee: int) -> int:
    """How many meshes the producer withheld in ``communes``' consumption of ``annee`` (all energies and
    sectors): their consumption is not in the published totals."""
    rows = secrets.filter((pl.col("annee") == annee) & pl.col("code").is_in(communes))
    return int(rows["valeur"].fill_null(0).sum()) if rows.height else 0
