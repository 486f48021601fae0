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
st.markdown("## Glossaire")
GLOSSAIRE = {
    "APL": "Accessibilité potentielle localisée : consultations de médecine générale accessibles par habitant "
           "et par an (DREES).",
    "BPE": "Base permanente des équipements (INSEE).",
    "COG": "Code officiel géographique (INSEE).",
    "ENAF": "Espaces naturels, agricoles et forestiers ; leur consommation mesure l'artificialisation.",
    "EnR": "Énergies renouvelables.",
    "EPCI": "Établissement public de coopération intercommunale (ici la communauté d'agglomération).",
    "Filosofi": "Fichier localisé social et fiscal (INSEE) : revenus, niveau de vie, pauvreté.",
    "IDH-4": "Indice de développement humain régional (santé, éducation, niveau de vie), variante "
             "Hauts-de-France de l'IDH du PNUD.",
    "IGT": "Inventaire de gaz à effet de serre territorialisé (ADEME).",
    "PCAET": "Plan climat-air-énergie territorial, adopté par l'agglomération le 3 juillet 2023.",
    "PREPA": "Plan national de réduction des émissions de polluants atmosphériques.",
    "QPV": "Quartier prioritaire de la politique de la ville.",
    "RP": "Recensement de la population (INSEE) ; RP 2022 = enquêtes 2020 à 2024.",
    "SNBC": "Stratégie nationale bas-carbone.",
    "SRADDET": "Schéma régional d'aménagement, de développement durable et d'égalité des territoires.",
    "UC": "Unité de consommation : pondération des membres du ménage pour comparer les niveaux de vie.",
}
for sigle, texte in GLOSSAIRE.items():
    st.markdown(f"**{sigle}** — {texte}")
