"""The Streamlit layer of the pilotage pages (grille, jalons): the store as one cached resource, the
sign-in box, the edition picker, write feedback, and the history table with its revert button.

Only this module touches the signed-in user's session state (key :data:`SESSION_KEY`). The pages pass
the user to the store, which checks the permission itself: what is shown here only spares people a
refusal.
"""

from __future__ import annotations

import json
import time

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre.pilotage import auth
from barometre.pilotage.store import (
    DOMAINES,
    ROLES,
    SPECS,
    ConflitEdition,
    ErreurStore,
    RefusEcriture,
    Store,
    Utilisateur,
    date_lisible,
    url_base,
)
from barometre.texte import echapper
from barometre.ui import etat

SESSION_KEY = "pilotage_utilisateur"
ECHECS_KEY = "pilotage_echecs"
ECHECS_MAX = 5  # failed sign-ins in a session before a pause (slows password guessing)
PAUSE_ECHECS_S = 30
NATURES = {"creation": "création", "modification": "modification", "suppression": "suppression"}
TABLES_FR = {"comptes": "Compte", "editions": "Édition", "grille_lignes": "Grille", "actions": "Action",
             "jalons": "Jalon", "ressources": "Ressources", "deliberations": "Délibération",
             "objectifs": "Objectif", "ponderations": "Pondération"}


# ---------------------------------------------------------------- store
@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """The store of the configured database (``BAROMETRE_DATABASE_URL`` or the embedded file)."""
    return _store(url_base())


# ---------------------------------------------------------------- sign-in
def oidc_configure() -> bool:
    """True when ``.streamlit/secrets.toml`` configures Streamlit's OIDC sign-in (an ``[auth]`` section)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _fournisseur_oidc() -> str | None:
    """The provider to use when ``[auth]`` names several (``[barometre] fournisseur_oidc`` in secrets)."""
    try:
        return st.secrets.get("barometre", {}).get("fournisseur_oidc")
    except Exception:
        return None


def utilisateur() -> Utilisateur | None:
    """The signed-in user as the store knows them now, or None (browsing)."""
    s = store()
    if oidc_configure():
        if not getattr(st.user, "is_logged_in", False):
            return None
        email = str(st.user.get("email") or "")
        return auth.utilisateur_oidc(s, email, str(st.user.get("name") or "")) if email else None
    raw = etat.lire(SESSION_KEY)
    if not raw:
        return None
    user = auth.rafraichir(s, Utilisateur(**raw))
    if user is None:  # account disabled meanwhile
        etat.retirer(SESSION_KEY)
    return user


def connexion(container=None) -> Utilisateur | None:
    """The sign-in / sign-out box (sidebar by default); returns the signed-in user or None."""
    box = container or st.sidebar
    user = utilisateur()
    box.markdown("**Saisie**")
    if user is not None:
        box.markdown(f"Connecté·e : **{echapper(user.affichage)}**  \nRôle : {ROLES.get(user.role, user.role)}")
        if box.button("Se déconnecter", key="pilotage_deconnexion"):
            if oidc_configure():
                st.logout()
            etat.retirer(SESSION_KEY)
            st.rerun()
        if not oidc_configure():
            _changer_mot_de_passe(box, user)
        return user
    if oidc_configure():
        box.caption("La consultation est libre ; la saisie demande de se connecter.")
        if box.button("Se connecter (compte de l'agglomération)", key="pilotage_oidc"):
            fournisseur = _fournisseur_oidc()
            st.login(fournisseur) if fournisseur else st.login()
        return None
    with box.expander("Se connecter pour saisir"):
        if store().nombre_comptes() == 0:
            st.caption("Aucun compte n'existe encore. Un administrateur crée le premier avec "
                       "`uv run python -m barometre.pilotage.auth creer-admin --login IDENTIFIANT`.")
        with st.form("pilotage_connexion", border=False):
            login = st.text_input("Identifiant", key="connexion_login")
            mdp = st.text_input("Mot de passe", type="password", key="connexion_mdp")
            submitted = st.form_submit_button("Se connecter")
        if submitted:
            _essayer_connexion(login, mdp)
    return None


def _essayer_connexion(login: str, mdp: str) -> None:
    echecs = etat.lire(ECHECS_KEY, [])
    recent = [t for t in echecs if time.time() - t < PAUSE_ECHECS_S]
    if len(recent) >= ECHECS_MAX:
        st.error(f"Trop d'essais infructueux : patientez {PAUSE_ECHECS_S} secondes avant de réessayer.")
        return
    try:
        user = auth.authentifier(store(), login, mdp)
    except auth.ErreurConnexion as exc:
        etat.ecrire(ECHECS_KEY, [*recent, time.time()])
        st.error(str(exc))
        return
    etat.ecrire(SESSION_KEY, {"login": user.login, "role": user.role, "nom": user.nom})
    etat.retirer(ECHECS_KEY)
    st.rerun()


def _changer_mot_de_passe(box, user: Utilisateur) -> None:
    with box.expander("Changer mon mot de passe"), st.form("pilotage_mdp", border=False):
        actuel = st.text_input("Mot de passe actuel", type="password")
        nouveau = st.text_input(f"Nouveau mot de passe ({auth.MOT_DE_PASSE_MIN} caractères au moins)",
                                type="password")
        if st.form_submit_button("Changer"):
            s = store()
            try:
                auth.authentifier(s, user.login, actuel)
                compte = s.compte(user.login)
                s.definir_mot_de_passe(user, user.login, compte["version"], auth.hacher(nouveau))
            except (auth.ErreurConnexion, ErreurStore, ValueError) as exc:
                st.error(str(exc))
            else:
                st.success("Mot de passe changé.")


def peut(user: Utilisateur | None, domaine: str) -> bool:
    """Whether to offer a form (the store decides anyway)."""
    return user is not None and user.role in DOMAINES[domaine]


def erreur(exc: ErreurStore) -> None:
    """Show a store refusal in French, with the right weight."""
    if isinstance(exc, ConflitEdition):
        st.error(echapper(exc), icon="⚠️")
    elif isinstance(exc, RefusEcriture):
        st.warning(echapper(exc), icon="🔒")
    else:
        st.error(echapper(exc))


def ecrire(action, message: str = "Enregistré.") -> bool:
    """Run a store write; show success or the store's French refusal. Returns True on success."""
    try:
        action()
    except ErreurStore as exc:
        erreur(exc)
        return False
    st.toast(message, icon="✅")
    return True


# ---------------------------------------------------------------- edition picker (owns ?edition=)
def edition_picker(editions: pl.DataFrame, key: str = "edition", widget: bool = True) -> int | None:
    """The edition shown (``?edition=`` in the URL, the latest by default); ``widget=False`` reads it
    without drawing the picker (projection: one idea per screen)."""
    if editions.is_empty():
        return None
    ids = [str(i) for i in editions["id"].to_list()]
    if not widget:
        wanted = etat.lire(key) or etat.url(key, ids[-1])
        return int(wanted if wanted in ids else ids[-1])
    labels = {str(r["id"]): f"{r['libelle']} ({'validée' if r['statut'] == 'validee' else 'ouverte'})"
              for r in editions.iter_rows(named=True)}
    etat.choix_valide(key, ids, ids[-1])
    chosen = st.selectbox("Édition (point d'étape)", ids, format_func=labels.get, key=key)
    etat.vers_url(key, chosen, ids[-1])
    return int(chosen)


# ---------------------------------------------------------------- history
def _valeur(text: str | None) -> str:
    if text is None:
        return "—"
    value = json.loads(text)
    if value is None or value == "":
        return "(vide)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and value.startswith("{"):
        try:
            notes = json.loads(value)
        except ValueError:
            notes = None
        if isinstance(notes, dict) and notes and all(isinstance(v, int) for v in notes.values()):
            return ", ".join(f"{k} {v}" for k, v in notes.items())  # a weighting's notes
        return "(situation figée)"
    if isinstance(value, str) and value.startswith("[{"):
        return "(dimensions)"
    return str(value)


def table_historique(h: pl.DataFrame) -> pl.DataFrame:
    """The journal as people read it: when, who, what, field, before → after."""
    if h.is_empty():
        return pl.DataFrame(schema={"Quand": pl.String, "Qui": pl.String, "Quoi": pl.String,
                                    "Ligne": pl.String, "Champ": pl.String, "Avant": pl.String,
                                    "Après": pl.String, "Opération": pl.String})
    return pl.DataFrame({
        "Quand": [date_lisible(t) for t in h["horodatage"].to_list()],
        "Qui": [f"{login} ({ROLES.get(role, role).lower()})" for login, role in
                zip(h["login"].to_list(), h["role"].to_list(), strict=True)],
        "Quoi": [f"{TABLES_FR.get(t, t)} — {NATURES.get(n, n)}" + (" (annulation)" if a else "")
                 for t, n, a in zip(h["table_nom"].to_list(), h["nature"].to_list(), h["annule"].to_list(),
                                    strict=True)],
        "Ligne": h["ligne"].to_list(),
        "Champ": h["champ"].to_list(),
        "Avant": [_valeur(v) for v in h["avant"].to_list()],
        "Après": [_valeur(v) for v in h["apres"].to_list()],
        "Opération": [o[:8] for o in h["operation"].to_list()],
    })


def historique(user: Utilisateur | None, tables: list[str], key: str, filtre=None) -> None:
    """The history of some tables, newest first, and (for who may write there) a revert button."""
    s = store()
    h = s.historique(tables)
    if filtre is not None and h.height:
        h = h.filter(filtre)
    st.dataframe(table_historique(h), hide_index=True, width="stretch")
    if h.is_empty():
        st.caption("Aucune modification enregistrée pour l'instant.")
        return
    domaines = {SPECS[t].domaine for t in tables}
    if not any(peut(user, d) for d in domaines):
        st.caption("Chaque modification est conservée (qui, quand, avant, après). Connectez-vous avec un "
                   "rôle "
                   "de saisie pour annuler une opération.")
        return
    ops = list(dict.fromkeys(h["operation"].to_list()))
    first: dict[str, dict] = {}
    for r in h.to_dicts():
        first.setdefault(r["operation"], r)
    labels = {o: f"{o[:8]} — {date_lisible(first[o]['horodatage'])}, {first[o]['login']}, "
                 f"{TABLES_FR.get(first[o]['table_nom'], first[o]['table_nom']).lower()} "
                 f"{NATURES.get(first[o]['nature'], '')}" for o in ops}
    with st.form(f"{key}_annuler", border=False):
        op = st.selectbox("Opération à annuler", ops, format_func=labels.get, key=f"{key}_op")
        if st.form_submit_button("Annuler cette opération"):
            if ecrire(lambda: s.annuler(user, op), "Opération annulée (l'annulation est elle-même dans "
                                                   "l'historique)."):
                st.rerun()


# ---------------------------------------------------------------- optimistic concurrency in forms
def version_lue(key: str, version_actuelle: int) -> int:
    """The version of a row *as it was when its form was first shown* in this session.

    A form's submit reruns the script; reading the version again then would silently accept someone
    else's change made meanwhile. Keeping the first-read version lets the store detect the conflict."""
    vkey = f"{key}__version"
    if not etat.present(vkey):
        etat.ecrire(vkey, version_actuelle)
    return etat.lire(vkey)


def oublier(key: str, champs: list[str] = ()) -> None:
    """Forget a form's read version and field values, so it shows the row as stored now."""
    etat.retirer(f"{key}__version")
    for champ in champs:
        etat.retirer(f"{key}_{champ}")


def noter_version(key: str, version: int) -> None:
    etat.ecrire(f"{key}__version", version)


def enregistrer_version(key: str, ecriture, message: str) -> None:
    """Save the row edited in form ``key``: ``ecriture()`` writes it (the store checks the version the form
    read) and returns its new version, which the form then holds, so that its next save is checked against
    it; then rerun. A refusal (someone else's change meanwhile, a rule) stays on screen in French."""
    nouvelle: list[int] = []
    if ecrire(lambda: nouvelle.append(ecriture()), message):
        noter_version(key, nouvelle[0])
        st.rerun()


def supprimer_version(key: str, suppression, message: str) -> None:
    """Delete the row of form ``key`` (``suppression()``, checked against the version the form read); on
    success forget the form's read version and rerun."""
    if ecrire(suppression, message):
        oublier(key)
        st.rerun()
