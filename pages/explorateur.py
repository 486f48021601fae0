"""Explorateur: any indicator × territories × years, as chart and table, with downloads."""

import polars as pl
import streamlit as st

from barometre import charts
from barometre.ui import commun as ui

ui.ensure_entrypoint()

cat = ui.catalogue()
st.title("Explorateur")
c1, c2 = st.columns([2, 1])
disponibles = ui.indicateurs_disponibles()
inds = [i for i in cat.indicateurs if i.id in disponibles]
ind = ui.indicator_picker(inds, key="ind_explo", container=c1)
ventilation = ui.ventilation_picker(ind, key="vent_explo", container=c2)
all_terr = ui.territoires()
keys = [f"{r['niveau']}:{r['code']}" for r in all_terr.iter_rows(named=True)]
names = {f"{r['niveau']}:{r['code']}": f"{r['nom']} ({r['niveau']})" for r in all_terr.iter_rows(named=True)}
epci_key = f"epci:{ui.territoire_config().epci.code}"
default = [k for k in (epci_key, "departement:59", "region:32", "france:FRM") if k in keys]
if "terr_explo" not in st.session_state:
    from_url = [k for k in st.query_params.get_all("t") if k in keys]
    st.session_state["terr_explo"] = from_url or default
chosen = st.multiselect("Territoires", keys, format_func=names.get, key="terr_explo")
st.query_params["t"] = chosen
pairs = tuple(tuple(k.split(":", 1)) for k in chosen)
df = ui.series(ind.id, pairs, ventilation)
if df.filter(pl.col("valeur").is_not_null() | pl.col("secret")).is_empty():
    ui.empty_state(ind, "", "les territoires choisis")
else:
    size = charts.font_size(ui.projection_mode())
    chart = (charts.series_chart(df, ind.unite, ind.decimales, font_size=size) if df["annee"].n_unique() > 1
             else charts.comparison_chart(df.with_columns(pl.lit(0).alias("ordre")), ind.unite, ind.decimales,
                                          font_size=size))
    st.altair_chart(chart, width="stretch", alt=f"{ind.libelle} pour les territoires choisis")
    secret = df.filter(pl.col("secret"))["nom"].to_list()
    if secret:
        st.caption("Secret statistique : " + ", ".join(secret))
    ui.caption_source(ind, df)
    st.dataframe(ui.display_table(df, ind, {"nom": "Territoire", "niveau": "Niveau", "annee": "Année",
                                            "valeur": "Valeur", "methode": "Méthode", "source": "Source"}),
                 hide_index=True, width="stretch")
    ui.table_and_downloads(df, ind, {"nom": "Territoire", "niveau": "Niveau", "code": "Code", "annee": "Année",
                                     "ventilation": "Détail", "valeur": "Valeur", "methode": "Méthode",
                                     "source": "Source"}, key="explo", chart=chart)
