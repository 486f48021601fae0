"""Explorateur: any indicator × territories × years, as chart and table, with downloads."""

import polars as pl
import streamlit as st

from barometre.ui import cache, etat, femmes_hommes, graphiques, panneaux, provenance

etat.ensure_entrypoint()
sel = etat.selection()

cat = cache.catalogue()
st.title("Explorateur")


@st.fragment  # a change of indicator, breakdown or territories redraws this part only
def explorer() -> None:
    c1, c2 = st.columns([2, 1])
    disponibles = cache.indicateurs_disponibles()
    ind = etat.indicator_picker([i for i in cat.indicateurs if i.id in disponibles], key="ind_explo", container=c1)
    ventilation = etat.ventilation_picker(ind, key="vent_explo", container=c2)
    all_terr = cache.territoires()
    names = {f"{r['niveau']}:{r['code']}": f"{r['nom']} ({cache.niveau_libelle(r['niveau'])})"
             for r in all_terr.iter_rows(named=True)}
    keys = list(names)
    default = [k for k in (f"epci:{sel.epci}", "departement:59", "region:32", "france:FRM") if k in keys]
    chosen = etat.territories_picker(keys, default, names, key="terr_explo")
    pairs = tuple(tuple(k.split(":", 1)) for k in chosen)
    df = cache.series(ind.id, pairs, ventilation)
    if df.filter(pl.col("valeur").is_not_null() | pl.col("secret")).is_empty():
        provenance.empty_state(ind, "", "les territoires choisis")
    else:
        size = panneaux.chart_font(sel)
        alt = f"{ind.libelle} pour les territoires choisis"
        chart = (graphiques.afficher("series_chart", df, ind.unite, ind.decimales, font_size=size, alt=alt)
                 if df["annee"].n_unique() > 1 else
                 graphiques.afficher("comparison_chart", df.with_columns(pl.lit(0).alias("ordre")), ind.unite,
                                     ind.decimales, font_size=size, alt=alt))
        secret = df.filter(pl.col("secret"))["nom"].to_list()
        if secret:
            st.caption("Secret statistique : " + ", ".join(secret))
        provenance.caption_source(ind, df)
        shown = {f"{n}:{c}" for n, c in df.filter(pl.col("valeur").is_not_null() | pl.col("secret"))
                 .select("niveau", "code").iter_rows()}
        missing = [names[k] for k in chosen if k not in shown]
        if missing:
            st.caption("Aucune valeur de même définition pour : " + ", ".join(missing) + ".")
        st.dataframe(provenance.display_table(df, ind, {"nom": "Territoire", "niveau": "Niveau", "annee": "Année",
                                                        "valeur": "Valeur", "methode": "Méthode", "source": "Source"}),
                     hide_index=True, width="stretch")
        provenance.table_and_downloads(df, ind, {"nom": "Territoire", "niveau": "Niveau", "code": "Code",
                                                 "annee": "Année", "ventilation": "Détail", "valeur": "Valeur",
                                                 "methode": "Méthode", "source": "Source"}, key="explo", chart=chart)
    femmes_hommes.femmes_hommes(ind)


explorer()
