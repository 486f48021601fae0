"""The séance (Streamlit): one view per step — the data it needs, its chart, its figure and verdicts —,
the saved séances (``?seance=ID``), « ce qui a bougé », the meeting pack downloads, and the embeddable
views (``?embed=true``).

The list of views is in the URL (``vues=ind1,ind2,…``, ``etape=N``) or saved in the store by an agent and
reopened by ``?seance=ID``. Each step shows one indicator compared (the territory beside the Nord, the
région, France, or its communes) or over time — never a lone bar; views without data are skipped and
listed at the end as « données attendues »."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import mouvements
from barometre.calculs.plan_seance import LIBELLE_SYNTHESE, LIBELLES_GENRES, SYNTHESE, Genre, etapes, genre_de_vue
from barometre.calculs.synthese import TITRE as TITRE_SYNTHESE
from barometre.catalogue import Indicateur
from barometre.charts import indicateurs as charts
from barometre.pilotage import rapport
from barometre.pilotage import synthese as synthese_pilotage
from barometre.pilotage.store import ErreurStore, Store, Utilisateur
from barometre.settings import get_settings
from barometre.texte import echapper
from barometre.ui import cache, cadre, etat, panneaux, provenance
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import synthese as ui_synthese
from barometre.ui import verdicts as verdicts_ui
from barometre.ui.etat import Selection


@dataclass(frozen=True)
class Vue:
    ind: Indicateur
    niveau: str
    code: str
    genre: Genre | None
    comparaison: pl.DataFrame
    serie: pl.DataFrame
    communes: pl.DataFrame


def communes_du_territoire(ind: Indicateur, niveau: str, code: str) -> pl.DataFrame:
    """The latest commune values of the territory's communes (all the EPCI's for the EPCI)."""
    years = cache.annees(ind.id, "commune")
    if not years or niveau in ("commune", "departement", "region", "france"):
        return pl.DataFrame(schema={"code": pl.String, "nom": pl.String, "valeur": pl.Float64})
    annee = years[-1]
    if niveau == "epci":
        df = cache.valeurs_communes(ind.id, annee, "epci", "")
    else:
        df = cache.valeurs_communes(ind.id, annee, niveau, "").filter(pl.col("zone") == code)
    return df.with_columns(pl.lit(annee).alias("annee"))


def vue(ind: Indicateur, niveau: str, code: str) -> Vue:
    comp = cache.comparaison(ind.id, niveau, code, "")
    serie = cache.valeurs(ind.id, niveau, codes=(code,), ventilation="")
    communes = communes_du_territoire(ind, niveau, code)
    return Vue(ind, niveau, code, genre_de_vue(ind, niveau, code, comp, serie, communes), comp, serie, communes)


EXTREMES = 8  # communes at each end of the ranking a séance screen shows (47 rows do not fit 1080 px)


def extremes(communes: pl.DataFrame, n: int = EXTREMES) -> pl.DataFrame:
    """The ``n`` highest and ``n`` lowest communes with a value (all of them when there are few)."""
    known = communes.filter(pl.col("valeur").is_not_null()).sort("valeur", descending=True)
    return known if known.height <= 2 * n else pl.concat([known.head(n), known.tail(n)])


def graphique(v: Vue, font_size: int) -> tuple[alt.TopLevelMixin, pl.DataFrame, str]:
    """The chart of a view, the rows it draws (for its source line) and its alt text."""
    ind, nom = v.ind, cache.nom_territoire(v.niveau, v.code)
    if v.genre == "comparaison":
        df = v.comparaison.filter(pl.col("valeur").is_not_null())
        return (charts.comparison_chart(df, ind.unite, ind.decimales, font_size=font_size), df,
                f"{ind.libelle} : {nom} comparé au Nord, à la région et à la France")
    if v.genre == "serie":
        df = v.serie.filter(pl.col("valeur").is_not_null())
        return (charts.series_chart(df, ind.unite, ind.decimales, font_size=font_size), df,
                f"{ind.libelle} : évolution pour {nom}")
    df = extremes(v.communes)
    refs = [(r["nom"], r["valeur"]) for r in v.comparaison.iter_rows(named=True)
            if r["valeur"] is not None and ind.grandeur != "total" and r["annee"] == (df["annee"][0] if
                                                                                    df.height else None)]
    return (charts.ranking_chart(df, ind.unite, ind.decimales, None, ind.nom_court, refs, font_size=font_size),
            df, f"{ind.libelle} : les communes de {nom}")


def _sel(v: Vue) -> Selection:
    epci = cache.territoire_config().epci.code
    return Selection(v.niveau, v.code, cache.nom_territoire(v.niveau, v.code), epci)


def afficher(v: Vue, font_size: int, embed: bool = False) -> None:
    """Figure and verdicts in a row, then the chart full width, then its source line."""
    ind = v.ind
    own = cache.dernieres_valeurs((ind.id,), v.niveau, v.code).filter(pl.col("ventilation") == "")
    if embed:
        box = st.container()
    else:  # figure and verdicts on the left quarter, the chart on the rest of the screen
        left, box = st.columns([1, 3], gap="large")
        if own.height:
            panneaux.metric_tile(left, ind, own.to_dicts()[0], v.comparaison, verdicts=False)
        else:
            panneaux.key_figure(left, ind, _sel(v), verdicts=False)
        lec = verdicts_ui.lecture(ind.id, v.niveau, v.code)
        if lec is not None:
            left.html("".join(verdicts_ui.verdict_html(x) + f'<div style="color:#333;margin:0 0 .4rem 1.4rem">'
                              f"{html.escape(x.detail)}</div>" for x in lec.verdicts()))
            if lec.objectif is not None and lec.objectif_libelle:
                left.caption(f"Objectif : {lec.objectif_libelle}")
    chart, rows, alt_text = graphique(v, font_size)
    box.vega_lite_chart(chart.to_dict(validate=False), width="stretch", alt=alt_text)  # validated in tests
    if v.genre == "communes":
        n = v.communes.filter(pl.col("valeur").is_not_null()).height
        if n > rows.height:
            box.caption(f"Les {EXTREMES} communes les plus élevées et les {EXTREMES} plus faibles sur {n} communes "
                       "avec une valeur ; le classement complet est sur la page Territoires.")
    with box:
        provenance.caption_source(ind, rows)


# ------------------------------------------------------------------------------------------ the page
def _seance_du_lien(store: Store) -> dict | None:
    """The saved séance of ``?seance=ID`` (None without it; a warning when the link is broken)."""
    wanted = etat.url("seance")
    if not wanted:
        return None
    try:
        row = store.seance(int(wanted))
    except (ValueError, ErreurStore):
        row = None
    if row is None:
        st.warning("Séance introuvable : le lien est peut-être incomplet. La séance par défaut est affichée.")
    return row


def _donnees_attendues(attendues: list[Indicateur], nom: str) -> None:
    if attendues:
        st.markdown("#### Données attendues")
        st.markdown(f"Vues non présentées faute de données pour {nom} :")
        for ind in attendues:
            st.markdown(f"- {ind.libelle} — {provenance.source_name(ind.source)}")


def _dossier(fmt: str, store: Store, enregistree: dict | None, composition: dict):
    """The meeting pack of what the page shows, built when its button is clicked."""

    def build() -> bytes:
        if enregistree is not None and enregistree["date_seance"]:
            r = rapport.construire(seance_id=int(enregistree["id"]), store=store)
        else:
            r = rapport.construire(composition=composition, le=date.today(), store=store)
        return rapport.rapport_pdf(r) if fmt == "pdf" else rapport.rapport_pptx(r)

    return build


def _ce_qui_a_bouge(store: Store, date_seance: str | None, niveau: str, code: str) -> None:
    with st.expander("Ce qui a bougé"):
        reference = date.fromisoformat(date_seance) if date_seance else date.today()
        precedente = mouvements.seance_precedente(store.seances().to_dicts(), reference)
        depuis = st.date_input("Depuis le", value=precedente or date.today() - timedelta(days=90),
                               format="DD/MM/YYYY", key="seance_depuis")
        st.caption("Par défaut : depuis la séance précédente enregistrée, sinon les trois derniers mois.")
        digest = synthese_pilotage.digest(get_settings(), cache.catalogue(), store, depuis, date.today(),
                                          verdicts_ui.lectures(niveau, code))
        if not digest:
            st.markdown(f"Rien de nouveau depuis le {formats.date_longue(depuis)}.")
        for genre, titre_genre in mouvements.TITRES_GENRES.items():
            lignes = [m for m in digest if m.genre == genre]
            if lignes:
                st.markdown(f"**{titre_genre}**")
                st.dataframe([{"Date": formats.date_longue(m.date), "Quoi": m.titre, "Détail": m.detail}
                              for m in lignes], hide_index=True, width="stretch")


def _composer(store: Store, user: Utilisateur | None, ids: list[str], demandees: list[str],
              enregistree: dict | None, titre: str, niveau: str, code: str) -> None:
    cat = cache.catalogue()
    with st.expander("Composer la séance"):
        chosen = st.multiselect("Vues, dans l'ordre", ids, default=demandees, placeholder="Choisir des vues",
                                format_func=lambda i: cat.indicateur(i).libelle, key="seance_vues", select_all=False)
        if st.button("Appliquer", key="seance_appliquer"):
            etat.vers_url("seance", None)
            etat.url_ecrire({"vues": ",".join(chosen), "etape": "1"})
        st.caption("Le lien de la page (barre d'adresse) contient la séance : il suffit de le partager. "
                   "Ajoutez « &mode=projection » pour l'ouvrir en mode projection.")
        if ui_pilotage.peut(user, "seances"):
            st.markdown("**Enregistrer la séance dans le baromètre**")
            nouveau_titre = st.text_input("Titre", value="" if enregistree is None else titre, max_chars=200,
                                          key="seance_titre")
            jour = st.date_input("Date de la séance", value=None, format="DD/MM/YYYY", key="seance_date")
            if st.button("Enregistrer", key="seance_enregistrer"):
                try:
                    sid = store.creer_seance(user, titre=nouveau_titre, date_seance=jour, niveau=niveau,
                                             code=code, vues=chosen)
                except ErreurStore as exc:
                    ui_pilotage.erreur(exc)
                else:
                    etat.vers_url("vues", None)
                    etat.vers_url("etape", None)
                    etat.url_ecrire({"seance": str(sid)})
        else:
            st.caption("Un agent connecté peut enregistrer la séance (titre, date, vues) pour la rouvrir par "
                       "un lien.")
        saved = store.seances()
        if saved.height:
            st.markdown("**Séances enregistrées**")
            for r in saved.head(20).iter_rows(named=True):
                titre_sur = echapper(r["titre"])  # a page link's label renders Markdown, images included
                label = f"{titre_sur} — {formats.date_longue(r['date_seance'])}" if r["date_seance"] else titre_sur
                st.page_link("pages/seance.py", label=label, query_params={"seance": str(r["id"])})


@st.fragment  # the arrow keys redraw the view only, not the app's frame (sidebar, menu)
def vue_courante(steps: list, attendues: list, titre: str, nom: str, font: int, niveau: str = "",
                 code: str = "", date_seance: str | None = None) -> None:
    step = etat.etape("etape", len(steps))
    v = steps[step - 1]
    if v == SYNTHESE:  # the first view: « Où en est le territoire ? » (the home page's and the pack's)
        st.caption(f"{titre} — vue {step} / {len(steps)} — {nom} — {LIBELLE_SYNTHESE} — "
                   "flèches ← → pour naviguer")
        st.header(TITRE_SYNTHESE)
        ui_synthese.afficher(ui_synthese.du_jour(niveau, code, date_seance), titre=False)
        etat.step_buttons("etape", step, len(steps), key="seance")
        return
    st.caption(f"{titre} — vue {step} / {len(steps)} — {nom} — {LIBELLES_GENRES[v.genre]} — "
               "flèches ← → pour naviguer")
    st.header(v.ind.libelle)
    afficher(v, font)
    etat.step_buttons("etape", step, len(steps), key="seance")
    if step == len(steps):
        _donnees_attendues(attendues, nom)


def page(sel: Selection) -> None:
    """The séance page for the run's selection (a saved séance brings its own territory)."""
    cat = cache.catalogue()
    ids = [i.id for i in cat.indicateurs]
    default = [i.id for i in cat.indicateurs if i.cle]
    embed = cadre.embed_mode()
    user = ui_pilotage.utilisateur() if sel.projection or embed else ui_pilotage.connexion()
    store = ui_pilotage.store()
    enregistree = _seance_du_lien(store)
    if enregistree is not None:
        demandees = [s for s in enregistree["vues"].split(",") if s in ids]
        niveau, code = enregistree["niveau"], enregistree["code"]
        titre, date_seance = enregistree["titre"], enregistree["date_seance"]
    else:
        demandees = [s for s in (etat.url("vues") or ",".join(default)).split(",") if s in ids] or default
        niveau, code, titre, date_seance = sel.niveau, sel.code, "Séance", None
    font = charts.font_size(sel.projection)
    plan = [vue(cat.indicateur(i), niveau, code) for i in demandees]
    steps = [v for v in plan if v.genre is not None]
    attendues = [v.ind for v in plan if v.genre is None]
    nom = cache.nom_territoire(niveau, code)

    if embed:  # one view for another site's page: the chart (or the figure) and its source line
        if not steps:
            st.caption(f"Pas de données pour {nom} : vue non disponible.")
            return
        v = steps[0]
        st.markdown(f"**{v.ind.libelle}** — {nom}")
        if etat.url("forme") == "chiffre":
            panneaux.key_figure(st.container(), v.ind, _sel(v))
            provenance.caption_source(v.ind, v.serie)
        else:
            afficher(v, charts.font_size(False), embed=True)
        return

    quand = f" — {formats.date_longue(date_seance)}" if date_seance else ""
    if not steps:
        st.header(echapper(titre) + quand)  # a title an agent typed: text, never markup
        st.info(f"Aucune des vues choisies n'a de données pour {nom}.")
        _donnees_attendues(attendues, nom)
    else:
        vue_courante(etapes(steps), attendues, f"{echapper(titre)}{quand}", nom, font, niveau, code, date_seance)
    if sel.projection:
        return
    if steps:
        composition = {"titre": titre, "niveau": niveau, "code": code, "vues": demandees}
        dl_pdf, dl_pptx, _ = st.columns([1, 1, 3])
        dl_pdf.download_button("Dossier de séance (PDF)", _dossier("pdf", store, enregistree, composition),
                               "dossier-seance.pdf", "application/pdf", key="seance_pdf", on_click="ignore")
        dl_pptx.download_button("Diaporama (PowerPoint)", _dossier("pptx", store, enregistree, composition),
                                "dossier-seance.pptx",
                                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                                key="seance_pptx", on_click="ignore")
    _ce_qui_a_bouge(store, date_seance, niveau, code)
    _composer(store, user, ids, demandees, enregistree, titre, niveau, code)
