"""Séance: an ordered list of views a presenter steps through with the arrow keys, as one link.

The list is in the URL (``vues=ind1,ind2,…``, ``etape=N``), or saved in the store by an agent and
reopened by ``?seance=ID``. Each step shows one indicator compared (the territory beside the Nord, the
région, France, or its communes) or over time — never a lone bar; views without data are skipped and
listed at the end as « données attendues ». One idea per screen.
"""

from datetime import date, timedelta

import streamlit as st

from barometre import charts, formats
from barometre.calculs import mouvements
from barometre.calculs.plan_seance import LIBELLES_GENRES
from barometre.pilotage.store import ErreurStore
from barometre.ui import commun as ui
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import seance as ui_seance
from barometre.ui import verdicts as verdicts_ui
from barometre.ui import vues

ui.ensure_entrypoint()

cat = ui.catalogue()
ids = [i.id for i in cat.indicateurs]
default = [i.id for i in cat.indicateurs if i.cle]
projection = ui.projection_mode()
user = ui_pilotage.utilisateur() if projection or ui.embed_mode() else ui_pilotage.connexion()
store = ui_pilotage.store()

# ------------------------------------------------------------------ which séance
enregistree = None
if st.query_params.get("seance"):
    try:
        enregistree = store.seance(int(st.query_params["seance"]))
    except (ValueError, ErreurStore):
        enregistree = None
    if enregistree is None:
        st.warning("Séance introuvable : le lien est peut-être incomplet. La séance par défaut est affichée.")
if enregistree is not None:
    demandees = [s for s in enregistree["vues"].split(",") if s in ids]
    niveau, code = enregistree["niveau"], enregistree["code"]
    titre = enregistree["titre"]
    date_seance = enregistree["date_seance"]
else:
    demandees = [s for s in st.query_params.get("vues", ",".join(default)).split(",") if s in ids] or default
    niveau = st.session_state.get("niveau", "epci")
    code = st.session_state.get("code") or ui.territoire_config().epci.code
    titre, date_seance = "Séance", None

font = charts.font_size(projection)
plan = [ui_seance.vue(cat.indicateur(i), niveau, code) for i in demandees]
steps = [v for v in plan if v.genre is not None]
attendues = [v.ind for v in plan if v.genre is None]
nom = vues.nom_territoire(niveau, code)


def donnees_attendues() -> None:
    if attendues:
        st.markdown("#### Données attendues")
        st.markdown("Vues non présentées faute de données pour " + nom + " :")
        for ind in attendues:
            st.markdown(f"- {ind.libelle} — {ui.source_name(ind.source)}")


if ui.embed_mode():
    # One view for another site's page (?embed=true): the chart (or, with forme=chiffre, the figure with
    # its verdicts) and its source line, nothing else.
    if not steps:
        st.caption(f"Pas de données pour {nom} : vue non disponible.")
    else:
        v = steps[0]
        st.markdown(f"**{v.ind.libelle}** — {nom}")
        if st.query_params.get("forme") == "chiffre":
            vues.key_figure(st.container(), v.ind, niveau, code)
            ui.caption_source(v.ind, v.serie)
        else:
            ui_seance.afficher(v, charts.font_size(False), embed=True)
    st.stop()

quand = f" — {formats.date_longue(date_seance)}" if date_seance else ""
if not steps:
    st.header(titre + quand)
    st.info(f"Aucune des vues choisies n'a de données pour {nom}.")
    donnees_attendues()
else:
    try:
        step = min(max(int(st.query_params.get("etape", "1")), 1), len(steps))
    except ValueError:
        step = 1
    v = steps[step - 1]
    st.caption(f"{titre}{quand} — vue {step} / {len(steps)} — {nom} — {LIBELLES_GENRES[v.genre]} — "
               "flèches ← → pour naviguer")
    st.header(v.ind.libelle)
    ui_seance.afficher(v, font)
    prev_col, _, next_col = st.columns([1, 3, 1])
    if prev_col.button("◀ Précédente", shortcut="Left", disabled=step <= 1, key="seance_prev"):
        st.query_params["etape"] = str(step - 1)
        st.rerun()
    if next_col.button("Suivante ▶", shortcut="Right", disabled=step >= len(steps), key="seance_next"):
        st.query_params["etape"] = str(step + 1)
        st.rerun()
    if step == len(steps):
        donnees_attendues()



def dossier(fmt: str):
    """The meeting pack of what the page shows, built when the button is clicked."""
    from barometre.pilotage.rapport import construire, rapport_pdf, rapport_pptx

    def build() -> bytes:
        if enregistree is not None and enregistree["date_seance"]:
            r = construire(seance_id=int(enregistree["id"]), store=store)
        else:
            r = construire(composition={"titre": titre, "niveau": niveau, "code": code, "vues": demandees},
                           le=date.today(), store=store)
        return rapport_pdf(r) if fmt == "pdf" else rapport_pptx(r)

    return build


if not projection and steps:
    dl_pdf, dl_pptx, _ = st.columns([1, 1, 3])
    dl_pdf.download_button("Dossier de séance (PDF)", dossier("pdf"), "dossier-seance.pdf", "application/pdf",
                           key="seance_pdf", on_click="ignore")
    dl_pptx.download_button("Diaporama (PowerPoint)", dossier("pptx"), "dossier-seance.pptx",
                            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                            key="seance_pptx", on_click="ignore")

if not projection:
    with st.expander("Ce qui a bougé"):
        precedente = mouvements.seance_precedente(store.seances().to_dicts(),
                                                  date.fromisoformat(date_seance) if date_seance else date.today())
        depuis = st.date_input("Depuis le", value=precedente or date.today() - timedelta(days=90),
                               format="DD/MM/YYYY", key="seance_depuis")
        st.caption("Par défaut : depuis la séance précédente enregistrée, sinon les trois derniers mois.")
        digest = mouvements.depuis_le_store(store, cat, depuis, date.today(), verdicts_ui.lectures(niveau, code))
        if not digest:
            st.markdown(f"Rien de nouveau depuis le {formats.date_longue(depuis.isoformat())}.")
        for genre, titre_genre in mouvements.TITRES_GENRES.items():
            lignes = [m for m in digest if m.genre == genre]
            if lignes:
                st.markdown(f"**{titre_genre}**")
                st.dataframe([{"Date": formats.date_longue(m.date), "Quoi": m.titre, "Détail": m.detail}
                              for m in lignes], hide_index=True, width="stretch")

    with st.expander("Composer la séance"):
        chosen = st.multiselect("Vues, dans l'ordre", ids, default=demandees,
                                format_func=lambda i: cat.indicateur(i).libelle, key="seance_vues")
        if st.button("Appliquer", key="seance_appliquer"):
            st.query_params["vues"] = ",".join(chosen)
            st.query_params["etape"] = "1"
            st.query_params.pop("seance", None)
            st.rerun()
        st.caption("Le lien de la page (barre d'adresse) contient la séance : il suffit de le partager. "
                   "Ajoutez « &mode=projection » pour l'ouvrir en mode projection.")
        if ui_pilotage.peut(user, "seances"):
            st.markdown("**Enregistrer la séance dans le baromètre**")
            nouveau_titre = st.text_input("Titre", value="" if enregistree is None else titre, max_chars=200,
                                          key="seance_titre")
            jour = st.date_input("Date de la séance", value=None, format="DD/MM/YYYY", key="seance_date")
            if st.button("Enregistrer", key="seance_enregistrer"):
                try:
                    sid = store.creer_seance(user, titre=nouveau_titre, date_seance=jour, niveau=niveau, code=code,
                                             vues=chosen)
                except ErreurStore as exc:
                    ui_pilotage.erreur(exc)
                else:
                    st.query_params.clear()
                    st.query_params["seance"] = str(sid)
                    st.rerun()
        else:
            st.caption("Un agent connecté peut enregistrer la séance (titre, date, vues) pour la rouvrir par un lien.")
        saved = store.seances()
        if saved.height:
            st.markdown("**Séances enregistrées**")
            for r in saved.head(20).iter_rows(named=True):
                st.page_link("pages/seance.py", label=f"{r['titre']} — {formats.date_longue(r['date_seance'])}"
                             if r["date_seance"] else r["titre"], query_params={"seance": str(r["id"])})
