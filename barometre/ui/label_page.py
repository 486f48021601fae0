"""Label « Porte du Hainaut 2044 »: the calls for applications (criteria drawn from the three engagements),
the applications of communes, associations and businesses, the jury's dated and reasoned decision, and the
public list of labelled projects with filters and CSV/XLSX export. The labelled projects are also a layer of
the Territoires map and listed in their commune's profile. Every text a person typed is shown as text."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from barometre.calculs import panel as calc
from barometre.pilotage.label import SPECS_LABEL
from barometre.pilotage.panel import export_csv, export_xlsx
from barometre.ui import cache, etat
from barometre.ui import pilotage as ui_pilotage
from barometre.ui.panel import noms_communes, panel


def page() -> None:  # noqa: C901, PLR0915 - one page, read top to bottom
    """The page, top to bottom (pages/label.py calls it)."""
    p = panel()
    structure = p.store.structure
    user = ui_pilotage.utilisateur() if etat.projection_mode() else ui_pilotage.connexion()
    agent = ui_pilotage.peut(user, "label")
    today = date.today()
    libelles = structure.libelles()
    communes = noms_communes()
    cat = cache.catalogue()


    def _date_fr(value: str | None) -> str:
        if not value:
            return ""
        d = date.fromisoformat(str(value)[:10])
        return d.strftime("%d/%m/%Y")


    def public_table(df: pl.DataFrame) -> pl.DataFrame:
        return df.select(
            pl.col("titre").alias("Projet"), pl.col("porteur").alias("Porteur"),
            pl.col("type_porteur").replace_strict(calc.TYPES_PORTEUR).alias("Type"),
            pl.col("commune").replace_strict(communes, default=pl.col("commune")).alias("Commune"),
            pl.col("lieu").alias("Lieu"),
            pl.col("engagement").replace_strict(libelles, default=pl.col("engagement")).alias("Engagement"),
            pl.col("orientations").list.eval(pl.element().replace_strict(libelles, default=pl.element()))
            .list.join(" ; ").alias("Orientations"),
            pl.col("description").alias("Description"), pl.col("effets").alias("Effets attendus"),
            pl.col("indicateurs").list.join(", ").alias("Indicateurs"),
            pl.col("date_decision").map_elements(_date_fr, return_dtype=pl.String).alias("Labellisé le"),
            pl.col("motifs").alias("Motifs du jury"))


    nom = cache.nom_label()
    st.title(f"Label « {nom} »")
    st.caption("« Valoriser les projets communaux, associatifs ou d'acteurs économiques concourant "
               "significativement à l'avancée du Projet de Territoire en instaurant un appel à labellisation "
               f"« {nom} » » (projet de territoire, « Dispositif de suivi & de pilotage »). Les "
               "projets labellisés figurent aussi sur la carte de la page Territoires (couche à activer) et dans "
               "le profil de leur commune.")

    noms = ["Projets labellisés", "Appels", "Candidatures et jury", "Historique"]
    onglets = dict(zip(noms, st.tabs(noms), strict=True))

    # ---------------------------------------------------------------- public list
    with onglets["Projets labellisés"]:
        projets = p.projets_labellises()
        if projets.is_empty():
            st.info("Aucun projet labellisé pour l'instant.")
        else:
            c1, c2, c3 = st.columns(3)
            types = c1.multiselect("Type de porteur", list(calc.TYPES_PORTEUR), format_func=calc.TYPES_PORTEUR.get,
                                   key="label_f_type", placeholder="Tous", select_all=False)
            coms = c2.multiselect("Commune",
                                  sorted(set(projets["commune"].to_list()), key=lambda c: communes.get(c, c)),
                                  format_func=lambda c: communes.get(c, c), key="label_f_commune", placeholder="Toutes",
                                      select_all=False)
            engs = c3.multiselect("Engagement", [e.id for e in structure.engagements], format_func=libelles.get,
                                  key="label_f_engagement", placeholder="Tous", select_all=False)
            vue = projets
            if types:
                vue = vue.filter(pl.col("type_porteur").is_in(types))
            if coms:
                vue = vue.filter(pl.col("commune").is_in(coms))
            if engs:
                vue = vue.filter(pl.col("engagement").is_in(engs))
            st.caption(f"{vue.height} projet(s) labellisé(s) sur {projets.height}.")
            table = public_table(vue)
            st.dataframe(table, hide_index=True, width="stretch")
            c1, c2 = st.columns(2)  # the files are made when a button is clicked, not on every run
            c1.download_button("Projets labellisés (CSV)", lambda: export_csv(table),
                               "label-2044.csv", "text/csv", key="label_csv", on_click="ignore")
            c2.download_button("Projets labellisés (XLSX)", lambda: export_xlsx(table, "projets labellises"),
                               "label-2044.xlsx", key="label_xlsx", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # ---------------------------------------------------------------- calls
    with onglets["Appels"]:
        appels = p.appels()
        if appels.is_empty():
            st.caption("Aucun appel à labellisation enregistré.")
        else:
            st.dataframe(appels.select(
                pl.col("libelle").alias("Appel"), pl.col("annee").alias("Année"),
                pl.col("date_ouverture").map_elements(_date_fr, return_dtype=pl.String).alias("Ouverture"),
                pl.col("date_cloture").map_elements(_date_fr, return_dtype=pl.String).alias("Clôture"),
                pl.col("criteres").list.join(" ; ").alias("Critères")), hide_index=True, width="stretch")
        if agent:
            with st.form("label_appel", clear_on_submit=True):
                st.markdown("**Nouvel appel à labellisation**")
                c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
                libelle = c1.text_input("Intitulé", key="appel_libelle", max_chars=200)
                annee = c2.number_input("Année", 2020, 2100, today.year, key="appel_annee")
                ouverture = c3.date_input("Ouverture", value=today, format="DD/MM/YYYY", key="appel_ouverture")
                cloture = c4.date_input("Clôture", value=None, format="DD/MM/YYYY", key="appel_cloture")
                orients = st.multiselect(
                    "Critères tirés des orientations des trois engagements",
                    [o.id for o in structure.orientations],
                    format_func=lambda o: f"{libelles[next(x.engagement for x in structure.orientations if x.id == o)]}"
                                          f" — {libelles[o]}", key="appel_orientations", placeholder="Choisir",
                                              select_all=False)
                autres = st.text_area("Autres critères (un par ligne)", key="appel_autres", max_chars=4000)
                if st.form_submit_button("Créer l'appel"):
                    criteres = [libelles[o] for o in orients] + [ligne.strip() for ligne in autres.splitlines()
                                                                  if ligne.strip()]
                    if ui_pilotage.ecrire(lambda: p.creer(user, "label_appels", libelle=libelle, annee=int(annee),
                                                          date_ouverture=ouverture, date_cloture=cloture,
                                                          criteres=criteres), "Appel créé."):
                        st.rerun()

    # ---------------------------------------------------------------- applications and jury
    with onglets["Candidatures et jury"]:
        if not agent:
            st.caption("Les candidatures sont saisies et instruites par les agents de l'agglomération ; seules les "
                       "décisions de labellisation sont publiques.")
        else:
            cands = p.candidatures(user)
            if cands.is_empty():
                st.caption("Aucune candidature.")
            else:
                st.dataframe(cands.select(
                    pl.col("id").alias("N°"), pl.col("titre").alias("Projet"), pl.col("porteur").alias("Porteur"),
                    pl.col("type_porteur").replace_strict(calc.TYPES_PORTEUR).alias("Type"),
                    pl.col("commune").replace_strict(communes, default=pl.col("commune")).alias("Commune"),
                    pl.col("decision").replace_strict({"": "en attente", **calc.DECISIONS_JURY}).alias("Décision"),
                    pl.col("date_decision").map_elements(_date_fr, return_dtype=pl.String).alias("Date")),
                    hide_index=True, width="stretch")
            appels = p.appels()
            if appels.is_empty():
                st.caption("Créez d'abord un appel.")
            else:
                alabels = {r["id"]: r["libelle"] for r in appels.iter_rows(named=True)}
                with st.form("label_candidature", clear_on_submit=True):
                    st.markdown("**Nouvelle candidature**")
                    c1, c2, c3 = st.columns(3)
                    appel_id = c1.selectbox("Appel", list(alabels), format_func=alabels.get, key="cand_appel")
                    type_porteur = c2.selectbox("Type de porteur", list(calc.TYPES_PORTEUR),
                                                format_func=calc.TYPES_PORTEUR.get, key="cand_type")
                    commune = c3.selectbox("Commune", sorted(communes, key=communes.get), format_func=communes.get,
                                           key="cand_commune")
                    c1, c2 = st.columns(2)
                    porteur = c1.text_input("Porteur", key="cand_porteur", max_chars=300)
                    titre = c2.text_input("Intitulé du projet", key="cand_titre", max_chars=300)
                    c1, c2, c3 = st.columns([2, 1, 1])
                    lieu = c1.text_input("Lieu (adresse, site)", key="cand_lieu", max_chars=300)
                    lat = c2.number_input("Latitude (facultatif)", value=None, format="%.5f", key="cand_lat")
                    lon = c3.number_input("Longitude (facultatif)", value=None, format="%.5f", key="cand_lon")
                    c1, c2 = st.columns([1, 2])
                    eng = c1.selectbox("Engagement", [e.id for e in structure.engagements], format_func=libelles.get,
                                       key="cand_eng")
                    orients = c2.multiselect("Orientations servies (de cet engagement)",
                                             [o.id for o in structure.orientations], format_func=libelles.get,
                                             key="cand_orients", placeholder="Choisir", select_all=False)
                    description = st.text_area("Description", key="cand_description", max_chars=4000)
                    effets = st.text_area("Effets attendus", key="cand_effets", max_chars=4000)
                    inds = st.multiselect("Indicateurs de suivi", [i.id for i in cat.indicateurs],
                                          format_func=lambda i: cat.indicateur(i).libelle,
                                          key="cand_inds", placeholder="Choisir", select_all=False)
                    if st.form_submit_button("Enregistrer la candidature"):
                        if ui_pilotage.ecrire(lambda: p.creer(
                                user, "label_candidatures", appel_id=appel_id, porteur=porteur,
                                type_porteur=type_porteur,
                                commune=commune, lieu=lieu, latitude=lat, longitude=lon, engagement=eng,
                                orientations=orients, titre=titre, description=description, effets=effets,
                                indicateurs=inds), "Candidature enregistrée."):
                            st.rerun()
            if not cands.is_empty():
                with st.form("label_jury"):
                    st.markdown("**Décision du jury**")
                    clabels = {r["id"]: f"n° {r['id']} — {r['titre']}" for r in cands.iter_rows(named=True)}
                    c1, c2, c3 = st.columns([2, 1, 1])
                    cid = c1.selectbox("Candidature", list(clabels), format_func=clabels.get, key="jury_cand")
                    decision = c2.selectbox("Décision", list(calc.DECISIONS_JURY), format_func=calc.DECISIONS_JURY.get,
                                            key="jury_decision")
                    d = c3.date_input("Date du jury", value=today, format="DD/MM/YYYY", key="jury_date")
                    motifs = st.text_area("Motifs", key="jury_motifs", max_chars=4000)
                    if st.form_submit_button("Enregistrer la décision"):
                        version = int(cands.filter(pl.col("id") == cid)["version"][0])
                        if ui_pilotage.ecrire(lambda: p.decider(user, cid, version, decision, d, motifs),
                                              "Décision enregistrée."):
                            st.rerun()

    with onglets["Historique"]:
        if agent:
            ui_pilotage.historique(user, list(SPECS_LABEL), "label_historique")
        else:
            st.caption("L'historique des saisies est réservé aux agents.")
