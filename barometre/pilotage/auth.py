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
allowed to make it. No Streamlit here (the sign-in widget is in :mod:`barometre.ui.pilotage`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from barometre.pilotage.store import ROLES, ErreurStore, Store, Utilisateur

MOT_DE_PASSE_MIN = 12  # ANSSI recommends at least 12 characters for a password alone
ENV_MOT_DE_PASSE_ADMIN = "BAROMETRE_MOT_DE_PASSE_ADMIN"

_hasher = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 "low memory" defaults


class ErreurConnexion(Exception):
    """Sign-in failed; the message is French and does not say whether the login exists."""


def hacher(mot_de_passe: str) -> str:
    """Argon2id hash of a password, refusing passwords too short to be safe."""
    if len(mot_de_passe) < MOT_DE_PASSE_MIN:
        raise ValueError(f"Le mot de passe doit compter au moins {MOT_DE_PASSE_MIN} caractères.")
    return _hasher.hash(mot_de_passe)


def verifier_mot_de_passe(hash_mdp: str | None, mot_de_passe: str) -> bool:
    if hash_mdp is None:
        # Unknown login (or an identity-provider account): spend the time of one argon2 computation
        # anyway, so that response time does not reveal which logins exist.
        _hasher.hash(mot_de_passe or "-")
        return False
    try:
        return _hasher.verify(hash_mdp, mot_de_passe)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authentifier(store: Store, login: str, mot_de_passe: str) -> Utilisateur:
    """The signed-in user for a local login and password; :class:`ErreurConnexion` otherwise."""
    login = login.strip()
    compte = store.compte(login.lower() if "@" in login else login)
    ok = verifier_mot_de_passe(compte["hash_mdp"] if compte else None, mot_de_passe)
    if not ok or compte is None or not compte["actif"]:
        raise ErreurConnexion("Identifiant ou mot de passe incorrect (ou compte désactivé).")
    return Utilisateur(login=compte["login"], role=compte["role"], nom=compte["nom"])


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
