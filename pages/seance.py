"""Séance: an ordered list of views a presenter steps through with the arrow keys, as one link.

The list is in the URL (``vues=ind1,ind2,…``, ``etape=N``); each step shows one indicator for the chosen
territory with its comparison: one idea per screen.
"""

import polars as pl
import streamlit as st

from barometre import charts
from barometre.ui import cache, etat, panneaux, provenance

etat.ensure_entrypoint()
sel = etat.selection()

cat = cache.catalogue()
ids = [i.id for i in cat.indicateurs]
default = [i.id for i in cat.indicateurs if i.cle]
steps = [s for s in (etat.url("vues") or ",".join(default)).split(",") if s in ids] or default
step = etat.etape("etape", len(steps))
ind = cat.indicateur(steps[step - 1])
st.caption(f"Séance — vue {step} / {len(steps)} — {sel.nom} — flèches ← → pour naviguer")
st.header(ind.libelle)
comp = cache.comparaison(ind.id, sel.niveau, sel.code, "")
if comp.filter(pl.col("valeur").is_not_null()).is_empty():
    provenance.empty_state(ind, sel.niveau, sel.nom)
else:
    own = cache.dernieres_valeurs((ind.id,), sel.niveau, sel.code).filter(pl.col("ventilation") == "")
    left, right = st.columns([1, 2])
    panneaux.metric_tile(left, ind, own.to_dicts()[0] if own.height else None, comp)
    chart = charts.comparison_chart(comp, ind.unite, ind.decimales, font_size=panneaux.chart_font(sel))
    right.altair_chart(chart, width="stretch", alt=f"{ind.libelle} : comparaison")
    provenance.caption_source(ind, comp)
etat.step_buttons("etape", step, len(steps), key="seance")
if not sel.projection:
    with st.expander("Composer la séance"):
        chosen = st.multiselect("Vues, dans l'ordre", ids, default=steps,
                                format_func=lambda i: cat.indicateur(i).libelle, key="seance_vues")
        if st.button("Appliquer", key="seance_appliquer"):
            etat.url_ecrire({"vues": ",".join(chosen), "etape": "1"})
        st.caption("Le lien de la page (barre d'adresse) contient la séance : il suffit de le partager. "
                   "Ajoutez « &mode=projection » pour l'ouvrir en mode projection.")
