"""Sign-in: local accounts with argon2-hashed passwords, or the organisation's identity provider.

Browsing is open to all; editing needs an account. Two ways to sign in:

- **OIDC** (Streamlit's ``st.login`` / ``st.user``) when an ``[auth]`` section is configured in
  ``.streamlit/secrets.toml``. The person's e-mail is then their login; their role is the one an
  administrator gave the account of that e-mail in the store (``lecteur`` when there is none).
- **Local accounts** otherwise: the ``comptes`` table of the store, passwords hashed with argon2id
  (argon2-cffi). The first administrator is created from the command line::

      uv run python -m barometre.pilotage.auth creer-admin --login prenom.nom --nom "Prénom Nom"

  (password asked twice, or read from ``BAROMETRE_MOT_DE_PASSE_ADMIN`` for scripted installs).

Signing in only says who acts; the store checks, on every write, that this account holds a role
allowed to make it. No Streamlit here (the sign-in widget is in :mod:`barometre.ui.pilotage`, the HTTP
sign-in and its cookie in :mod:`barometre.ui.session_http`).

Guessing passwords is slowed three ways, whatever the browser does (reload, new tab, restart):

- **per account from one address**: after :data:`ECHECS_PAIRE_LIBRES` failures (within :data:`FENETRE`),
  each new attempt from that address on that account (right password included) waits a delay that doubles
  with every failure, from :data:`DELAI_BASE` up to :data:`DELAI_MAX` after the last one;
- **per client address**: the same after :data:`ECHECS_ADRESSE_LIBRES` failures from one address, whatever
  the accounts tried;
- **globally**: at most :data:`VERIFICATIONS_SIMULTANEES` password checks run at once in the process
  (argon2 is deliberately costly); others wait up to :data:`ATTENTE_VERIFICATION_S`, then are refused.

No account is ever locked as such: someone failing on purpose from their own address only delays
themselves, never the administrator signing in from elsewhere (a hard lock per account let anyone lock
any account, repeatably). When the client's address is unknown, the account alone is the key.

Every attempt is recorded as a failure *before* its password is checked, then the delays are read again
(they now count the concurrent attempts) and the record is withdrawn if the password is right: 30 parallel
wrong passwords are not all checked against a limit read before any of them was recorded.

Failures are store records (table ``echecs_connexion``), so they survive reloads and restarts. Argon2id
parameters are OWASP's (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane — with the cap above, at
most 38 MiB of memory for password checks. Hashes made with other parameters still verify and are
replaced at the next successful sign-in. Passwords are refused under :data:`MOT_DE_PASSE_MIN` characters
or when ``zxcvbn`` rates them below :data:`SCORE_MIN` (out of 4).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from barometre.pilotage.store import ROLES, ErreurStore, Store, Utilisateur

MOT_DE_PASSE_MIN = 12  # ANSSI recommends at least 12 characters for a password alone
MOT_DE_PASSE_MAX = 256  # longer is no safer, and costs argon2 time for nothing
SCORE_MIN = 4  # zxcvbn: 4 = "very unguessable" (10^10 guesses or more), counting the words below as known
#: Known to whoever guesses a password here (zxcvbn's lists are English): French words and phrases common in
#: passwords, AZERTY keyboard walks, the institution's words; the territory's names are added at run time.
MOTS_CONNUS = (
    "azerty", "azertyuiop", "qsdfghjklm", "wxcvbn", "poiuytreza", "mlkjhgfdsq", "nbvcxw", "aqwzsx", "azeqsd",
    "&é\"'(-è_çà", "1234567890", "motdepasse", "mdp", "bonjour", "bonsoir", "salut", "soleil", "amour", "jetaime",
    "chouchou", "doudou", "loulou", "bienvenue", "secret", "motdepasse", "changezmoi", "admin", "administrateur",
    "utilisateur", "agent", "mairie", "commune", "agglo", "agglomeration", "communaute", "barometre", "panel",
    "label", "projet", "territoire", "france", "nord", "paris", "lille", "valenciennes", "hautsdefrance",
    "hainaut", "porteduhainaut", "portehainaut", "caph", "escaut", "scarpe",
)


def _mots_du_territoire() -> tuple[str, ...]:
    """The territory's names (communes, zones, EPCI, département, région), as typed in a password."""
    import unicodedata

    from barometre.settings import get_settings

    try:
        import polars as pl

        noms = pl.read_parquet(get_settings().data_dir / "territoires.parquet", columns=["nom"])["nom"].to_list()
    except Exception:  # noqa: BLE001 - no built data yet: the fixed list still applies
        return ()
    out = set()
    for nom in noms:
        ascii_ = unicodedata.normalize("NFKD", str(nom)).encode("ascii", "ignore").decode().lower()
        out.add("".join(c for c in ascii_ if c.isalnum()))
        out.update(w for w in ascii_.replace("-", " ").replace("'", " ").split() if len(w) > 3)
    return tuple(sorted(out))
ENV_MOT_DE_PASSE_ADMIN = "BAROMETRE_MOT_DE_PASSE_ADMIN"
FENETRE = timedelta(hours=24)  # failures older than this count for nothing (the store forgets them)
ECHECS_PAIRE_LIBRES = 3  # failures of one account from one address before any delay
ECHECS_ADRESSE_LIBRES = 10  # failures from one address (any account) before any delay
DELAI_BASE = timedelta(seconds=2)  # the first delay; each further failure doubles it
DELAI_MAX = timedelta(minutes=15)
VERIFICATIONS_SIMULTANEES = 2  # the machine has 2 cores
ATTENTE_VERIFICATION_S = 10.0

# argon2id, OWASP Password Storage Cheat Sheet: m = 19 MiB (19 456 KiB), t = 2, p = 1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_verifications = threading.BoundedSemaphore(VERIFICATIONS_SIMULTANEES)


class ErreurConnexion(Exception):
    """Sign-in failed; the message is French and does not say whether the login exists."""


def verifier_force(mot_de_passe: str, entrees: tuple[str, ...] = ()) -> None:
    """Refuse (ValueError, French) a password too short, too long or too easy to guess (zxcvbn score
    below :data:`SCORE_MIN`, the login, the name, :data:`MOTS_CONNUS` and the territory's names counting as
    known words)."""
    if len(mot_de_passe) < MOT_DE_PASSE_MIN:
        raise ValueError(f"Le mot de passe doit compter au moins {MOT_DE_PASSE_MIN} caractères.")
    if len(mot_de_passe) > MOT_DE_PASSE_MAX:
        raise ValueError(f"Le mot de passe doit compter au plus {MOT_DE_PASSE_MAX} caractères.")
    from zxcvbn import zxcvbn

    connus = [e for e in entrees if e] + list(MOTS_CONNUS) + list(_mots_du_territoire())
    if zxcvbn(mot_de_passe, user_inputs=connus)["score"] < SCORE_MIN:
        raise ValueError("Ce mot de passe est trop facile à deviner (répétitions, suites, mot courant, "
                         "identifiant…). Choisissez une phrase de plusieurs mots peu courants, par exemple "
                         "quatre mots sans rapport entre eux.")


def hacher(mot_de_passe: str, entrees: tuple[str, ...] = ()) -> str:
    """Argon2id hash of a password, refusing passwords too weak to be safe (:func:`verifier_force`)."""
    verifier_force(mot_de_passe, entrees)
    return _hasher.hash(mot_de_passe)


def verifier_mot_de_passe(hash_mdp: str | None, mot_de_passe: str) -> bool:
    """Whether the password matches the hash; at most :data:`VERIFICATIONS_SIMULTANEES` at once."""
    mot_de_passe = (mot_de_passe or "")[:MOT_DE_PASSE_MAX]
    if not _verifications.acquire(timeout=ATTENTE_VERIFICATION_S):
        raise ErreurConnexion("Le serveur vérifie déjà plusieurs connexions : réessayez dans quelques "
                              "secondes.")
    try:
        if hash_mdp is None:
            # Unknown login (or an identity-provider account): spend the time of one argon2 computation
            # anyway, so that response time does not reveal which logins exist.
            _hasher.hash(mot_de_passe or "-")
            return False
        try:
            return _hasher.verify(hash_mdp, mot_de_passe)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    finally:
        _verifications.release()


def _cles(login: str, adresse: str | None) -> list[tuple[str, int]]:
    """The throttling keys of an attempt and their free failures: (account, address) and address; the
    account alone when the address is unknown."""
    if not adresse:
        return [(f"compte:{login.lower()}", ECHECS_PAIRE_LIBRES)]
    return [(f"compte:{login.lower()}|adresse:{adresse}", ECHECS_PAIRE_LIBRES),
            (f"adresse:{adresse}", ECHECS_ADRESSE_LIBRES)]


def delai(echecs: int, libres: int) -> timedelta:
    """The wait after the last of ``echecs`` failures: none up to ``libres``, then doubling from
    :data:`DELAI_BASE` up to :data:`DELAI_MAX`."""
    if echecs < libres:
        return timedelta(0)
    return min(DELAI_MAX, DELAI_BASE * 2 ** min(echecs - libres, 30))


def _attente(store: Store, login: str, adresse: str | None, now: datetime, dont_celle_ci: bool) -> float:
    attente = 0.0
    for cle, libres in _cles(login, adresse):
        echecs = store.echecs_connexion(cle, now - FENETRE)
        if dont_celle_ci:  # this attempt's own record (or a concurrent one, as recent) is not a past failure
            echecs = echecs[:-1]
        if echecs:
            libre = datetime.fromisoformat(echecs[-1]) + delai(len(echecs), libres)
            attente = max(attente, (libre - now).total_seconds())
    return attente


def attente_connexion(store: Store, login: str, adresse: str | None = None,
                      maintenant: datetime | None = None) -> int:
    """Seconds to wait before this login from this client address may try again; 0 when it may."""
    attente = _attente(store, login, adresse, maintenant or datetime.now(UTC), dont_celle_ci=False)
    return int(attente) + (1 if attente % 1 else 0)


def _refus_attente(attente: float) -> ErreurConnexion:
    if attente < 60:
        quand = f"{max(1, round(attente))} seconde{'s' if round(attente) > 1 else ''}"
    else:
        minutes = round(attente / 60)
        quand = f"{minutes} minute{'s' if minutes > 1 else ''}"
    return ErreurConnexion(f"Trop d'essais infructueux pour ce compte depuis cette adresse (ou depuis cette "
                           f"adresse) : réessayez dans {quand}.")


def authentifier(store: Store, login: str, mot_de_passe: str, adresse: str | None = None) -> Utilisateur:
    """The signed-in user for a local login and password; :class:`ErreurConnexion` otherwise (wrong
    password, unknown or disabled account, or a delay still running after recent failures of this account
    from this address, or from this address)."""
    login = (login or "").strip()[:200]
    login = login.lower() if "@" in login else login
    attente = attente_connexion(store, login, adresse)
    if attente:
        raise _refus_attente(attente)
    cles = [cle for cle, _ in _cles(login, adresse)]
    ids = store.noter_echec_connexion(cles)  # counted as a failure until the password is found right
    attente = _attente(store, login, adresse, datetime.now(UTC), dont_celle_ci=True)
    if attente > 0:  # concurrent attempts recorded meanwhile: this one waits too
        raise _refus_attente(attente)
    compte = store.compte(login)
    ok = verifier_mot_de_passe(compte["hash_mdp"] if compte else None, mot_de_passe)
    if not ok or compte is None or not compte["actif"]:
        raise ErreurConnexion("Identifiant ou mot de passe incorrect (ou compte désactivé).")
    store.retirer_echecs_connexion(ids)
    store.effacer_echecs_connexion(cles[0])  # this account's failures from this address are forgiven
    if _hasher.check_needs_rehash(compte["hash_mdp"]):  # older parameters: re-hash with today's
        store.remplacer_hash(compte["login"], _hasher.hash(mot_de_passe))
    return Utilisateur(login=compte["login"], role=compte["role"], nom=compte["nom"])


CLES_AUTH = ("redirect_uri", "cookie_secret")
CLES_FOURNISSEUR = ("client_id", "client_secret", "server_metadata_url")


def problemes_config_oidc(section: object) -> list[str]:
    """What is wrong with an ``[auth]`` section of ``.streamlit/secrets.toml`` (French sentences; empty
    when Streamlit's ``st.login`` can use it). The provider keys are in ``[auth]`` itself or in one
    ``[auth.<fournisseur>]`` sub-section per provider."""
    if not hasattr(section, "get"):
        return ["la section [auth] n'est pas une table TOML"]
    problemes = [f"« {cle} » manque dans [auth]" for cle in CLES_AUTH if not str(section.get(cle) or "").strip()]
    redirect = str(section.get("redirect_uri") or "")
    if redirect and not redirect.rstrip("/").endswith("/oauth2callback"):
        problemes.append("« redirect_uri » doit se terminer par /oauth2callback (adresse du baromètre + "
                         "/oauth2callback)")
    secret = str(section.get("cookie_secret") or "")
    if secret and len(secret) < 32:
        problemes.append("« cookie_secret » est trop court (32 caractères aléatoires au moins, par exemple "
                         "la sortie de « python -c 'import secrets; print(secrets.token_urlsafe(32))' »)")
    fournisseurs = {k: v for k, v in section.items() if hasattr(v, "get")}
    blocs = fournisseurs or {"": section}
    for nom, bloc in blocs.items():
        ou = f"[auth.{nom}]" if nom else "[auth]"
        problemes += [f"« {cle} » manque dans {ou}" for cle in CLES_FOURNISSEUR if not str(bloc.get(cle) or "").strip()]
        url = str(bloc.get("server_metadata_url") or "")
        if url and not url.startswith("https://"):
            problemes.append(f"« server_metadata_url » de {ou} doit être une adresse https://")
    return problemes


def message_config_oidc(problemes: list[str]) -> str:
    return ("Connexion par l'annuaire de l'agglomération désactivée : la section [auth] de "
            ".streamlit/secrets.toml est incomplète (" + " ; ".join(problemes) + "). Corrigez-la puis "
            "redémarrez le serveur ; en attendant, la connexion par compte local reste possible.")


def utilisateur_oidc(store: Store, email: str, nom: str = "") -> Utilisateur:
    """The user signed in through the identity provider: the role of the account named by their e-mail,
    ``lecteur`` when the agglomeration has given them none (or disabled it)."""
    compte = store.compte(email.strip().lower())
    if compte is None or not compte["actif"]:
        return Utilisateur(login=email, role="lecteur", nom=nom)
    return Utilisateur(login=compte["login"], role=compte["role"], nom=compte["nom"] or nom)


def rafraichir(store: Store, user: Utilisateur) -> Utilisateur | None:
    """The session's user as the store knows it now (role changed, account disabled → None)."""
    compte = store.compte(user.login)
    if compte is None or not compte["actif"]:
        return None
    return Utilisateur(login=compte["login"], role=compte["role"], nom=compte["nom"])


# ---------------------------------------------------------------- command line
def _demander_mot_de_passe() -> str:
    env = os.environ.get(ENV_MOT_DE_PASSE_ADMIN)
    if env:
        return env
    first = getpass.getpass("Mot de passe : ")
    if first != getpass.getpass("Mot de passe (confirmation) : "):
        raise ValueError("Les deux mots de passe diffèrent.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m barometre.pilotage.auth",
                                     description="Comptes de saisie du baromètre (grille, jalons).")
    sub = parser.add_subparsers(dest="commande", required=True)
    admin = sub.add_parser("creer-admin", help="créer le premier administrateur (une seule fois)")
    admin.add_argument("--login", required=True)
    admin.add_argument("--nom", default="")
    sub.add_parser("roles", help="lister les rôles")
    migrer = sub.add_parser("migrer-ponderations",
                            help="importer les pondérations enregistrées en fichiers JSON (data/ponderations/) "
                                 "comme propositions, à adopter ensuite par un agent")
    migrer.add_argument("--login", required=True, help="identifiant d'un administrateur actif")
    migrer.add_argument("--dossier", help="dossier des fichiers (défaut : data/ponderations)")
    args = parser.parse_args(argv)
    if args.commande == "roles":
        for role, label in ROLES.items():
            print(f"{role:8} {label}")
        return 0
    if args.commande == "migrer-ponderations":
        return _migrer_ponderations(args.login, args.dossier)
    try:
        store = Store()
        store.initialiser_admin(args.login, args.nom, hacher(_demander_mot_de_passe()))
    except (ErreurStore, ValueError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    print(f"Administrateur « {args.login} » créé dans {store.url.split('@')[-1]}.")
    return 0


def _migrer_ponderations(login: str, dossier: str | None) -> int:
    from pathlib import Path

    from barometre.settings import get_settings

    directory = Path(dossier) if dossier else get_settings().data_dir / "ponderations"
    try:
        store = Store()
        compte = store.compte(login)
        if compte is None:
            raise ErreurStore(f"Compte « {login} » inconnu.")
        faits = store.importer_ponderations_json(Utilisateur(compte["login"], compte["role"]), directory)
    except ErreurStore as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    print(f"{len(faits)} pondération(s) importée(s) depuis {directory} comme propositions"
          + (f" : {', '.join(faits)}" if faits else "") + ". Les fichiers sont laissés en place ; un agent "
          "adopte, sur la page « Indice de bien-être », celles que le panel a réellement décidées.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
