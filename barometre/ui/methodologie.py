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


def verdicts_et_budget() -> None:
    """The verdict rule (progression / situation, Open SDG thresholds), the carbon budget's method and its
    choices, the register of targets and the progress rule of « Où en est le territoire ? »."""
    st.markdown("## Verdicts : progression et situation")
    st.markdown(verdicts.RULE_FR)
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
