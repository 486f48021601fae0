"""Méthodologie page sections drawn from the computations' own rule texts (Streamlit)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import verdicts
from barometre.calculs.budget_carbone import CHOIX_FR
from barometre.calculs.budget_carbone import METHODE_FR as BUDGET_CARBONE
from barometre.calculs.synthese import REGLE_PROGRES_FR, objectifs_du_projet
from barometre.calculs.targets import CONFIANCES_FR, NATURES_FR
from barometre.catalogue import Catalogue, Marge
from barometre.pilotage.synthese import registre_lignes
from barometre.settings import get_settings
from barometre.ui import cache
from barometre.ui import synthese as ui_synthese
from barometre.ui import verdicts as ui_verdicts

TERRITOIRES_FR = {"FR": "France", "32": "Hauts-de-France"}


def _valeur(annee: object, valeur: object, variation: object = None) -> str:
    if annee is None and valeur is None and variation is None:
        return "–"
    parts = [str(annee)] if annee is not None else []
    if valeur is not None:
        parts.append(formats.nombre(float(valeur), 1))
    elif variation is not None:
        parts.append(f"{formats.nombre(float(variation), 0)} %")
    return " : ".join(parts)


def registre() -> pl.DataFrame:
    """The register of targets as the page shows it: one row per target or aim, the project's first."""
    cat = cache.catalogue()
    conf = cache.territoire_config()
    rows = registre_lignes(get_settings(), cat, ui_verdicts.objectifs_en_vigueur())
    projet = objectifs_du_projet(rows, conf.epci.code)
    autres = [r for r in rows if r not in projet]
    libelles = {i.id: i.libelle for i in cat.indicateurs}
    noms = {**TERRITOIRES_FR, conf.epci.code: conf.epci.nom}
    return pl.DataFrame([{
        "Objectif": r.get("intitule") or r["id"],
        "Nature": NATURES_FR.get(r.get("nature") or "cible", ""),
        "Indicateur": libelles.get(r.get("indicateur") or "", "aucun indicateur encore"),
        "Territoire": noms.get(r["territoire"], r["territoire"]),
        "Référence": _valeur(r.get("annee_reference"), r.get("valeur_reference")),
        "Cible": _valeur(r.get("annee_cible"), r.get("valeur_cible"), r.get("variation_cible_pct")),
        "Forme": r.get("forme") or "", "Périmètre": r.get("perimetre") or "",
        "Origine": ", ".join(b for b in (r.get("document"), r.get("date_document"), r.get("localisation")) if b)
        or r.get("source", ""),
        "Confiance": "repère illustratif (non adopté par l'agglomération)" if r.get("illustratif")
        else CONFIANCES_FR.get(r.get("confiance") or "", ""),
        "Donnée attendue": r.get("donnee_attendue") or "",
    } for r in [*projet, *autres]])



COMPARAISONS_FR = (
    "**Comparer à l'identique.** Un repère (Nord, région, France métropolitaine, agglomération) n'est montré "
    "qu'avec la même définition, la même unité et une échelle comparable : un **total** (population, tonnes "
    "de gaz à effet de serre, hectares, nombre d'établissements) n'est jamais placé à côté du total d'un autre "
    "territoire — c'est l'indicateur par habitant, ou la part, qui porte la comparaison. Une valeur d'un "
    "autre niveau (l'espérance de vie n'est publiée qu'à partir du département) est nommée avec son niveau, "
    "jamais montrée comme la valeur du territoire. Une valeur d'une autre définition n'apparaît que sur une "
    "ligne « Autre définition (…) » qui dit la différence. Deux totaux sur des périodes de longueurs "
    "différentes (consommation d'espaces sur 2011-2020 puis sur 2021-2023) ne forment pas une série : aucune "
    "évolution n'est calculée entre eux.\n\n"
    "**Montants en euros constants.** Une évolution de montant (revenu médian) est donnée en euros constants "
    "du dernier millésime, avec l'indice annuel des prix à la consommation de l'INSEE (base 2015, ensemble des "
    "ménages, France, série 001764363) : montant × indice de l'année d'arrivée ÷ indice de l'année de départ ; "
    "l'évolution en euros courants reste affichée à côté. Sans l'indice des deux années, la carte dit « euros "
    "courants, inflation non déduite » et ne qualifie pas l'évolution.\n\n"
    "**Comment chaque valeur est faite.** La colonne « Méthode » dit, pour chaque valeur : « publiée par le "
    "producteur » (avec son nom ; le nombre d'une commune tel que l'INSEE le publie), « calculée par » un tiers "
    "nommé (parts calculées par l'observatoire PTOD à partir du recensement, recopiées telles quelles) ou "
    "« calculée par le baromètre » avec sa formule (taux d'une commune, valeurs d'un groupe de communes à "
    "partir des effectifs additionnés, IDH-4)."
)


def marge_texte(marge: Marge | None, unite: str) -> str:
    """« ±0,5 pt », « ±1 % de la valeur », « aucune (comptage exact) »."""
    if marge is None:
        return "non définie"
    parts = []
    if marge.absolue is not None:
        if marge.absolue == 0 and not marge.relative:
            return "aucune (toute variation est lue)"
        unit = "pt" if unite == "%" else unite
        parts.append(f"±{formats.nombre(marge.absolue, 2 if marge.absolue < 0.1 else 1)} {unit}".strip())
    if marge.relative is not None:
        parts.append(f"±{formats.nombre(marge.relative, 0)} % de la valeur comparée")
    return " ou ".join(parts)


def marges(cat: Catalogue) -> None:
    """The margin rules by kind of source, and each indicator's margin, rule and kind (total or rate)."""
    st.markdown("## Marges, comparaisons et méthodes")
    st.markdown(
        "Chaque indicateur porte une **marge** : une variation entre deux millésimes qui reste dans la marge "
        "est « stable », un écart avec un repère qui reste dans la marge est « comparable ». C'est la marge "
        "d'erreur du producteur quand il en publie une ; sinon une règle écrite dans le catalogue "
        "(`data/catalogue/indicateurs.toml`, tables `[marges.*]`) selon le type de source :")
    usage = {k: sum(1 for i in cat.indicateurs if i.marge_regle == k) for k in cat.marges}
    st.dataframe(pl.DataFrame([{"Règle": r.libelle, "Marge": marge_texte(Marge(k, r.absolue, r.relative), "")
                                if r.absolue is not None or r.relative is not None else "celle du producteur",
                                "Origine": "producteur" if r.origine == "producteur" else "règle du baromètre",
                                "Indicateurs": usage[k]}
                               for k, r in cat.marges.items()]), hide_index=True, width="stretch")
    st.caption("Une marge absolue est dans l'unité de l'indicateur (en points pour un taux en %) ; une marge "
               "relative en % de la valeur comparée (la plus grande des deux s'applique). Détail par indicateur "
               "ci-dessous.")
    st.markdown("\n".join(f"- **{r.libelle}** — {r.texte}" for r in cat.marges.values()))
    st.markdown(COMPARAISONS_FR)
    with st.expander("Marge et nature de chaque indicateur"):
        st.dataframe(pl.DataFrame([
            {"Indicateur": i.libelle, "Unité": i.unite, "Marge": marge_texte(cat.marge(i), i.unite),
             "Règle": cat.marges[i.marge_regle].libelle if i.marge_regle in cat.marges else "",
             "Nature": "total (jamais comparé au total d'un autre territoire)" if i.grandeur == "total"
             else "taux, part, montant ou indice (comparable)"}
            for i in cat.indicateurs]), hide_index=True, width="stretch")


def verdicts_et_budget() -> None:
    """The verdict rule (progression / situation, Open SDG thresholds), the carbon budget's method and its
    choices, the register of targets and the progress rule of « Où en est le territoire ? »."""
    st.markdown("## Verdicts : progression et situation")
    st.markdown(verdicts.RULE_FR)
    marges(cache.catalogue())
    st.markdown("## Budget carbone")
    st.markdown(BUDGET_CARBONE)
    st.markdown(CHOIX_FR)
    st.markdown("## Registre des objectifs et règle de progrès")
    st.markdown("Le registre (fichier data/catalogue/objectifs.csv, modifiable dans le volet environnemental) est "
                "la seule source des cibles : cartes, statuts, trajectoires, budget carbone, séance et dossier de "
                "séance. Chaque cible y a son indicateur, sa référence, son échéance, la forme de sa trajectoire, "
                "son périmètre, son origine (document, date, page ou article) et sa confiance (« adopté » ou « à "
                "confirmer »). Les orientations du projet sans cible chiffrée (santé, développement humain, "
                "équité entre bassins) y figurent aussi.")
    st.markdown(REGLE_PROGRES_FR)
    synth = ui_synthese.du_jour("epci", cache.territoire_config().epci.code)
    st.metric("Cibles du projet non renseignées", f"{synth.non_renseignes} sur {len(synth.objectifs)}",
              help="Cibles du projet de territoire et du PCAET sans aucune observation chargée : ce chiffre doit "
                   "baisser à mesure que les données attendues sont chargées.")
    st.dataframe(registre(), hide_index=True, width="stretch")


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
    "PCAET": "Plan climat-air-énergie territorial.",
    "PREPA": "Plan national de réduction des émissions de polluants atmosphériques.",
    "QPV": "Quartier prioritaire de la politique de la ville.",
    "RP": "Recensement de la population (INSEE) ; RP 2022 = enquêtes 2020 à 2024.",
    "SNBC": "Stratégie nationale bas-carbone.",
    "SRADDET": "Schéma régional d'aménagement, de développement durable et d'égalité des territoires.",
    "UC": "Unité de consommation : pondération des membres du ménage pour comparer les niveaux de vie.",
}


def glossaire() -> None:
    """The acronyms the pages use; the PCAET's adoption date is the territory's (territoire.toml, [documents])."""
    st.markdown("## Glossaire")
    docs = cache.territoire_config().documents
    for sigle, texte in GLOSSAIRE.items():
        if sigle == "PCAET" and docs.pcaet_adopte_le:
            texte = f"Plan climat-air-énergie territorial, adopté par l'agglomération le {docs.pcaet_adopte_le}."
        st.markdown(f"**{sigle}** — {texte}")
