"""The panel's votes in séance: votes, their one-time codes and the ballots, in the store.

Split out of :mod:`barometre.pilotage.panel` (as :mod:`barometre.pilotage.store` is split, by what it
stores): the tables, their inputs and registration, and the :class:`Scrutin` part of
:class:`barometre.pilotage.panel.Panel` (same store, same journal). ``agent`` and ``admin`` prepare, open
and close votes and issue codes; anyone with a code votes; closed votes' results are public.

A vote is cast with a one-time code, not an account: the code (8 characters, printed or as a QR code) is
valid once, only while its vote is open. Secret ballot, held by the storage itself (not by hiding):

- a code is stored keyed: HMAC-SHA256 under a server secret derived from the session key
  (``BAROMETRE_CLE_SESSION`` or ``data/edits/cle_session``, :mod:`barometre.pilotage.sessions`), so a copy of
  the database alone gives no way to test candidate codes offline;
- codes and ballots are never journaled in ``historique`` (nor exported): no page, export or revert shows
  them, and rows journaled by earlier versions are purged when the panel's tables are opened;
- nothing links a ballot to its code: they share no operation number; a ballot's id is random (not the
  casting order), it carries the vote's opening time, not its own; a used code keeps its creation time and
  records only that it was used (``utilise_le`` = the vote's opening time).

Ballots and codes are records: they cannot be reverted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import date
from typing import TYPE_CHECKING, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field

from barometre.calculs import panel as calc
from barometre.pilotage import store as st_
from barometre.pilotage.store import (
    SPECS,
    DonneesInvalides,
    LigneIntrouvable,
    RefusEcriture,
    Utilisateur,
    _Entree,
    _json,
    _maintenant,
    _Spec,
    _suivi,
    metadata,
)

if TYPE_CHECKING:
    from barometre.pilotage.store import Store

TAILLE_CODE = 8
ALPHABET_CODE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a phone
CODES_MAX = 500
CODES_ERRONES_LIBRES = 10  # unknown codes from one address before any delay (typos in a room on one Wi-Fi)
VOTANT = Utilisateur("(code de vote)", "panel", "Votant·e (code à usage unique)")
STATUTS_VOTE = {"preparee": "En préparation", "ouverte": "Ouvert", "close": "Clos"}

# ---------------------------------------------------------------- schema (in the store's metadata)
t_votes = sa.Table(
    "panel_votes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=False),
    sa.Column("objet", sa.String(30), nullable=False),
    sa.Column("libelle", sa.String(200), nullable=False),
    sa.Column("objets", sa.Text, nullable=False),  # JSON list of {id, libelle}: what is rated
    sa.Column("statut", sa.String(20), nullable=False),
    sa.Column("ouvert_le", sa.String(40), nullable=True),
    sa.Column("clos_le", sa.String(40), nullable=True),
    sa.Column("resultat", sa.Text, nullable=True),  # JSON, frozen at closing
    *_suivi(),
)
t_codes = sa.Table(
    "panel_codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("vote_id", sa.Integer, sa.ForeignKey("panel_votes.id"), nullable=False),
    sa.Column("empreinte", sa.String(64), nullable=False, unique=True),
    sa.Column("utilise_le", sa.String(40), nullable=True),
    *_suivi(),
)
t_bulletins = sa.Table(
    "panel_bulletins", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("vote_id", sa.Integer, sa.ForeignKey("panel_votes.id"), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),  # JSON {objet: note}
    *_suivi(),
)


# ---------------------------------------------------------------- validated inputs
class VoteEntree(_Entree):
    seance_id: int
    objet: Literal[tuple(calc.OBJETS_VOTE)]  # type: ignore[valid-type]
    libelle: str = Field(min_length=1, max_length=200)
    objets: str
    statut: Literal[tuple(STATUTS_VOTE)] = "preparee"  # type: ignore[valid-type]
    ouvert_le: str | None = None
    clos_le: str | None = None
    resultat: str | None = None


class CodeEntree(_Entree):
    vote_id: int
    empreinte: str = Field(min_length=64, max_length=64)
    utilise_le: str | None = None


class BulletinEntree(_Entree):
    vote_id: int
    notes: str


# ---------------------------------------------------------------- registration (merged by the panel's)
SPECS_SCRUTIN = {
    "panel_votes": _Spec(t_votes, "panel_animation", VoteEntree, "le vote", "libelle"),
    "panel_codes": _Spec(t_codes, "panel_animation", CodeEntree, "le code de vote", "id"),
    "panel_bulletins": _Spec(t_bulletins, "panel_animation", BulletinEntree, "le bulletin", "id"),
}
# Records, not edits: a ballot or a used code is never reverted (that would let a vote be changed).
NON_ANNULABLES = {"panel_bulletins", "panel_codes"}
#: Tables of the secret ballot: never journaled, never shown in a history or an export.
SCRUTIN_SECRET = frozenset({"panel_codes", "panel_bulletins"})
st_.NON_ANNULABLES.update(NON_ANNULABLES)
st_.TABLES_DEDIEES.update({"panel_votes", "panel_codes", "panel_bulletins"})  # written by Scrutin's methods


def _normaliser_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def _cle_codes() -> bytes:
    """The codes' HMAC key: derived from the server's session secret (kept the same way, mode 600), under a
    label of its own so a code digest and a cookie signature never share a key."""
    from barometre.pilotage import sessions  # noqa: PLC0415 - sessions imports the store, not the panel

    return hmac.new(sessions._cle(), b"barometre/panel/codes-de-vote", hashlib.sha256).digest()


def empreinte_code(vote_id: int, code: str) -> str:
    """HMAC-SHA256, under the server secret, of the vote and the normalised code (dashes, spaces and case
    ignored). Without the secret, a stolen digest cannot be tested against candidate codes."""
    message = f"{vote_id}:{_normaliser_code(code)}".encode()
    return hmac.new(_cle_codes(), message, hashlib.sha256).hexdigest()


def nouveau_code() -> str:
    raw = "".join(secrets.choice(ALPHABET_CODE) for _ in range(TAILLE_CODE))
    return f"{raw[:4]}-{raw[4:]}"


# ---------------------------------------------------------------- votes, codes, ballots (part of Panel)
class Scrutin:
    """The votes' reads and writes, mixed into :class:`barometre.pilotage.panel.Panel` (which gives ``store``,
    ``_lire`` and ``_table``)."""

    store: Store

    def _effacer_traces_du_scrutin(self) -> None:
        """Databases written by earlier versions journaled codes and ballots (with their digests, scores and a
        shared operation) and stamped each with its own time: purge those journal rows and replace the
        per-ballot and per-use times by the vote's opening time. Idempotent; run once per engine."""
        secrets_ = sorted(SCRUTIN_SECRET)
        ouvert = (sa.select(t_votes.c.ouvert_le).where(t_votes.c.id == t_bulletins.c.vote_id)
                  .scalar_subquery())
        ouvert_code = (sa.select(t_votes.c.ouvert_le).where(t_votes.c.id == t_codes.c.vote_id)
                       .scalar_subquery())
        with self.store._ecriture() as conn:
            conn.execute(st_.t_historique.delete().where(st_.t_historique.c.table_nom.in_(secrets_)))
            conn.execute(t_bulletins.update().where(t_bulletins.c.modifie_le != sa.func.coalesce(ouvert, ""))
                         .values(modifie_le=sa.func.coalesce(ouvert, "")))
            conn.execute(t_codes.update().where(t_codes.c.utilise_le.is_not(None),
                                                t_codes.c.utilise_le != sa.func.coalesce(ouvert_code, ""))
                         .values(utilise_le=sa.func.coalesce(ouvert_code, ""), modifie_le=sa.func.coalesce(
                             ouvert_code, ""), version=1))

    def creer_vote(self, user: Utilisateur, seance_id: int, objet: str, libelle: str,
                   objets: list[dict]) -> int:
        """Prepare a vote: what is rated (``objets``: ids and labels, e.g. the index's dimensions)."""
        if not objets or len({o["id"] for o in objets}) != len(objets):
            raise DonneesInvalides("Un vote porte sur au moins un objet, chacun une seule fois.")
        spec = SPECS["panel_votes"]
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            if self.store._ligne(conn, SPECS["panel_seances"], seance_id) is None:
                raise LigneIntrouvable("Cette séance du panel n'existe pas.")
            row = self.store._valider(spec, {"seance_id": seance_id, "objet": objet, "libelle": libelle,
                                             "objets": _json([{k: o[k] for k in ("id", "libelle", "indicateurs")
                                                               if k in o} for o in objets])})
            return self.store._inserer(conn, spec, row, user, str(uuid.uuid4()))

    def generer_codes(self, user: Utilisateur, vote_id: int, n: int) -> list[str]:
        """``n`` new one-time codes for a vote not closed yet; returned once, in clear (only their digest
        is kept: print them now)."""
        if not 1 <= n <= CODES_MAX:
            raise DonneesInvalides(f"Nombre de codes : de 1 à {CODES_MAX}.")
        spec = SPECS["panel_codes"]
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            vote = self._vote(conn, vote_id)
            if vote["statut"] == "close":
                raise RefusEcriture("Ce vote est clos : il ne reçoit plus de codes.")
            codes: list[str] = []
            now = _maintenant()
            while len(codes) < n:
                code = nouveau_code()
                if code in codes:
                    continue
                # Not journaled (a code's digest never reaches a history or an export): the vote's own row
                # says how many codes exist, and nombre_codes counts them.
                conn.execute(t_codes.insert().values(vote_id=vote_id, empreinte=empreinte_code(vote_id, code),
                                                     utilise_le=None, version=1, modifie_par=user.login,
                                                     modifie_le=now))
                codes.append(code)
            return codes

    def _vote(self, conn: sa.Connection, vote_id: int) -> dict:
        """The vote's row, locked until the transaction ends: casting, closing, opening and issuing codes
        serialise on it (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: every writer already holds the
        database's write lock from ``BEGIN IMMEDIATE``). Without it, on PostgreSQL, a ballot cast while the
        vote was being closed was told « enregistré », stored, and left out of the frozen result."""
        row = (conn.execute(sa.select(t_votes).where(t_votes.c.id == vote_id).with_for_update()).first()
               if isinstance(vote_id, int) and 0 < vote_id <= st_.ID_MAX else None)
        vote = dict(row._mapping) if row else None
        if vote is None:
            raise LigneIntrouvable("Ce vote n'existe pas.")
        return vote

    def vote(self, vote_id: int) -> dict | None:
        """A vote with its objects decoded (public: what is voted and, once closed, the result)."""
        row = self.store.ligne("panel_votes", vote_id)
        if row is not None:
            row["objets"] = json.loads(row["objets"])
            row["resultat"] = json.loads(row["resultat"]) if row["resultat"] else None
        return row

    def votes(self) -> pl.DataFrame:
        return self._table(t_votes, [t_votes.c.id.desc()])

    def ouvrir_vote(self, user: Utilisateur, vote_id: int, version: int) -> int:
        spec = SPECS["panel_votes"]
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            vote = self._vote(conn, vote_id)
            if vote["statut"] != "preparee":
                raise RefusEcriture("Ce vote a déjà été ouvert.")
            return self.store._modifier(conn, spec, vote_id, version,
                                        {"statut": "ouverte", "ouvert_le": _maintenant()}, user, str(uuid.uuid4()))

    def voter(self, vote_id: int, code: str, notes: dict[str, int], adresse: str | None = None) -> None:
        """Cast one ballot with a one-time code. Refused (nothing written) when the vote is not open, the
        code unknown or already used, or a rating missing or outside 0–5.

        Guessing codes is slowed per client ``adresse``: after :data:`CODES_ERRONES_LIBRES` unknown codes from
        one address, each new ballot from it waits a delay that doubles (as sign-ins do, see
        :mod:`barometre.pilotage.auth`); the unknown code is recorded before the answer."""
        cle = f"vote:{adresse}" if adresse else None
        if cle:
            attente = self._attente_codes(cle)
            if attente > 0:
                raise RefusEcriture(f"Trop de codes erronés depuis cette adresse : réessayez dans "
                                    f"{max(1, round(attente))} seconde(s).")
        try:
            self._voter(vote_id, code, notes)
        except RefusEcriture as exc:
            if cle and str(exc).startswith("Code inconnu"):
                self.store.noter_echec_connexion([cle])
            raise

    def _attente_codes(self, cle: str) -> float:
        from datetime import UTC, datetime  # noqa: PLC0415

        from barometre.pilotage import auth  # noqa: PLC0415 - auth imports the store, not the panel

        now = datetime.now(UTC)
        echecs = self.store.echecs_connexion(cle, now - auth.FENETRE)
        if not echecs:
            return 0.0
        libre = datetime.fromisoformat(echecs[-1]) + auth.delai(len(echecs), CODES_ERRONES_LIBRES)
        return (libre - now).total_seconds()

    def _voter(self, vote_id: int, code: str, notes: dict[str, int]) -> None:
        with self.store._ecriture() as conn:
            vote = self._vote(conn, vote_id)
            if vote["statut"] == "preparee":
                raise RefusEcriture("Le vote n'est pas encore ouvert : attendez l'annonce en séance.")
            if vote["statut"] != "ouverte":
                raise RefusEcriture("Le vote est clos : votre bulletin n'a pas été enregistré.")
            ids = [o["id"] for o in json.loads(vote["objets"])]
            try:
                clean = {i: int(notes[i]) for i in ids}
            except (KeyError, TypeError, ValueError) as exc:
                raise DonneesInvalides("Bulletin incomplet : donnez une note à chaque objet du vote.") from exc
            if any(not calc.NOTE_MIN <= v <= calc.NOTE_MAX for v in clean.values()):
                raise DonneesInvalides(f"Les notes vont de {calc.NOTE_MIN} à {calc.NOTE_MAX}.")
            row = conn.execute(sa.select(t_codes.c.id, t_codes.c.utilise_le).where(
                t_codes.c.vote_id == vote_id, t_codes.c.empreinte == empreinte_code(vote_id, code))).first()
            if row is None:
                raise RefusEcriture("Code inconnu pour ce vote : vérifiez-le (8 caractères, sans 0 ni O).")
            if row.utilise_le is not None:
                raise RefusEcriture("Ce code a déjà servi : un code ne vaut qu'un vote.")
            # Secret ballot: the code only learns that it was used (stamped with the vote's opening time, the
            # same for every code; its version and modifie_le untouched), the ballot gets a random id and the
            # same opening time; neither is journaled. Nothing in either row says which ballot a code cast.
            used = conn.execute(t_codes.update().where(t_codes.c.id == row.id, t_codes.c.utilise_le.is_(None))
                                .values(utilise_le=vote["ouvert_le"]))
            if used.rowcount != 1:  # the same code sent twice at once
                raise RefusEcriture("Ce code a déjà servi : un code ne vaut qu'un vote.")
            conn.execute(t_bulletins.insert().values(
                id=self._id_bulletin(conn), vote_id=vote_id, notes=_json(clean), version=1,
                modifie_par=VOTANT.login, modifie_le=vote["ouvert_le"]))

    @staticmethod
    def _id_bulletin(conn: sa.Connection) -> int:
        """A random free id: ballot ids say nothing of the order in which ballots were cast."""
        while True:
            key = secrets.randbelow(2**31 - 2) + 1  # a 32-bit INTEGER on both engines
            if conn.execute(sa.select(t_bulletins.c.id).where(t_bulletins.c.id == key)).first() is None:
                return key

    def nombre_votes(self, vote_id: int) -> int:
        """Ballots cast so far (public: the room's screen shows it during the vote)."""
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t_bulletins)
                                .where(t_bulletins.c.vote_id == vote_id)).scalar_one()

    def nombre_codes(self, vote_id: int) -> tuple[int, int]:
        """(codes issued, codes used)."""
        with self.store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t_codes)
                                 .where(t_codes.c.vote_id == vote_id)).scalar_one()
            used = conn.execute(sa.select(sa.func.count()).select_from(t_codes)
                                .where(t_codes.c.vote_id == vote_id, t_codes.c.utilise_le.is_not(None))).scalar_one()
        return total, used

    def _bulletins(self, conn: sa.Connection, vote_id: int) -> list[dict[str, int]]:
        return [json.loads(r.notes) for r in conn.execute(
            sa.select(t_bulletins.c.notes).where(t_bulletins.c.vote_id == vote_id))]

    def clore_vote(self, user: Utilisateur, vote_id: int, version: int, date_adoption: date | str) -> int:
        """Close the vote and freeze its result (full distribution, means, medians, retained ratings); a vote
        on the well-being weights also records the resulting weighting as adopted on ``date_adoption``
        (the index page's default from then on). One operation: reverting it reopens the vote and
        withdraws the weighting."""
        spec = SPECS["panel_votes"]
        operation = str(uuid.uuid4())
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            vote = self._vote(conn, vote_id)
            if vote["statut"] != "ouverte":
                raise RefusEcriture("Seul un vote ouvert se clôt.")
            objets = json.loads(vote["objets"])
            bulletins = self._bulletins(conn, vote_id)
            if not bulletins:
                raise RefusEcriture("Aucun bulletin : le vote ne peut pas être clos sans votant.")
            resultats = calc.depouiller(objets, bulletins)
            poids = calc.ponderation_resultante(resultats)
            resultat = {"n": len(bulletins), "poids": poids,
                        "objets": [{"objet": r.objet, "libelle": r.libelle, "n": r.n,
                                    "distribution": {str(k): v for k, v in r.distribution.items()},
                                    "moyenne": r.moyenne, "mediane": r.mediane, "note_retenue": r.note_retenue}
                                   for r in resultats]}
            new = self.store._modifier(conn, spec, vote_id, version,
                                       {"statut": "close", "clos_le": _maintenant(), "resultat": _json(resultat)},
                                       user, operation)
            notes = {r.objet: r.note_retenue for r in resultats}
            if vote["objet"] == "ponderation_bien_etre" and any(notes.values()):
                # The store's weighting record (barometre.pilotage.store, « ponderations »), adopted at once:
                # the panel decided it by this vote. Same operation: reverting the closing withdraws it.
                pspec = SPECS["ponderations"]
                jour = date.fromisoformat(str(date_adoption)[:10])
                base = st_.slug_ponderation(f"vote {vote['libelle']}", jour)
                pris = set(conn.execute(sa.select(st_.t_ponderations.c.slug)
                                        .where(st_.t_ponderations.c.slug.like(f"{base}%"))).scalars())
                slug = base if base not in pris else next(f"{base}-{i}" for i in range(2, len(pris) + 3)
                                                          if f"{base}-{i}" not in pris)
                row = self.store._valider(pspec, {
                    "slug": slug, "nom": vote["libelle"][:120], "date": jour, "notes": notes,
                    "dimensions": [{"id": o["id"], "libelle": o["libelle"], "indicateurs": o.get("indicateurs", [])}
                                   for o in objets],
                    "commentaire": f"Vote du panel en séance ({len(bulletins)} bulletins) ; note retenue = moyenne "
                                   "des votes arrondie à l'unité.",
                    "origine": f"vote n° {vote_id}", "statut": "adoptee", "adoptee_par": user.login,
                    "adoptee_le": _maintenant(), "version_adoptee": 1})
                self.store._inserer(conn, pspec, row, user, operation)
            return new

    def ponderation_du_vote(self, vote_id: int) -> dict | None:
        """The weighting a vote adopted (the store's record), or None."""
        rows = self._lire(sa.select(st_.t_ponderations.c.id).where(
            st_.t_ponderations.c.origine == f"vote n° {vote_id}").order_by(st_.t_ponderations.c.id.desc()))
        return self.store.ponderation(rows[0]["id"]) if rows else None
