"""Accueil: the barometer at a glance for the chosen territory."""

import polars as pl
import streamlit as st

from barometre import formats, ui, vues

niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code")
code = code or ui.territoire_config().epci.code
nom = vues.nom_territoire(niveau, code)
st.title("Baromètre social & environnemental")
st.markdown(f"### {nom}")
note = vues.perimetre_note(niveau, code)
if note:
    st.caption(f"Périmètre : {note}.")

cles = [i for i in ui.catalogue().indicateurs if i.cle]
latest = ui.dernieres_valeurs(tuple(i.id for i in cles), niveau, code)
for volet, titre in (("qualite_de_vie", "Qualité de vie & bien-être"), ("environnement", "Environnement"),
                     ("contexte", "Contexte")):
    inds = [i for i in cles if i.volet == volet]
    if not inds:
        continue
    st.markdown(f"#### {titre}")
    cols = st.columns(4)
    for n, ind in enumerate(inds):
        rows = latest.filter((pl.col("indicateur") == ind.id) & (pl.col("ventilation") == ""))
        if rows.is_empty():  # indicators published by breakdown only (life expectancy by sex)
            rows = latest.filter(pl.col("indicateur") == ind.id).head(1)
        row = rows.to_dicts()[0] if rows.height else None
        comp = ui.comparaison(ind.id, niveau, code, row["ventilation"] if row else "")
        box = cols[n % 4].container(border=True)
        if row is None:
            box.metric(ind.nom_court, "non disponible", help=ind.definition)
            dispo = ui.disponibilite(ind.id)
            where = ", ".join(f"{r['niveau']} ({r['derniere_annee']})" for r in dispo.iter_rows(named=True)
                              if r["n_valeurs"])
            box.caption(f"Pas publié pour ce territoire. Disponible : {where}." if where else
                        "Donnée pas encore chargée (voir Méthodologie).")
            continue
        if row["ventilation"]:
            box.caption(row["ventilation"])
        vues.metric_tile(box, ind, row, comp)

st.markdown("#### Objectifs et trajectoires")
rows = ui_objectifs = None
try:
    from barometre.objectifs import objectifs_rows
    from barometre.settings import get_settings

    rows = pl.DataFrame(objectifs_rows(get_settings(), ui.connection()), infer_schema_length=None)
except Exception as exc:  # the targets file is human-edited: show its error rather than crash the page
    st.error(f"Fichier des objectifs invalide : {exc}")
if rows is not None and rows.height:
    shown = rows.filter(pl.col("territoire") == ui.territoire_config().epci.code)
    table = shown.select(
        pl.col("indicateur").alias("Indicateur"),
        pl.col("origine").alias("Origine"),
        pl.col("annee_cible").alias("Échéance"),
        pl.col("statut_libelle").alias("Statut"),
        pl.when(pl.col("a_confirmer")).then(pl.lit("à confirmer")).otherwise(pl.lit("")).alias("Remarque"),
        pl.when(pl.col("illustratif")).then(pl.lit("objectif national transposé (illustratif)"))
        .otherwise(pl.lit("")).alias("Nature"),
    )
    labels = {i.id: i.nom_court for i in ui.catalogue().indicateurs}
    table = table.with_columns(pl.col("Indicateur").replace(labels))
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Objectifs de l'agglomération (PCAET, projet de territoire) et objectifs nationaux ou régionaux "
               "transposés. Détail et règle de statut : page Volet environnemental.")
st.caption("Chaque chiffre vient d'une source officielle dont le millésime est indiqué ; les valeurs couvertes "
           f"par le secret statistique sont signalées comme telles ({formats.SECRET_TEXT}).")
