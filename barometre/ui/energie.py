"""The Streamlit layer of the energy tab (volet environnemental): what is missing and how to load it (the
command, or an upload for a signed-in agent), and energy autonomy per commune and per bassin de vie
against the target in force.

The upload is :func:`barometre.ui.chargements.televersement`: exactly the path of ``barometre ingest``
(layout recognised by its header, every value checked, a preview before « Charger », one versioned and
undoable transaction); after a success the cached connection and query results are cleared, so that every
session reads the new data.
"""

from __future__ import annotations

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre import formats
from barometre.calculs.energie import tableau_autonomie
from barometre.catalogue import Catalogue
from barometre.pilotage.store import Utilisateur
from barometre.ui import cache, etat, provenance
from barometre.ui import chargements as ui_chargements

# Which official files give each quantity (source ids of data/catalogue/sources.toml, the per-commune file
# first): consumption from the agence ORE per commune or the Atmo inventory per EPCI, renewable production
# from Enedis per commune or the same inventory (see barometre/layouts_energie.py).
JEUX_PAR_INDICATEUR: dict[str, tuple[str, ...]] = {
    "cae_2.a": ("ore_conso_commune", "atmo_hdf"),
    "cae_3.a": ("enedis_production_commune", "atmo_hdf"),
}
COMMANDE = "uv run barometre ingest CHEMIN/DU/FICHIER.csv"
NIVEAU_BASSIN = "bv2022"  # bassins de vie INSEE 2022: the part of each inside the agglomeration


def manquants() -> list[str]:
    """The energy indicators with no value at any level (consumption, production, autonomy)."""
    absents = []
    for ind_id in cache.catalogue().groupes.energie:
        dispo = cache.disponibilite(ind_id)
        if dispo.is_empty() or (dispo["n_valeurs"].sum() == 0 and dispo["n_secret"].sum() == 0):
            absents.append(ind_id)
    return absents


def jeux_a_charger(cat: Catalogue, absents: list[str]) -> None:
    """Name each missing dataset, its producer, where to download it and the exact command."""
    if not absents:
        return
    lignes = []
    for ind_id in ("cae_2.a", "cae_3.a"):
        if ind_id not in absents:
            continue
        ind = cat.indicateur(ind_id)
        jeux = []
        for sid in JEUX_PAR_INDICATEUR[ind_id]:
            try:
                src = cat.source(sid)
            except KeyError:
                continue
            jeux.append(f"{src.producteur}, « {src.jeu_de_donnees} » ({src.url})")
        lignes.append(f"- **{ind.libelle}** ({ind.unite}) : " + " ; ou ".join(jeux))
    st.markdown("## Données à charger\n"
                "L'autonomie énergétique se calcule dès qu'une consommation et une production de la même année "
                "sont chargées (pour l'agglomération, chaque commune et chaque bassin de vie). Jeux de données "
                "officiels attendus :\n" + "\n".join(lignes))
    if not etat.projection_mode():  # the room never sees a shell command
        st.markdown(f"Commande à lancer par un agent, sur le fichier tel que téléchargé : `{COMMANDE}` "
                    "(puis `uv run barometre validate`).")


def televersement(user: Utilisateur | None, deja_charge: bool) -> None:
    """For a signed-in agent: upload an official file, reviewed before it is written (barometre.ui.chargements)."""
    titre = "Charger un nouveau millésime" if deja_charge else "Charger le fichier ici (agents connectés)"
    ui_chargements.televersement(user, titre, ouvert=not deja_charge, cle="energie")


def recharger_donnees() -> None:
    """After a data load: drop the cached connection (its materialised marts) and every cached query."""
    ui_chargements.recharger_donnees()


def decimales(cible: dict) -> int:
    """Decimals to show a target value with: none for a whole number (50 %), else one (45,5 %)."""
    return 0 if float(cible["valeur_cible"]).is_integer() else 1


def autonomie_territoires(cat: Catalogue, cible: dict | None) -> None:
    """Autonomy per commune and per bassin de vie, sorted, against the target in force (``cible``: the
    objectifs row of ``autonomie_energetique`` for the EPCI, or None)."""
    ind = cat.indicateur("autonomie_energetique")
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
                              cache.valeurs("cae_2.a", niveau), cache.valeurs("cae_3.a", niveau), annee, valeur_cible)
    montre = affichage_autonomie(table, niveau, valeur_cible is not None)
    st.dataframe(montre, hide_index=True, width="stretch")
    provenance.caption_source(ind, cache.valeurs(ind.id, niveau, annee=annee))
    st.caption(ind.methode)
    c1, c2 = st.columns(2)
    c1.download_button("CSV (Excel)", formats.csv_excel(montre), f"autonomie_{niveau}_{annee}.csv", "text/csv",
                       key="energie_autonomie_csv")
    c2.download_button("XLSX", formats.xlsx(montre), f"autonomie_{niveau}_{annee}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="energie_autonomie_xlsx")


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
