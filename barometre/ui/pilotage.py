"""The Streamlit layer of the pilotage pages (grille, jalons): the store as one cached resource, the
sign-in box, the edition picker, write feedback, and the history table with its revert button.

Only this module touches the signed-in user's session state (key :data:`SESSION_KEY`). The pages pass
the user to the store, which checks the permission itself: what is shown here only spares people a
refusal.
"""

from __future__ import annotations

import html
import json
import logging
from urllib.parse import urlsplit

import polars as pl
import streamlit as st  # noqa: TID251 - a ui* module

from barometre.pilotage import auth, sessions
from barometre.pilotage import evaluation as _evaluation  # noqa: F401 - registers its tables (history, revert)
from barometre.pilotage import panel as _panel  # noqa: F401 - registers the panel's tables, specs, domains
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
from barometre.texte import echapper, texte_sur
from barometre.ui import etat

SESSION_KEY = "pilotage_utilisateur"
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
def _problemes_oidc() -> list[str] | None:
    """None without an ``[auth]`` section; else what is wrong with it (empty: usable)."""
    try:
        if "auth" not in st.secrets:
            return None
        section = st.secrets["auth"]
    except Exception:  # no secrets file at all
        return None
    problemes = auth.problemes_config_oidc(section)
    if problemes:
        _journaliser_config_oidc(tuple(problemes))
    return problemes


@st.cache_resource(show_spinner=False)
def _journaliser_config_oidc(problemes: tuple[str, ...]) -> None:
    """Say it once in the server log (at the first page served after start-up)."""
    logging.getLogger("barometre").error(auth.message_config_oidc(list(problemes)))


def oidc_configure() -> bool:
    """True when ``.streamlit/secrets.toml`` has a *valid* ``[auth]`` section (Streamlit's OIDC sign-in);
    an incomplete one is reported (:func:`connexion`) and local sign-in stays."""
    return _problemes_oidc() == []


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
        if not email or st.user.get("email_verified") is not True:
            return None  # an address the provider has not verified names nobody (connexion() says so)
        return auth.utilisateur_oidc(s, email, str(st.user.get("name") or ""))
    cookie = _cookie_session()
    if cookie:
        user = sessions.lire(s, cookie)
        if user is not None:
            return user
    raw = etat.lire(SESSION_KEY)
    if not raw:
        return None
    user = auth.rafraichir(s, Utilisateur(**raw))
    if user is None:  # account disabled meanwhile
        etat.retirer(SESSION_KEY)
    return user


def _cookie_session() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # AppTest: no request
        return None


def _ici() -> str:
    """This page's path and query (where the sign-in form sends the browser back)."""
    try:
        parts = urlsplit(st.context.url or "/")
    except Exception:
        return "/"
    return sessions.retour_sur(parts.path + (f"?{parts.query}" if parts.query else ""))


STYLE_FORMULAIRE = """<style>
.barometre-connexion label {display:block; font-size:0.875rem; margin:0.4rem 0 0.1rem}
.barometre-connexion input[type=text], .barometre-connexion input[type=password] {width:100%;
  box-sizing:border-box; padding:0.45rem 0.6rem; border:1px solid #8a8f98; border-radius:0.5rem;
  font-size:1rem; background:#fff; color:#111}
.barometre-connexion button {margin-top:0.6rem; padding:0.4rem 0.9rem; border:1px solid #8a8f98;
  border-radius:0.5rem; background:#fff; color:#111; font-size:1rem; cursor:pointer}
.barometre-connexion button:hover {border-color:#0072B2; color:#0072B2}
</style>"""


def _formulaire_http(box, chemin: str, contenu: str, bouton: str) -> None:
    """An HTML form posting to one of the session routes (barometre.pilotage.sessions)."""
    box.html(f'{STYLE_FORMULAIRE}<form class="barometre-connexion" method="post" action="{chemin}">'
             f'{contenu}<input type="hidden" name="retour" value="{html.escape(_ici(), quote=True)}">'
             f'<button type="submit">{bouton}</button></form>')


def _message_connexion(box) -> None:
    """The outcome of an HTTP sign-in (``?connexion=`` code; only known codes, fixed French text)."""
    code = etat.url("connexion")
    if code is None:
        return
    message = sessions.MESSAGES.get(code)
    if message:
        (box.success if code == "fin" else box.error)(message)
    etat.vers_url("connexion", None)


_CONNEXION_FAITE = "pilotage_connexion_dessinee"  # app.py drew the box in this run (set and cleared around the page)


def connexion(container=None) -> Utilisateur | None:
    """The sign-in / sign-out box (sidebar by default); returns the signed-in user or None. app.py draws it
    before every page (:func:`connexion_partout`): a page calling it in the same run then gets the user
    without a second box."""
    if etat.lire(_CONNEXION_FAITE):
        return utilisateur()
    return _boite_connexion(container or st.sidebar)


def _boite_connexion(box) -> Utilisateur | None:
    """Draw the sign-in / sign-out box in ``box``; returns the signed-in user or None."""
    user = utilisateur()
    box.markdown("**Saisie**")
    problemes = _problemes_oidc()
    if problemes:
        box.warning(echapper(auth.message_config_oidc(problemes)))
    if oidc_configure() and user is None and getattr(st.user, "is_logged_in", False):
        box.warning("Votre adresse e-mail n'est pas vérifiée par l'annuaire : la saisie reste fermée. "
                    "Demandez au service informatique de la vérifier.")
        if box.button("Se déconnecter de l'annuaire", key="pilotage_oidc_sortie"):
            st.logout()
        return None
    http = sessions.ROUTES_ACTIVES and not oidc_configure()
    if http:
        _message_connexion(box)
    if user is not None:
        box.markdown(f"Connecté·e : **{echapper(user.affichage)}**  \nRôle : {ROLES.get(user.role, user.role)}")
        if http and _cookie_session():
            _formulaire_http(box, sessions.CHEMIN_DECONNEXION, "", "Se déconnecter")
            _changer_mot_de_passe(box, user)
            return user
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
        if _aucun_compte():
            st.caption("Aucun compte n'existe encore. Un administrateur crée le premier avec "
                       "`uv run python -m barometre.pilotage.auth creer-admin --login IDENTIFIANT`.")
        if http:
            _formulaire_http(st, sessions.CHEMIN_CONNEXION,
                             '<label for="barometre-identifiant">Identifiant</label>'
                             '<input type="text" id="barometre-identifiant" name="identifiant" '
                             'autocomplete="username" required maxlength="200">'
                             '<label for="barometre-mdp">Mot de passe</label>'
                             '<input type="password" id="barometre-mdp" name="mot_de_passe" '
                             'autocomplete="current-password" required maxlength="256">', "Se connecter")
            return None
        with st.form("pilotage_connexion", border=False):
            login = st.text_input("Identifiant", key="connexion_login")
            mdp = st.text_input("Mot de passe", type="password", key="connexion_mdp")
            submitted = st.form_submit_button("Se connecter")
        if submitted:
            _essayer_connexion(login, mdp)
    return None


@st.cache_data(show_spinner=False, ttl=60)
def _aucun_compte() -> bool:
    """No account yet (the box then says how to create the first): asked once a minute, not on every click
    of every page (accounts are never deleted, so the answer only ever turns False)."""
    return store().nombre_comptes() == 0


def connexion_partout() -> None:
    """app.py, before each page: the sign-in box in the sidebar of every page (Accueil included), drawn once;
    the page's own :func:`connexion` call then returns the user. :func:`fin_de_page` after the page.

    The box is drawn whatever the mark says: the mark only tells the page's call that it is there. After a run that
    a page ended with ``st.stop()`` (the panel's vote screen, for one) the mark was found still set when the next
    run started (its clearing by app.py's ``finally`` did not reach that run), and the next page's box was then
    never drawn."""
    _boite_connexion(st.sidebar)
    etat.ecrire(_CONNEXION_FAITE, True)


def fin_de_page() -> None:
    etat.ecrire(_CONNEXION_FAITE, False)


def adresse_client() -> str | None:
    """The client's address as the server sees it (for throttling sign-ins per address)."""
    try:
        return st.context.ip_address
    except Exception:  # AppTest, or no request context
        return None


def _essayer_connexion(login: str, mdp: str) -> None:
    # Throttling (per account, per address) and the cap on concurrent checks are in auth and the store:
    # a reload or another tab does not reset them.
    try:
        user = auth.authentifier(store(), login, mdp, adresse=adresse_client())
    except auth.ErreurConnexion as exc:
        st.error(echapper(exc))
        return
    etat.ecrire(SESSION_KEY, {"login": user.login, "role": user.role, "nom": user.nom})
    st.rerun()


def _changer_mot_de_passe(box, user: Utilisateur) -> None:
    with box.expander("Changer mon mot de passe"), st.form("pilotage_mdp", border=False):
        actuel = st.text_input("Mot de passe actuel", type="password")
        nouveau = st.text_input(f"Nouveau mot de passe ({auth.MOT_DE_PASSE_MIN} caractères au moins)",
                                type="password")
        if st.form_submit_button("Changer"):
            s = store()
            try:
                auth.authentifier(s, user.login, actuel, adresse=adresse_client())
                compte = s.compte(user.login)
                s.definir_mot_de_passe(user, user.login, compte["version"],
                                       auth.hacher(nouveau, (user.login, user.nom)),
                                       garder_session=sessions.empreinte_cookie(_cookie_session()))
            except (auth.ErreurConnexion, ErreurStore, ValueError) as exc:
                st.error(echapper(exc))
            else:
                st.success("Mot de passe changé. Vos autres sessions (autres appareils, autres navigateurs) sont "
                           "fermées.")


def admin_connecte() -> bool:
    """Whether an administrator is signed in (the menu lists the Administration page for them); False when
    the store cannot be read (the page then reports the error, with a reference)."""
    try:
        return peut(utilisateur(), "comptes")
    except Exception:  # noqa: BLE001 - the page run after the menu reports it (barometre.ui.erreurs)
        return False


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


def table_historique(h: pl.DataFrame, logins: bool = True) -> pl.DataFrame:
    """The journal as people read it: when, who, what, field, before → after. ``logins=False`` (signed-out
    visitors): who is given by role only, and changes to accounts are left out."""
    if not logins and h.height:
        h = h.filter(pl.col("table_nom") != "comptes")
    if h.is_empty():
        return pl.DataFrame(schema={"Quand": pl.String, "Qui": pl.String, "Quoi": pl.String,
                                    "Ligne": pl.String, "Champ": pl.String, "Avant": pl.String,
                                    "Après": pl.String, "Opération": pl.String})
    return pl.DataFrame({
        "Quand": [date_lisible(t) for t in h["horodatage"].to_list()],
        "Qui": [(f"{login} ({ROLES.get(role, role).lower()})" if logins else ROLES.get(role, role))
                for login, role in zip(h["login"].to_list(), h["role"].to_list(), strict=True)],
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
    st.dataframe(table_historique(h, logins=user is not None), hide_index=True, width="stretch")
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
def version_lue(key: str, version_actuelle: int, champs: tuple[str, ...] | list[str] = ()) -> int:
    """The version of a row *as it was when its form was shown* with the values it holds.

    A form's submit reruns the script; reading the version again then would silently accept someone
    else's change made meanwhile. Keeping the read version lets the store detect the conflict. But a form
    shown afresh (its fields ``{key}_{champ}`` not in the session: first display, or back to this row
    after another one, when Streamlit has dropped their state) shows the row as stored *now*: its version
    is read again, so switching rows never gives a false conflict."""
    vkey = f"{key}__version"
    frais = bool(champs) and not any(etat.present(f"{key}_{c}") for c in champs)
    if frais or not etat.present(vkey):
        etat.ecrire(vkey, version_actuelle)
    return etat.lire(vkey)


def oublier(key: str, champs: list[str] = ()) -> None:
    """Forget a form's read version and field values, so it shows the row as stored now."""
    etat.retirer(f"{key}__version")
    for champ in champs:
        etat.retirer(f"{key}_{champ}")


def noter_version(key: str, version: int) -> None:
    etat.ecrire(f"{key}__version", version)


def enregistrer_version(key: str, ecriture, message: str, relire=None) -> None:
    """Save the row edited in form ``key``: ``ecriture()`` writes it (the store checks the version the form
    read) and returns its new version, which the form then holds, so that its next save is checked against
    it; then rerun. A refusal (a rule) stays on screen in French.

    On a real conflict (someone saved the row meanwhile), the typed text stays in the form and, when
    ``relire()`` is given (it returns ``(version, {label: value})`` of the row as stored now), the other
    version is shown beside it; the form then holds that version, so that saving again — after taking
    what is needed from the other text — is a deliberate choice, not a lost update."""
    nouvelle: list[int] = []
    try:
        nouvelle.append(ecriture())
    except ConflitEdition as exc:
        erreur(exc)
        if relire is not None:
            version, valeurs = relire()
            noter_version(key, version)
            with st.container(border=True):
                st.markdown("**La version enregistrée entre-temps** — votre texte est resté dans le formulaire : "
                            "reprenez-y ce qu'il faut de celle-ci, puis enregistrez de nouveau.")
                for label, valeur in valeurs.items():
                    st.markdown(f"**{echapper(label)}** : {texte_sur(valeur) or '(vide)'}")
        return
    except ErreurStore as exc:
        erreur(exc)
        return
    st.toast(message, icon="✅")
    noter_version(key, nouvelle[0])
    st.rerun()


def supprimer_version(key: str, suppression, message: str) -> None:
    """Delete the row of form ``key`` (``suppression()``, checked against the version the form read); on
    success forget the form's read version and rerun."""
    if ecrire(suppression, message):
        oublier(key)
        st.rerun()
