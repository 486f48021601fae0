"""The IDH-4 page's parts (pages/idh4.py): the inputs read for each commune, zone and the agglomeration,
what is computed and what is missing (and which file to load), the map and ranking, the tables, and one
commune's computation in detail. Formulas: :mod:`barometre.calculs.indices`; assembly:
:mod:`barometre.calculs.bien_etre`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import bien_etre, indices
from barometre.charts import indicateurs as charts
from barometre.ui import cache, etat, graphiques, panneaux, provenance
from barometre.ui.etat import Selection

NIVEAU_CANTON = "canton"  # the ICM is published per canton and given to each commune of its canton
ENTREES = indices.IDH4_INPUTS
LIB = bien_etre.IDH4_LIBELLES


def sub_text(value: float | None, reason: str | None) -> str:
    return formats.nombre(value, 3) if value is not None else f"non disponible ({reason})"


@dataclass
class Idh4:
    """The inputs found and the index computed for the communes, the zones and the agglomeration."""

    names: dict[str, str]
    zone_names: dict[str, str]
    absent: dict[str, str]
    communes: dict[str, dict[str, bien_etre.Observation]]
    zone_of: dict[str, str]
    bornes: dict
    lignes: dict
    lignes_zones: dict
    ligne_agglo: object
    n_index: int
    ind_of: dict[str, str]  # input -> the indicator it is read from (its own, or a documented variant)
    variantes: dict[str, str]  # input -> what the documented variant changes


def calculer(sel: Selection) -> Idh4:
    """Read each input's latest communal vintage (the ICM by canton when not by commune) and compute."""
    cat = cache.catalogue()
    known = {i.id for i in cat.indicateurs}
    zonage = sel.zonage
    names = bien_etre.noms(cache.territoires("commune"))
    zone_names = bien_etre.noms(cache.territoires(zonage))
    absent: dict[str, str] = {}
    communes: dict[str, dict[str, bien_etre.Observation]] = {e: {} for e in ENTREES}
    zones: dict[str, dict[str, bien_etre.Observation]] = {e: {} for e in ENTREES}
    agglo: dict[str, bien_etre.Observation | None] = dict.fromkeys(ENTREES)
    zone_of: dict[str, str] = {}
    ind_of = dict(bien_etre.IDH4_INDICATEURS)
    variantes: dict[str, str] = {}
    for entree, ind_id in bien_etre.IDH4_INDICATEURS.items():
        years = (cache.annees(ind_id, "commune") or cache.annees(ind_id, NIVEAU_CANTON)) if ind_id in known else []
        variante = bien_etre.IDH4_VARIANTES.get(entree)
        if not years and variante and variante[0] in known and cache.annees(variante[0], "commune"):
            ind_id = ind_of[entree] = variante[0]
            variantes[entree] = variante[1]
            years = cache.annees(ind_id, "commune")
        if ind_id not in known:
            absent[entree] = "entrée non chargée"
            continue
        if not years:
            absent[entree] = "aucune valeur communale chargée"
            continue
        annee = years[-1]
        frame = cache.valeurs_communes(ind_id, annee, zonage)
        zone_of.update({r["code"]: r["nom_zone"] for r in frame.iter_rows(named=True) if r["nom_zone"]})
        communes[entree] = bien_etre.observations(frame)
        if not communes[entree] and entree == "icm":  # published per canton: each commune takes its canton's
            cantons = cache.valeurs_communes(ind_id, annee, NIVEAU_CANTON)
            communes[entree] = bien_etre.propager_zone(
                bien_etre.observations(cache.valeurs(ind_id, NIVEAU_CANTON, None, annee, "")),
                {r["code"]: r["zone"] for r in cantons.iter_rows(named=True) if r["zone"]}, "canton")
        zones[entree] = bien_etre.observations(cache.valeurs(ind_id, zonage, None, annee, ""))
        agglo[entree] = bien_etre.observations(cache.valeurs(ind_id, "epci", (sel.epci,), annee, "")).get(sel.epci)

    bornes = bien_etre.bornes_idh4(communes)
    lignes = {c: bien_etre.idh4_ligne(c, {e: communes[e].get(c) for e in ENTREES}, bornes, absent) for c in names}
    lignes_zones = {z: bien_etre.idh4_ligne(z, {e: zones[e].get(z) for e in ENTREES}, bornes, absent)
                    for z in zone_names}
    ligne_agglo = bien_etre.idh4_ligne(sel.epci, agglo, bornes, absent)
    n_index = sum(1 for ligne in lignes.values() if ligne.index is not None)
    return Idh4(names, zone_names, absent, communes, zone_of, bornes, lignes, lignes_zones, ligne_agglo, n_index,
                ind_of, variantes)


def publie(sel: Selection) -> None:
    """The Région's published IDH-4, when loaded (``barometre ingest``): shown as published, with its year."""
    annees = cache.annees("idh4", "commune") if "idh4" in {i.id for i in cache.catalogue().indicateurs} else []
    frame = cache.valeurs("idh4", "commune", None, annees[-1], "") if annees else pl.DataFrame()
    if not frame.height or not set(frame["source"].drop_nulls().to_list()) - {"idh4_calcul"}:
        return
    st.success(f"IDH-4 publié par la Région chargé ({annees[-1]}, source : "
               f"{provenance.source_name(frame['source'][0])}) : ses valeurs, calculées avec les bornes régionales, "
               "remplacent le calcul du baromètre dans l'explorateur et la ligne de commande.")
    st.dataframe(frame.select(pl.col("nom").alias("Commune"),
                              pl.col("valeur").map_elements(lambda v: formats.nombre(v, 3), return_dtype=pl.String)
                              .alias("IDH-4 publié")).sort("Commune"), hide_index=True, width="stretch")


def statut(r: Idh4) -> None:
    """What is computed, what is missing and how to load it, the goalposts, the three sub-index cards."""
    cat, absent, bornes, names, n_index = cache.catalogue(), r.absent, r.bornes, r.names, r.n_index
    if n_index == 0:
        manquants = [e for e in ENTREES if bornes.get(e) is None]
        st.info(
            "**L'IDH-4 n'est calculé pour aucun territoire** : il faut ses trois composantes et il en manque "
            f"{len(manquants)} ({', '.join(LIB[e].lower() for e in manquants)}). Aucune valeur de "
            "remplacement n'est utilisée. Formule, une fois les fichiers chargés : **IDH-4 = (S + E + N) / 3**, "
            "avec S = 1 − (ICM − min) / (max − min), E = (x − min) / (max − min) et "
            "N = (ln x − ln min) / (ln max − ln min).")
    else:
        st.success(f"L'IDH-4 est calculé pour {n_index} commune(s) sur {len(names)}.")
    if "icm" in absent and "diploma_share" in absent:
        st.markdown("**Santé et éducation : non disponible — l'ICM (OR2S, par canton) et la part de diplômés par "
                    "commune ne sont pas dans les sources chargées.**")
    if any(bornes.values()):
        st.warning("**Bornes : min/max observés parmi les "
                   f"{max(b.n_communes for b in bornes.values() if b)} communes, pas les bornes régionales — "
                   "l'indice n'est pas comparable à la carte régionale.** Les bornes régionales (min et max "
                   "parmi les communes des Hauts-de-France) ne sont pas dans les données chargées.")
    for entree, note in r.variantes.items():
        utilise = cat.indicateur(r.ind_of[entree]).libelle
        st.warning(f"**{LIB[entree]} : {note}.** Indicateur utilisé : « {utilise} ». Dès que "
                   f"{bien_etre.IDH4_A_CHARGER[entree]} est chargée, elle remplace cette variante.")
    cols = st.columns(3)
    for col, entree in zip(cols, ENTREES, strict=True):
        b = bornes.get(entree)
        ind_id = r.ind_of[entree]
        if b is None:
            if etat.projection_mode():  # the room sees what is missing, never a shell command
                how = f"Donnée attendue : {bien_etre.IDH4_A_CHARGER[entree]}."
            elif bien_etre.idh4_ingestible(entree, cat):
                how = f"À charger avec « uv run barometre ingest FICHIER » : {bien_etre.IDH4_A_CHARGER[entree]}."
            else:
                how = (f"Fichier à charger : {bien_etre.IDH4_A_CHARGER[entree]}. La commande « barometre ingest » "
                       "ne reconnaît pas encore ce fichier : son format et son indicateur restent à ajouter au "
                       "catalogue.")
            lines = [f"Variable : {bien_etre.IDH4_VARIABLES[entree]}.", how]
            col.html(panneaux.card(f"Sous-indice {LIB[entree].lower()}", "non disponible", "", lines,
                                bien_etre.IDH4_FORMULES[entree]))
        else:
            ind = cat.indicateur(ind_id)
            f = panneaux.fmt(ind)
            variable = (ind.libelle.lower() + " (variante)" if entree in r.variantes
                        else bien_etre.IDH4_VARIABLES[entree])
            lines = [f"Variable : {variable} ({ind.millesime}).",
                     f"Formule : {bien_etre.IDH4_FORMULES[entree]}.",
                     f"Bornes : {f(b.minimum)} à {f(b.maximum)} {ind.unite}."]
            col.html(panneaux.card(f"Sous-indice {LIB[entree].lower()}", f"{b.n_communes} communes", "", lines,
                                bien_etre.IDH4_FORMULES[entree]))


def carte(sel: Selection, r: Idh4):
    """The index (or a sub-index) per commune, as a map and a ranking; returns the map's selection event."""
    bornes, names, lignes, communes, zone_of, n_index, zonage = (r.bornes, r.names, r.lignes, r.communes,
                                                                  r.zone_of, r.n_index, sel.zonage)
    available = [e for e in ENTREES if bornes.get(e) is not None]
    event = None
    if available:
        options = (["index"] if n_index else []) + available
        shown = st.radio("Carte", options, horizontal=True, key="idh4_carte_choix",
                         format_func=lambda e: "IDH-4" if e == "index" else f"Sous-indice {LIB[e].lower()}",
                         ) if len(options) > 1 else options[0]
        label = "IDH-4" if shown == "index" else f"Sous-indice {LIB[shown].lower()} (ce n'est pas l'IDH-4)"
        frame = pl.DataFrame([
            {"code": c, "nom": names[c], "valeur": ligne.index if shown == "index" else ligne.sous_indices[shown],
             "secret": bool(shown != "index" and (o := communes[shown].get(c)) is not None and o.secret),
             "nom_zone": zone_of.get(c)} for c, ligne in lignes.items()],
            schema={"code": pl.String, "nom": pl.String, "valeur": pl.Float64, "secret": pl.Boolean,
                    "nom_zone": pl.String})
        st.markdown(f"## {label}, par commune")
        if etat.section_picker({"carte": "Carte", "classement": "Classement"}, key="onglet_idh4") == "carte":
            spec, legend = charts.choropleth(frame, cache.geometries("commune"), cache.geometries(zonage),
                                             lambda v: formats.nombre(v, 3), "")
            event = graphiques.carte(spec, key="idh4_carte", hauteur=520, alt=f"Carte : {label}")
            st.caption("Légende (quantiles) : " + " · ".join(lbl for lbl, _ in legend)
                       + ". Traits noirs : zones du découpage. Cliquer une commune ouvre le détail de son "
                       "calcul.")
        else:
            scored = frame.filter(pl.col("valeur").is_not_null())
            graphiques.afficher("ranking_chart", scored, "0 à 1", 3, None, label.split(" (")[0],
                                font_size=charts.font_size(sel.projection), alt=f"Classement des communes : {label}")
    return event


def tableau_communes(r: Idh4) -> None:
    cat, absent, bornes, names, lignes, zone_of = (cache.catalogue(), r.absent, r.bornes, r.names, r.lignes,
                                                   r.zone_of)
    st.markdown("## Par commune : entrées, sources, millésimes et normalisation")
    rows = []
    order = [e for e in ENTREES if e not in absent] + [e for e in ENTREES if e in absent]  # loaded inputs first
    for c, ligne in sorted(lignes.items(), key=lambda kv: names[kv[0]]):
        row = {"Commune": names[c], "Zone": zone_of.get(c, "")}
        for entree in order:
            if entree not in absent:
                obs = ligne.entrees.get(entree)
                ind = cat.indicateur(r.ind_of[entree])
                row[f"{LIB[entree]} : {ind.nom_court}"] = formats.valeur_unite(
                    obs.valeur if obs else None, ind.unite, ind.decimales, bool(obs and obs.secret))
                via = f" ({obs.methode})" if obs and obs.methode.startswith("valeur du") else ""
                row[f"{LIB[entree]} : source, année"] = (f"{provenance.source_name(obs.source)}, {obs.annee}{via}"
                                                         if obs else "–")
                row[f"{LIB[entree]} : normalisation"] = bien_etre.idh4_normalisation(entree, obs, bornes.get(entree),
                                                                      ind.decimales)
            row[f"Sous-indice {LIB[entree].lower()}"] = sub_text(ligne.sous_indices[entree],
                                                                 ligne.raisons.get(entree))
        row["IDH-4"] = (formats.nombre(ligne.index, 3) if ligne.index is not None
                        else "non calculé : manque " + ", ".join(LIB[e].lower() for e in ligne.raisons))
        rows.append(row)
    table = pl.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch", height=360)
    st.download_button("Télécharger le tableau (CSV pour Excel)", lambda: formats.csv_excel(table),
                       "idh4_communes.csv", "text/csv", key="idh4_csv", on_click="ignore")  # made on click


def tableau_zones(r: Idh4) -> None:
    cat, absent, lignes_zones, zone_names, ligne_agglo = (cache.catalogue(), r.absent, r.lignes_zones,
                                                          r.zone_names, r.ligne_agglo)
    epci_nom = cache.territoire_config().epci.nom
    st.markdown("## Zones du découpage et agglomération")
    zone_rows = []
    for ligne, nom in [*((lignes_zones[z], zone_names[z]) for z in zone_names), (ligne_agglo, epci_nom)]:
        row = {"Territoire": nom}
        for entree in ENTREES:
            reason = ligne.raisons.get(entree)
            if reason == "pas de valeur pour ce territoire" and entree not in absent:
                ind = cat.indicateur(r.ind_of[entree])
                if ind.agregation == "aucune":
                    reason = ("valeur non publiée pour ce territoire, et qui ne se calcule pas à partir des "
                              "communes (une médiane ou un indice standardisé ne s'additionne pas)")
            row[f"Sous-indice {LIB[entree].lower()}"] = sub_text(ligne.sous_indices[entree], reason)
        row["IDH-4"] = formats.nombre(ligne.index, 3) if ligne.index is not None else "non calculé"
        zone_rows.append(row)
    st.dataframe(pl.DataFrame(zone_rows), hide_index=True, width="stretch")
    st.caption("Une zone est placée avec les bornes des communes. Ses entrées sont celles de la zone (taux "
               "calculés sur les effectifs additionnés des communes ; valeurs publiées sinon), jamais des "
               "moyennes d'indices.")


def detail(sel: Selection, r: Idh4, event) -> None:
    """One commune's computation, step by step (the commune clicked on the map, else the one chosen)."""
    cat, bornes, names, lignes = cache.catalogue(), r.bornes, r.names, r.lignes
    clicked = charts.commune_cliquee(event)
    detail = clicked or sel.commune
    if detail in lignes:
        ligne = lignes[detail]
        with st.expander(f"Détail du calcul : {names[detail]}", expanded=True):
            for entree in ENTREES:
                obs, b = ligne.entrees.get(entree), bornes.get(entree)
                if ligne.sous_indices[entree] is None:
                    st.markdown(f"- **{LIB[entree]}** : non disponible ({ligne.raisons.get(entree)}). "
                                f"À charger : {bien_etre.IDH4_A_CHARGER[entree]}.")
                    continue
                ind = cat.indicateur(r.ind_of[entree])
                formula = bien_etre.idh4_normalisation(entree, obs, b, ind.decimales)
                st.markdown(f"- **{LIB[entree]}** : {formats.valeur_unite(obs.valeur, ind.unite, ind.decimales)} "
                            f"({provenance.source_name(obs.source)}, {obs.annee}) → {formula}"
                            f" = **{formats.nombre(ligne.sous_indices[entree], 3)}** ; {b.description}.")
            st.markdown("- **IDH-4** : " + (formats.nombre(ligne.index, 3) if ligne.index is not None
                                            else "non calculé, faute des trois composantes."))
