"""The well-being index page's parts (pages/bien_etre.py): the weights picker (one slider per dimension,
``?w=`` / ``?ponderation=`` in the URL), the values read for the index, the weighting's status, the results
tabs (ranking, map, rank sensitivity, zones), the per-commune detail, the saved weightings, the method.

The computation is :mod:`barometre.calculs.bien_etre` (pure); this module reads the values through
:mod:`barometre.ui.cache` and renders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import bien_etre, indices
from barometre.charts import indicateurs as charts
from barometre.pilotage.store import ErreurStore, Utilisateur
from barometre.settings import get_settings
from barometre.texte import echapper
from barometre.ui import cache, etat, graphiques, panneaux, provenance
from barometre.ui import panel as ui_panel
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import texte as ui_texte
from barometre.ui.etat import Selection

UNITE_SCORE = "score de 0 à 1"
KEY_PREFIX = "be_note_"
STATE_INIT = "be_etat_initial"  # the EtatInitial the sliders were set from
STATE_SLUG = "be_lien_lu"  # the ?ponderation= value last read (a new one re-applies a saved weighting)
STATE_FLASH = "be_message"  # a message to show after the rerun that follows a save


@dataclass(frozen=True)
class Contexte:
    """What the page's parts share: the dimensions, the commune names, the signed-in user (if any)."""

    corr: bien_etre.Correspondance
    sens: dict[str, bool]
    names: dict[str, str]
    user: Utilisateur | None


def contexte(user: Utilisateur | None) -> Contexte:
    settings = get_settings()
    cat = cache.catalogue()
    corr = bien_etre.load_dimensions(settings.catalogue_dir / bien_etre.DIMENSIONS_FILE, cat)
    corr, version, pourquoi = ui_panel.correspondance_en_vigueur(corr)  # the panel's adopted criteria, if any
    if version is not None and pourquoi is None:
        d = version["date_adoption"]
        st.caption(f"Dimensions : critères adoptés par le panel (version « {echapper(version['libelle'])} » du "
                   f"{d[8:10]}/{d[5:7]}/{d[:4]}, page Panel).")
    elif pourquoi:
        st.warning(pourquoi)
    return Contexte(corr, bien_etre.directions(corr, cat), bien_etre.noms(cache.territoires("commune")), user)


def trouver(slug: str) -> bien_etre.Ponderation | None:
    """A weighting of the store by its link name."""
    row = ui_pilotage.store().ponderation(slug)
    return bien_etre.Ponderation.depuis_store(row) if row else None


def weights_picker(corr: bien_etre.Correspondance, container) -> tuple[dict[str, int], bien_etre.EtatInitial]:
    """One slider per dimension; owns its session-state keys and the ``w`` / ``ponderation`` URL parameters.

    Starts from ``?ponderation=<slug>`` (a saved weighting), else ``?w=…``, else the neutral default;
    a link naming another saved weighting than the one applied re-applies it.
    """
    slug = etat.url("ponderation")
    init = etat.lire(STATE_INIT)
    if init is None or (slug and slug != etat.lire(STATE_SLUG)):
        adoptee = ui_pilotage.store().ponderation_adoptee()  # the panel's current one: the default
        init = bien_etre.etat_initial(corr, trouver, slug, etat.url("w"),
                                      bien_etre.Ponderation.depuis_store(adoptee) if adoptee else None)
        etat.ecrire(STATE_INIT, init)
        etat.ecrire(STATE_SLUG, slug)
        for dim in corr.dimensions:
            etat.ecrire(KEY_PREFIX + dim.id, init.notes[dim.id])
    notes = {}
    for dim in corr.dimensions:
        notes[dim.id] = container.slider(
            dim.etiquette, bien_etre.NOTE_MIN, bien_etre.NOTE_MAX, step=1, key=KEY_PREFIX + dim.id,
            help=f"Famille du projet : {dim.famille}. Indicateurs : "
                 + ", ".join(cache.catalogue().indicateur(i).libelle for i in dim.indicateurs) + ".")
    if init.ponderation is not None and notes == init.ponderation.notes:
        etat.vers_url("ponderation", init.ponderation.slug)
        etat.vers_url("w", None)
    else:
        etat.vers_url("ponderation", None)
        etat.vers_url("w", bien_etre.format_notes(notes, corr.ids),
                    bien_etre.format_notes(bien_etre.notes_neutres(corr.ids), corr.ids))
    return notes, init


def message_flash() -> str | None:
    return etat.retirer(STATE_FLASH)


def normalisation_text(ind_id: str, b: bien_etre.Bornes | None, higher: bool, names: dict[str, str]) -> str:
    ind = cache.catalogue().indicateur(ind_id)
    if b is None:
        return "aucune commune avec une valeur"
    f = panneaux.fmt(ind)
    text = (f"(v − min) / (max − min) ; min = {f(b.minimum)} {ind.unite} ({names.get(b.commune_min, '')}), "
            f"max = {f(b.maximum)} {ind.unite} ({names.get(b.commune_max, '')}), "
            f"parmi {b.n_communes} communes")
    return text if higher else "1 − " + text + " (une baisse est favorable)"


def sensibilite(niveau: bien_etre.Niveau, poids: dict[str, float]) -> dict[str, indices.RankRange | None]:
    """:func:`bien_etre.sensibilite`, computed once per distinct input: its 1,000 weightings took about a
    second of pure Python on every open of the page and every slider move. Only the active dimensions'
    scores count (the drawn weights do not depend on the chosen notes)."""
    actives = bien_etre.dimensions_actives(poids)
    return _sensibilite(tuple((d, tuple(niveau.scores_dimensions[d].items())) for d in actives))


@st.cache_data(show_spinner=False, max_entries=128)
def _sensibilite(scores: tuple[tuple[str, tuple[tuple[str, float | None], ...]], ...]
                 ) -> dict[str, indices.RankRange | None]:
    niveau = bien_etre.Niveau(normalises={}, scores_dimensions={d: dict(s) for d, s in scores}, scores={},
                              rangs={}, manques={}, sans_score={})
    return bien_etre.sensibilite(niveau, dict.fromkeys((d for d, _ in scores), 1.0))


@dataclass
class Valeurs:
    """The index's inputs: each indicator's latest communal vintage, per commune and per zone."""

    communes: dict[str, dict[str, bien_etre.Observation]]
    zones: dict[str, dict[str, bien_etre.Observation]]
    annees: dict[str, int | None]
    zone_of: dict[str, str]


def lire_valeurs(corr: bien_etre.Correspondance, zonage: str) -> Valeurs:
    out = Valeurs({}, {}, {}, {})
    for ind_id in corr.indicateurs():
        vent = cache.catalogue().indicateur(ind_id).ventilation_indice  # one election for turnout
        years = (cache.annees(ind_id, "commune") if not vent else
                 sorted(set(cache.valeurs(ind_id, "commune", ventilation=vent)["annee"].to_list())))
        annee = years[-1] if years else None
        out.annees[ind_id] = annee
        if annee is None:
            out.communes[ind_id] = {}
            out.zones[ind_id] = {}
            continue
        df = cache.valeurs_communes(ind_id, annee, zonage, vent)
        out.communes[ind_id] = bien_etre.observations(df)
        out.zone_of.update({r["code"]: r["nom_zone"] for r in df.iter_rows(named=True) if r["nom_zone"]})
        zdf = cache.valeurs(ind_id, zonage, None, annee, vent)
        out.zones[ind_id] = {
            r["code"]: bien_etre.Observation(
                r["valeur"], bool(r["secret"]), r["annee"], r["source"] or "",
                ("calculée à partir des effectifs additionnés de "
                 f"{r['n_communes_renseignees']} commune(s) sur {r['n_communes']}"
                 if r["methode"] == "calculee" and r["n_communes"] else r["methode"] or ""))
            for r in zdf.iter_rows(named=True)}
    return out


def statut(ctx: Contexte, notes: dict[str, int], init: bien_etre.EtatInitial, flash: str | None) -> None:
    """The weighting's status, never taken for a fact: the panel's (adopted), a proposal, the neutral start,
    or personal."""
    equal = len(set(notes.values())) == 1
    if init.ponderation is not None and notes == init.ponderation.notes and init.ponderation.adoptee:
        p = init.ponderation
        st.success(f"**Pondération du panel « {echapper(p.nom)} »**, séance du {p.date:%d/%m/%Y}, adoptée le "
                   f"{ui_pilotage.date_lisible(p.adoptee_le.isoformat())}."
                   + (f" {echapper(p.commentaire)}" if p.commentaire else ""))
    elif init.ponderation is not None and notes == init.ponderation.notes:
        p = init.ponderation
        st.info(f"**Proposition « {echapper(p.nom)} » du {p.date:%d/%m/%Y}, non adoptée** : ce n'est pas (encore) "
                "la pondération du panel. Un agent de l'agglomération l'adopte si le panel l'a décidée.")
    elif equal:
        st.info("**Pondération neutre de départ** : toutes les dimensions comptent autant. Ce n'est pas le "
                "choix du panel, seulement un point de départ.")
    else:
        st.warning("**Pondération personnalisée, non enregistrée** : ce n'est pas la pondération du panel. "
                   "Le lien de cette page la conserve (paramètre « w »).")
    for message in init.erreurs:
        ui_texte.erreur(message)
    for message in init.avertissements:
        ui_texte.avertissement(message)
    if flash:
        ui_texte.succes(flash)


def resultats(ctx: Contexte, sel: Selection, indice: bien_etre.IndiceBienEtre, plages: dict,
              sens_table: pl.DataFrame, ranking: pl.DataFrame, zone_names: dict[str, str]):
    """The tabs: ranking, map, rank sensitivity, zones. Returns the map's selection event."""
    corr, highlight = ctx.corr, sel.commune
    event = None
    onglet = etat.section_picker({"classement": "Classement des communes", "carte": "Carte",
                                  "sensibilite": "Sensibilité des rangs", "zones": "Zones du découpage"},
                                 key="onglet_be")
    scored = ranking.filter(pl.col("valeur").is_not_null())
    chart_font = charts.font_size(sel.projection)
    if onglet == "classement":
        if scored.is_empty():
            st.info("Aucune commune n'a de score avec cette pondération (voir les données manquantes).")
        else:
            graphiques.afficher("ranking_chart", scored, UNITE_SCORE, 2, highlight, "Score de bien-être",
                                font_size=chart_font, alt="Classement des communes selon le score de bien-être")
    elif onglet == "carte":
        spec, legend = charts.choropleth(ranking, cache.geometries("commune"), cache.geometries(sel.zonage),
                                         lambda v: formats.nombre(v, 2), "")
        event = graphiques.carte(spec, key="be_carte", hauteur=460, alt="Carte du score de bien-être des communes")
        st.caption("Légende (classes par quantiles) : " + " · ".join(label for label, _ in legend)
                   + ". Cliquer une commune ouvre le détail de son calcul plus bas.")
    elif onglet == "sensibilite":
        n_dims = len(bien_etre.dimensions_actives(indice.poids))
        st.caption(f"Rang de chaque commune sous {bien_etre.N_TIRAGES} pondérations tirées au hasard (poids "
                   f"uniformes sur les {n_dims} dimensions retenues, graine {bien_etre.GRAINE}) : trait = du "
                   "meilleur au moins bon rang, repère bleu = rang médian, point orange = rang avec la "
                   "pondération actuelle. Un long trait : le rang dépend surtout de la pondération. Les "
                   "plages viennent d'un tirage au sort : davantage de tirages les élargiraient un peu.")
        if sens_table.is_empty():
            st.info("Aucune commune classée : pas de sensibilité à montrer.")
        else:
            graphiques.afficher("sensitivity_chart", sens_table,
                                alt="Plage des rangs des communes sous des pondérations tirées au hasard")
            st.dataframe(sens_table.select(
                pl.col("nom").alias("Commune"), pl.col("rang").alias("Rang actuel"),
                pl.col("rang_min").alias("Meilleur rang"), pl.col("rang_median").alias("Rang médian"),
                pl.col("rang_max").alias("Moins bon rang"), pl.col("ecart").alias("Écart")),
                hide_index=True, width="stretch", height=300)
    else:
        zrank = bien_etre.ranking_frame(indice.zones, zone_names)
        zscored = zrank.filter(pl.col("valeur").is_not_null())
        if not zscored.is_empty():
            graphiques.afficher("ranking_chart", zscored, UNITE_SCORE, 2, None, "Score de bien-être",
                                font_size=chart_font, alt="Classement des zones selon le score de bien-être")
        missing_dims = sorted({m.dimension for ms in indice.zones.sans_score.values() for m in ms})
        if missing_dims:
            labels = {d.id: d.libelle for d in corr.dimensions}
            st.info(f"{len(indice.zones.sans_score)} zone(s) sans score : pas de valeur pour "
                    + ", ".join(f"« {labels[d]} »" for d in missing_dims)
                    + " à cette échelle (une médiane, comme le revenu médian, ne s'additionne pas entre "
                    "communes). Mettre la note de cette dimension à 0 classe les zones sur les autres.")
        zsens = sensibilite(indice.zones, indice.poids)
        rows = []
        for zcode, zname in zone_names.items():
            plage = zsens.get(zcode)
            row = {"Zone": zname, "Score": formats.nombre(indice.zones.scores[zcode], 2)
                   if indice.zones.scores[zcode] is not None else "pas de score",
                   "Rang": str(indice.zones.rangs[zcode] or "–"),
                   "Plage des rangs": f"{plage.min_rank} à {plage.max_rank}" if plage else "–"}
            for dim in corr.dimensions:
                s = indice.zones.scores_dimensions[dim.id][zcode]
                row[dim.libelle] = formats.nombre(s, 2) if s is not None else "non disponible"
            rows.append(row)
        st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
        st.caption("Les valeurs d'une zone sont celles de la zone (taux calculés sur les effectifs "
                   "additionnés de ses communes), placées sur l'échelle des communes (mêmes min et max) ; ce "
                   "ne sont pas des moyennes de scores communaux.")
    return event


def sans_score(ctx: Contexte, indice: bien_etre.IndiceBienEtre) -> None:
    cat, names = cache.catalogue(), ctx.names
    if indice.communes.sans_score:
        st.markdown("## Communes sans score")
        st.caption("Une donnée secrète ou manquante n'est jamais remplacée : la commune n'a pas de score tant "
                   "que la dimension concernée compte dans la pondération.")
        st.dataframe(pl.DataFrame([
            {"Commune": names[c], "Données manquantes": " ; ".join(
                f"{cat.indicateur(m.indicateur).libelle} ({m.raison})" for m in ms)}
            for c, ms in sorted(indice.communes.sans_score.items(), key=lambda kv: names[kv[0]])]),
            hide_index=True, width="stretch")


def detail(ctx: Contexte, sel: Selection, indice: bien_etre.IndiceBienEtre, plages: dict, valeurs: Valeurs,
           event) -> None:
    """Every input of the chosen communes (or the one clicked on the map), normalised, with its source."""
    cat, corr, names, codes, sens = cache.catalogue(), ctx.corr, ctx.names, list(ctx.names), ctx.sens
    highlight, valeurs_communes = sel.commune, valeurs.communes
    scored = [c for c, s in indice.communes.scores.items() if s is not None]
    st.markdown("## Détail du calcul")
    clicked = charts.commune_cliquee(event)
    default_detail = [c for c in (highlight, clicked) if c]
    detail = st.multiselect("Communes à détailler (ou cliquer sur la carte)", codes, default=default_detail[:1],
                            format_func=names.get, key="be_detail", placeholder="Choisir des communes",
                                select_all=False)
    if clicked and clicked not in detail:
        detail = [*detail, clicked]
    for code in detail:
        score = indice.communes.scores.get(code)
        plage = plages.get(code)
        spread = f" (de {plage.min_rank} à {plage.max_rank} selon la pondération)" if plage else ""
        title = (f"{names[code]} — score {formats.nombre(score, 2)}, rang {indice.communes.rangs[code]} sur "
                 f"{len(scored)}{spread}" if score is not None else f"{names[code]} — pas de score")
        with st.expander(title, expanded=True):
            rows = []
            for dim in corr.dimensions:
                for ind_id in dim.indicateurs:
                    ind = cat.indicateur(ind_id)
                    obs = valeurs_communes[ind_id].get(code)
                    norm = indice.communes.normalises[ind_id].get(code)
                    rows.append({
                        "Dimension": dim.libelle, "Indicateur": ind.libelle,
                        "Valeur": formats.valeur_unite(obs.valeur if obs else None, ind.unite, ind.decimales,
                                                       bool(obs and obs.secret)),
                        "Année": str(obs.annee) if obs and obs.annee else "–",
                        "Score normalisé": formats.nombre(norm, 3) if norm is not None else "–",
                        "Normalisation": normalisation_text(ind_id, indice.bornes[ind_id], sens[ind_id], names),
                        "Source": f"{provenance.source_name(obs.source if obs else ind.source)} ({ind.millesime})",
                    })
            st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
            parts = []
            for dim in corr.dimensions:
                s = indice.communes.scores_dimensions[dim.id].get(code)
                w = indice.poids[dim.id]
                parts.append(f"{dim.libelle} : {formats.nombre(s, 3) if s is not None else 'non disponible'} × "
                             f"poids {formats.nombre(w, 3)}")
            st.caption("Score = Σ (score de la dimension × poids) ; score d'une dimension = moyenne de ses "
                       "indicateurs normalisés ; poids = note ÷ somme des notes. " + " ; ".join(parts) + ".")


def ligne_ponderation(p: bien_etre.Ponderation, corr: bien_etre.Correspondance) -> str:
    return (f"- [{echapper(p.nom)} — {p.date:%d/%m/%Y}](bien_etre?ponderation={p.slug}) : "
            + ", ".join(f"{echapper(d.libelle)} {p.notes.get(d.id, '–')}" for d in corr.dimensions))


def enregistrement(ctx: Contexte, notes: dict[str, int]) -> None:
    """The panel's weightings (store records): adopted ones with their link, proposals, the adoption form
    (agents), the proposal form (panel accounts), the history."""
    corr, user = ctx.corr, ctx.user
    st.markdown("## Pondération du panel")
    store = ui_pilotage.store()
    adoptees = [bien_etre.Ponderation.depuis_store(r) for r in store.ponderations_adoptees()]
    propose = ui_pilotage.peut(user, "ponderations")
    propositions = ([bien_etre.Ponderation.depuis_store(r) for r in store.ponderations(("proposee",))]
                    if propose else [])

    if adoptees:
        st.markdown("Pondérations adoptées par le panel (le lien rouvre exactement les mêmes notes) :\n"
                    + "\n".join(ligne_ponderation(p, corr) for p in adoptees))
    else:
        st.caption("Aucune pondération adoptée par le panel pour l'instant.")
    if propositions:
        st.markdown("Propositions en attente d'adoption (visibles des seuls comptes de saisie) :\n"
                    + "\n".join(ligne_ponderation(p, corr) for p in propositions))
    if ui_pilotage.peut(user, "adoption") and propositions:
        with st.form("be_adopter", border=False):
            choix = st.selectbox("Proposition à adopter au nom du panel", [p.id for p in propositions],
                                 format_func={p.id: f"{p.nom} — {p.date:%d/%m/%Y}" for p in propositions}.get)
            if st.form_submit_button("Adopter cette pondération"):
                p = next(p for p in propositions if p.id == choix)
                if ui_pilotage.ecrire(lambda: store.adopter_ponderation(user, p.id, p.version),
                                      "Pondération adoptée : elle est désormais annoncée comme celle du panel."):
                    etat.retirer(STATE_INIT)
                    st.rerun()
    if not propose:
        st.caption("Chacun peut déplacer les curseurs et partager le lien de la page ; enregistrer une "
                   "pondération demande un compte du panel (se connecter dans le menu latéral), et seule une "
                   "pondération adoptée par un agent de l'agglomération est annoncée comme celle du panel.")
    else:
        with st.form("be_enregistrer", clear_on_submit=False):
            st.markdown("**Proposer une pondération** (les notes actuelles, sous un nom et une date)")
            c1, c2 = st.columns([2, 1])
            nom = c1.text_input("Nom de la pondération",
                                placeholder="Panel du Conseil de développement, séance de mars",
                                max_chars=bien_etre.NOM_MAX)
            date = c2.date_input("Date de la séance", value=dt.date.today(), format="DD/MM/YYYY")
            commentaire = st.text_input("Commentaire (facultatif)", max_chars=300)
            if st.form_submit_button("Proposer cette pondération"):
                try:
                    row = store.proposer_ponderation(user, nom, notes, date, bien_etre.dimensions_figees(corr),
                                                     commentaire)
                except ErreurStore as exc:
                    ui_pilotage.erreur(exc)
                else:
                    p = bien_etre.Ponderation.depuis_store(row)
                    etat.ecrire(STATE_INIT, bien_etre.EtatInitial(dict(p.notes), "ponderation", p))
                    etat.ecrire(STATE_SLUG, p.slug)
                    etat.ecrire(STATE_FLASH, f"Proposition « {p.nom} » enregistrée (lien permanent : "
                                             f"?ponderation={p.slug}). Elle sera annoncée comme la "
                                             "pondération du panel une fois adoptée.")
                    etat.url_ecrire({"ponderation": p.slug})
    if propose:
        with st.expander("Historique des pondérations"):
            ui_pilotage.historique(user, ["ponderations"], key="be_historique")


def methode(ctx: Contexte, annees: dict[str, int | None]) -> None:
    cat, corr = cache.catalogue(), ctx.corr
    with st.expander("Méthode, dimensions et familles non couvertes"):
        st.markdown(
            "- **Normalisation** : pour chaque indicateur, (valeur − min) / (max − min), min et max observés "
            "parmi les communes qui ont une valeur ; inversée (1 − …) quand une baisse est favorable (sens du "
            "catalogue). Une zone est placée sur la même échelle que les communes.\n"
            "- **Dimension** : moyenne, à poids égaux, de ses indicateurs normalisés ; pas de score si l'un "
            "d'eux manque (secret statistique ou absence de données).\n"
            "- **Score** : Σ poids × score de la dimension, poids = note ÷ somme des notes (notes de 0 à 5) ; "
            "toutes les notes égales donnent des poids égaux.\n"
            f"- **Sensibilité** : {bien_etre.N_TIRAGES} pondérations tirées uniformément au hasard (loi de "
            f"Dirichlet(1, …, 1), graine {bien_etre.GRAINE}, résultats reproductibles) sur les dimensions dont "
            "la note n'est pas nulle.\n"
            f"- Source de la méthode : {indices.BETTER_LIFE_SOURCE}.")
        st.dataframe(pl.DataFrame([
            {"Dimension": d.etiquette, "Famille du projet": d.famille,
             "Indicateurs": ", ".join(f"{cat.indicateur(i).libelle} "
                                      f"({cat.indicateur(i).ventilation_indice or annees[i] or 'aucune année'})"
                                      for i in d.indicateurs),
             "Pourquoi": d.pourquoi} for d in corr.dimensions]), hide_index=True, width="stretch")
        if corr.non_couverte:
            st.markdown("**Familles du bien-être sans indicateur communal** (l'indice ne les mesure pas) :")
            # the reason quotes the adopted criteria (typed on the Panel page): text, never Markdown
            st.markdown("\n".join(f"- {echapper(f.famille)} (OCDE : {echapper(f.theme_ocde)}) — {echapper(f.raison)}"
                                  for f in corr.non_couverte))
