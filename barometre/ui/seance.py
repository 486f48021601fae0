"""One séance view on screen (Streamlit): the data it needs, its chart, its figure and verdicts.

Used by the séance page (one view per step) and by the embeddable views (``?embed=true``)."""

from __future__ import annotations

import html
from dataclasses import dataclass

import altair as alt
import polars as pl
import streamlit as st

from barometre import charts
from barometre.calculs.plan_seance import Genre, genre_de_vue
from barometre.catalogue import Indicateur
from barometre.ui import commun as ui
from barometre.ui import verdicts as verdicts_ui
from barometre.ui import vues


@dataclass(frozen=True)
class Vue:
    ind: Indicateur
    niveau: str
    code: str
    genre: Genre | None
    comparaison: pl.DataFrame
    serie: pl.DataFrame
    communes: pl.DataFrame


def communes_du_territoire(ind: Indicateur, niveau: str, code: str) -> pl.DataFrame:
    """The latest commune values of the territory's communes (all the EPCI's for the EPCI)."""
    years = ui.annees(ind.id, "commune")
    if not years or niveau in ("commune", "departement", "region", "france"):
        return pl.DataFrame(schema={"code": pl.String, "nom": pl.String, "valeur": pl.Float64})
    annee = years[-1]
    if niveau == "epci":
        df = ui.valeurs_communes(ind.id, annee, "epci", "")
    else:
        df = ui.valeurs_communes(ind.id, annee, niveau, "").filter(pl.col("zone") == code)
    return df.with_columns(pl.lit(annee).alias("annee"))


def vue(ind: Indicateur, niveau: str, code: str) -> Vue:
    comp = ui.comparaison(ind.id, niveau, code, "")
    serie = ui.valeurs(ind.id, niveau, codes=(code,), ventilation="")
    communes = communes_du_territoire(ind, niveau, code)
    return Vue(ind, niveau, code, genre_de_vue(ind, niveau, code, comp, serie, communes), comp, serie, communes)


EXTREMES = 8  # communes at each end of the ranking a séance screen shows (47 rows do not fit 1080 px)


def extremes(communes: pl.DataFrame, n: int = EXTREMES) -> pl.DataFrame:
    """The ``n`` highest and ``n`` lowest communes with a value (all of them when there are few)."""
    known = communes.filter(pl.col("valeur").is_not_null()).sort("valeur", descending=True)
    return known if known.height <= 2 * n else pl.concat([known.head(n), known.tail(n)])


def graphique(v: Vue, font_size: int) -> tuple[alt.TopLevelMixin, pl.DataFrame, str]:
    """The chart of a view, the rows it draws (for its source line) and its alt text."""
    ind, nom = v.ind, vues.nom_territoire(v.niveau, v.code)
    if v.genre == "comparaison":
        df = v.comparaison.filter(pl.col("valeur").is_not_null())
        return (charts.comparison_chart(df, ind.unite, ind.decimales, font_size=font_size), df,
                f"{ind.libelle} : {nom} comparé au Nord, à la région et à la France")
    if v.genre == "serie":
        df = v.serie.filter(pl.col("valeur").is_not_null())
        return (charts.series_chart(df, ind.unite, ind.decimales, font_size=font_size), df,
                f"{ind.libelle} : évolution pour {nom}")
    df = extremes(v.communes)
    refs = [(r["nom"], r["valeur"]) for r in v.comparaison.iter_rows(named=True)
            if r["valeur"] is not None and ind.agregation != "somme" and r["annee"] == (df["annee"][0] if
                                                                                    df.height else None)]
    return (charts.ranking_chart(df, ind.unite, ind.decimales, None, ind.nom_court, refs, font_size=font_size),
            df, f"{ind.libelle} : les communes de {nom}")


def afficher(v: Vue, font_size: int, embed: bool = False) -> None:
    """Figure and verdicts in a row, then the chart full width, then its source line."""
    ind = v.ind
    own = ui.dernieres_valeurs((ind.id,), v.niveau, v.code).filter(pl.col("ventilation") == "")
    if embed:
        box = st.container()
    else:  # figure and verdicts on the left quarter, the chart on the rest of the screen
        left, box = st.columns([1, 3], gap="large")
        if own.height:
            vues.metric_tile(left, ind, own.to_dicts()[0], v.comparaison, verdicts=False)
        else:
            vues.key_figure(left, ind, v.niveau, v.code, verdicts=False)
        lec = verdicts_ui.lecture(ind.id, v.niveau, v.code)
        if lec is not None:
            left.html("".join(verdicts_ui.verdict_html(x) + f'<div style="color:#333;margin:0 0 .4rem 1.4rem">'
                              f"{html.escape(x.detail)}</div>" for x in lec.verdicts()))
            if lec.objectif is not None and lec.objectif_libelle:
                left.caption(f"Objectif : {lec.objectif_libelle}")
    chart, rows, alt_text = graphique(v, font_size)
    box.altair_chart(chart, width="stretch", alt=alt_text)
    if v.genre == "communes":
        n = v.communes.filter(pl.col("valeur").is_not_null()).height
        if n > rows.height:
            box.caption(f"Les {EXTREMES} communes les plus élevées et les {EXTREMES} plus faibles sur {n} communes "
                       "avec une valeur ; le classement complet est sur la page Territoires.")
    with box:
        ui.caption_source(ind, rows)
