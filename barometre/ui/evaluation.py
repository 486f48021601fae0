"""The Évaluation page (pages/evaluation.py): for each engagement, orientation or emblematic project, the four
answers the Projet de territoire promised — effectivité, efficacité, utilité, efficience — with the service's
declared confidence beside each action; agents import the réalisation / résultat indicators from the
services' spreadsheets and declare confidence. Computations: barometre.calculs.evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import evaluation as ev
from barometre.pilotage import structure as pilotage
from barometre.pilotage.evaluation import Evaluation, lire_import, modele_csv, modele_xlsx
from barometre.pilotage.store import Store, Utilisateur
from barometre.texte import echapper, nom_fichier
from barometre.ui import cache, cadre, etat
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import verdicts as ui_verdicts

NIVEAUX_GROUPE = {"engagement": "Engagements", "orientation": "Orientations", "projet": "Projets emblématiques"}
ILLUSTRATIF = "exemple illustratif"


@dataclass(frozen=True)
class Contexte:
    s: Store
    e: Evaluation
    user: Utilisateur | None
    structure: object
    labels: dict
    actions: pl.DataFrame
    jalons: pl.DataFrame
    indicateurs: pl.DataFrame
    mesures: pl.DataFrame
    confiances: pl.DataFrame
    today: date


def contexte(user: Utilisateur | None) -> Contexte:
    s = ui_pilotage.store()
    e = Evaluation(s)
    today = date.today()
    jalons = s.jalons()
    return Contexte(s, e, user, s.structure, s.structure.libelles(), s.actions(),
                    pilotage.jalons_avec_retard(jalons, today) if jalons.height else jalons,
                    e.indicateurs(), e.mesures(), e.confiances(), today)


def _groupes(c: Contexte, par: str) -> list[str]:
    st_ = c.structure
    return [x.id for x in {"engagement": st_.engagements, "orientation": st_.orientations,
                           "projet": st_.projets}[par]]


def _euros(x: float | None) -> str:
    return "inconnu" if x is None else f"{formats.nombre(x, 0)}\u202f€"


def synthese(c: Contexte) -> None:
    """The four answers side by side, one row per engagement, orientation or project."""
    par = etat.section_picker(NIVEAUX_GROUPE, "eval_par", "Regrouper par")
    groupes = _groupes(c, par)
    lectures = ev.lire_indicateurs(c.indicateurs, c.mesures, c.today.year)
    impact = _verdicts_impact(c)
    util = ev.utilite(c.actions, impact)
    cout = ev.efficience(c.actions, c.s.ressources(), c.indicateurs, c.mesures)
    bl = ev.blocs(c.actions, c.jalons, lectures, util, cout, par, groupes)
    vides = [c.labels.get(g, g) for g in groupes if g not in bl]
    for g, blocs in bl.items():
        st.header(echapper(c.labels.get(g, g)))  # h2 under the page's h1 (an h3 skipped a level: heading-order)
        for col, (cle, lignes) in zip(st.columns(4), blocs.items(), strict=True):
            col.markdown(f"**{ev.QUESTIONS[cle].split(' — ')[0]}**  \n" + "  \n".join(lignes))
    if vides:
        st.caption("Sans action saisie : " + " ; ".join(echapper(x) for x in vides) + ".")
    st.caption("Efficacité : règle des verdicts du baromètre (Méthodologie) appliquée aux objectifs opérationnels "
               "des services ; utilité : verdicts du baromètre pour l'agglomération ; un montant inconnu reste "
               "« inconnu », jamais 0.")
    detail(c, par, groupes, lectures, util, cout)


def _verdicts_impact(c: Contexte | None) -> dict:
    epci = cache.territoire_config().epci
    lectures = ui_verdicts.lectures("epci", epci.code)
    return {i: (lec.objectif or lec.progression) for i, lec in lectures.items()}


def detail(c: Contexte, par: str, groupes: list[str], lectures: list, util: pl.DataFrame,
           cout: pl.DataFrame) -> None:
    """Per group, each action: milestones, indicators, impacts, resources and declared confidence."""
    conf = ev.derniere_confiance(c.confiances)
    cat = cache.catalogue()
    for g in groupes:
        mine = c.actions.filter(pl.col(par) == g) if c.actions.height else c.actions
        if not mine.height:
            continue
        with st.expander(f"{c.labels.get(g, g)} — {mine.height} action(s)"):
            for a in mine.iter_rows(named=True):
                # typed text is never set in bold nor as a heading (our markup would carry it): plain, escaped
                lines = [f"Action n° {a['id']} — {echapper(a['libelle'])}"]
                k = conf.get(a["id"])
                if k:
                    lines.append(f"- Confiance déclarée par le service : **{ev.CONFIANCE[k['niveau']]}** le "
                                 f"{formats.date_longue(k['date'])}" + (f" ({ILLUSTRATIF})" if k["illustratif"] else "")
                                 + (f" — {echapper(k['commentaire'])}" if k["commentaire"] else ""))
                else:
                    lines.append("- Confiance : pas encore déclarée par le service.")
                for r in (x for x in lectures if x.action_id == a["id"]):
                    lines.append(f"- {ev.NIVEAUX[r.niveau]} : {echapper(r.texte)}")
                for u in util.filter(pl.col("action_id") == a["id"]).iter_rows(named=True):
                    try:
                        nom = cat.indicateur(u["indicateur"]).nom_court
                    except KeyError:
                        nom = u["indicateur"]
                    lines.append(f"- Impact : {echapper(nom)} — {echapper(u['verdict'])}")
                ef = cout.filter(pl.col("action_id") == a["id"]).row(0, named=True)
                ratio = (f" ; {_euros(ef['cout_unitaire'])} par {echapper(ef['unite_ratio'])} réalisé(e) en "
                         f"{ef['annee_ratio']}" if ef["cout_unitaire"] is not None else
                         f" ; pas de coût unitaire ({ef['pourquoi']})")
                lines.append(f"- Ressources (codes {echapper(ef['codes']) or '—'}) : alloué {_euros(ef['alloue'])}, "
                             f"consommé {_euros(ef['consomme'])}{ratio}")
                st.markdown("\n".join(lines))


def saisie(c: Contexte) -> None:
    """Agents: import the indicators from the template, declare a confidence level."""
    if not ui_pilotage.peut(c.user, "evaluation"):
        st.caption("Les agents connectés importent les indicateurs de réalisation et de résultat et déclarent la "
                   "confiance de leur service.")
        return
    with st.expander("Importer les indicateurs d'une feuille de route (CSV ou XLSX)"):
        st.markdown("Une ligne par indicateur et par année : `action` (n° de l'action), `niveau` (réalisation ou "
                    "résultat), `indicateur`, `unite`, `sens` (hausse ou baisse favorable), `annee`, `valeur` ; "
                    "pour un résultat, `objectif` et `annee_objectif`, `reference` et `annee_reference`. "
                    "`illustratif` : oui pour un exemple. Un fichier avec une erreur n'importe rien.")
        c1, c2 = st.columns(2)
        c1.download_button("Modèle CSV", modele_csv(), "modele_indicateurs_actions.csv", "text/csv")
        c2.download_button("Modèle XLSX", modele_xlsx(), "modele_indicateurs_actions.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        fichier = st.file_uploader(f"Fichier (CSV, TXT ou XLSX ; {cadre.taille_max_televersement()})",
                                   type=["csv", "txt", "xlsx"], key="eval_fichier")
        if fichier is not None:
            try:
                nom, _ = nom_fichier(fichier.name)
                lignes = lire_import(fichier.getvalue(), nom, c.actions)
            except Exception as exc:  # noqa: BLE001 - IngestError: French, with the line, the column and the fix
                st.error(echapper(exc))
            else:
                st.dataframe(pl.DataFrame([{
                    "Ligne": li.ligne, "Action": li.action_id, "Niveau": ev.NIVEAUX[li.niveau],
                    "Indicateur": li.libelle, "Unité": li.unite, "Année": str(li.annee),
                    "Valeur": "–" if li.valeur is None else formats.nombre(li.valeur, 2),
                    "Objectif": "" if li.objectif_valeur is None else
                    f"{formats.nombre(li.objectif_valeur, 2)} en {li.objectif_annee}",
                    "Illustratif": "oui" if li.illustratif else "non"} for li in lignes]), hide_index=True)
                if st.button(f"Importer {len(lignes)} ligne(s)", key="eval_importer"):
                    counts: dict = {}
                    if ui_pilotage.ecrire(lambda: counts.update(c.e.importer(c.user, lignes)), "Import terminé."):
                        st.success(f"{counts['indicateurs']} indicateur(s) créé(s), {counts['mesures_creees']} "
                                   f"mesure(s) créée(s), {counts['mesures_modifiees']} mise(s) à jour.")
    if c.actions.height:
        with st.expander("Déclarer la confiance du service"), st.form("eval_confiance"):
            labels = {r["id"]: r["libelle"] for r in c.actions.iter_rows(named=True)}
            act = st.selectbox("Action", list(labels), format_func=labels.get)
            niveau = st.selectbox("Confiance", list(ev.CONFIANCE), format_func=ev.CONFIANCE.get)
            jour = st.date_input("Date", value=c.today, format="DD/MM/YYYY")
            comm = st.text_input("Commentaire")
            if st.form_submit_button("Déclarer") and ui_pilotage.ecrire(lambda: c.e.declarer_confiance(
                    c.user, action_id=act, date=jour, niveau=niveau, commentaire=comm), "Confiance déclarée."):
                st.rerun()


def feuille() -> pl.DataFrame:
    """The grille's XLSX sheet « Évaluation »: the four answers per engagement."""
    from barometre.pilotage.evaluation import synthese_engagements

    s = ui_pilotage.store()
    bl, labels = synthese_engagements(s, _verdicts_impact(None), date.today())
    if not bl:
        return pl.DataFrame({"Évaluation": ["Aucune action saisie : l'évaluation se remplira avec les feuilles de "
                                            "route des services."]})
    return ev.tableau_synthese(bl, labels)
