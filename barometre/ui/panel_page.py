"""Panel « baromètre d'impact »: séances and SPIRAL contributions, families and criteria (the index's
dimensions once adopted), votes in séance with one-time codes and QR codes (the room's screen and the
members' ballots), recommendations to the steering bodies and their follow-up, and the history.

``?vote=<id>`` shows a vote's room screen (projection mode works); ``?vote=<id>&jeton=<code>`` (the QR code
of a member) or ``?vote=<id>&voter=1`` the ballot. Every text a person typed is shown as text.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import panel as calc
from barometre.charts import indicateurs as charts
from barometre.charts import panel as charts_panel
from barometre.pilotage.panel import SPECS_PANEL, RefusLecture, exports, tableau_recommandations
from barometre.pilotage.scrutin import CODES_MAX, SCRUTIN_SECRET, STATUTS_VOTE
from barometre.pilotage.store import ID_MAX, ErreurStore
from barometre.texte import echapper
from barometre.ui import cache, etat
from barometre.ui import pilotage as ui_pilotage
from barometre.ui.panel import correspondance_en_vigueur, panel, url_vote


def page() -> None:  # noqa: C901, PLR0915 - one page, read top to bottom
    """The page, top to bottom (pages/panel.py calls it)."""
    p = panel()
    s = p.store
    structure = s.structure
    projection = etat.projection_mode()
    user = ui_pilotage.utilisateur() if projection else ui_pilotage.connexion()
    today = date.today()
    cat = cache.catalogue()
    animateur = ui_pilotage.peut(user, "panel_animation")
    membre = ui_pilotage.peut(user, "panel_contributions")
    font = charts.font_size(projection)
    CODES_KEY = "panel_codes_generes"  # {vote_id: [codes]} shown once, right after generation


    def _date_fr(value: str | None) -> str:
        if not value:
            return ""
        d = date.fromisoformat(str(value)[:10])
        return f"{d.day} {ui_mois(d.month)} {d.year}"


    def ui_mois(m: int) -> str:
        return ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                "novembre", "décembre"][m - 1]


    def _seance_label(seances: pl.DataFrame):
        rows = {r["id"]: r for r in seances.iter_rows(named=True)}
        return lambda i: (f"{_date_fr(rows[i]['date'])} — {rows[i]['groupe']} ({rows[i]['lieu']})"
                          if i in rows else "—")


    def _ind_label(ind_id: str) -> str:
        try:
            return f"{cat.indicateur(ind_id).libelle} ({ind_id})"
        except KeyError:
            return ind_id


    # ---------------------------------------------------------------- one vote: room screen or ballot
    def resultats_vote(vote: dict) -> None:
        res = vote["resultat"]
        objets = [calc.ResultatObjet(o["objet"], o["libelle"], {int(k): v for k, v in o["distribution"].items()},
                                     o["n"], o["moyenne"], o["mediane"], o["note_retenue"]) for o in res["objets"]]
        st.markdown(f"### Résultat : {res['n']} bulletins")
        st.caption("Pour chaque objet, nombre de bulletins par note (0 = ne compte pas, 5 = compte beaucoup).")
        st.altair_chart(charts_panel.distribution_chart(calc.distribution_frame(objets), font),
                        alt="Répartition des notes de chaque objet du vote")
        poids = res["poids"] if vote["objet"] == "ponderation_bien_etre" else None
        st.dataframe(calc.tableau_resultats(objets, poids), hide_index=True, width="stretch")
        if poids:
            st.markdown("### Pondération qui en résulte (adoptée)")
            st.altair_chart(charts_panel.poids_chart(poids, {o.objet: o.libelle for o in objets}, font),
                            alt="Pondération adoptée par le vote")
            st.caption("Note retenue = moyenne des votes arrondie à l'unité (une demie vers le haut) ; poids = note "
                       "retenue ÷ somme des notes retenues. Elle devient la pondération par défaut de la page "
                       "« Indice de bien-être ».")


    def ecran_vote(vote_id: int) -> None:
        vote = p.vote(vote_id)
        if vote is None:
            st.error("Ce vote n'existe pas : vérifiez le lien.")
            return
        st.title(f"Vote du panel : {echapper(vote['libelle'])}")
        st.caption(f"{calc.OBJETS_VOTE.get(vote['objet'], vote['objet'])} — {STATUTS_VOTE[vote['statut']]}.")
        if vote["statut"] == "close":
            resultats_vote(vote)
            return

        @st.fragment(run_every=1 if vote["statut"] == "ouverte" else None)
        def compteur() -> None:
            current = p.vote(vote_id)
            if current["statut"] == "close":
                st.rerun()
            n = p.nombre_votes(vote_id)
            emis, _ = p.nombre_codes(vote_id)
            st.html(f'<div role="status" aria-live="polite" style="font-size:3rem;font-weight:700">'
                    f'{n} vote{"s" if n > 1 else ""} <span style="font-size:1.6rem;font-weight:400">sur {emis} '
                    f'codes distribués</span></div>')
            st.caption("Le nombre se met à jour chaque seconde. La répartition des notes s'affiche à la "
                       "clôture du vote (pas avant, pour ne pas influencer les votants).")

        left, right = st.columns([2, 1])
        with left:
            compteur()
        with right:
            lien = url_vote(vote_id) + "&voter=1"
            st.image(charts_panel.qr_png(lien, 8), caption="Scannez, puis saisissez votre code de vote",
                     width=320)
            st.code(lien, language=None)


    def bulletin(vote_id: int, code_url: str | None) -> None:
        vote = p.vote(vote_id)
        if vote is None:
            st.error("Ce vote n'existe pas : vérifiez le lien.")
            return
        st.title("Votre vote")
        st.markdown(f"**{calc.OBJETS_VOTE.get(vote['objet'], '')}**")
        st.text(vote["libelle"])
        if etat.lire(f"a_vote_{vote_id}"):
            st.success("Votre vote est enregistré. Merci ! Le résultat s'affichera sur l'écran de la salle à la "
                       "clôture.")
            return
        if vote["statut"] != "ouverte":
            st.warning("Le vote n'est pas ouvert." if vote["statut"] == "preparee" else "Le vote est clos.")
            return
        with st.form(f"bulletin_{vote_id}"):
            code = st.text_input("Code de vote (8 caractères)", value=code_url or "", max_chars=12,
                                 key=f"bulletin_code_{code_url or ''}")  # a new link (QR code) → its own code
            st.caption("0 = ne compte pas, 5 = compte beaucoup.")
            notes = {o["id"]: st.slider(o["libelle"], calc.NOTE_MIN, calc.NOTE_MAX, 3, key=f"bulletin_{o['id']}")
                     for o in vote["objets"]}
            if st.form_submit_button("Voter", type="primary"):
                try:
                    p.voter(vote_id, code, notes, adresse=ui_pilotage.adresse_client())
                except ErreurStore as exc:
                    ui_pilotage.erreur(exc)
                else:
                    etat.ecrire(f"a_vote_{vote_id}", True)
                    st.rerun()


    vote_param = etat.url("vote")
    if vote_param:
        try:
            vote_id_param = int(vote_param)
            if not 0 < vote_id_param <= ID_MAX:
                raise ValueError(vote_param)
        except ValueError:
            st.error("Lien de vote invalide : ce vote est introuvable.")
            st.stop()
        if etat.url("jeton") or etat.url("voter"):
            bulletin(vote_id_param, etat.url("jeton"))
        else:
            ecran_vote(vote_id_param)
        st.stop()

    # ---------------------------------------------------------------- the panel's page
    st.title("Panel « baromètre d'impact »")
    st.caption("Élus, directions de l'agglomération et des communes, chefs d'entreprise, associations, services "
               "publics, Conseil de développement : le panel construit les critères du bien-être avec les "
               "personnes concernées (méthode SPIRAL du Conseil de l'Europe), vote en séance et adresse ses "
               "recommandations aux instances de pilotage (projet de territoire, « Dispositif de suivi & de "
               "pilotage »). Tout ce qui est saisi ici est conservé avec son auteur et son historique.")
    if user is None:
        st.info("Consultation libre des résultats publics (critères adoptés, votes clos, recommandations et "
                "réponses). Les contributions et les critères en discussion sont réservés aux membres du panel "
                "et aux agents : connectez-vous.")

    seances = p.seances()
    noms = ["Contributions", "Familles et critères", "Votes", "Recommandations", "Historique"]
    onglets = dict(zip(noms, st.tabs(noms), strict=True))

    # ---------------------------------------------------------------- contributions
    with onglets["Contributions"]:
        st.header("Séances du panel")
        if seances.is_empty():
            st.caption("Aucune séance enregistrée.")
        else:
            st.dataframe(seances.select(pl.col("date").map_elements(_date_fr, return_dtype=pl.String).alias("Date"),
                                        pl.col("lieu").alias("Lieu"), pl.col("groupe").alias("Groupe")),
                         hide_index=True, width="stretch")
        if animateur:
            with st.form("panel_seance", clear_on_submit=True):
                st.markdown("**Nouvelle séance**")
                c1, c2, c3 = st.columns([1, 2, 2])
                d = c1.date_input("Date", value=today, format="DD/MM/YYYY", key="seance_date")
                lieu = c2.text_input("Lieu", key="seance_lieu")
                groupe = c3.text_input("Groupe (qui est réuni)", key="seance_groupe")
                if st.form_submit_button("Créer la séance"):
                    if ui_pilotage.ecrire(lambda: p.creer(user, "panel_seances", date=d, lieu=lieu, groupe=groupe),
                                          "Séance créée."):
                        st.rerun()

        st.header("Contributions par famille")
        st.caption("Nombre de contributions (résultat public : les textes restent réservés au panel).")
        st.dataframe(p.comptes_contributions().drop("famille"), hide_index=True, width="stretch")

        if membre and not seances.is_empty():
            with st.form("panel_contribution", clear_on_submit=True):
                st.markdown("**Ajouter une contribution** (saisie par l'animateur ou par un membre)")
                c1, c2 = st.columns(2)
                seance_id = c1.selectbox("Séance", seances["id"].to_list(), format_func=_seance_label(seances),
                                         key="contrib_seance")
                nature = c2.selectbox("Question", list(calc.NATURES),
                                      format_func=calc.NATURES.get, key="contrib_nature")
                texte = st.text_area("Contribution", key="contrib_texte", max_chars=2000)
                famille = st.selectbox("Famille (peut être choisie plus tard)", ["", *calc.FAMILLES],
                                       format_func=lambda f: calc.FAMILLES[f][0] if f else calc.NON_CLASSEE,
                                       key="contrib_famille")
                if st.form_submit_button("Ajouter la contribution"):
                    if ui_pilotage.ecrire(lambda: p.creer(user, "panel_contributions", seance_id=seance_id,
                                                          nature=nature, texte=texte, famille=famille),
                                          "Contribution ajoutée."):
                        st.rerun()
        elif membre:
            st.caption("Créez d'abord une séance (agent animateur).")
        if membre:
            contributions = p.contributions(user)
            st.header("Contributions saisies")
            if contributions.is_empty():
                st.caption("Aucune contribution.")
            else:
                st.dataframe(contributions.select(
                    pl.col("id").alias("N°"),
                    pl.col("nature").replace_strict(calc.NATURES).alias("Question"),
                    pl.col("texte").alias("Contribution"),
                    pl.col("famille").replace_strict({"": calc.NON_CLASSEE, **calc.FAMILLES_COURTES}).alias("Famille"),
                    pl.col("modifie_par").alias("Saisie par")), hide_index=True, width="stretch")
                with st.form("panel_classer"):
                    st.markdown("**Regrouper une contribution dans une famille**")
                    c1, c2 = st.columns([1, 2])
                    cid = c1.selectbox("Contribution n°", contributions["id"].to_list(), key="classer_id")
                    fam = c2.selectbox("Famille", list(calc.FAMILLES), format_func=lambda f: calc.FAMILLES[f][0],
                                       key="classer_famille")
                    if st.form_submit_button("Classer"):
                        version = contributions.filter(pl.col("id") == cid)["version"][0]
                        if ui_pilotage.ecrire(lambda: p.modifier(user, "panel_contributions", cid, version,
                                                                             famille=fam),
                                              "Contribution classée."):
                            st.rerun()

    # ---------------------------------------------------------------- families and criteria
    with onglets["Familles et critères"]:
        corr, version, pourquoi = correspondance_en_vigueur()
        st.header("Critères adoptés par le panel")
        if version is None:
            st.info("Aucune version des critères n'a encore été adoptée : "
                    "l'indice de bien-être garde ses dimensions "
                    "par défaut (fichier du catalogue).")
        else:
            st.success(f"Version « {echapper(version['libelle'])} », adoptée le "
                       f"{_date_fr(version['date_adoption'])}.")
            crits = json.loads(version["criteres"])
            st.dataframe(pl.DataFrame([{
                "Famille": calc.FAMILLES_COURTES[c["famille"]], "Critère": c["libelle"],
                "Indicateurs candidats": ", ".join(_ind_label(i) for i in c["indicateurs"]) or "—",
                "Indicateur à construire": "oui" if c["a_construire"] else "non"} for c in crits]),
                hide_index=True, width="stretch")
            if pourquoi:
                st.warning(pourquoi)
        st.markdown("**Dimensions de l'indice de bien-être en vigueur**")
        st.dataframe(pl.DataFrame([{"Dimension": d.libelle, "Famille": d.famille,
                                    "Indicateurs": ", ".join(_ind_label(i) for i in d.indicateurs)}
                                   for d in corr.dimensions]), hide_index=True, width="stretch")
        if membre:
            st.header("Critères proposés")
            criteres = p.criteres(user)
            if criteres.is_empty():
                st.caption("Aucun critère proposé.")
            else:
                st.dataframe(criteres.select(
                    pl.col("id").alias("N°"), pl.col("famille").replace_strict(calc.FAMILLES_COURTES).alias("Famille"),
                    pl.col("libelle").alias("Critère"), pl.col("indicateurs").list.join(", ").alias("Indicateurs"),
                    pl.col("a_construire").replace_strict({True: "oui", False: "non"}, return_dtype=pl.String)
                    .alias("À construire")), hide_index=True, width="stretch")
            communaux = [i for i in cat.indicateurs if calc.indicateur_utilisable(cat, i.id) is None
                         and cache.annees(i.id, "commune")]
            with st.form("panel_critere", clear_on_submit=True):
                st.markdown("**Proposer un critère**")
                fam = st.selectbox("Famille", list(calc.FAMILLES), format_func=lambda f: calc.FAMILLES[f][0],
                                   key="critere_famille")
                libelle = st.text_input("Critère", key="critere_libelle", max_chars=300)
                inds = st.multiselect("Indicateurs candidats du catalogue (communaux)", [i.id for i in communaux],
                                      format_func=_ind_label, key="critere_indicateurs", placeholder="Choisir",
                                          select_all=False)
                a_construire = st.checkbox("Indicateur à construire", key="critere_a_construire")
                if st.form_submit_button("Proposer le critère"):
                    if ui_pilotage.ecrire(lambda: p.creer(user, "panel_criteres", famille=fam, libelle=libelle,
                                                          indicateurs=inds, a_construire=a_construire),
                                          "Critère proposé."):
                        etat.retirer("adopter_criteres")  # the adoption list then offers it too
                        st.rerun()
            if animateur and not criteres.is_empty():
                with st.form("panel_adopter"):
                    st.markdown("**Adopter une version des critères** (décision du panel en séance)")
                    c1, c2 = st.columns([2, 1])
                    nom_version = c1.text_input("Nom de la version", key="adopter_libelle")
                    d = c2.date_input("Date d'adoption", value=today, format="DD/MM/YYYY", key="adopter_date")
                    labels = {r["id"]: f"{r['id']} — {r['libelle']}" for r in criteres.iter_rows(named=True)}
                    choix = st.multiselect("Critères adoptés", list(labels), default=list(labels),
                                           format_func=labels.get, key="adopter_criteres", placeholder="Choisir",
                                               select_all=False)
                    if st.form_submit_button("Adopter ces critères"):
                        if ui_pilotage.ecrire(lambda: p.adopter_criteres(user, nom_version, d, choix),
                                              "Critères adoptés : l'indice de bien-être les utilise."):
                            st.rerun()

    # ---------------------------------------------------------------- votes
    with onglets["Votes"]:
        votes = p.votes()
        st.header("Votes en séance")
        if votes.is_empty():
            st.caption("Aucun vote.")
        else:
            st.dataframe(votes.select(
                pl.col("id").alias("N°"), pl.col("libelle").alias("Vote"),
                pl.col("objet").replace_strict(calc.OBJETS_VOTE).alias("Objet"),
                pl.col("statut").replace_strict(STATUTS_VOTE).alias("État"),
                pl.col("id").map_elements(p.nombre_votes, return_dtype=pl.Int64).alias("Bulletins")),
                hide_index=True, width="stretch")
            for r in votes.iter_rows(named=True):
                st.page_link("pages/panel.py", label=f"Écran de la salle — vote n° {r['id']}",
                             query_params={"vote": str(r["id"])})
        if animateur and not seances.is_empty():
            with st.form("panel_vote", clear_on_submit=True):
                st.markdown("**Préparer un vote**")
                c1, c2 = st.columns(2)
                seance_id = c1.selectbox("Séance", seances["id"].to_list(), format_func=_seance_label(seances),
                                         key="vote_seance")
                objet = c2.selectbox("Objet", list(calc.OBJETS_VOTE), format_func=calc.OBJETS_VOTE.get,
                                     key="vote_objet")
                libelle = st.text_input("Intitulé du vote", key="vote_libelle", max_chars=200)
                if st.form_submit_button("Préparer le vote"):
                    if objet == "ponderation_bien_etre":
                        objets = [{"id": d.id, "libelle": d.libelle, "indicateurs": list(d.indicateurs)}
                                  for d in corr.dimensions]
                    else:
                        objets = [{"id": c.id, "libelle": c.libelle} for c in structure.criteres]
                    if ui_pilotage.ecrire(lambda: p.creer_vote(user, seance_id, objet, libelle, objets),
                                          "Vote préparé."):
                        st.rerun()
        if animateur and not votes.is_empty():
            ouverts = votes.filter(pl.col("statut") != "close")
            if not ouverts.height:
                st.caption("Tous les votes sont clos.")
            else:
                vlabels = {r["id"]: f"n° {r['id']} — {r['libelle']} ({STATUTS_VOTE[r['statut']]})"
                           for r in ouverts.iter_rows(named=True)}
                vid = st.selectbox("Vote à animer", list(vlabels), format_func=vlabels.get, key="vote_anime")
                vrow = ouverts.filter(pl.col("id") == vid).row(0, named=True)
                emis, utilises = p.nombre_codes(vid)
                st.caption(f"{emis} code(s) distribué(s), {utilises} utilisé(s).")
                c1, c2, c3 = st.columns(3)
                n_codes = c1.number_input("Codes à générer", 1, CODES_MAX, 40, key="vote_n_codes")
                if c1.button("Générer les codes", key="vote_generer"):
                    codes: list[str] = []
                    if ui_pilotage.ecrire(lambda: codes.extend(p.generer_codes(user, vid, int(n_codes))),
                                          "Codes générés : imprimez-les maintenant, ils ne seront plus affichés."):
                        etat.ecrire(CODES_KEY, {vid: codes})
                if vrow["statut"] == "preparee" and c2.button("Ouvrir le vote", key="vote_ouvrir", type="primary"):
                    if ui_pilotage.ecrire(lambda: p.ouvrir_vote(user, vid, vrow["version"]), "Vote ouvert."):
                        st.rerun()
                if vrow["statut"] == "ouverte":
                    d = c3.date_input("Date d'adoption", value=today, format="DD/MM/YYYY", key="vote_date")
                    if c3.button("Clore le vote et adopter le résultat", key="vote_clore", type="primary"):
                        if ui_pilotage.ecrire(lambda: p.clore_vote(user, vid, vrow["version"], d),
                                              "Vote clos : résultat figé et adopté."):
                            st.rerun()
                codes = (etat.lire(CODES_KEY) or {}).get(vid)
                if codes:
                    st.markdown(f"**{len(codes)} codes à usage unique** (valables une fois, pendant le vote ; seule "
                                "leur empreinte est conservée : ils ne seront plus affichés)")
                    cartes = "".join(
                        f'<div style="display:inline-block;border:1px dashed #555;margin:4px;padding:6px;'
                        f'text-align:center;width:190px">{charts_panel.qr_img(url_vote(vid, c), 4)}'
                        f'<div style="font:700 1.1rem monospace">{c}</div></div>' for c in codes)
                    st.html(f'<div>{cartes}</div>')
                    planche = (f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Codes du vote {vid}'
                               f'</title><body>{cartes}</body></html>')
                    st.download_button("Planche de codes à imprimer (HTML)", planche.encode("utf-8"),
                                       f"codes-vote-{vid}.html", "text/html", key="vote_planche")
        clos = votes.filter(pl.col("statut") == "close") if votes.height else votes
        if clos.height:
            st.header("Résultats des votes clos")
            for r in clos.iter_rows(named=True):
                st.subheader(f"Vote n° {r['id']}")
                st.text(r["libelle"])
                resultats_vote(p.vote(r["id"]))

    # ---------------------------------------------------------------- recommendations
    with onglets["Recommandations"]:
        st.header("Recommandations et suites données")
        suivi = p.suivi(today)
        actions = s.actions()
        action_noms = {r["id"]: r["libelle"] for r in actions.iter_rows(named=True)}
        jalons = s.jalons()
        jalon_noms = {r["id"]: r["libelle"] for r in jalons.iter_rows(named=True)}
        crit_noms = {c.id: c.libelle for c in structure.criteres}
        if suivi.is_empty():
            st.caption("Aucune recommandation enregistrée.")
        else:
            n_retard = int(suivi["en_retard"].sum())
            if n_retard:
                st.warning(f"{n_retard} recommandation(s) en retard "
                           "(sans réponse à l'échéance, ou réponse tardive).")
            table = tableau_recommandations(suivi, crit_noms, action_noms, jalon_noms)
            st.dataframe(table, hide_index=True, width="stretch")
            csv, xlsx = exports(table, "recommandations")
            c1, c2 = st.columns(2)
            c1.download_button("Suivi des recommandations (CSV)", csv, "recommandations.csv",
                               "text/csv", key="reco_csv")
            c2.download_button("Suivi des recommandations (XLSX)", xlsx, "recommandations.xlsx", key="reco_xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            # what the linked indicators did since each recommendation (the agglomeration's values)
            epci = cache.territoire_config().epci.code
            lignes = []
            for r in suivi.iter_rows(named=True):
                for ind_id in r["indicateurs"]:
                    try:
                        ind = cat.indicateur(ind_id)
                    except KeyError:
                        continue
                    serie = cache.series(ind_id, (("epci", epci),))
                    e = calc.evolution_depuis(serie, int(r["date"][:4]), ind.sens)
                    def fmt(v, ind=ind) -> str:
                        return "–" if v is None else f"{formats.nombre(v, ind.decimales)} {ind.unite}"

                    lignes.append({"Recommandation n°": r["id"], "Indicateur": ind.libelle,
                                   "Avant (année)": f"{fmt(e['valeur_avant'])} ({e['annee_avant'] or '–'})",
                                   "Depuis (dernière année)":
                                       f"{fmt(e['valeur_apres'])} ({e['annee_apres'] or '–'})",
                                   "Lecture": e["tendance"] or "pas de valeur plus récente"})
            if lignes:
                st.markdown("**Ce qu'ont fait les indicateurs liés depuis** (valeurs de l'agglomération)")
                st.dataframe(pl.DataFrame(lignes), hide_index=True, width="stretch")

        if ui_pilotage.peut(user, "panel_recommandations"):
            with st.form("panel_reco", clear_on_submit=True):
                st.markdown("**Formuler une recommandation**")
                texte = st.text_area("Recommandation", key="reco_texte", max_chars=4000)
                c1, c2, c3 = st.columns(3)
                eng = c1.selectbox("Engagement", [e.id for e in structure.engagements],
                                   format_func=structure.libelles().get, key="reco_eng")
                orient = c2.selectbox("Orientation (facultatif)", ["", *(o.id for o in structure.orientations)],
                                      format_func=lambda o: f"{o} — {structure.libelles().get(o, '')}"
                                          if o else "—",
                                      key="reco_orient")
                crit = c3.selectbox("Critère de la grille", ["", *crit_noms],
                                      format_func=lambda c: crit_noms.get(c, "—"),
                                    key="reco_crit")
                inds = st.multiselect("Indicateurs sur lesquels elle s'appuie", [i.id for i in cat.indicateurs],
                                      format_func=_ind_label, key="reco_inds", placeholder="Choisir", select_all=False)
                c1, c2 = st.columns(2)
                d = c1.date_input("Date", value=today, format="DD/MM/YYYY", key="reco_date")
                ech = c2.date_input("Réponse attendue le", value=None, format="DD/MM/YYYY", key="reco_echeance")
                if st.form_submit_button("Enregistrer la recommandation"):
                    if ui_pilotage.ecrire(lambda: p.creer(user, "panel_recommandations", date=d, texte=texte,
                                                          engagement=eng, orientation=orient, critere=crit,
                                                          indicateurs=inds, echeance_reponse=ech),
                                          "Recommandation enregistrée."):
                        st.rerun()
        if ui_pilotage.peut(user, "panel_reponses") and not suivi.is_empty():
            with st.form("panel_reponse"):
                st.markdown("**Réponse des instances de pilotage**")
                rlabels = {r["id"]: f"n° {r['id']} — {r['etat']}" for r in suivi.iter_rows(named=True)}
                rid = st.selectbox("Recommandation", list(rlabels), format_func=rlabels.get, key="rep_reco")
                c1, c2, c3 = st.columns(3)
                decision = c1.selectbox("Décision", list(calc.DECISIONS), format_func=calc.DECISIONS.get,
                                        key="rep_decision")
                d = c2.date_input("Date de la réponse", value=today, format="DD/MM/YYYY", key="rep_date")
                delib = c3.text_input("Délibération (numéro, s'il y a lieu)", key="rep_delib", max_chars=200)
                motif = st.text_area("Motif", key="rep_motif", max_chars=4000)
                c1, c2 = st.columns(2)
                action_id = c1.selectbox("Action corrective (feuilles de route)", [None, *action_noms],
                                         format_func=lambda a: action_noms.get(a, "—"), key="rep_action")
                jalon_id = c2.selectbox("Jalon", [None, *jalon_noms], format_func=lambda j: jalon_noms.get(j, "—"),
                                        key="rep_jalon")
                if st.form_submit_button("Enregistrer la réponse"):
                    existing = p.reponses().filter(pl.col("recommandation_id") == rid) if p.reponses().height else None
                    version = int(existing["version"][0]) if existing is not None and existing.height else 0
                    if ui_pilotage.ecrire(lambda: p.repondre(user, rid, version, decision=decision, motif=motif,
                                                             date_reponse=d, deliberation=delib, action_id=action_id,
                                                             jalon_id=jalon_id), "Réponse enregistrée."):
                        st.rerun()

    # ---------------------------------------------------------------- history
    with onglets["Historique"]:
        st.header("Historique des saisies du panel")
        # Codes and ballots are never journaled (secret ballot): not asked for either.
        tables = [t for t in SPECS_PANEL if not t.startswith("label_") and t not in SCRUTIN_SECRET]
        if not membre:
            st.caption("L'historique des saisies (textes compris) est réservé aux membres du panel et aux agents.")
        else:
            try:
                ui_pilotage.historique(user, tables, "panel_historique")
            except RefusLecture as exc:
                st.warning(str(exc))
