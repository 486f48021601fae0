"""Séance: an ordered list of views a presenter steps through with the arrow keys, as one link.

The list is in the URL (``vues=ind1,ind2,…``, ``etape=N``); each step shows one indicator for the chosen
territory with its comparison: one idea per screen.
"""

import polars as pl
import streamlit as st

from barometre import charts
from barometre.ui import commun as ui
from barometre.ui import vues

ui.ensure_entrypoint()

cat = ui.catalogue()
ids = [i.id for i in cat.indicateurs]
default = [i.id for i in cat.indicateurs if i.cle]
steps = [s for s in st.query_params.get("vues", ",".join(default)).split(",") if s in ids] or default
try:
    step = min(max(int(st.query_params.get("etape", "1")), 1), len(steps))
except ValueError:
    step = 1
niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code") or ui.territoire_config().epci.code
ind = cat.indicateur(steps[step - 1])
st.caption(f"Séance — vue {step} / {len(steps)} — {vues.nom_territoire(niveau, code)} — flèches ← → pour naviguer")
st.header(ind.libelle)
comp = ui.comparaison(ind.id, niveau, code, "")
if comp.filter(pl.col("valeur").is_not_null()).is_empty():
    ui.empty_state(ind, niveau, vues.nom_territoire(niveau, code))
else:
    own = ui.dernieres_valeurs((ind.id,), niveau, code).filter(pl.col("ventilation") == "")
    left, right = st.columns([1, 2])
    vues.metric_tile(left, ind, own.to_dicts()[0] if own.height else None, comp)
    chart = charts.comparison_chart(comp, ind.unite, ind.decimales,
                                    font_size=charts.font_size(ui.projection_mode()))  # the back of the room
    right.altair_chart(chart, width="stretch", alt=f"{ind.libelle} : comparaison")
    ui.caption_source(ind, comp)
prev_col, _, next_col = st.columns([1, 3, 1])
if prev_col.button("◀ Précédente", shortcut="Left", disabled=step <= 1, key="seance_prev"):
    st.query_params["etape"] = str(step - 1)
    st.rerun()
if next_col.button("Suivante ▶", shortcut="Right", disabled=step >= len(steps), key="seance_next"):
    st.query_params["etape"] = str(step + 1)
    st.rerun()
if not ui.projection_mode():
    with st.expander("Composer la séance"):
        chosen = st.multiselect("Vues, dans l'ordre", ids, default=steps,
                                format_func=lambda i: cat.indicateur(i).libelle, key="seance_vues")
        if st.button("Appliquer", key="seance_appliquer"):
            st.query_params["vues"] = ",".join(chosen)
            st.query_params["etape"] = "1"
            st.rerun()
        st.caption("Le lien de la page (barre d'adresse) contient la séance : il suffit de le partager. "
                   "Ajoutez « &mode=projection » pour l'ouvrir en mode projection.")
