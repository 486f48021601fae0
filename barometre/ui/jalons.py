"""The Jalons et feuilles de route page's tabs (pages/jalons.py): progress, actions and milestones,
timeline, attribution, resources, council decisions, history, accounts. Each takes the page's
:class:`Contexte` (store, structure, signed-in user, the actions and milestones read once per run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from barometre import formats
from barometre.charts import pilotage as charts_pilotage
from barometre.pilotage import structure as pilotage
from barometre.pilotage.store import Store, Utilisateur
from barometre.pilotage.structure import NIVEAUX_INDICATEUR, STATUTS_JALON
from barometre.texte import echapper, nom_fichier, url_https
from barometre.ui import cache, cadre, graphiques
from barometre.ui import pilotage as ui_pilotage


@dataclass(frozen=True)
class Contexte:
    s: Store
    structure: object
    user: Utilisateur | None
    cat: object
    epci: object
    today: date
    labels: dict
    actions: pl.DataFrame
    jalons: pl.DataFrame
    agent: bool
    proj_ids: list[str]
    action_labels: dict


def contexte(user: Utilisateur | None) -> Contexte:
    s = ui_pilotage.store()
    structure, actions = s.structure, s.actions()
    return Contexte(s, structure, user, cache.catalogue(), cache.territoire_config().epci, date.today(),
                    structure.libelles(), actions, s.jalons(), ui_pilotage.peut(user, "jalons"),
                    ["", *(p.id for p in structure.projets)],
                    {r["id"]: r["libelle"] for r in actions.iter_rows(named=True)})


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _date_fr(col: str) -> pl.Expr:
    """ISO dates as the French read them (``31/12/2025``), empty when missing."""
    return pl.col(col).str.to_date("%Y-%m-%d", strict=False).dt.strftime("%d/%m/%Y").fill_null("")


def _nombres_fr(df: pl.DataFrame, cols: list[str], suffixe: str, decimales: int = 0) -> pl.DataFrame:
    """Numbers as French text (``12 345 €``); « – » when unknown (never 0)."""
    return df.with_columns(pl.Series(c, [f"{formats.nombre(v, decimales)}{suffixe}" if v is not None else "–"
                                         for v in df[c].to_list()], dtype=pl.String) for c in cols)


def _ind_label(ind_id: str) -> str:
    try:
        return f"{cache.catalogue().indicateur(ind_id).nom_court} ({ind_id})"
    except KeyError:
        return ind_id


def avancement(c: Contexte) -> None:
    """Progress per engagement and per emblematic project."""
    structure, today, labels, actions, jalons = c.structure, c.today, c.labels, c.actions, c.jalons
    par_eng = pilotage.avancement(structure, actions, jalons, today, "engagement")
    par_proj = pilotage.avancement(structure, actions, jalons, today, "projet")
    colonnes = {"libelle": "", "actions": "Actions", "jalons": "Jalons", "atteints": "Atteints",
                "en_retard": "En retard", "a_renseigner": "À renseigner",
                "part_atteints": "Part atteinte"}
    st.header("Par engagement")
    par_eng, par_proj = (_nombres_fr(df, ["part_atteints"], "\u202f%") for df in (par_eng, par_proj))
    st.dataframe(par_eng.select(list(colonnes)).rename({**colonnes, "libelle": "Engagement"}),
                 hide_index=True, width="stretch")
    st.header("Par projet emblématique")
    st.dataframe(par_proj.select(list(colonnes)).rename({**colonnes, "libelle": "Projet"}), hide_index=True,
                 width="stretch")
    if not actions.height:
        st.info("Aucune action n'est encore saisie : les engagements, orientations et projets ci-dessous "
                "viennent "
                "du projet de territoire ; les agents y rattachent les actions de leurs feuilles de route.")
    for e in structure.engagements:
        with st.expander(labels[e.id]):
            st.markdown("**Orientations**")
            st.markdown("\n".join(f"- {o.libelle}" for o in structure.orientations_de(e.id)))
            st.markdown("**Projets emblématiques**")
            st.markdown("\n".join(f"- {p.numero}. {p.libelle}" for p in structure.projets_de(e.id)))
            st.caption(f"Projet de territoire, lignes {e.ligne} du texte.")


def actions_et_jalons(c: Contexte) -> None:
    """The actions and their milestones; agents add and edit them."""
    (s, structure, user, cat, today, labels, actions, jalons, agent, proj_ids, action_labels) = (
        c.s, c.structure, c.user, c.cat, c.today, c.labels, c.actions, c.jalons, c.agent, c.proj_ids, c.action_labels)
    eng_ids = ["", *(e.id for e in structure.engagements)]
    c1, c2 = st.columns(2)
    filtre_eng = c1.selectbox("Engagement", eng_ids, format_func=lambda i: labels.get(i, "Tous"),
                              key="jalons_filtre_eng")
    filtre_proj = c2.selectbox("Projet emblématique", proj_ids, format_func=lambda i: labels.get(i, "Tous"),
                               key="jalons_filtre_proj")
    shown = actions
    if filtre_eng:
        shown = shown.filter(pl.col("engagement") == filtre_eng)
    if filtre_proj:
        shown = shown.filter(pl.col("projet") == filtre_proj)
    if shown.height:
        st.dataframe(shown.select(
            pl.col("engagement").alias("Engagement"),
            pl.col("orientation").replace(labels).alias("Orientation"),
            pl.col("projet").replace(labels).alias("Projet"),
            pl.col("libelle").alias("Action"), pl.col("responsable").alias("Responsable"),
            pl.col("question_evaluative").alias("Question évaluative"),
            pl.col("indicateurs_realisation").list.join(", ").alias("Réalisation"),
            pl.col("indicateurs_resultat").list.join(", ").alias("Résultat"),
            pl.col("indicateurs_impact").list.join(", ").alias("Impact"),
        ), hide_index=True, width="stretch")
    else:
        st.caption("Aucune action pour cette sélection.")
    ids_shown = shown["id"].to_list()
    j = pilotage.jalons_avec_retard(jalons.filter(pl.col("action_id").is_in(ids_shown)), today)
    if j.height:
        st.markdown("**Jalons**")
        st.dataframe(j.select(
            pl.col("action_id").replace_strict(action_labels, return_dtype=pl.String).alias("Action"),
            pl.col("libelle").alias("Jalon"), _date_fr("date_debut").alias("Début"),
            _date_fr("date_prevue").alias("Échéance"), _date_fr("date_atteinte").alias("Atteint le"),
            pl.col("statut").replace(STATUTS_JALON).alias("Statut"), pl.col("retard").alias("Retard"),
            pl.col("responsable").alias("Responsable")), hide_index=True, width="stretch")

    if not agent:
        st.caption("Les agents (rôle « agent ») saisissent les actions et leurs jalons après s'être "
                   "connectés.")
    else:
        ind_ids = [i.id for i in cat.indicateurs]
        st.divider()
        with st.expander("Nouvelle action"), st.form("jalons_nouvelle_action"):
            eng = st.selectbox("Engagement", [e.id for e in structure.engagements], format_func=labels.get,
                               key="nouvelle_action_engagement")
            orient = st.selectbox("Orientation", ["", *(o.id for o in structure.orientations)],
                                  format_func=lambda i: labels.get(i, "—"), key="nouvelle_action_orientation",
                                  help="Elle doit appartenir à l'engagement choisi.")
            proj = st.selectbox("Projet emblématique", proj_ids, format_func=lambda i: labels.get(i, "—"),
                                key="nouvelle_action_projet")
            libelle = st.text_input("Intitulé de l'action", key="nouvelle_action_libelle")
            responsable = st.text_input("Responsable (service, direction)", key="nouvelle_action_responsable")
            question = st.text_area("Question évaluative", height=68, key="nouvelle_action_question")
            code = st.text_input("Code fonctionnel comptable (facultatif)", key="nouvelle_action_code")
            choix = {n: st.multiselect(f"Indicateurs de {lab.lower()}", ind_ids, format_func=_ind_label,
                                       key=f"nouvelle_action_{n}", select_all=False, placeholder="Choisir")
                     for n, lab in NIVEAUX_INDICATEUR.items()}
            if st.form_submit_button("Créer l'action"):
                if ui_pilotage.ecrire(lambda: s.creer_action(
                        user, engagement=eng, orientation=orient, projet=proj, libelle=libelle,
                        responsable=responsable, question_evaluative=question, code_fonctionnel=code,
                        **{f"indicateurs_{n}": v for n, v in choix.items()}), "Action créée."):
                    st.rerun()
        if actions.height:
            action_id = st.selectbox("Action à modifier ou à compléter de jalons", actions["id"].to_list(),
                                     format_func=lambda i: f"{action_labels[i]} (n° {i})",
                                     key="jalons_action")
            a = actions.filter(pl.col("id") == action_id).row(0, named=True)
            akey = f"action_{action_id}"
            aversion = ui_pilotage.version_lue(akey, a["version"], ["libelle", "responsable", "question_evaluative",
                                                                   "feuille_de_route", "code_fonctionnel"])
            with st.expander("Modifier l'action"), st.form(akey):
                champs = {
                    "libelle": st.text_input("Intitulé", a["libelle"], key=f"{akey}_libelle"),
                    "responsable": st.text_input("Responsable", a["responsable"], key=f"{akey}_responsable"),
                    "question_evaluative": st.text_area("Question évaluative", a["question_evaluative"],
                                                        key=f"{akey}_question_evaluative", height=68),
                    "feuille_de_route": st.text_area("Feuille de route (niveau d'ambition, modalités "
                                                     "d'évaluation)",
                                                     a["feuille_de_route"], key=f"{akey}_feuille_de_route"),
                    "code_fonctionnel": st.text_input("Code fonctionnel", a["code_fonctionnel"],
                                                      key=f"{akey}_code_fonctionnel"),
                }
                for n, lab in NIVEAUX_INDICATEUR.items():
                    current = a[f"indicateurs_{n}"] or []
                    champs[f"indicateurs_{n}"] = st.multiselect(
                        f"Indicateurs de {lab.lower()}", sorted(set(ind_ids) | set(current)), default=current,
                        format_func=_ind_label, key=f"{akey}_indicateurs_{n}", select_all=False, placeholder="Choisir")
                b1, b2 = st.columns(2)
                save = b1.form_submit_button("Enregistrer l'action")
                delete = b2.form_submit_button("Supprimer l'action")
            if save:
                def relire_action() -> tuple[int, dict[str, str]]:
                    now = s.ligne("actions", action_id) or {}
                    return now.get("version", 0), {
                        "Intitulé": now.get("libelle", ""), "Responsable": now.get("responsable", ""),
                        "Question évaluative": now.get("question_evaluative", ""),
                        "Feuille de route": now.get("feuille_de_route", ""),
                        "Code fonctionnel": now.get("code_fonctionnel", "")}

                ui_pilotage.enregistrer_version(
                    akey, lambda: s.modifier_action(user, action_id, aversion, **champs), "Action enregistrée.",
                    relire_action)
            if delete:
                ui_pilotage.supprimer_version(
                    akey, lambda: s.supprimer(user, "actions", action_id, aversion), "Action supprimée.")

            with st.expander("Nouveau jalon pour cette action"), st.form(f"jalon_nouveau_{action_id}"):
                jlib = st.text_input("Jalon", key="nouveau_jalon_libelle")
                d1, d2 = st.columns(2)
                debut = d1.date_input("Début (facultatif)", value=None, format="DD/MM/YYYY",
                                      key="nouveau_jalon_debut")
                prevue = d2.date_input("Échéance", value=None, format="DD/MM/YYYY",
                                       key="nouveau_jalon_echeance")
                jresp = st.text_input("Responsable", key="nouveau_jalon_responsable")
                if st.form_submit_button("Ajouter le jalon"):
                    if ui_pilotage.ecrire(lambda: s.creer_jalon(
                            user, action_id=action_id, libelle=jlib, date_debut=debut, date_prevue=prevue,
                            responsable=jresp), "Jalon ajouté (statut « à renseigner »)."):
                        st.rerun()
            aj = jalons.filter(pl.col("action_id") == action_id)
            if aj.height:
                jid = st.selectbox("Jalon à mettre à jour", aj["id"].to_list(),
                                   format_func=lambda i: aj.filter(pl.col("id") == i)["libelle"][0],
                                   key=f"jalons_choix_{action_id}")
                jr = aj.filter(pl.col("id") == jid).row(0, named=True)
                jkey = f"jalon_{jid}"
                jversion = ui_pilotage.version_lue(jkey, jr["version"], ["libelle", "statut", "responsable",
                                                                         "commentaire"])
                with st.form(jkey):
                    statuts = list(STATUTS_JALON)
                    jchamps = {
                        "libelle": st.text_input("Jalon", jr["libelle"], key=f"{jkey}_libelle"),
                        "statut": st.selectbox("Statut", statuts, index=statuts.index(jr["statut"]),
                                               format_func=STATUTS_JALON.get, key=f"{jkey}_statut"),
                    }
                    d1, d2, d3 = st.columns(3)
                    jchamps["date_debut"] = d1.date_input("Début", _date(jr["date_debut"]),
                                                          format="DD/MM/YYYY", key=f"{jkey}_date_debut")
                    jchamps["date_prevue"] = d2.date_input("Échéance", _date(jr["date_prevue"]),
                                                           format="DD/MM/YYYY", key=f"{jkey}_date_prevue")
                    jchamps["date_atteinte"] = d3.date_input("Atteint le", _date(jr["date_atteinte"]),
                                                             format="DD/MM/YYYY", key=f"{jkey}_date_atteinte")
                    jchamps["responsable"] = st.text_input("Responsable", jr["responsable"],
                                                           key=f"{jkey}_responsable")
                    jchamps["commentaire"] = st.text_area("Commentaire", jr["commentaire"],
                                                          key=f"{jkey}_commentaire", height=68)
                    b1, b2 = st.columns(2)
                    jsave = b1.form_submit_button("Enregistrer le jalon")
                    jdelete = b2.form_submit_button("Supprimer le jalon")
                if jsave:
                    def relire_jalon() -> tuple[int, dict[str, str]]:
                        now = s.ligne("jalons", jid) or {}
                        return now.get("version", 0), {
                            "Jalon": now.get("libelle", ""), "Statut": STATUTS_JALON.get(now.get("statut"), ""),
                            "Responsable": now.get("responsable", ""), "Commentaire": now.get("commentaire", "")}

                    ui_pilotage.enregistrer_version(
                        jkey, lambda: s.modifier_jalon(user, jid, jversion, **jchamps), "Jalon enregistré.",
                        relire_jalon)
                if jdelete:
                    ui_pilotage.supprimer_version(
                        jkey, lambda: s.supprimer(user, "jalons", jid, jversion), "Jalon supprimé.")
                if st.button("Recharger la version enregistrée du jalon", key=f"{jkey}_recharger"):
                    ui_pilotage.oublier(jkey, list(jchamps))
                    st.rerun()


def calendrier(c: Contexte) -> None:
    """The milestones on a timeline."""
    today, actions, jalons = c.today, c.actions, c.jalons
    gantt = charts_pilotage.donnees_gantt(jalons, actions, today)
    if gantt.is_empty():
        st.info("Aucun jalon daté pour l'instant : le calendrier se remplit quand les agents saisissent les "
                "échéances des jalons.")
    else:
        graphiques.afficher("charts_pilotage.gantt_chart", gantt, today,
                            alt="Calendrier des jalons par action : échéances, états et retards")
        with st.expander("Tableau des jalons (le calendrier sous forme de tableau)"):
            st.dataframe(gantt.select(
                pl.col("action").alias("Action"), pl.col("jalon").alias("Jalon"),
                _date_fr("debut").alias("Début"),
                _date_fr("echeance").alias("Échéance"), pl.col("etat").alias("État"),
                pl.col("responsable").alias("Responsable")), hide_index=True, width="stretch")


def attribution(c: Contexte) -> None:
    """Which actions should move which indicators."""
    cat, epci, today, labels, actions, jalons = c.cat, c.epci, c.today, c.labels, c.actions, c.jalons
    st.caption("Les indicateurs d'impact rattachés à chaque action, avec leur évolution entre les deux "
               "derniers "
               f"millésimes pour {epci.nom}, à côté des jalons atteints ou non. C'est une mise en regard, "
               "pas "
               "une preuve : un indicateur d'impact bouge aussi pour des raisons extérieures à l'action, ce "
               "que "
               "les questions évaluatives et le panel examinent.")
    impact_ids = tuple(sorted({i for lst in actions["indicateurs_impact"].to_list() for i in (lst or [])}
                              & {i.id for i in cat.indicateurs})) if actions.height else ()
    dernieres = cache.dernieres_valeurs(impact_ids, "epci", epci.code) if impact_ids else pl.DataFrame(
        schema={"indicateur": pl.String, "ventilation": pl.String})
    attr = pilotage.attribution(actions, jalons, cat, dernieres, today)
    if attr.is_empty():
        st.info("Aucune action n'a encore d'indicateur d'impact rattaché.")
    else:
        st.dataframe(attr.select(
            pl.col("engagement").alias("Engagement"), pl.col("projet").replace(labels).alias("Projet"),
            pl.col("action").alias("Action"), pl.col("situation").alias("Indicateur d'impact : situation"),
            pl.col("tendance").alias("Lecture"), pl.col("jalons_atteints").alias("Jalons atteints"),
            pl.col("jalons").alias("Jalons"), pl.col("jalons_en_retard").alias("En retard")),
            hide_index=True, width="stretch")


def ressources(c: Contexte) -> None:
    """Resources (budget, staff) per action."""
    (s, structure, user, today, labels, actions, action_labels) = (
        c.s, c.structure, c.user, c.today, c.labels, c.actions, c.action_labels)
    ressources = s.ressources()
    st.caption("Suivi analytique des ressources allouées au projet de territoire par codes fonctionnels "
               "(projet de territoire, « Dispositif de suivi & de pilotage »). Montants en euros, saisis ou "
               "importés de l'outil comptable.")
    annees = sorted(set(ressources["annee"].to_list())) if ressources.height else []
    annee = st.selectbox("Exercice", [None, *annees], format_func=lambda a: "Tous" if a is None else str(a),
                         key="ressources_annee")
    cols = {"libelle": "Engagement", "alloue": "Alloué", "consomme": "Consommé",
            "taux_consommation": "Consommé / alloué"}

    def _ressources_fr(df: pl.DataFrame) -> pl.DataFrame:
        return _nombres_fr(_nombres_fr(df, ["alloue", "consomme"], "\u202f€"), ["taux_consommation"], "\u202f%", 1)

    st.dataframe(_ressources_fr(pilotage.ressources_par(structure, ressources, actions, "engagement", annee))
                 .select(list(cols)).rename(cols), hide_index=True, width="stretch")
    if actions.height:
        st.dataframe(_ressources_fr(pilotage.ressources_par(structure, ressources, actions, "action", annee))
                     .select(list(cols)).rename({**cols, "libelle": "Action"}), hide_index=True,
                     width="stretch")
    if ui_pilotage.peut(user, "ressources"):
        with st.expander("Saisir une ligne"), st.form("ressources_saisie"):
            eng = st.selectbox("Engagement", [e.id for e in structure.engagements], format_func=labels.get)
            act = st.selectbox("Action (facultatif)", [None, *actions["id"].to_list()],
                               format_func=lambda i: "—" if i is None else action_labels[i])
            an = st.number_input("Exercice", 2000, 2100, today.year)
            c1, c2 = st.columns(2)
            alloue = c1.number_input("Alloué (€)", min_value=0.0, value=None, step=1000.0)
            consomme = c2.number_input("Consommé (€)", min_value=0.0, value=None, step=1000.0)
            lib = st.text_input("Libellé")
            if st.form_submit_button("Enregistrer"):
                # A line tied to an action belongs to that action's engagement.
                eng = actions.filter(pl.col("id") == act)["engagement"][0] if act is not None else eng
                if ui_pilotage.ecrire(lambda: s.creer_ressource(
                        user, engagement=eng, action_id=act, annee=int(an), alloue=alloue, consomme=consomme,
                        libelle=lib), "Ligne enregistrée."):
                    st.rerun()
        with st.expander("Importer un export comptable (CSV)"):
            st.markdown("Colonnes : `code_fonctionnel;annee;alloue;consomme`, et facultativement `libelle` "
                        "et "
                        "`engagement` (E1, E2, E3) pour un code qu'aucune action ne porte. Séparateur `;`, "
                        "virgule "
                        "décimale, comme Excel l'enregistre. Un code déjà importé pour le même exercice est "
                        "mis à "
                        "jour ; un fichier avec une erreur n'importe rien.")
            fichier = st.file_uploader(f"Fichier CSV ou TXT ({cadre.taille_max_televersement()})",
                                       type=["csv", "txt"], key="ressources_csv")
            if fichier is not None:
                try:
                    nom, avis = nom_fichier(fichier.name)  # NUL, path, length: never reach the file system
                    if avis:
                        st.info(echapper(avis))
                    lignes_csv = pilotage.lire_csv_comptable(fichier.getvalue(), nom, structure, actions)
                except Exception as exc:  # IngestError: French, with the line and how to fix it
                    st.error(echapper(exc))
                else:
                    st.dataframe(pl.DataFrame([ln.model_dump() for ln in lignes_csv]), hide_index=True)
                    if st.button(f"Importer {len(lignes_csv)} ligne(s)", key="ressources_importer"):
                        counts: dict = {}

                        def _import(lignes_csv=lignes_csv) -> None:
                            counts.update(s.importer_ressources(user, lignes_csv))

                        if ui_pilotage.ecrire(_import, "Import terminé."):
                            st.success(f"{counts['creees']} ligne(s) créée(s), {counts['modifiees']} "
                                       "mise(s) à "
                                       f"jour, {counts['inchangees']} inchangée(s).")


def deliberations(c: Contexte) -> None:
    """Council decisions linked to engagements and projects."""
    s, structure, user, labels, proj_ids = c.s, c.structure, c.user, c.labels, c.proj_ids
    st.caption("Chaque décision communautaire est rattachée à un engagement du projet (projet de territoire, "
               "« Dispositif de suivi & de pilotage »).")
    delibs = s.deliberations()
    if delibs.height:
        for e in structure.engagements:
            part = delibs.filter(pl.col("engagement") == e.id)
            st.markdown(f"**{labels[e.id]}** — {part.height} délibération(s)")
            if part.height:
                st.dataframe(part.select(
                    pl.col("numero").alias("N°"), _date_fr("date").alias("Date"),
                    pl.col("objet").alias("Objet"),
                    pl.col("projet").replace(labels).alias("Projet"),
                    # only https:// links are ever links (rows entered before that rule included)
                    pl.col("lien").map_elements(url_https, return_dtype=pl.String).alias("Lien")),
                    hide_index=True, width="stretch",
                    column_config={"Lien": st.column_config.LinkColumn("Lien")})
    else:
        st.info("Aucune délibération rattachée pour l'instant.")
    if ui_pilotage.peut(user, "deliberations"):
        with st.expander("Rattacher une délibération"), st.form("deliberation_nouvelle"):
            numero = st.text_input("Numéro")
            ddate = st.date_input("Date", value=None, format="DD/MM/YYYY")
            objet = st.text_area("Objet", height=68)
            eng = st.selectbox("Engagement", [e.id for e in structure.engagements], format_func=labels.get)
            proj = st.selectbox("Projet emblématique (facultatif)", proj_ids,
                                format_func=lambda i: labels.get(i, "—"))
            lien = st.text_input("Lien (facultatif, adresse https://)")
            if st.form_submit_button("Rattacher"):
                if ui_pilotage.ecrire(lambda: s.creer_deliberation(
                        user, numero=numero, date=ddate, objet=objet, engagement=eng, projet=proj, lien=lien),
                        "Délibération rattachée."):
                    st.rerun()


def historique(c: Contexte) -> None:
    """Every change, with its revert button."""
    user, = c.user,
    ui_pilotage.historique(user, ["actions", "jalons", "ressources", "deliberations"], key="jalons_hist")
