"""Volet environnemental: PCAET indicators, GHG by sector, targets and trajectories, energy autonomy."""

import polars as pl
import streamlit as st

from barometre import charts, formats
from barometre.calculs.objectifs import objectifs_rows, objectifs_saisis
from barometre.calculs.targets import STATUS_RULE_FR, trajectory
from barometre.settings import get_settings
from barometre.ui import commun as ui
from barometre.ui import energie as ui_energie
from barometre.ui import objectifs as ui_objectifs
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import vues

ui.ensure_entrypoint()

# Browsing is open; signing in (sidebar) lets an agent edit the targets and load energy files.
user = ui_pilotage.utilisateur() if ui.projection_mode() else ui_pilotage.connexion()
store = ui_pilotage.store()

niveau, code = st.session_state.get("niveau", "epci"), st.session_state.get("code") or ui.territoire_config().epci.code
nom = vues.nom_territoire(niveau, code)
st.title("Volet environnemental")
st.caption(f"Territoire : {nom}. Aligné sur le PCAET adopté le 3 juillet 2023 : neutralité carbone en 2050, "
           "−50 % de consommation d'énergie, 50 % d'autonomie énergétique (projet de territoire).")

tab_ges, tab_traj, tab_energie, tab_ind = st.tabs(
    ["Gaz à effet de serre", "Objectifs et trajectoires", "Énergie et autonomie", "Tous les indicateurs"])

SECTEURS = {"cae_1.c": "Résidentiel", "cae_1.d": "Tertiaire", "cae_1.e": "Transport routier",
            "cae_1.f": "Autres transports", "cae_1.g": "Agriculture", "cae_1.h": "Déchets",
            "cae_1.i": "Industrie hors énergie", "cae_1.j": "Branche énergie"}
cat = ui.catalogue()
FS = charts.font_size(ui.projection_mode())  # chart text: larger in council
with tab_ges:
    ges = cat.indicateur("cae_1.a")
    c1, c2, c3 = st.columns(3)
    vues.key_figure(c1, cat.indicateur("cae_1.a"), niveau, code)
    vues.key_figure(c2, cat.indicateur("cae_1.b"), niveau, code)
    pcaet = ui.valeurs("pcaet_emissions_co2_citees", "epci")
    if pcaet.height:
        c3.html(vues._card("CO2 cité par le PCAET", formats.nombre(pcaet["valeur"][0], 0), "kt CO2",
                           ["Cité en décembre 2023 ; année d'inventaire, gaz et périmètre non précisés : non "
                            "comparable en l'état à l'inventaire ADEME 2016."],
                           cat.indicateur("pcaet_emissions_co2_citees").definition))
    st.markdown("## Émissions par secteur et par commune (kteq CO2, IGT 2016)")
    sect = pl.concat([ui.valeurs(s, "commune") for s in SECTEURS]).with_columns(
        pl.col("indicateur").replace(SECTEURS).alias("secteur"))
    chart = charts.stacked_sectors_chart(sect, "kteq CO2", 1, font_size=FS)
    st.altair_chart(chart, width="stretch", alt="Émissions de gaz à effet de serre par secteur et par commune")
    st.caption("Les grandes installations (centrale électrique, installations de traitement des déchets, "
               "industrie) pèsent sur leur commune d'implantation : ces émissions ne sont pas celles des "
               "habitants.")
    ui.caption_source(ges, sect)
    ui.table_and_downloads(sect.select("nom", "secteur", "valeur", "annee", "source", "secret"), ges,
                           {"nom": "Commune", "secteur": "Secteur", "valeur": "Valeur", "annee": "Année",
                            "source": "Source"}, key="ges_sect", chart=chart)
    total = ui.valeurs("cae_1.a", "commune", annee=2016)
    if total.height:
        s = total["valeur"].sum()
        part = total.with_columns((pl.col("valeur") / s * 100).alias("part")).sort("part", descending=True).head(5)
        st.markdown("Part des cinq communes les plus émettrices dans le total de l'agglomération : " + " · ".join(
            f"{r['nom']} {formats.nombre(r['part'], 1)} %" for r in part.iter_rows(named=True)))
    par_hab = cat.indicateur("cae_1.b")
    annees_hab = ui.annees(par_hab.id, "commune")
    if annees_hab:
        hab = ui.valeurs(par_hab.id, "commune", annee=annees_hab[-1], ventilation="").sort(
            "valeur", descending=True, nulls_last=True)
        st.markdown(f"## {par_hab.libelle}, par commune ({par_hab.unite}, {annees_hab[-1]})")
        st.caption("Calculées à partir des émissions et de la population de chaque commune (jamais une moyenne de "
                   "taux). Une grande installation industrielle fait monter le chiffre de sa commune sans "
                   "refléter les habitudes de ses habitants.")
        ui.table_and_downloads(hab.select("nom", "valeur", "annee", "source", "secret"), par_hab,
                               {"nom": "Commune", "valeur": "Valeur", "annee": "Année", "source": "Source"},
                               key="ges_hab")
        ui.caption_source(par_hab, hab)
    region = ui.valeurs("cae_1.a", "region")
    if region.height:
        st.caption(f"Repère régional : Hauts-de-France {formats.nombre(region['valeur'][0] / 1000, 1)} Mteq CO2 en "
                   f"{region['annee'][0]} (Observatoire Climat Hauts-de-France ; autre inventaire, autre année).")

saisis = objectifs_saisis(get_settings(), store, cat)
rows = objectifs_rows(get_settings(), ui.connection(), saisis=saisis)
with tab_traj:
    st.info(f"Règle de statut : {STATUS_RULE_FR}")
    ids = sorted({r["indicateur"] for r in rows})
    labels = {i.id: i.libelle for i in cat.indicateurs}
    ind_id = st.selectbox("Indicateur", ids, format_func=lambda i: labels.get(i, i), key="traj_ind")
    for r in [r for r in rows if r["indicateur"] == ind_id and r["territoire"] == ui.territoire_config().epci.code]:
        ind = cat.indicateur(ind_id)
        st.markdown(f"**{r['id']}** — origine : {r['origine']}, échéance {r['annee_cible']} — statut : "
                    f"**{r['statut_libelle']}**" + (" — *à confirmer*" if r["a_confirmer"] else "")
                    + (" — *objectif national transposé, illustratif*" if r["illustratif"] else ""))
        if r["annee_reference"] is None or r["valeur_reference"] is None or r["valeur_cible"] is None:
            st.caption("Pas de trajectoire : valeur de référence ou valeur cible inconnue, ou donnée non chargée.")
            continue
        path = trajectory(r["annee_reference"], r["valeur_reference"], r["annee_cible"], r["valeur_cible"],
                          r["forme"])
        obs = ui.valeurs(ind_id, "epci").filter(pl.col("ventilation") == "").select("annee", "valeur")
        gap = (f"écart : {formats.ecart(r['ecart'], ind.unite, ind.decimales)}" if r.get("ecart") is not None
               else "")
        chart = charts.trajectory_chart(obs, pl.DataFrame(path, schema=["annee", "valeur"], orient="row"),
                                        ind.unite, r["annee_observation"] or r["annee_reference"], ind.decimales, gap,
                                        font_size=FS)
        st.altair_chart(chart, width="stretch", alt=f"Trajectoire {r['id']}")
        if r["reference_source"] == "premiere_observation":
            st.caption("Année de référence du PCAET inconnue : la trajectoire part provisoirement de la première "
                       "observation disponible. Avec une seule observation, le statut ne mesure pas encore une "
                       "tendance.")
        st.caption(f"Source de l'objectif : {r['source']}")
    ui_objectifs.trajectoires_territoire(rows, ind_id, niveau, code, nom, FS)
    with st.expander("Tous les objectifs en vigueur"):
        st.dataframe(ui_objectifs.tableau(saisis, rows, cat), hide_index=True, width="stretch")
    if not ui.projection_mode():
        ui_objectifs.edition(store, user, saisis, cat)

with tab_energie:
    epci_code = ui.territoire_config().epci.code
    cible = next((r for r in rows if r["indicateur"] == "autonomie_energetique" and r["territoire"] == epci_code
                  and r["valeur_cible"] is not None), None)
    objectif = (f" ; objectif en vigueur : **{formats.nombre(cible['valeur_cible'], ui_energie.decimales(cible))}"
                f"{formats.NBSP}%** en {cible['annee_cible']}." if cible else " ; aucun objectif en vigueur.")
    st.markdown("Autonomie énergétique = production renouvelable locale ÷ consommation finale d'énergie" + objectif)
    for ind_id in ui_energie.INDICATEURS_ENERGIE:
        ind = cat.indicateur(ind_id)
        v = ui.dernieres_valeurs((ind_id,), niveau, code)
        if v.height:
            vues.metric_tile(st, ind, v.to_dicts()[0])
        else:
            ui.empty_state(ind, niveau, nom)
    absents = ui_energie.manquants()
    ui_energie.jeux_a_charger(cat, absents)
    if not ui.projection_mode():
        ui_energie.televersement(user, deja_charge=not absents)
    ui_energie.autonomie_territoires(cat, cible)
    st.markdown("## Contexte : électricité sur le réseau Enedis (Nord et région)")
    prod = ui.valeurs("production_electricite_enedis")
    if prod.height:
        ind = cat.indicateur("production_electricite_enedis")
        chart = charts.stacked_sectors_chart(
            prod.filter(pl.col("annee") == prod["annee"].max()).rename({"ventilation": "secteur"}), "MWh", 0,
            font_size=FS)
        st.altair_chart(chart, width="stretch", alt="Production électrique Enedis par filière")
        st.caption("Réseau Enedis seulement (hors installations raccordées à RTE) ; une filière non diffusée "
                   "pour un domaine de tension n'est pas sommée.")
        ui.caption_source(ind, prod)

with tab_ind:
    inds = [i for i in cat.indicateurs if i.volet == "environnement"]
    c1, c2 = st.columns([2, 1])
    ind = ui.indicator_picker(inds, key="ind_env", container=c1)
    zonage = ui.zonage_picker(container=c2)
    vues.indicator_panel(ind, niveau, code, zonage, key="env")
