"""Accounts (``comptes``: who may sign in, with which role) and the security records of signing in: failed
attempts per key and the signed-in sessions. The records are not edits: never journaled nor reverted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, field_validator

from barometre.pilotage.store.base import (
    SPECS,
    DonneesInvalides,
    RefusEcriture,
    Utilisateur,
    _Entree,
    _frame,
    _maintenant,
    _Spec,
    _suivi,
    metadata,
)

t_comptes = sa.Table(
    "comptes", metadata,
    sa.Column("login", sa.String(200), primary_key=True),
    sa.Column("nom", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("hash_mdp", sa.Text, nullable=True),
    sa.Column("actif", sa.Boolean, nullable=False),
    *_suivi(),
)
# Security records (not edits: never journaled nor reverted). Failed sign-ins, per key (``compte:<login>`` or
# ``adresse:<client address>``), to slow password guessing across reloads, tabs and restarts; and signed-in
# sessions (the cookie holds a random token; only its SHA-256 is stored), revoked at sign-out.
t_echecs_connexion = sa.Table(
    "echecs_connexion", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cle", sa.String(300), nullable=False, index=True),
    sa.Column("horodatage", sa.String(40), nullable=False),
)
t_sessions = sa.Table(
    "sessions", metadata,
    sa.Column("empreinte", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token
    sa.Column("login", sa.String(200), nullable=False, index=True),
    sa.Column("cree_le", sa.String(40), nullable=False),
    sa.Column("expire_le", sa.String(40), nullable=False),
    sa.Column("revoquee_le", sa.String(40), nullable=True),
)


class CompteEntree(_Entree):
    login: str = Field(min_length=2, max_length=200, pattern=r"^[^\s]+$")
    nom: str = Field(default="", max_length=200)
    role: Literal["lecteur", "panel", "agent", "admin"]
    hash_mdp: str | None = None
    actif: bool = True

    @field_validator("login")
    @classmethod
    def _email_en_minuscules(cls, login: str) -> str:
        # An e-mail login (identity provider) matches whatever case the provider sends.
        return login.lower() if "@" in login else login


SPECS["comptes"] = _Spec(t_comptes, "comptes", CompteEntree, "le compte", "login", pk="login")


class Comptes:
    """Accounts, failed sign-ins and sessions (a part of :class:`barometre.pilotage.store.Store`)."""

    # ------------------------------------------------------------ sign-in throttling and sessions (security)
    def noter_echec_connexion(self, cles: list[str]) -> list[int]:
        """Record one failed sign-in under each key (``compte:…``, ``adresse:…``); returns the records' ids
        (a sign-in attempt is recorded as a failure *before* its password is checked, and withdrawn with
        :meth:`retirer_echecs_connexion` if it succeeds: no check-then-act window)."""
        now = _maintenant()
        veille = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="microseconds")
        t = t_echecs_connexion
        with self._ecriture() as conn:
            ids = [conn.execute(t.insert().values(cle=c[:300], horodatage=now)).inserted_primary_key[0] for c in cles]
            # housekeeping: failures older than a day count for nothing
            conn.execute(t.delete().where(t.c.horodatage < veille))
        return ids

    def retirer_echecs_connexion(self, ids: list[int]) -> None:
        """Withdraw the failure records of an attempt that succeeded."""
        with self._ecriture() as conn:
            conn.execute(t_echecs_connexion.delete().where(t_echecs_connexion.c.id.in_(ids)))

    def echecs_connexion(self, cle: str, depuis: datetime) -> list[str]:
        """Times (ISO UTC, oldest first) of the failed sign-ins under ``cle`` since ``depuis``."""
        t = t_echecs_connexion
        rows = self._lire(sa.select(t.c.horodatage).where(t.c.cle == cle[:300], t.c.horodatage >= depuis.isoformat(
            timespec="microseconds")).order_by(t.c.horodatage))
        return [r["horodatage"] for r in rows]

    def effacer_echecs_connexion(self, cle: str, avant: datetime | None = None) -> None:
        """Forget the failures under ``cle`` (after a successful sign-in), or every failure older than
        ``avant`` whatever the key (housekeeping)."""
        t = t_echecs_connexion
        cond = (t.c.horodatage < avant.isoformat(timespec="microseconds")) if avant else (t.c.cle == cle[:300])
        with self._ecriture() as conn:
            conn.execute(t.delete().where(cond))

    def ouvrir_session(self, login: str, empreinte: str, expire_le: datetime) -> None:
        with self._ecriture() as conn:
            conn.execute(t_sessions.insert().values(empreinte=empreinte, login=login, cree_le=_maintenant(),
                                                    expire_le=expire_le.isoformat(timespec="microseconds")))

    def session(self, empreinte: str) -> dict | None:
        """The session of this token hash if it is neither expired nor revoked, else None."""
        t = t_sessions
        rows = self._lire(sa.select(t).where(t.c.empreinte == empreinte, t.c.revoquee_le.is_(None),
                                             t.c.expire_le > _maintenant()))
        return rows[0] if rows else None

    def revoquer_sessions(self, login: str) -> int:
        """Sign a person out everywhere: every open session of ``login`` is revoked. Returns how many."""
        t = t_sessions
        with self._ecriture() as conn:
            return conn.execute(t.update().where(t.c.login == login, t.c.revoquee_le.is_(None))
                                .values(revoquee_le=_maintenant())).rowcount

    # ------------------------------------------------------------ accounts
    def initialiser_admin(self, login: str, nom: str, hash_mdp: str) -> None:
        """Create the first administrator; refused once an active administrator exists."""
        spec = SPECS["comptes"]
        systeme = Utilisateur("(initialisation)", "admin")
        with self._ecriture() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(t_comptes)
                             .where(t_comptes.c.role == "admin", t_comptes.c.actif)).scalar_one()
            if n:
                raise RefusEcriture("Un administrateur existe déjà : c'est lui qui crée les autres comptes.")
            row = self._valider(spec, {"login": login, "nom": nom, "role": "admin", "hash_mdp": hash_mdp})
            if self._ligne(conn, spec, row["login"]) is not None:
                raise DonneesInvalides(f"Le compte « {row['login']} » existe déjà.")
            self._inserer(conn, spec, row, systeme, str(uuid.uuid4()))

    def creer_compte(self, user: Utilisateur, login: str, role: str, nom: str = "",
                     hash_mdp: str | None = None) -> str:
        """A new account. ``hash_mdp`` is an argon2 hash (:func:`barometre.pilotage.auth.hacher`); None for an
        account that signs in through the organisation's identity provider (login = e-mail)."""
        spec = SPECS["comptes"]
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            row = self._valider(spec, {"login": login, "nom": nom, "role": role, "hash_mdp": hash_mdp})
            if self._ligne(conn, spec, row["login"]) is not None:
                raise DonneesInvalides(f"Le compte « {row['login']} » existe déjà.")
            return self._inserer(conn, spec, row, user, str(uuid.uuid4()))

    def modifier_compte(self, user: Utilisateur, login: str, version: int, **changes: Any) -> int:
        """Change an account's name, role or active flag (administrators only)."""
        spec = SPECS["comptes"]
        if set(changes) - {"nom", "role", "actif"}:
            raise DonneesInvalides("Seuls le nom, le rôle et l'activation d'un compte se modifient ici.")
        with self._ecriture() as conn:
            self._autoriser(conn, user, spec.domaine)
            cur = self._ligne(conn, spec, login)
            demoted = cur is not None and cur["role"] == "admin" and (
                changes.get("role", "admin") != "admin" or changes.get("actif", True) is False)
            if demoted:
                self._garder_un_admin(conn, login)
            return self._modifier(conn, spec, login, version, changes, user, str(uuid.uuid4()))

    def _garder_un_admin(self, conn: sa.Connection, login: str) -> None:
        n = conn.execute(sa.select(sa.func.count()).select_from(t_comptes).where(
            t_comptes.c.role == "admin", t_comptes.c.actif, t_comptes.c.login != login)).scalar_one()
        if not n:
            raise RefusEcriture("C'est le dernier administrateur actif : nommez-en un autre avant de le "
                                "retirer.")

    def definir_mot_de_passe(self, user: Utilisateur, login: str, version: int, hash_mdp: str,
                             garder_session: str | None = None) -> int:
        """Set an account's password hash: the account holder for their own, or an administrator. In the same
        transaction every open session of that account is revoked (whoever knew the old password is signed
        out everywhere), except ``garder_session`` (the token hash of the holder's own session)."""
        spec = SPECS["comptes"]
        with self._ecriture() as conn:
            if user.login != login:
                self._autoriser(conn, user, "comptes")
                garder_session = None
            else:
                compte = self._ligne(conn, spec, login)
                if compte is None or not compte["actif"] or compte["role"] != user.role:
                    raise RefusEcriture("Compte inconnu, désactivé ou rôle changé : reconnectez-vous.")
            version = self._modifier(conn, spec, login, version, {"hash_mdp": hash_mdp}, user, str(uuid.uuid4()))
            t = t_sessions
            conn.execute(t.update().where(t.c.login == login, t.c.revoquee_le.is_(None),
                                          t.c.empreinte != (garder_session or ""))
                         .values(revoquee_le=_maintenant()))
            return version

    def remplacer_hash(self, login: str, hash_mdp: str) -> None:
        """Replace a password hash by a hash of the *same* password with today's argon2 parameters, right
        after a successful sign-in (not an edit: no history; the password does not change)."""
        with self._ecriture() as conn:
            conn.execute(t_comptes.update().where(t_comptes.c.login == login).values(hash_mdp=hash_mdp))

    def compte(self, login: str) -> dict | None:
        """One account with its password hash (for signing in); None when unknown."""
        rows = self._lire(sa.select(t_comptes).where(t_comptes.c.login == login))
        return rows[0] if rows else None

    def comptes(self) -> pl.DataFrame:
        cols = [c for c in t_comptes.c if c.name != "hash_mdp"]
        rows = self._lire(sa.select(*cols).order_by(t_comptes.c.login))
        return _frame(rows, cols)

    def nombre_comptes(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t_comptes)).scalar_one()

    def _avant_retour(self, conn: sa.Connection, spec: _Spec, key: Any, cur: dict, nature: str,
                      restore: dict) -> None:
        if spec.table is t_comptes:
            if nature == "creation":
                raise DonneesInvalides("Un compte ne se supprime pas : désactivez-le.")
            if cur["role"] == "admin" and (restore.get("role", "admin") != "admin"
                                           or restore.get("actif", True) is False):
                self._garder_un_admin(conn, key)
        super()._avant_retour(conn, spec, key, cur, nature, restore)
