"""Méthodologie & sources: every source, every definition, a glossary."""

import polars as pl
import streamlit as st

from barometre.ui import cache, etat, methodologie
from barometre.ui import chargements as ui_chargements

etat.ensure_entrypoint()

cat = cache.catalogue()
st.title("Méthodologie & sources")
st.markdown(
    "Chaque chiffre du baromètre vient d'une source officielle, avec son millésime. Les taux d'un groupe de "
    "communes (bassin, agglomération) sont calculés à partir des effectifs additionnés, jamais en moyennant "
    "les taux des communes ; les médianes et les taux de pauvreté ne sont montrés que là où le producteur les "
    "publie, sinon leur dispersion entre communes. Les valeurs couvertes par le secret statistique sont "
    "signalées comme telles, jamais remplacées par zéro.")
methodologie.verdicts_et_budget()
st.markdown("## Sources")
st.dataframe(pl.DataFrame([{"Producteur": s.producteur, "Jeu de données": s.jeu_de_donnees,
                            "Millésime": s.millesime, "Licence": s.licence, "Lien": s.url, "Note": s.note}
                           for s in cat.sources]),
             hide_index=True, width="stretch", column_config={"Lien": st.column_config.LinkColumn("Lien")})
st.markdown("## Indicateurs")
volet = st.segmented_control("Volet", ["environnement", "qualite_de_vie", "contexte"], default="qualite_de_vie",
                             format_func={"environnement": "Environnement", "qualite_de_vie": "Qualité de vie",
                                          "contexte": "Contexte"}.get, key="methodo_volet")
st.dataframe(pl.DataFrame([{"Identifiant": i.id, "Indicateur": i.libelle, "Unité": i.unite, "Thème": i.theme,
                            "Type": i.type, "Définition": i.definition, "Calcul": i.methode or i.agregation,
                            "Millésime": i.millesime, "Critère de la grille": i.critere_grille,
                            "Engagement": i.engagement}
                           for i in cat.indicateurs if volet is None or i.volet == volet]),
             hide_index=True, width="stretch")
ui_chargements.revisions_producteur()
methodologie.glossaire()
