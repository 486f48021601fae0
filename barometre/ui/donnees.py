"""The « Données » page for agents: every expected dataset with its status, the indicators published only
above the agglomeration with the file that would give its value, and the upload of any recognised file
(reviewed before it is written, undoable: barometre.ui.chargements)."""

from __future__ import annotations

import streamlit as st  # noqa: TID251 - a ui module

from barometre.donnees import queries
from barometre.pilotage import jeux
from barometre.pilotage.store import Utilisateur
from barometre.settings import get_settings
from barometre.sources.entrepot import ErreurEntrepot
from barometre.ui import cache
from barometre.ui import chargements as ui_chargements
from barometre.ui import pilotage as ui_pilotage


@st.cache_data(show_spinner=False)
def _stockees():
    return queries.sources_chargees(cache.connection())


def _telechargeables() -> set[str]:
    from barometre.sources.telechargement import fichiers

    try:
        return {f.source for f in fichiers(get_settings())}
    except Exception:  # noqa: BLE001 - a missing or broken address file: no automatic download listed
        return set()


def statuts() -> None:
    """Every expected dataset: loaded vintage, to load, revised by the producer."""
    try:
        faits = ui_chargements.chargements()
    except (ErreurEntrepot, OSError):
        faits = []
    table = jeux.statuts(cache.catalogue(), _stockees(), faits, _telechargeables())
    st.markdown("## Jeux de données attendus")
    st.caption("« à charger » : le fichier n'est pas livré avec le baromètre, un agent le charge ci-dessus. "
               "Révision du producteur : un chargement a modifié des valeurs déjà publiées.")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Adresse": st.column_config.LinkColumn("Adresse")})


def regionaux() -> None:
    """Indicators published only for the département or the région, and the file that would localise them."""
    table = jeux.regionaux(cache.catalogue(), cache.disponibilites(),
                           jeux.fichiers_locaux(get_settings().catalogue_dir))
    if table.is_empty():
        return
    st.markdown("## Indicateurs publiés seulement pour le département ou la région")
    st.caption("Le fichier qui donnerait la valeur de l'agglomération (et de ses communes) ; adresses écrites sans "
               "accès réseau, non vérifiées.")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Adresse": st.column_config.LinkColumn("Adresse")})


def chargement(user: Utilisateur | None) -> None:
    """The upload (agents), the list of loads and the undo (administrators)."""
    st.markdown("## Charger un fichier officiel")
    if not ui_pilotage.peut(user, "donnees"):
        st.info("Connectez-vous avec un compte d'agent (barre latérale) pour charger un fichier.")
        return
    ui_chargements.televersement(user, "Charger un fichier (CSV ou ZIP tel que téléchargé)", ouvert=True,
                                 cle="donnees")
