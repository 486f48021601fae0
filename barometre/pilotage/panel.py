"""The panel's records in the store: séances and SPIRAL contributions, criteria and their adopted versions,
votes in séance with one-time codes, the weighting a vote adopts, recommendations and the steering
body's answers, and the « Porte du Hainaut 2044 » label (calls, applications, jury decisions).

Longer than ~600 lines because it registers eleven tables (specs, permissions, inputs) into the store and
holds their dedicated writes (votes, codes, ballots); the next split is the label's tables into their own
module, as :mod:`barometre.pilotage.store` is split.

Same guarantees as every table of :mod:`barometre.pilotage.store` (the tables below are registered in
its schema, specs and permission domains when it is imported): roles checked inside the store, a
``version`` per row against lost updates, every change journaled and revertable, one transaction per
write, on SQLite and PostgreSQL.

Who may do what (checked here, not by hiding buttons):

- anyone, signed out included: read the public results — adopted criteria, closed votes' results and the
  weighting they adopted, recommendations and their answers, labelled projects;
- ``panel``: contribute, propose criteria, recommend; vote (with a one-time code);
- ``agent``: facilitate (séances, adoption of criteria, votes and their codes), record the steering
  body's answers, manage the label;
- ``admin``: everything.

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
import weakref
from datetime import date
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa
from pydantic import Field, model_validator

from barometre.calculs import panel as calc
from barometre.pilotage import store as st_
from barometre.pilotage.store import (
    SPECS,
    TEXTE_COURT,
    TEXTE_LONG,
    DonneesInvalides,
    ErreurStore,
    LigneIntrouvable,
    RefusEcriture,
    Store,
    Utilisateur,
    _Entree,
    _frame,
    _json,
    _maintenant,
    _Spec,
    _suivi,
    metadata,
)

TAILLE_CODE = 8
ALPHABET_CODE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on a phone
CODES_MAX = 500
CODES_ERRONES_LIBRES = 10  # unknown codes from one address before any delay (typos in a room on one Wi-Fi)
VOTANT = Utilisateur("(code de vote)", "panel", "Votant·e (code à usage unique)")
STATUTS_VOTE = {"preparee": "En préparation", "ouverte": "Ouvert", "close": "Clos"}


class RefusLecture(ErreurStore):
    """The reader may not see these records (they are not public results)."""


# ---------------------------------------------------------------- schema (in the store's metadata)
t_seances = sa.Table(
    "panel_seances", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("lieu", sa.String(500), nullable=False),
    sa.Column("groupe", sa.String(500), nullable=False),
    *_suivi(),
)
t_contributions = sa.Table(
    "panel_contributions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=False),
    sa.Column("nature", sa.String(20), nullable=False),
    sa.Column("texte", sa.Text, nullable=False),
    sa.Column("famille", sa.String(20), nullable=False),  # "" = not classified yet
    *_suivi(),
)
t_criteres = sa.Table(
    "panel_criteres", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("famille", sa.String(20), nullable=False),
    sa.Column("libelle", sa.Text, nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),  # JSON list of catalogue ids
    sa.Column("a_construire", sa.Boolean, nullable=False),
    sa.Column("commentaire", sa.Text, nullable=False),
    *_suivi(),
)
t_versions = sa.Table(
    "panel_versions_criteres", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("libelle", sa.String(200), nullable=False),
    sa.Column("date_adoption", sa.String(10), nullable=False),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=True),
    sa.Column("criteres", sa.Text, nullable=False),  # JSON: the adopted criteria as they were adopted
    *_suivi(),
)
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
t_recos = sa.Table(
    "panel_recommandations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seance_id", sa.Integer, sa.ForeignKey("panel_seances.id"), nullable=True),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("texte", sa.Text, nullable=False),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("orientation", sa.String(20), nullable=False),
    sa.Column("critere", sa.String(80), nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),
    sa.Column("echeance_reponse", sa.String(10), nullable=True),
    *_suivi(),
)
t_reponses = sa.Table(
    "panel_reponses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recommandation_id", sa.Integer, sa.ForeignKey("panel_recommandations.id"), nullable=False,
              unique=True),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("motif", sa.Text, nullable=False),
    sa.Column("date_reponse", sa.String(10), nullable=False),
    sa.Column("deliberation", sa.String(200), nullable=False),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id"), nullable=True),
    sa.Column("jalon_id", sa.Integer, sa.ForeignKey("jalons.id"), nullable=True),
    *_suivi(),
)
t_appels = sa.Table(
    "label_appels", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("libelle", sa.String(200), nullable=False, unique=True),
    sa.Column("annee", sa.Integer, nullable=False),
    sa.Column("date_ouverture", sa.String(10), nullable=False),
    sa.Column("date_cloture", sa.String(10), nullable=True),
    sa.Column("criteres", sa.Text, nullable=False),  # JSON list of texts
    *_suivi(),
)
t_candidatures = sa.Table(
    "label_candidatures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("appel_id", sa.Integer, sa.ForeignKey("label_appels.id"), nullable=False),
    sa.Column("porteur", sa.String(500), nullable=False),
    sa.Column("type_porteur", sa.String(20), nullable=False),
    sa.Column("commune", sa.String(10), nullable=False),
    sa.Column("lieu", sa.String(500), nullable=False),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("engagement", sa.String(10), nullable=False),
    sa.Column("orientations", sa.Text, nullable=False),
    sa.Column("titre", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("effets", sa.Text, nullable=False),
    sa.Column("indicateurs", sa.Text, nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),  # "" while the jury has not decided
    sa.Column("date_decision", sa.String(10), nullable=True),
    sa.Column("motifs", sa.Text, nullable=False),
    *_suivi(),
)


# ---------------------------------------------------------------- validated inputs
class SeanceEntree(_Entree):
    date: date
    lieu: str = Field(min_length=1, max_length=TEXTE_COURT)
    groupe: str = Field(min_length=1, max_length=TEXTE_COURT)


class ContributionEntree(_Entree):
    seance_id: int
    nature: Literal[tuple(calc.NATURES)]  # type: ignore[valid-type]
    texte: str = Field(min_length=1, max_length=TEXTE_LONG)
    famille: Literal[("", *calc.FAMILLES)] = ""  # type: ignore[valid-type]


class CritereEntree(_Entree):
    famille: Literal[tuple(calc.FAMILLES)]  # type: ignore[valid-type]
    libelle: str = Field(min_length=1, max_length=TEXTE_COURT)
    indicateurs: list[str] = []
    a_construire: bool = False
    commentaire: str = Field(default="", max_length=TEXTE_LONG)

    @model_validator(mode="after")
    def _un_indicateur(self) -> CritereEntree:
        if not self.indicateurs and not self.a_construire:
            raise ValueError("choisissez au moins un indicateur du catalogue, ou cochez « indicateur à construire »")
        return self


class VersionEntree(_Entree):
    libelle: str = Field(min_length=1, max_length=200)
    date_adoption: date
    seance_id: int | None = None
    criteres: str


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


class RecommandationEntree(_Entree):
    seance_id: int | None = None
    date: date
    texte: str = Field(min_length=1, max_length=TEXTE_LONG)
    engagement: str
    orientation: str = ""
    critere: str = ""
    indicateurs: list[str] = []
    echeance_reponse: date | None = None

    @model_validator(mode="after")
    def _echeance(self) -> RecommandationEntree:
        if self.echeance_reponse and self.echeance_reponse < self.date:
            raise ValueError("la réponse attendue ne peut précéder la recommandation")
        return self


class ReponseEntree(_Entree):
    recommandation_id: int
    decision: Literal[tuple(calc.DECISIONS)]  # type: ignore[valid-type]
    motif: str = Field(min_length=1, max_length=TEXTE_LONG)
    date_reponse: date
    deliberation: str = Field(default="", max_length=200)
    action_id: int | None = None
    jalon_id: int | None = None


class AppelEntree(_Entree):
    libelle: str = Field(min_length=1, max_length=200)
    annee: int = Field(ge=2020, le=2100)
    date_ouverture: date
    date_cloture: date | None = None
    criteres: list[str] = Field(min_length=1)


class CandidatureEntree(_Entree):
    appel_id: int
    porteur: str = Field(min_length=1, max_length=TEXTE_COURT)
    type_porteur: Literal[tuple(calc.TYPES_PORTEUR)]  # type: ignore[valid-type]
    commune: str = Field(pattern=r"^[0-9][0-9AB][0-9]{3}$")
    lieu: str = Field(default="", max_length=TEXTE_COURT)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    engagement: str
    orientations: list[str] = []
    titre: str = Field(min_length=1, max_length=TEXTE_COURT)
    description: str = Field(min_length=1, max_length=TEXTE_LONG)
    effets: str = Field(default="", max_length=TEXTE_LONG)
    indicateurs: list[str] = []
    decision: Literal["", *calc.DECISIONS_JURY] = ""  # type: ignore[valid-type]
    date_decision: date | None = None
    motifs: str = Field(default="", max_length=TEXTE_LONG)

    @model_validator(mode="after")
    def _decision(self) -> CandidatureEntree:
        if self.decision and (self.date_decision is None or not self.motifs.strip()):
            raise ValueError("une décision du jury porte une date et des motifs")
        return self


# ---------------------------------------------------------------- registration in the store
DOMAINES_PANEL = {
    "panel_contributions": ("panel", "agent", "admin"),
    "panel_recommandations": ("panel", "agent", "admin"),
    "panel_animation": ("agent", "admin"),
    "panel_reponses": ("agent", "admin"),
    "label": ("agent", "admin"),
}
ACTIONS_PANEL = {
    "panel_contributions": "saisir des contributions ou proposer des critères du panel",
    "panel_recommandations": "formuler des recommandations du panel",
    "panel_animation": "animer le panel (séances, adoption des critères, votes et codes)",
    "panel_reponses": "enregistrer la réponse des instances de pilotage",
    "label": "gérer le label « Porte du Hainaut 2044 »",
}
SPECS_PANEL = {
    "panel_seances": _Spec(t_seances, "panel_animation", SeanceEntree, "la séance", "date", e="e"),
    "panel_contributions": _Spec(t_contributions, "panel_contributions", ContributionEntree, "la contribution",
                                 "texte", e="e"),
    "panel_criteres": _Spec(t_criteres, "panel_contributions", CritereEntree, "le critère", "libelle",
                            listes=("indicateurs",)),
    "panel_versions_criteres": _Spec(t_versions, "panel_animation", VersionEntree, "la version des critères",
                                     "libelle", e="e"),
    "panel_votes": _Spec(t_votes, "panel_animation", VoteEntree, "le vote", "libelle"),
    "panel_codes": _Spec(t_codes, "panel_animation", CodeEntree, "le code de vote", "id"),
    "panel_bulletins": _Spec(t_bulletins, "panel_animation", BulletinEntree, "le bulletin", "id"),
    "panel_recommandations": _Spec(t_recos, "panel_recommandations", RecommandationEntree, "la recommandation",
                                   "texte", e="e", listes=("indicateurs",)),
    "panel_reponses": _Spec(t_reponses, "panel_reponses", ReponseEntree, "la réponse", "decision", e="e"),
    "label_appels": _Spec(t_appels, "label", AppelEntree, "l'appel à labellisation", "libelle",
                          listes=("criteres",)),
    "label_candidatures": _Spec(t_candidatures, "label", CandidatureEntree, "la candidature", "titre", e="e",
                                listes=("orientations", "indicateurs")),
}
TABLES_PANEL = [spec.table for spec in SPECS_PANEL.values()]
_SCHEMAS_CREES: weakref.WeakSet = weakref.WeakSet()  # engines whose panel tables exist (checked once each)
# Records, not edits: a ballot or a used code is never reverted (that would let a vote be changed).
NON_ANNULABLES = {"panel_bulletins", "panel_codes"}
#: Tables of the secret ballot: never journaled, never shown in a history or an export.
SCRUTIN_SECRET = frozenset({"panel_codes", "panel_bulletins"})
st_.NON_ANNULABLES.update(NON_ANNULABLES)
st_.TABLES_DEDIEES.update({"panel_votes", "panel_codes", "panel_bulletins", "panel_versions_criteres"})
st_.DOMAINES.update(DOMAINES_PANEL)
st_.ACTIONS_DOMAINE.update(ACTIONS_PANEL)
SPECS.update(SPECS_PANEL)
st_.CHAMPS_FR.update({"lieu": "lieu", "groupe": "groupe", "texte": "texte", "famille": "famille",
                      "nature": "nature", "date_adoption": "date d'adoption", "motif": "motif",
                      "decision": "décision", "date_reponse": "date de la réponse", "porteur": "porteur",
                      "type_porteur": "type de porteur", "commune": "commune", "titre": "titre",
                      "description": "description", "criteres": "critères", "echeance_reponse":
                      "réponse attendue le", "date_decision": "date de la décision", "motifs": "motifs"})


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


def _lecteur_interne(user: Utilisateur | None) -> bool:
    return isinstance(user, Utilisateur) and user.role in ("panel", "agent", "admin")


# ---------------------------------------------------------------- the panel's API over a store
class Panel:
    """The panel's and the label's reads and writes over one :class:`Store` (same engine, same journal)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        if store.engine not in _SCHEMAS_CREES:  # a store opened before this module was imported
            metadata.create_all(store.engine, tables=TABLES_PANEL)
            self._effacer_traces_du_scrutin()
            _SCHEMAS_CREES.add(store.engine)

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

    # ------------------------------------------------------------ helpers
    def _verifier_lecture(self, user: Utilisateur | None, quoi: str) -> None:
        if not _lecteur_interne(user):
            raise RefusLecture(f"{quoi} ne sont visibles que des membres du panel et des agents : "
                               "connectez-vous. Les résultats publics restent consultables.")
        with self.store.engine.connect() as conn:  # the account must still be active with that role
            self.store._autoriser(conn, user, "panel_contributions")

    def _verifier_references(self, table: str, row: dict) -> None:
        s = self.store.structure
        if table == "panel_recommandations":
            if row.get("critere") and row["critere"] not in {c.id for c in s.criteres}:
                raise DonneesInvalides(f"Critère de la grille inconnu « {row['critere']} ».")
        if table == "label_candidatures":
            mine = {o.id for o in s.orientations_de(row["engagement"])}
            bad = [o for o in row.get("orientations", []) if o not in mine]
            if bad:
                raise DonneesInvalides(f"Orientation(s) {', '.join(bad)} hors de l'engagement {row['engagement']}.")

    def creer(self, user: Utilisateur, table: str, **valeurs: Any) -> Any:
        """Create a row of one of the panel's tables (séances, contributions, critères, recommandations,
        réponses, appels, candidatures); returns its id. Votes, codes and ballots have their own methods."""
        if table not in SPECS_PANEL or table in {"panel_votes", "panel_codes", "panel_bulletins",
                                                 "panel_versions_criteres"}:
            raise DonneesInvalides(f"Utilisez la méthode dédiée pour la table « {table} ».")
        self._verifier_references(table, {**valeurs})
        return self.store.creer(user, table, **valeurs)

    def modifier(self, user: Utilisateur, table: str, key: int, version: int, **changes: Any) -> int:
        if table not in SPECS_PANEL or table in st_.TABLES_DEDIEES:
            raise DonneesInvalides(f"La table « {table} » ne se modifie pas ici.")
        cur = self.store.ligne(table, key)
        if cur is not None:
            full = {**self.store._depuis_stockage(SPECS[table], cur), **changes}
            self._verifier_references(table, full)
        return self.store.modifier(user, table, key, version, **changes)

    def supprimer(self, user: Utilisateur, table: str, key: int, version: int) -> None:
        if table in NON_ANNULABLES or table == "panel_votes":
            raise DonneesInvalides("Un vote, ses codes et ses bulletins ne se suppriment pas.")
        self.store.supprimer(user, table, key, version)

    def _lire(self, stmt) -> list[dict]:
        return self.store._lire(stmt)

    def _table(self, table: sa.Table, order, where=None) -> pl.DataFrame:
        stmt = sa.select(table).order_by(*order)
        if where is not None:
            stmt = stmt.where(where)
        rows = self._lire(stmt)
        spec = SPECS[table.name]
        for r in rows:
            for name in spec.listes:
                r[name] = json.loads(r[name]) if r[name] else []
        return _frame(rows, list(table.c), listes=spec.listes)

    # ------------------------------------------------------------ séances, contributions, criteria
    def seances(self) -> pl.DataFrame:
        """Séances are public (date, place, group: no personal data)."""
        return self._table(t_seances, [t_seances.c.date.desc(), t_seances.c.id.desc()])

    def contributions(self, user: Utilisateur | None, seance_id: int | None = None) -> pl.DataFrame:
        """The contributions' texts: members of the panel and agents only."""
        self._verifier_lecture(user, "Les contributions")
        where = t_contributions.c.seance_id == seance_id if seance_id is not None else None
        return self._table(t_contributions, [t_contributions.c.id], where)

    def comptes_contributions(self) -> pl.DataFrame:
        """Counts per family and nature (a public result: no text)."""
        rows = self._lire(sa.select(t_contributions.c.famille, t_contributions.c.nature))
        df = pl.DataFrame(rows, schema={"famille": pl.String, "nature": pl.String})
        return calc.comptes_par_famille(df)

    def criteres(self, user: Utilisateur | None) -> pl.DataFrame:
        """Proposed criteria (work in progress of the panel): members and agents only."""
        self._verifier_lecture(user, "Les critères proposés")
        return self._table(t_criteres, [t_criteres.c.famille, t_criteres.c.id])

    def adopter_criteres(self, user: Utilisateur, libelle: str, date_adoption: date | str,
                         critere_ids: list[int], seance_id: int | None = None) -> int:
        """Record the panel's adoption of a set of criteria: a frozen, dated version (the criteria as they
        are now). The latest version gives the well-being index its dimensions."""
        spec = SPECS["panel_versions_criteres"]
        if not critere_ids:
            raise DonneesInvalides("Choisissez au moins un critère à adopter.")
        with self.store._ecriture() as conn:
            self.store._autoriser(conn, user, spec.domaine)
            rows = [dict(r._mapping) for r in conn.execute(
                sa.select(t_criteres).where(t_criteres.c.id.in_(critere_ids)).order_by(t_criteres.c.id))]
            if len(rows) != len(set(critere_ids)):
                raise LigneIntrouvable("Un des critères choisis n'existe plus : rechargez la page.")
            figes = [{"id": r["id"], "famille": r["famille"], "libelle": r["libelle"],
                      "indicateurs": json.loads(r["indicateurs"]), "a_construire": bool(r["a_construire"]),
                      "commentaire": r["commentaire"]} for r in rows]
            row = self.store._valider(spec, {"libelle": libelle, "date_adoption": date_adoption,
                                             "seance_id": seance_id, "criteres": _json(figes)})
            return self.store._inserer(conn, spec, row, user, str(uuid.uuid4()))

    def versions_criteres(self) -> pl.DataFrame:
        """Adopted versions, latest first (public)."""
        return self._table(t_versions, [t_versions.c.date_adoption.desc(), t_versions.c.id.desc()])

    def criteres_adoptes(self) -> tuple[dict | None, list[dict]]:
        """(the latest adopted version, its criteria) — (None, []) while none has been adopted."""
        v = self.versions_criteres()
        if v.is_empty():
            return None, []
        row = v.row(0, named=True)
        return row, json.loads(row["criteres"])

    # ------------------------------------------------------------ votes
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

    # ------------------------------------------------------------ recommendations
    def recommandations(self) -> pl.DataFrame:
        """Recommendations are public (the panel's voice to the steering bodies)."""
        return self._table(t_recos, [t_recos.c.date.desc(), t_recos.c.id.desc()])

    def reponses(self) -> pl.DataFrame:
        return self._table(t_reponses, [t_reponses.c.id])

    def repondre(self, user: Utilisateur, recommandation_id: int, version: int = 0, **valeurs: Any) -> int:
        """Record (version 0) or change the steering body's answer to a recommendation; returns the
        answer's new version."""
        if valeurs.get("action_id") is not None and self.store.ligne("actions", valeurs["action_id"]) is None:
            raise DonneesInvalides("L'action choisie n'existe pas (ou plus).")
        if valeurs.get("jalon_id") is not None:
            jalon = self.store.ligne("jalons", valeurs["jalon_id"])
            if jalon is None:
                raise DonneesInvalides("Le jalon choisi n'existe pas (ou plus).")
            if valeurs.get("action_id") is not None and jalon["action_id"] != valeurs["action_id"]:
                raise DonneesInvalides("Le jalon choisi n'appartient pas à l'action choisie.")
        cur = self._lire(sa.select(t_reponses).where(t_reponses.c.recommandation_id == recommandation_id))
        if not cur:
            if version != 0:
                raise LigneIntrouvable("Cette réponse n'existe plus : rechargez la page.")
            if self.store.ligne("panel_recommandations", recommandation_id) is None:
                raise LigneIntrouvable("Cette recommandation n'existe pas.")
            self.store.creer(user, "panel_reponses", recommandation_id=recommandation_id, **valeurs)
            return 1
        return self.store.modifier(user, "panel_reponses", cur[0]["id"], version or -1, **valeurs)

    def suivi(self, aujourd_hui: date) -> pl.DataFrame:
        return calc.suivi_recommandations(self.recommandations(), self.reponses(), aujourd_hui)

    # ------------------------------------------------------------ label
    def appels(self) -> pl.DataFrame:
        return self._table(t_appels, [t_appels.c.annee.desc(), t_appels.c.id.desc()])

    def candidatures(self, user: Utilisateur | None) -> pl.DataFrame:
        """Every application (undecided ones included): agents and administrators."""
        if not (isinstance(user, Utilisateur) and user.role in DOMAINES_PANEL["label"]):
            raise RefusLecture("Les candidatures en cours ne sont visibles que des agents : la liste publique "
                               "montre les projets labellisés.")
        with self.store.engine.connect() as conn:
            self.store._autoriser(conn, user, "label")
        return self._table(t_candidatures, [t_candidatures.c.id])

    def projets_labellises(self) -> pl.DataFrame:
        """The labelled projects (public list, map layer, commune profile)."""
        t = t_candidatures
        return self._table(t, [t.c.date_decision.desc(), t.c.id], t.c.decision == "labellise")

    def decider(self, user: Utilisateur, candidature_id: int, version: int, decision: str,
                date_decision: date | str, motifs: str) -> int:
        """The jury's decision on an application (labellisé / non labellisé / ajourné), dated and reasoned."""
        return self.store.modifier(user, "label_candidatures", candidature_id, version, decision=decision,
                                   date_decision=date_decision, motifs=motifs)


# ---------------------------------------------------------------- exports (formula-neutralised)
def exports(df: pl.DataFrame, feuille: str) -> tuple[bytes, bytes]:
    """(CSV for French Excel, XLSX) of a table of user-written records, formulas neutralised."""
    from barometre import formats

    clean = formats.neutraliser_df(df.with_columns(
        pl.col(c).list.join(", ") for c, t in df.schema.items() if isinstance(t, pl.List)))
    return formats.csv_excel(clean), formats.xlsx(clean, feuille)


def _date_fr(value: str | None) -> str:
    return "" if not value else f"{value[8:10]}/{value[5:7]}/{value[:4]}"


def tableau_recommandations(suivi: pl.DataFrame, criteres: dict[str, str], actions: dict[int, str],
                            jalons: dict[int, str]) -> pl.DataFrame:
    """The follow-up of recommendations as people read it (Panel page, grille export): one row per
    recommendation with its state, late flag, answer and corrective action. ``suivi``:
    :meth:`Panel.suivi`; the dicts name criteria, actions and milestones by id."""
    def fr(col: str) -> pl.Expr:
        return pl.col(col).map_elements(_date_fr, return_dtype=pl.String)

    table = suivi.select(
        pl.col("id").alias("N°"), fr("date").alias("Date"), pl.col("texte").alias("Recommandation"),
        pl.col("engagement").alias("Engagement"),
        pl.col("critere").replace_strict(criteres, default="").alias("Critère de la grille"),
        pl.col("etat").alias("État"),
        pl.col("en_retard").replace_strict({True: "oui", False: "non"}, return_dtype=pl.String).alias("En retard"),
        fr("echeance_reponse").alias("Réponse attendue le"), pl.col("motif").alias("Motif de la réponse"),
        fr("date_reponse").alias("Répondu le"), pl.col("deliberation").alias("Délibération"),
        pl.col("action_id").replace_strict(actions, default=None, return_dtype=pl.String).alias("Action corrective"),
        pl.col("jalon_id").replace_strict(jalons, default=None, return_dtype=pl.String).alias("Jalon"))
    return table.with_columns(pl.col(c).fill_null("—") for c, t in table.schema.items() if t == pl.String)
