"""Accueil: the barometer at a glance for the chosen territory."""

import polars as pl
import streamlit as st

from barometre import formats
from barometre.ui import commun as ui
from barometre.ui import vues

ui.ensure_entrypoint()

niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code")
code = code or ui.territoire_config().epci.code
nom = vues.nom_territoire(niveau, code)
st.title("Baromètre social & environnemental")
st.markdown(f"## {nom}")
note = vues.perimetre_note(niveau, code)
if note:
    st.caption(f"Périmètre : {note}.")

cles = [i for i in ui.catalogue().indicateurs if i.cle]
n_cols = 2 if ui.projection_mode() else 3
for volet, titre in (("qualite_de_vie", "Qualité de vie & bien-être"), ("environnement", "Environnement"),
                     ("contexte", "Contexte")):
    inds = [i for i in cles if i.volet == volet]
    if not inds:
        continue
    st.markdown(f"### {titre}")
    for start in range(0, len(inds), n_cols):
        cols = st.columns(n_cols)
        for col, ind in zip(cols, inds[start:start + n_cols], strict=False):
            vues.key_figure(col, ind, niveau, code)

st.markdown("### Objectifs et trajectoires")
ORIGINES = {"PCAET": "PCAET", "projet_de_territoire": "Projet de territoire",
            "loi_energie_climat": "Loi Énergie-Climat", "SNBC": "SNBC", "PREPA": "PREPA", "SRADDET": "SRADDET"}
rows = None
try:
    from barometre.calculs.objectifs import objectifs_rows
    from barometre.settings import get_settings

    rows = pl.DataFrame(objectifs_rows(get_settings(), ui.connection()), infer_schema_length=None)
except Exception as exc:  # the targets file is human-edited: show its error rather than crash the page
    st.error(f"Fichier des objectifs invalide : {exc}")
if rows is not None and rows.height:
    epci_rows = rows.filter(pl.col("territoire") == ui.territoire_config().epci.code)
    shown = epci_rows.filter(~pl.col("illustratif"))
    table = shown.select(
        pl.col("indicateur").alias("Indicateur"),
        pl.col("origine").replace(ORIGINES).alias("Origine"),
        pl.col("annee_cible").alias("Échéance"),
        pl.col("statut_libelle").alias("Statut"),
        pl.when(pl.col("a_confirmer")).then(pl.lit("à confirmer")).otherwise(pl.lit("")).alias("Remarque"),
    )
    labels = {i.id: i.nom_court for i in ui.catalogue().indicateurs}
    table = table.with_columns(pl.col("Indicateur").replace(labels))
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Objectifs de l'agglomération (PCAET, projet de territoire). {epci_rows.height - shown.height} "
               "objectifs nationaux ou régionaux transposés à titre illustratif sont détaillés, avec la règle de "
               "statut et les trajectoires, dans la page Volet environnemental.")
st.caption("Chaque chiffre vient d'une source officielle dont le millésime est indiqué ; les valeurs couvertes "
           f"par le secret statistique sont signalées comme telles ({formats.SECRET_TEXT}).")
