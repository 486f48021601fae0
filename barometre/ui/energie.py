"""The Streamlit layer of the energy tab (volet environnemental): for the territory picked (agglomération,
bassin, commune), final consumption by energy and sector, renewable production by filière, the autonomy rate
and consumption on their trajectories (target register), and, for agents only, the datasets still missing.

Files are loaded on the « Données » page (barometre/ui/donnees.py), never here. Nothing is estimated: a
missing or withheld value is said so, never drawn as 0.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre import formats
from barometre.calculs import energie as calc
from barometre.calculs import verdicts
from barometre.calculs.energie import tableau_autonomie
from barometre.calculs.targets import trajectory
from barometre.catalogue import Catalogue
from barometre.pilotage.store import Utilisateur
from barometre.settings import get_settings
from barometre.ui import cache, graphiques, panneaux, provenance, texte
from barometre.ui import chargements as ui_chargements
from barometre.ui import pilotage as ui_pilotage
from barometre.ui import verdicts as ui_verdicts
from barometre.ui.etat import Selection

NIVEAU_BASSIN = "bv2022"  # bassins de vie INSEE 2022: the part of each inside the agglomeration
AUTONOMIE, CONSOMMATION, PRODUCTION = "autonomie_energetique", "cae_2.a", "cae_3.a"
PRODUCTION_FILIERES = "production_electricite_enedis"
QUALITE, SECRETS = "ore_indice_qualite", "ore_mailles_secretisees"
# The sources whose files fill the energy tab, in the order an agent should load them, with the commune
# indicator whose presence says the file was loaded.
SOURCES_ENERGIE = {"ore_conso_commune": "cae_2.d", "enedis_production_commune": "cae_3.a",
                   "odre_registre_installations": "installations_enr"}

DEFINITION = (
    "**Autonomie énergétique** = production d'énergie renouvelable locale ÷ consommation finale d'énergie du "
    "territoire, la même année (objectif du projet de territoire : 50 %). Avec les fichiers chargeables "
    "aujourd'hui, la production est l'électricité renouvelable injectée sur le réseau Enedis (photovoltaïque, "
    "éolien, hydraulique, bioénergies) et la consommation l'électricité et le gaz livrés par les réseaux "
    "(agence ORE). **Ce qu'elle laisse de côté** : la chaleur renouvelable (bois-énergie, pompes à chaleur, "
    "solaire thermique, réseaux de chaleur), le fioul, le GPL et les carburants des transports, et les "
    "installations raccordées directement au réseau de transport (RTE). C'est donc une autonomie partielle, "
    "« électricité et gaz de réseau » ; l'inventaire Atmo / Observatoire Climat, une fois chargé, donne "
    "l'énergie finale complète pour l'agglomération."
)


def decimales(cible: dict) -> int:
    """Decimals to show a target value with: none for a whole number (50 %), else one (45,5 %)."""
    return 0 if float(cible["valeur_cible"]).is_integer() else 1


def charge(ind_id: str) -> bool:
    """Whether ``ind_id`` has at least one value (or secret cell) at any level."""
    dispo = cache.disponibilite(ind_id)
    return not dispo.is_empty() and bool(dispo["n_valeurs"].sum() or dispo["n_secret"].sum())


def manquants() -> list[str]:
    """The energy indicators with no value at any level (consumption, production, autonomy)."""
    return [i for i in cache.catalogue().groupes.energie if not charge(i)]


def jeux_manquants(cat: Catalogue, absents: set[str]) -> list[dict]:
    """Each expected energy dataset not loaded: producer, title, page, export address, what it fills, and
    whether the address was ever fetched with a network (``telechargements.toml``)."""
    from barometre.sources.telechargement import adresse, fichiers

    settings = get_settings()
    par_source = {f.source: f for f in fichiers(settings)}
    out = []
    for sid in SOURCES_ENERGIE:
        if sid not in absents:
            continue
        src = cat.source(sid)
        f = par_source.get(sid)
        out.append({"source": sid, "producteur": src.producteur, "jeu": src.jeu_de_donnees,
                    "page": (f.page if f and f.page else src.url), "export": adresse(f, settings) if f else "",
                    "remplit": f.remplit if f else "", "verifie_le": f.verifie_le if f else ""})
    return out


def jeux_a_charger(cat: Catalogue, sel: Selection, user: Utilisateur | None) -> None:
    """For agents (never in projection): name each missing dataset, its producer, address and what it
    would fill, and say which addresses were checked with a network."""
    if sel.projection or not ui_pilotage.peut(user, "donnees"):
        return
    jeux = jeux_manquants(cat, {sid for sid, ind in SOURCES_ENERGIE.items() if not cache.annees(ind, "commune")})
    if not jeux:
        return
    with st.container(border=True):
        st.markdown("**Pour les agents : données d'énergie à charger** (ce bloc n'apparaît pas en projection)")
        for j in jeux:
            texte.afficher(f"• {j['producteur']} — « {j['jeu']} » : {j['remplit'] or 'voir la méthodologie'}.")
            texte.legende(f"Page : {j['page']}" + (f" — export filtré sur l'agglomération : {j['export']}"
                                                   if j["export"] else ""))
        verifies = [j for j in jeux if j["verifie_le"]]
        texte.legende(
            ("Adresses vérifiées avec un accès réseau : " + ", ".join(f"{j['source']} ({j['verifie_le']})"
                                                                     for j in verifies) + ". ")
            if verifies else
            "Aucune de ces adresses n'a pu être vérifiée avec un accès réseau (la machine où elles ont été "
            "écrites n'en a pas) : `uv run barometre telecharger` les essaie, sinon ouvrez la page indiquée. ")
        texte.legende("Le fichier tel que téléchargé (CSV ou ZIP, libellés ou noms de champs) se charge sur la "
                      "page « Données » (rubrique Piloter) ou avec `uv run barometre ingest FICHIER` : aperçu avant "
                      "chargement, annulable.")


def communes_du_territoire(sel: Selection) -> list[str]:
    """The agglomeration's communes inside the territory picked (all of them for the agglomeration)."""
    communes = cache.territoires("commune")
    if sel.niveau == "commune":
        return [sel.code]
    if sel.niveau == "epci":
        return communes["code"].to_list()
    return cache.communes_zonage(sel.niveau).filter(pl.col("zone") == sel.code)["code"].to_list()


def consommation(sel: Selection) -> None:
    """Final consumption of the territory by energy and sector (latest year), with secrecy and quality."""
    cat = cache.catalogue()
    valeurs = pl.concat([cache.valeurs(i, sel.niveau, (sel.code,)) for i in calc.ENERGIES])
    if valeurs.is_empty():
        return
    annee = int(valeurs["annee"].max())
    table = calc.conso_energie_secteur(valeurs, annee)
    st.markdown(f"## Consommation d'énergie par énergie et par secteur — {sel.nom} ({annee}, GWh)")
    graphiques.afficher("stacked_sectors_chart", table.rename({"energie": "nom"}), "GWh", 1,
                        font_size=panneaux.chart_font(sel),
                        alt=f"Consommation d'électricité et de gaz par secteur, {sel.nom}, {annee}")
    montre = pl.DataFrame({
        "Énergie": table["energie"], "Secteur": table["secteur"],
        "Consommation": [formats.valeur_unite(v, "GWh", 3, s) for v, s in zip(table["valeur"], table["secret"],
                                                                              strict=True)]},
        schema={"Énergie": pl.String, "Secteur": pl.String, "Consommation": pl.String})
    st.dataframe(montre, hide_index=True, width="stretch")
    provenance.caption_source(cat.indicateur("cae_2.d"), valeurs)
    communes = communes_du_territoire(sel)
    n_secret = calc.mailles_secretisees(cache.valeurs(SECRETS, "commune"), communes, annee)
    if n_secret:
        texte.avertissement(f"{formats.nombre(n_secret, 0)} maille(s) secrétisée(s) par le producteur dans ces "
                            "communes : leur consommation n'est pas dans les totaux publiés (un secteur entièrement "
                            "secrétisé est marqué « secret statistique », jamais 0).")
    conso = pl.concat([cache.valeurs(i, "commune") for i in calc.ENERGIES])
    qualite = calc.qualite_territoire(cache.valeurs(QUALITE, "commune"), conso, communes, annee)
    faibles = qualite.filter(pl.col("faible"))
    if faibles.height:
        texte.avertissement(
            "Indice qualité faible (part de la consommation réellement mesurée, le reste estimé par le "
            "gestionnaire de réseau) : " + " ; ".join(f"{r['ventilation']} {formats.nombre(r['indice'], 2)}"
                                                     for r in faibles.iter_rows(named=True)) + ".")


def production(sel: Selection) -> None:
    """Renewable (and other) electricity production of the territory by filière, every year loaded."""
    prod = cache.valeurs(PRODUCTION_FILIERES, sel.niveau, (sel.code,))
    prod = prod.filter(pl.col("ventilation") != "") if prod.height else prod
    if prod.is_empty():
        return
    cat = cache.catalogue()
    st.markdown(f"## Production d'électricité par filière — {sel.nom} (MWh, réseau Enedis)")
    data = prod.select(pl.col("annee").cast(pl.String).alias("nom"), pl.col("ventilation").alias("secteur"),
                       "valeur", "secret")
    graphiques.afficher("stacked_sectors_chart", data, "MWh", 0, font_size=panneaux.chart_font(sel),
                        alt=f"Production d'électricité par filière et par année, {sel.nom}")
    st.caption("Renouvelable (numérateur de l'autonomie) : photovoltaïque, éolien, hydraulique, bioénergies ; "
               "cogénération et autres filières, surtout fossiles, n'y comptent pas. Une filière non diffusée n'est "
               "pas sommée.")
    provenance.caption_source(cat.indicateur(PRODUCTION_FILIERES), prod)


def _objectif(rows: list[dict], ind_id: str, epci: str) -> dict | None:
    """The register's objective of ``ind_id`` for the agglomeration: its headline one (``principal``) first,
    then adopted before illustrative ones."""
    candidats = [r for r in rows if r["indicateur"] == ind_id and r["territoire"] == epci]
    candidats.sort(key=lambda r: (not r.get("principal", False), bool(r["illustratif"]), r["id"]))
    return candidats[0] if candidats else None


def trajectoires(sel: Selection, rows: list[dict]) -> None:
    """Autonomy on its path to 50 % and consumption on its path to −50 %, from the target register: for the
    agglomeration its own rows; for a commune or a bassin the agglomeration's objective applied to its own
    reference (barometre.pilotage.objectifs.objectifs_par_territoire)."""
    from barometre.pilotage.objectifs import objectifs_par_territoire

    cat = cache.catalogue()
    for ind_id, titre in ((AUTONOMIE, "Autonomie énergétique : trajectoire vers 50 %"),
                          (CONSOMMATION, "Consommation d'énergie : trajectoire vers −50 %")):
        ind = cat.indicateur(ind_id)
        obj = _objectif(rows, ind_id, sel.epci)
        obs = cache.valeurs(ind_id, sel.niveau, (sel.code,))
        obs = obs.filter(pl.col("ventilation") == "").select("annee", "valeur") if obs.height else obs
        if obj is None or obs.is_empty():
            continue
        st.markdown(f"## {titre} — {sel.nom}")
        if sel.niveau != "epci":
            par_territoire = [r for r in objectifs_par_territoire(cache.connection(), cat, [obj], sel.epci,
                                                                  sel.niveau) if r["code"] == sel.code]
            if not par_territoire or not par_territoire[0]["trajectoire"]:
                st.caption("Pas de trajectoire : valeur de référence du territoire ou valeur cible inconnue.")
                continue
            r = par_territoire[0]
            path = r["trajectoire"]
        else:
            r = obj
            if r["annee_reference"] is None or r["valeur_reference"] is None or r["valeur_cible"] is None:
                st.caption("Pas de trajectoire : valeur de référence ou valeur cible inconnue.")
                continue
            path = trajectory(r["annee_reference"], r["valeur_reference"], r["annee_cible"], r["valeur_cible"],
                              r["forme"])
        hausse = ind.sens == "hausse_favorable"
        verdict = verdicts.verdict_objectif(list(obs.iter_rows()), r["annee_cible"], r["valeur_cible"], hausse,
                                            base=(r["annee_reference"], r["valeur_reference"]),
                                            annee_courante=date.today().year)
        st.html(ui_verdicts.verdict_html(verdict))
        gap = f"écart : {formats.ecart(r['ecart'], ind.unite, ind.decimales)}" if r.get("ecart") is not None else ""
        graphiques.afficher("trajectory_chart", obs, pl.DataFrame(path, schema=["annee", "valeur"], orient="row"),
                            ind.unite, r.get("annee_observation") or r["annee_reference"], ind.decimales, gap,
                            font_size=panneaux.chart_font(sel), alt=f"{titre}, {sel.nom}")
        st.caption(f"Objectif « {obj.get('intitule') or obj['id']} » ({obj['id']}, {obj['origine']}, échéance "
                   f"{obj['annee_cible']})"
                   + (", à confirmer" if obj["a_confirmer"] else "")
                   + (", objectif illustratif" if obj["illustratif"] else "")
                   + f". Référence : {formats.valeur_unite(r['valeur_reference'], ind.unite, ind.decimales)} en "
                   f"{r['annee_reference']}"
                   + (" (première observation chargée : l'année de référence de l'objectif n'est pas publiée)"
                      if r.get("reference_source") == "premiere_observation" else "") + ".")


def autonomie_territoires(cat: Catalogue, cible: dict | None) -> None:
    """Autonomy per commune and per bassin de vie, sorted, against the target in force (``cible``: the
    objectifs row of ``autonomie_energetique`` for the EPCI, or None)."""
    ind = cat.indicateur(AUTONOMIE)
    annees = cache.annees(ind.id, "commune")
    if not annees:
        return
    annee = annees[-1]
    valeur_cible = cible["valeur_cible"] if cible else None
    st.markdown(f"## Autonomie énergétique par commune et par bassin de vie ({annee})")
    if valeur_cible is not None:
        st.caption(f"Objectif en vigueur : {formats.nombre(valeur_cible, decimales(cible))} % en "
                   f"{cible['annee_cible']} "
                   f"({cible['id']}" + (", à confirmer" if cible["a_confirmer"] else "") + "). "
                   "Une commune qui accueille une grande installation peut dépasser 100 %.")
    niveaux = {"commune": "Communes", NIVEAU_BASSIN: "Bassins de vie (partie dans l'agglomération)"}
    niveau = st.radio("Échelle du tableau", list(niveaux), format_func=niveaux.get, horizontal=True,
                      key="energie_autonomie_niveau")
    table = tableau_autonomie(cache.territoires(niveau), cache.valeurs(ind.id, niveau),
                              cache.valeurs(CONSOMMATION, niveau), cache.valeurs(PRODUCTION, niveau), annee,
                              valeur_cible)
    montre = affichage_autonomie(table, niveau, valeur_cible is not None)
    st.dataframe(montre, hide_index=True, width="stretch")
    provenance.caption_source(ind, cache.valeurs(ind.id, niveau, annee=annee))
    st.caption(ind.methode)
    c1, c2 = st.columns(2)
    # the files are made when a button is clicked, not on every run
    c1.download_button("CSV (Excel)", lambda: formats.csv_excel(montre), f"autonomie_{niveau}_{annee}.csv",
                       "text/csv", key="energie_autonomie_csv", on_click="ignore")
    c2.download_button("XLSX", lambda: formats.xlsx(montre), f"autonomie_{niveau}_{annee}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="energie_autonomie_xlsx", on_click="ignore")


def affichage_autonomie(table: pl.DataFrame, niveau: str, avec_cible: bool) -> pl.DataFrame:
    """The autonomy table in French: formatted values, secret and missing spelled out, never 0."""
    rows = table.to_dicts()
    out = {
        "Territoire": [r["nom"] for r in rows],
        "Autonomie": [formats.valeur_unite(r["autonomie"], "%", 1, r["secret"]) for r in rows],
        "Consommation": [formats.valeur_unite(r["consommation"], "GWh", 1) for r in rows],
        "Production renouvelable": [formats.valeur_unite(r["production"], "MWh", 0) for r in rows],
    }
    if avec_cible:
        out["Écart à l'objectif"] = [formats.ecart(r["ecart_cible"], "%", 1) if r["ecart_cible"] is not None
                                     else r["statut"] for r in rows]
        out["Objectif atteint"] = ["oui" if r["objectif_atteint"] else "non" if r["objectif_atteint"] is not None
                                   else "–" for r in rows]
    if niveau != "commune":
        out["Communes de l'agglomération"] = [str(r["n_communes"]) if r["n_communes"] is not None else "–"
                                              for r in rows]
    return pl.DataFrame(out, schema={k: pl.String for k in out})


def recharger_donnees() -> None:
    """After a data load: drop the cached connection (its materialised marts) and every cached query."""
    ui_chargements.recharger_donnees()
