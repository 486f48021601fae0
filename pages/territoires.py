"""Territoires: a map of the communes for any indicator and a profile of any territory."""

import polars as pl
import streamlit as st

from barometre import charts, charts_panel, formats
from barometre.ui import commun as ui
from barometre.ui import panel as ui_panel
from barometre.ui import vues

ui.ensure_entrypoint()

niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code") or ui.territoire_config().epci.code
st.title("Territoires")
cat = ui.catalogue()
communal = [i for i in cat.indicateurs if ui.annees(i.id, "commune")]
c1, c2, c3 = st.columns([2, 1, 1])
ind = ui.indicator_picker(communal, key="ind_carte", container=c1)
zonage = ui.zonage_picker(container=c2)
annee = ui.year_picker(ui.annees(ind.id, "commune"), key="annee_carte", container=c3)
ventilation = ui.ventilation_picker(ind, key="vent_carte")
communes = ui.valeurs_communes(ind.id, annee, zonage, ventilation)
geoms = ui.geometries("commune")
outlines = ui.geometries(zonage)
deck, legend = charts.choropleth(communes, geoms, outlines, vues.fmt(ind), ind.unite)
projets_label = ui_panel.panel().projets_labellises()
avec_projets = st.toggle(f"Projets labellisés « Porte du Hainaut 2044 » ({projets_label.height})",
                         key="carte_projets_label", disabled=projets_label.is_empty(),
                         help="Ajoute à la carte les projets labellisés (page Label 2044) : leur lieu, ou le "
                              "centre de leur commune quand le lieu n'est pas précisé.")
if avec_projets:
    deck.layers.append(charts_panel.couche_projets(ui_panel.projets_carte(projets_label)))
st.markdown(f"## {ind.libelle} ({ind.unite}), {annee}")
left, right = st.columns([3, 1])
with left:
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="carte", height=560,
                            alt=f"Carte des communes : {ind.libelle}")
with right:
    st.markdown("**Légende** (classes par quantiles)")
    for label, rgb in legend:
        st.html(f'<div style="display:flex;align-items:center;gap:.5rem;margin:.2rem 0">'
                f'<span style="display:inline-block;width:1.4rem;height:1rem;border:1px solid #555;'
                f'background:rgb({rgb[0]},{rgb[1]},{rgb[2]})"></span><span>{label}</span></div>')
    st.caption("Traits noirs épais : contours des zones du découpage choisi. Cliquer une commune ouvre son profil.")
    if avec_projets:
        st.html('<div style="display:flex;align-items:center;gap:.5rem;margin:.2rem 0"><span style="display:'
                'inline-block;width:1rem;height:1rem;border-radius:50%;border:2px solid rgb(20,20,20);'
                'background:rgb(0,158,115)"></span><span>Projet labellisé Porte du Hainaut 2044</span></div>')
ui.caption_source(ind, communes.with_columns(pl.lit(annee).alias("annee")))
selected = charts.commune_cliquee(event)
if selected and (st.session_state.get("niveau") != "commune" or st.session_state.get("code") != selected):
    st.query_params["niveau"] = "commune"
    st.query_params["code"] = selected
    st.session_state.pop("niveau", None)
    st.session_state.pop("code", None)
    st.rerun()
ui.table_and_downloads(communes, ind, {"nom": "Commune", "code": "Code", "nom_zone": "Zone", "valeur": "Valeur",
                                       "source": "Source"}, key="carte_table")

st.markdown(f"## Profil : {vues.nom_territoire(niveau, code)}")
note = vues.perimetre_note(niveau, code)
if note:
    st.caption(f"Périmètre : {note}.")
profile_ids = [i.id for i in cat.indicateurs if i.volet != "contexte" or i.cle]
latest = ui.dernieres_valeurs(tuple(profile_ids), niveau, code)
epci = ui.dernieres_valeurs(tuple(profile_ids), "epci", ui.territoire_config().epci.code)
if niveau == "commune":
    ici = projets_label.filter(pl.col("commune") == code) if projets_label.height else projets_label
    st.markdown(f"**Projets labellisés « Porte du Hainaut 2044 »** : {ici.height}")
    if ici.height:
        st.dataframe(ici.select(pl.col("titre").alias("Projet"), pl.col("porteur").alias("Porteur"),
                                pl.col("lieu").alias("Lieu"),
                                pl.col("date_decision").str.to_date("%Y-%m-%d", strict=False).dt.strftime("%d/%m/%Y")
                                .alias("Labellisé le")),
                     hide_index=True, width="stretch")
if latest.is_empty():
    st.info("Aucune valeur pour ce territoire.")
else:
    joined = latest.join(epci.select("indicateur", "ventilation", pl.col("valeur").alias("valeur_epci")),
                         on=["indicateur", "ventilation"], how="left")
    units = {i.id: (i.unite, i.decimales) for i in cat.indicateurs}
    table = pl.DataFrame({
        "Indicateur": [r["libelle"] + (f" — {r['ventilation']}" if r["ventilation"] else "")
                       for r in joined.iter_rows(named=True)],
        "Année": joined["annee"].to_list(),
        "Valeur": [formats.valeur_unite(r["valeur"], units[r["indicateur"]][0], units[r["indicateur"]][1],
                                        r["secret"]) for r in joined.iter_rows(named=True)],
        "Agglomération": [formats.valeur_unite(r["valeur_epci"], units[r["indicateur"]][0],
                                               units[r["indicateur"]][1]) if r["valeur_epci"] is not None else "–"
                          for r in joined.iter_rows(named=True)],
        "Source": joined["source"].to_list(),
    })
    st.dataframe(table, hide_index=True, width="stretch", height=500)
