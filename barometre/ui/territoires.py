"""The Territoires page's two parts: the map of the communes for one indicator, and the profile of the
selected territory beside the agglomeration."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.catalogue import Catalogue
from barometre.charts import indicateurs as charts
from barometre.ui import cache, etat, panneaux, provenance
from barometre.ui import panel as ui_panel
from barometre.ui.etat import Selection


def legende(legend: list[tuple[str, tuple[int, int, int]]]) -> None:
    """A map's quantile classes as coloured swatches (text, so that it reads without the map)."""
    st.markdown("**Légende** (classes par quantiles)")
    for label, rgb in legend:
        st.html(f'<div style="display:flex;align-items:center;gap:.5rem;margin:.2rem 0">'
                f'<span style="display:inline-block;width:1.4rem;height:1rem;border:1px solid #555;'
                f'background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></span><span>{label}</span></div>')


def carte(sel: Selection) -> None:
    """The communes coloured by ``sel.indicateur`` for ``sel.annee``; a click opens the commune's profile."""
    ind = cache.catalogue().indicateur(sel.indicateur)
    communes = cache.valeurs_communes(ind.id, sel.annee, sel.zonage, sel.ventilation)
    deck, legend = charts.choropleth(communes, cache.geometries("commune"), cache.geometries(sel.zonage),
                                     panneaux.fmt(ind), ind.unite)
    avec_projets = ui_panel.couche_label(deck)
    st.markdown(f"## {ind.libelle} ({ind.unite}), {sel.annee}")
    left, right = st.columns([3, 1])
    with left:
        event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="carte", height=560,
                                alt=f"Carte des communes : {ind.libelle}")
    with right:
        legende(legend)
        st.caption("Traits noirs épais : contours des zones du découpage choisi. Cliquer une commune ouvre son "
                   "profil.")
        if avec_projets:
            ui_panel.legende_label()
    provenance.caption_source(ind, communes.with_columns(pl.lit(sel.annee).alias("annee")))
    selected = charts.commune_cliquee(event)
    if selected and (sel.niveau, sel.code) != ("commune", selected):
        etat.aller_au_territoire("commune", selected)
    provenance.table_and_downloads(communes, ind, {"nom": "Commune", "code": "Code", "nom_zone": "Zone",
                                                   "valeur": "Valeur", "source": "Source"}, key="carte_table")


def profil_table(latest: pl.DataFrame, epci: pl.DataFrame, cat: Catalogue) -> pl.DataFrame:
    """Each indicator's latest value for the territory beside the agglomeration's, formatted in French."""
    joined = latest.join(epci.select("indicateur", "ventilation", pl.col("valeur").alias("valeur_epci")),
                         on=["indicateur", "ventilation"], how="left")
    units = {i.id: (i.unite, i.decimales) for i in cat.indicateurs}
    rows = list(joined.iter_rows(named=True))
    return pl.DataFrame({
        "Indicateur": [r["libelle"] + (f" — {r['ventilation']}" if r["ventilation"] else "") for r in rows],
        "Année": joined["annee"].to_list(),
        "Valeur": [formats.valeur_unite(r["valeur"], *units[r["indicateur"]], r["secret"]) for r in rows],
        "Agglomération": [formats.valeur_unite(r["valeur_epci"], *units[r["indicateur"]])
                          if r["valeur_epci"] is not None else "–" for r in rows],
        "Source": [provenance.source_name(s) if s else "–" for s in joined["source"].to_list()],
    })


def profil(sel: Selection) -> None:
    """The selected territory's latest values of every indicator (context ones only if key)."""
    st.markdown(f"## Profil : {sel.nom}")
    note = cache.perimetre_note(sel.niveau, sel.code)
    if note:
        st.caption(f"Périmètre : {note}.")
    cat = cache.catalogue()
    ids = tuple(i.id for i in cat.indicateurs if i.volet != "contexte" or i.cle)
    latest = cache.dernieres_valeurs(ids, sel.niveau, sel.code)
    if sel.niveau == "commune":
        ui_panel.projets_de_la_commune(sel.code)
    if latest.is_empty():
        st.info("Aucune valeur pour ce territoire.")
        return
    table = profil_table(latest, cache.dernieres_valeurs(ids, "epci", sel.epci), cat)
    st.dataframe(table, hide_index=True, width="stretch", height=500)
