"""Accueil: the barometer at a glance for the chosen territory."""

import streamlit as st

from barometre import formats
from barometre.ui import cache, etat, panneaux
from barometre.ui import objectifs as ui_objectifs
from barometre.ui import synthese as ui_synthese

etat.ensure_entrypoint()
sel = etat.selection()

st.title("Baromètre social & environnemental")
st.markdown(f"## {sel.nom}")
note = cache.perimetre_note(sel.niveau, sel.code)
if note:
    st.caption(f"Périmètre : {note}.")
ui_synthese.afficher(ui_synthese.du_jour(sel.niveau, sel.code))  # « Où en est le territoire ? »

cles = [i for i in cache.catalogue().indicateurs if i.cle]
n_cols = 2 if sel.projection else 3
for volet, titre in (("qualite_de_vie", "Qualité de vie & bien-être"), ("environnement", "Environnement"),
                     ("contexte", "Contexte")):
    inds = [i for i in cles if i.volet == volet]
    if not inds:
        continue
    st.markdown(f"### {titre}")
    for start in range(0, len(inds), n_cols):
        cols = st.columns(n_cols)
        for col, ind in zip(cols, inds[start:start + n_cols], strict=False):
            panneaux.key_figure(col, ind, sel)

st.markdown("### Objectifs et trajectoires")
ui_objectifs.resume_accueil(sel)
st.caption("Chaque chiffre vient d'une source officielle dont le millésime est indiqué ; les valeurs couvertes "
           f"par le secret statistique sont signalées comme telles ({formats.SECRET_TEXT}).")
