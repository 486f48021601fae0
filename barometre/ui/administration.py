"""The Administration page (administrators only): accounts and roles, passwords, signing someone out
everywhere, the migration of old weighting files, and the accounts' history. The store checks every
write itself (role ``admin``); this page only spares others a refusal."""

from __future__ import annotations

import polars as pl
import streamlit as st

from barometre.pilotage import auth
from barometre.pilotage.store import ACTIONS_DOMAINE, DOMAINES, ROLES, ErreurStore, Utilisateur
from barometre.settings import get_settings
from barometre.texte import echapper
from barometre.ui import pilotage as ui_pilotage


def droits() -> pl.DataFrame:
    """Who may do what (the store's DOMAINES), for the page and the README."""
    return pl.DataFrame([{"Action": ACTIONS_DOMAINE[d][:1].upper() + ACTIONS_DOMAINE[d][1:],
                          **{ROLES[r]: ("oui" if r in roles else "—") for r in ROLES}}
                         for d, roles in DOMAINES.items()])


def afficher(user: Utilisateur | None) -> None:
    st.title("Administration")
    if not ui_pilotage.peut(user, "comptes"):
        st.info("Cette page est réservée aux administrateurs : connectez-vous (barre latérale) avec un compte "
                "administrateur.")
        return
    s = ui_pilotage.store()
    onglets = st.tabs(["Comptes", "Rôles et droits", "Pondérations (ancien format)", "Historique"])
    with onglets[0]:
        _comptes(s, user)
    with onglets[1]:
        st.caption("Ce que chaque rôle peut faire ; la consultation est libre, sans compte. Le magasin de saisie "
                   "vérifie ces droits à chaque écriture, quel que soit l'écran.")
        st.dataframe(droits(), hide_index=True, width="stretch")
    with onglets[2]:
        dossier = get_settings().data_dir / "ponderations"
        fichiers = sorted(dossier.glob("*.json")) if dossier.is_dir() else []
        st.caption("Avant le magasin de saisie, n'importe quel visiteur pouvait enregistrer une « pondération "
                   "du panel » en fichier (data/ponderations/). L'import en fait des propositions, qu'un agent "
                   "adopte ensuite si le panel les a réellement décidées ; les fichiers restent en place.")
        st.markdown(f"{len(fichiers)} fichier(s) dans data/ponderations/.")
        if fichiers and st.button("Importer comme propositions", key="admin_migrer"):
            try:
                faits = s.importer_ponderations_json(user, dossier)
            except ErreurStore as exc:
                ui_pilotage.erreur(exc)
            else:
                st.success(f"{len(faits)} pondération(s) importée(s).")
    with onglets[3]:
        ui_pilotage.historique(user, ["comptes"], key="comptes_hist")


def _comptes(s, user: Utilisateur) -> None:
    comptes = s.comptes()
    st.dataframe(comptes.select(
        pl.col("login").alias("Identifiant"), pl.col("nom").alias("Nom"),
        pl.col("role").replace(ROLES).alias("Rôle"), pl.col("actif").alias("Actif")),
        hide_index=True, width="stretch")
    with st.form("compte_nouveau"):
        st.markdown("**Nouveau compte** (pour une connexion par l'annuaire de l'agglomération, l'identifiant est "
                    "l'adresse e-mail et le mot de passe reste vide)")
        login = st.text_input("Identifiant", max_chars=200)
        nom = st.text_input("Nom", max_chars=200)
        role = st.selectbox("Rôle", list(ROLES), format_func=ROLES.get)
        mdp = st.text_input(f"Mot de passe initial ({auth.MOT_DE_PASSE_MIN} caractères au moins, difficile à "
                            "deviner)", type="password")
        if st.form_submit_button("Créer le compte"):
            try:
                hash_mdp = auth.hacher(mdp, (login, nom)) if mdp else None
            except ValueError as exc:
                st.error(echapper(exc))
            else:
                if ui_pilotage.ecrire(lambda: s.creer_compte(user, login, role, nom, hash_mdp), "Compte créé."):
                    st.rerun()
    if not comptes.height:
        return
    cible = st.selectbox("Compte à modifier", comptes["login"].to_list(), key="compte_cible")
    c = comptes.filter(pl.col("login") == cible).row(0, named=True)
    ckey = f"compte_{cible}"
    cversion = ui_pilotage.version_lue(ckey, c["version"], ["role", "actif"])
    with st.form(ckey):
        roles = list(ROLES)
        nrole = st.selectbox("Rôle", roles, index=roles.index(c["role"]), format_func=ROLES.get, key=f"{ckey}_role")
        actif = st.checkbox("Actif", c["actif"], key=f"{ckey}_actif")
        if st.form_submit_button("Enregistrer"):
            def _modifier() -> int:
                version = s.modifier_compte(user, cible, cversion, role=nrole, actif=actif)
                if nrole != c["role"] or not actif:
                    s.revoquer_sessions(cible)  # a withdrawn right takes effect everywhere at once
                return version
            ui_pilotage.enregistrer_version(ckey, _modifier, "Compte modifié.")
    with st.form(f"{ckey}_mdp"):
        nouveau = st.text_input("Nouveau mot de passe pour ce compte", type="password", key=f"{ckey}_nouveau")
        if st.form_submit_button("Définir le mot de passe"):
            try:
                hash_mdp = auth.hacher(nouveau, (cible, c["nom"]))
            except ValueError as exc:
                st.error(echapper(exc))
            else:
                compte = s.compte(cible)
                if ui_pilotage.ecrire(lambda: s.definir_mot_de_passe(user, cible, compte["version"], hash_mdp),
                                      "Mot de passe défini."):
                    s.revoquer_sessions(cible)
    if st.button("Déconnecter ce compte partout", key=f"{ckey}_deconnecter"):
        n = s.revoquer_sessions(cible)
        st.success(f"{n} session(s) fermée(s).")
