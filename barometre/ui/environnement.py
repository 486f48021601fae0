"""The volet environnemental's tabs: greenhouse gases by sector and commune, targets and trajectories,
energy autonomy. Each takes the run's :class:`~barometre.ui.etat.Selection`."""

from __future__ import annotations

import html
from datetime import date

import polars as pl
import streamlit as st

from barometre import formats
from barometre.calculs import verdicts
from barometre.calculs.targets import CONFIANCES_FR, STATUS_RULE_FR, indicateurs_par_priorite, trajectory
from barometre.pilotage.objectifs import ObjectifSaisi, objectifs_rows, objectifs_saisis
from barometre.pilotage.store import Store, Utilisateur
from barometre.settings import get_settings
from barometre.texte import echapper, texte_sur
from barometre.ui import budget as ui_budget
from barometre.ui import cache, graphiques, panneaux, provenance
from barometre.ui import energie as ui_energie
from barometre.ui import objectifs as ui_objectifs
from barometre.ui import verdicts as ui_verdicts
from barometre.ui.etat import Selection

SECTIONS = {"ges": "Gaz à effet de serre", "trajectoires": "Objectifs et trajectoires",
            "energie": "Énergie et autonomie", "indicateurs": "Tous les indicateurs"}
PCAET_CO2 = "pcaet_emissions_co2_citees"
GES_TOTAL, GES_PAR_HABITANT = "cae_1.a", "cae_1.b"


def objectifs(store: Store) -> tuple[list[ObjectifSaisi], list[dict]]:
    """The targets in force (file + the store's edits) and their trajectories' status."""
    saisis = objectifs_saisis(get_settings(), store, cache.catalogue())
    return saisis, objectifs_rows(get_settings(), cache.connection(), saisis=saisis)


def gaz_a_effet_de_serre(sel: Selection) -> None:
    cat = cache.catalogue()
    fs = panneaux.chart_font(sel)
    ges = cat.indicateur(GES_TOTAL)
    c1, c2, c3 = st.columns(3)
    panneaux.key_figure(c1, ges, sel)
    panneaux.key_figure(c2, cat.indicateur(GES_PAR_HABITANT), sel)
    pcaet = cache.valeurs(PCAET_CO2, "epci")
    if pcaet.height:
        c3.html(panneaux.card("CO2 cité par le PCAET", formats.nombre(pcaet["valeur"][0], 0), "kt CO2",
                              ["Cité en décembre 2023 ; année d'inventaire, gaz et périmètre non précisés : non "
                               "comparable en l'état à l'inventaire ADEME 2016."],
                              cat.indicateur(PCAET_CO2).definition))
    st.markdown("## Émissions par secteur et par commune (kteq CO2, IGT 2016)")
    secteurs = cat.groupes.secteurs_ges
    sect = pl.concat([cache.valeurs(s, "commune") for s in secteurs]).with_columns(
        pl.col("indicateur").replace(secteurs).alias("secteur"))
    chart = graphiques.afficher("stacked_sectors_chart", sect, "kteq CO2", 1, font_size=fs,
                                alt="Émissions de gaz à effet de serre par secteur et par commune")
    st.caption("Les grandes installations (centrale électrique, installations de traitement des déchets, "
               "industrie) pèsent sur leur commune d'implantation : ces émissions ne sont pas celles des "
               "habitants.")
    provenance.caption_source(ges, sect)
    provenance.table_and_downloads(sect.select("nom", "secteur", "valeur", "annee", "source", "secret"), ges,
                                   {"nom": "Commune", "secteur": "Secteur", "valeur": "Valeur", "annee": "Année",
                                    "source": "Source"}, key="ges_sect", chart=chart)
    total = cache.valeurs(GES_TOTAL, "commune", annee=2016)
    if total.height:
        s = total["valeur"].sum()
        part = total.with_columns((pl.col("valeur") / s * 100).alias("part")).sort("part", descending=True).head(5)
        st.markdown("Part des cinq communes les plus émettrices dans le total de l'agglomération : " + " · ".join(
            f"{r['nom']} {formats.nombre(r['part'], 1)} %" for r in part.iter_rows(named=True)))
    par_hab = cat.indicateur(GES_PAR_HABITANT)
    annees_hab = cache.annees(par_hab.id, "commune")
    if annees_hab:
        hab = cache.valeurs(par_hab.id, "commune", annee=annees_hab[-1], ventilation="").sort(
            "valeur", descending=True, nulls_last=True)
        st.markdown(f"## {par_hab.libelle}, par commune ({par_hab.unite}, {annees_hab[-1]})")
        st.caption("Calculées à partir des émissions et de la population de chaque commune (jamais une moyenne de "
                   "taux). Une grande installation industrielle fait monter le chiffre de sa commune sans "
                   "refléter les habitudes de ses habitants.")
        provenance.table_and_downloads(hab.select("nom", "valeur", "annee", "source", "secret"), par_hab,
                                       {"nom": "Commune", "valeur": "Valeur", "annee": "Année", "source": "Source"},
                                       key="ges_hab")
        provenance.caption_source(par_hab, hab)
    region = cache.valeurs(GES_TOTAL, "region")
    if region.height:
        st.caption(f"Repère régional : Hauts-de-France {formats.nombre(region['valeur'][0] / 1000, 1)} Mteq CO2 en "
                   f"{region['annee'][0]} (Observatoire Climat Hauts-de-France ; autre inventaire, autre année).")


def trajectoires(sel: Selection, rows: list[dict], saisis: list[ObjectifSaisi], store: Store,
                 user: Utilisateur | None) -> None:
    cat = cache.catalogue()
    if sel.niveau == "epci":
        ui_budget.panneau(rows, sel.code)
    st.info(f"Règle de statut : {STATUS_RULE_FR}")
    ids = indicateurs_par_priorite(rows, sel.epci)  # the headline target first: neutrality (issue 19)
    labels = {i.id: i.libelle for i in cat.indicateurs}
    ind_id = st.selectbox("Indicateur", ids, format_func=lambda i: labels.get(i, i), key="traj_ind")
    mine = [r for r in rows if r["indicateur"] == ind_id and r["territoire"] == sel.epci]
    for r in sorted(mine, key=lambda r: (not r.get("principal"), bool(r.get("illustratif")), r["annee_cible"])):
        ind = cat.indicateur(ind_id)
        st.markdown(f"**{echapper(r.get('intitule') or r['id'])}** ({echapper(r['id'])}) — origine : "
                    f"{echapper(r['origine'])}, échéance {r['annee_cible']} — "
                    f"{CONFIANCES_FR.get(r.get('confiance', ''), '')} — statut : "
                    f"**{r['statut_libelle']}**" + (" — *à confirmer*" if r["a_confirmer"] else "")
                    + (" — *objectif national transposé, illustratif*" if r["illustratif"] else ""))
        if r["annee_reference"] is None or r["valeur_reference"] is None or r["valeur_cible"] is None:
            st.caption("Pas de trajectoire : valeur de référence ou valeur cible inconnue, ou donnée non chargée.")
            continue
        path = trajectory(r["annee_reference"], r["valeur_reference"], r["annee_cible"], r["valeur_cible"],
                          r["forme"])
        obs = cache.valeurs(ind_id, "epci").filter(pl.col("ventilation") == "").select("annee", "valeur")
        # A path drawn from the only observation has no gap to show (it would read « écart ±0,0 »).
        from_only_point = (r["reference_source"] == "premiere_observation"
                           and r["annee_observation"] == r["annee_reference"])
        gap = (f"écart : {formats.ecart(r['ecart'], ind.unite, ind.decimales)}"
               if r.get("ecart") is not None and not from_only_point else "")
        hausse = ind.sens == "hausse_favorable" if ind.sens != "neutre" else r["valeur_cible"] > r["valeur_reference"]
        base = None if r["reference_source"] == "premiere_observation" else (r["annee_reference"],
                                                                              r["valeur_reference"])
        verdict = verdicts.verdict_objectif(list(obs.iter_rows()), r["annee_cible"], r["valeur_cible"], hausse,
                                            base=base, annee_courante=date.today().year)
        st.html(ui_verdicts.verdict_html(verdict)
                + f'<div style="font-size:.85rem;color:#444">{html.escape(verdict.detail)}</div>')
        graphiques.afficher("trajectory_chart", obs, pl.DataFrame(path, schema=["annee", "valeur"], orient="row"),
                            ind.unite, date.today().year, ind.decimales, gap,
                            font_size=panneaux.chart_font(sel), alt=f"Trajectoire {r['id']}")
        if r["reference_source"] == "premiere_observation":
            st.caption("Année de référence du PCAET inconnue : la trajectoire part provisoirement de la première "
                       "observation disponible. Avec une seule observation, le statut ne mesure pas encore une "
                       "tendance.")
        st.caption(f"Source de l'objectif : {texte_sur(r['source'])}")  # typed by an agent: text, never Markdown
    ui_objectifs.trajectoires_territoire(rows, ind_id, sel.niveau, sel.code, sel.nom, panneaux.chart_font(sel))
    with st.expander("Tous les objectifs en vigueur"):
        st.dataframe(ui_objectifs.tableau(saisis, rows, cat), hide_index=True, width="stretch")
    if not sel.projection:
        ui_objectifs.edition(store, user, saisis, cat)


def energie(sel: Selection, rows: list[dict], user: Utilisateur | None) -> None:
    """For the territory picked: consumption by energy and sector, production by filière, autonomy and
    consumption on their trajectories; what is missing (agents only). Files load on the « Données » page."""
    cat = cache.catalogue()
    cible = next((r for r in rows if r["indicateur"] == "autonomie_energetique" and r["territoire"] == sel.epci
                  and r["valeur_cible"] is not None), None)
    objectif = (f"Objectif en vigueur : **{formats.nombre(cible['valeur_cible'], ui_energie.decimales(cible))}"
                f"{formats.NBSP}%** en {cible['annee_cible']}." if cible else "Aucun objectif d'autonomie en vigueur.")
    st.markdown(ui_energie.DEFINITION + " " + objectif)
    absents = ui_energie.manquants()
    for ind_id in cat.groupes.energie:
        ind = cat.indicateur(ind_id)
        v = cache.dernieres_valeurs((ind_id,), sel.niveau, sel.code)
        if v.height:
            panneaux.metric_tile(st, ind, v.to_dicts()[0])
        elif ind_id in absents:
            st.markdown(f"**{ind.libelle}** : pas encore chargée.")
        else:
            provenance.empty_state(ind, sel.niveau, sel.nom)
    ui_energie.jeux_a_charger(cat, sel, user)
    ui_energie.consommation(sel)
    ui_energie.production(sel)
    ui_energie.trajectoires(sel, rows)
    ui_energie.autonomie_territoires(cat, cible)
    st.markdown("## Contexte : électricité sur le réseau Enedis (Nord et région)")
    prod = cache.valeurs("production_electricite_enedis")
    prod = prod.filter(pl.col("niveau").is_in(["departement", "region"])) if prod.height else prod
    if prod.height:
        ind = cat.indicateur("production_electricite_enedis")
        graphiques.afficher(
            "stacked_sectors_chart",
            prod.filter(pl.col("annee") == prod["annee"].max()).rename({"ventilation": "secteur"}), "MWh", 0,
            font_size=panneaux.chart_font(sel), alt="Production électrique Enedis par filière")
        st.caption("Réseau Enedis seulement (hors installations raccordées à RTE) ; une filière non diffusée "
                   "pour un domaine de tension n'est pas sommée.")
        provenance.caption_source(ind, prod)
