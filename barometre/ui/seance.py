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
from barometre.calculs.plan_seance import (
    LIBELLE_SYNTHESE,
    LIBELLES_GENRES,
    SYNTHESE,
    Genre,
    classement,
    etapes,
    genre_de_vue,
    source_lisible,
    titre_actif,
)
from barometre.calculs.synthese import TITRE as TITRE_SYNTHESE
from barometre.calculs.synthese import TONALITES_ETATS
from barometre.calculs.verdicts import COULEURS, SYMBOLES
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


def reference_classement(v: Vue, annee: int | None) -> tuple[str, float] | None:
    """The territory's own value beside its communes (same vintage; never a total beside its parts)."""
    if v.ind.grandeur == "total" or annee is None:
        return None
    own = v.comparaison.filter((pl.col("niveau") == v.niveau) & (pl.col("code") == v.code)
                               & pl.col("valeur").is_not_null() & (pl.col("annee") == annee))
    if own.is_empty():
        return None
    label = "Agglomération" if v.niveau == "epci" else cache.nom_territoire(v.niveau, v.code)
    return label, float(own["valeur"][0])


def graphique(v: Vue, font_size: int, height: int | None = None) -> tuple[alt.TopLevelMixin, pl.DataFrame, str]:
    """The chart of a view, the rows it draws (for its source line) and its alt text; ``height``: the
    séance screen's fixed chart height."""
    ind, nom = v.ind, cache.nom_territoire(v.niveau, v.code)
    if v.genre == "comparaison":
        df = v.comparaison.filter(pl.col("valeur").is_not_null())
        return (charts.comparison_chart(df, ind.unite, ind.decimales, font_size=font_size, height=height), df,
                f"{ind.libelle} : {nom} comparé au Nord, à la région et à la France")
    if v.genre == "serie":
        df = v.serie.filter(pl.col("valeur").is_not_null())
        return (charts.series_chart(df, ind.unite, ind.decimales, font_size=font_size, height=height,
                                    etiquettes=height is not None), df,
                f"{ind.libelle} : évolution pour {nom}")
    haut, bas, autres = classement(v.communes)
    df = haut if bas is None else pl.concat([haut, bas])
    annee = int(df["annee"][0]) if df.height and "annee" in df.columns else None
    chart = charts.classement_chart(haut, bas, ind.unite, ind.decimales, autres, reference_classement(v, annee),
                                    ind.nom_court, font_size=font_size, height=height)
    return chart, df, f"{ind.libelle} : les communes de {nom}"


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


# ------------------------------------------------------------------------------------------ the room
# The séance in projection is laid out for a 1920×1080 screen and zoomed to the screen's height (SALLE_JS):
# every size below is a pixel of that 1080-pixel screen (28 px text there is 18,7 px on a 1280×720 one).
SALLE_POLICE = 28  # the smallest text a back row reads: chart labels, verdicts, source
SALLE_HAUTEUR = 700  # the chart's height with its axes: about two-thirds of the screen
# The chart's width, fixed in the screen's pixels like the rest (a "container" width would be read after the
# zoom and shrink twice): 1920 less the margins, the figure's column and the gap.
SALLE_LARGEUR = 1260
SALLE_MOUVEMENTS = 2  # changes the synthesis view lists in the room (the pack lists them all)
SALLE_JS = """<script>
(() => {
  const fit = () => document.documentElement.style.setProperty('--salle-zoom',
      String(Math.min(window.innerHeight / 1080, window.innerWidth / 1920)));
  fit();
  if (!window.__barometreSalle) { window.__barometreSalle = true; window.addEventListener('resize', fit); }
})();
</script>"""
SALLE_CSS = """<style>
[data-testid="stAppViewContainer"] { zoom: var(--salle-zoom, 1); font-size: 28px; }
[data-testid="stMain"] { height: calc(100vh / var(--salle-zoom, 1)); }
[data-testid="stMainBlockContainer"], .block-container { padding: 16px 48px 150px 48px !important; }
[data-testid="stMain"] > div, [data-testid="stAppViewBlockContainer"] { padding-top: 0 !important; }
[data-testid="stElementToolbar"] { display: none !important; }
.st-key-seance-vue { gap: 8px; }
.st-key-seance-vue p, .st-key-seance-vue li, .st-key-seance-vue .verdict, .st-key-seance-vue div.salle-texte {
  font-size: 28px !important; line-height: 1.3; color: #111; }
.salle-titre { font-size: 44px !important; font-weight: 700; line-height: 1.15; margin: 0;
  padding: 24px 0 0 0 !important; color: #111; }
.salle-sous-titre { font-size: 28px; color: #333; margin: 4px 0 0 0; }
.salle-chiffre { font-size: 104px; font-weight: 700; line-height: 1.05; color: #111; }
.salle-chiffre .unite { font-size: 40px; font-weight: 500; color: #333; margin-left: 8px; }
.salle-chiffre .unite-longue { display: block; margin-left: 0; font-size: 36px; line-height: 1.2; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { gap: 0 !important; }
.st-key-seance-vue .verdict { margin-top: 14px !important; }
.salle-detail { color: #333; margin: 0 0 0 34px; }
.st-key-seance-pied { position: fixed; left: 0; right: 0; bottom: 0; z-index: 50; background: #fff;
  border-top: 2px solid #bbb; padding: 10px 48px 14px 48px; }
.st-key-seance-pied p { font-size: 28px !important; line-height: 1.3; color: #222 !important; margin: 0; }
.st-key-seance-commandes { position: fixed; right: 24px; bottom: 140px; z-index: 60; width: 520px; }
.salle-liste { margin: 4px 0 16px 0; padding-left: 36px; }
.salle-liste li { font-size: 28px; line-height: 1.3; margin-bottom: 6px; }
.salle-attendues { columns: 2; column-gap: 48px; }
.salle-attendues li { font-size: 28px; line-height: 1.3; break-inside: avoid; }
</style>"""


def _origines(ind: Indicateur, rows: pl.DataFrame) -> list[tuple[str, str]]:
    cat = cache.catalogue()
    ids = (rows["source"].drop_nulls().unique(maintain_order=True).to_list()
           if "source" in rows.columns else []) or [ind.source]
    out = []
    for sid in ids:
        try:
            src = cat.source(sid)
            out.append((src.producteur, src.jeu_de_donnees))
        except KeyError:
            out.append((sid, ""))
    return out


def _chiffre_salle(v: Vue) -> str:
    """The key figure's HTML: the territory's latest value (or its communes' range), its year, its change
    (▲ ▼: the direction of the figure, the only arrows of the screen), then the verdicts."""
    ind = v.ind
    own = v.serie.filter(pl.col("valeur").is_not_null()).sort("annee")
    lignes = []
    if own.height:
        valeur, unite = formats.nombre(own["valeur"][-1], ind.decimales), ind.unite
        lignes.append(f"{own['annee'][-1]}")
        if own.height >= 2:
            change = float(own["valeur"][-1]) - float(own["valeur"][-2])
            arrow = "▲" if round(change, ind.decimales) > 0 else ("▼" if round(change, ind.decimales) < 0 else "▶")
            lignes.append(f"{arrow} {formats.ecart(change, ind.unite, ind.decimales)} depuis {own['annee'][-2]}")
    else:
        known = v.communes.filter(pl.col("valeur").is_not_null())
        valeur = (f"{formats.nombre(known['valeur'].min(), ind.decimales)} à "
                  f"{formats.nombre(known['valeur'].max(), ind.decimales)}") if known.height else "–"
        unite = ind.unite
        lignes.append(f"{known['annee'][0]}, selon les communes" if known.height else "")
    classe = "unite" if len(unite) <= 3 else "unite unite-longue"
    out = (f'<div class="salle-chiffre">{html.escape(valeur)}<span class="{classe}">{html.escape(unite)}</span></div>'
           + "".join(f'<div class="salle-texte">{html.escape(x)}</div>' for x in lignes if x))
    lec = verdicts_ui.lecture(ind.id, v.niveau, v.code)
    if lec is not None:
        out += "".join(verdicts_ui.verdict_html(x) + f'<div class="salle-texte salle-detail">{html.escape(x.detail)}'
                       "</div>" for x in lec.verdicts())
        if lec.objectif is not None and lec.objectif_libelle:
            out += f'<div class="salle-texte">Objectif : {html.escape(lec.objectif_libelle)}</div>'
    return out


def afficher_salle(v: Vue, step: int, n: int, nom: str) -> None:
    """One view on the room's screen: the active title and the indicator's name, the figure and verdicts on
    the left, the chart on the rest, the source in a footer that never leaves the screen."""
    ind = v.ind
    chart, rows, alt_text = graphique(v, SALLE_POLICE, height=SALLE_HAUTEUR)
    annees = sorted({int(a) for a in rows["annee"].drop_nulls()}) if "annee" in rows.columns else []
    titre = titre_actif(ind, v.genre, v.niveau, v.code, v.comparaison, v.serie, v.communes)
    quand = f", {annees[-1]}" if annees else ""
    with st.container(key="seance-vue"):
        st.html(f'<h1 class="salle-titre">{html.escape(titre)}</h1><p class="salle-sous-titre">'
                f"{html.escape(ind.libelle)} — {html.escape(nom)}{quand} · vue {step} / {n}</p>")
        left, box = st.columns([1.1, 3], gap="large")
        left.html(_chiffre_salle(v))
        spec = chart.to_dict(validate=False)
        spec["width"] = SALLE_LARGEUR
        box.vega_lite_chart(spec, width="content", alt=alt_text)
    with st.container(key="seance-pied"):
        st.html(f"<p>{html.escape(source_lisible(_origines(ind, rows), annees))}</p>")


def synthese_salle(niveau: str, code: str, date_seance: str | None, nom: str, step: int, n: int) -> None:
    """« Où en est le territoire ? » on the room's screen: the same statements as the home page and the pack."""
    with st.container(key="seance-vue"):
        st.html(f'<h1 class="salle-titre">{html.escape(TITRE_SYNTHESE)}</h1><p class="salle-sous-titre">'
                f"{html.escape(LIBELLE_SYNTHESE.capitalize())} — {html.escape(nom)} · vue {step} / {n}</p>")
        synth = ui_synthese.du_jour(niveau, code, date_seance)
        (t_cibles, _), (t_verdicts, comptes), (t_bouge, mouvements_) = synth.sections()
        cibles = "".join(  # the room reads each target and where it stands; its origin and data are in the pack
            f'<li><span aria-hidden="true" style="color:{COULEURS[TONALITES_ETATS[o.code]]}">'
            f"{SYMBOLES[TONALITES_ETATS[o.code]]}</span> "
            f"<strong>{html.escape(o.tete())}</strong></li>" for o in synth.objectifs)
        cibles += f"<li>{html.escape(synth.phrase_non_renseignes())}</li>"
        bouge = mouvements_[:SALLE_MOUVEMENTS]
        if len(mouvements_) > SALLE_MOUVEMENTS:
            bouge.append(f"… et {len(mouvements_) - SALLE_MOUVEMENTS} autres : voir le dossier de séance.")
        gauche, droite = st.columns([3, 2], gap="large")
        gauche.html(f'<div class="salle-texte"><strong>{html.escape(t_cibles)}</strong></div>'
                    f'<ul class="salle-liste">{cibles}</ul>')
        droite.html(f'<div class="salle-texte"><strong>{html.escape(t_verdicts)}</strong></div><ul class="salle-liste">'
                    + "".join(f"<li>{html.escape(x)}</li>" for x in comptes) + "</ul>"
                    f'<div class="salle-texte"><strong>{html.escape(t_bouge)}</strong></div><ul class="salle-liste">'
                    + "".join(f"<li>{html.escape(x)}</li>" for x in bouge) + "</ul>")
    with st.container(key="seance-pied"):
        st.html("<p>Sources : registre des objectifs du territoire (PCAET, projet de territoire) et indicateurs du "
                "baromètre, derniers millésimes publiés.</p>")


def attendues_salle(attendues: list[Indicateur], nom: str, step: int, n: int) -> None:
    """« Données attendues » as the séance's last view: what could not be shown, and who publishes it."""
    with st.container(key="seance-vue"):
        st.html(f'<h1 class="salle-titre">Données attendues : {len(attendues)} vue(s) sans données pour '
                f'{html.escape(nom)}</h1><p class="salle-sous-titre">Vues non présentées faute de données · '
                f"vue {step} / {n}</p>")
        items = "".join(f"<li>{html.escape(i.nom_court)} — {html.escape(provenance.source_name(i.source))}</li>"
                        for i in attendues[:24])
        more = f"<li>… et {len(attendues) - 24} autres (voir le dossier de séance)</li>" if len(attendues) > 24 else ""
        st.html(f'<ul class="salle-attendues">{items}{more}</ul>')
    with st.container(key="seance-pied"):
        st.html("<p>Ces vues apparaîtront dès que leurs données seront chargées.</p>")


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
                 code: str = "", date_seance: str | None = None, salle: bool = False) -> None:
    if salle:  # the room: every view, then « données attendues » as its own last view; controls on hover only
        n = len(steps) + (1 if attendues else 0)
        step = etat.etape("etape", n)
        if step > len(steps):
            attendues_salle(attendues, nom, step, n)
        elif steps[step - 1] == SYNTHESE:
            synthese_salle(niveau, code, date_seance, nom, step, n)
        else:
            afficher_salle(steps[step - 1], step, n, nom)
        with st.container(key="seance-commandes"):
            etat.step_buttons("etape", step, n, key="seance", middle=1)
        return
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
    st.header(echapper(titre_actif(v.ind, v.genre, v.niveau, v.code, v.comparaison, v.serie, v.communes)))
    st.markdown(f"**{echapper(v.ind.libelle)}**")
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
        demande = etat.url("vue") or etat.url("vues") or ""
        inconnues = [x for x in demande.split(",") if x and x not in ids]
        if inconnues:  # never another view in its place: the site would show a figure it did not ask for
            st.warning(f"La vue « {echapper(inconnues[0])} » n'existe pas dans le baromètre : vérifiez le lien "
                       "d'intégration (paramètre « vue », identifiant d'un indicateur de la page Méthodologie).")
            return
        if etat.url("vue"):
            v = vue(cat.indicateur(etat.url("vue")), niveau, code)
            steps = [v] if v.genre is not None else []
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
        if sel.projection:
            st.html(SALLE_CSS)
            st.html(SALLE_JS, unsafe_allow_javascript=True, width="content")
        vue_courante(etapes(steps), attendues, f"{echapper(titre)}{quand}", nom, font, niveau, code, date_seance,
                     salle=sel.projection)
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
