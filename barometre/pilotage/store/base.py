"""The foundations every table of the store shares: who acts (:class:`Utilisateur`, roles and the domains
they may write in), the French errors, the schema's metadata and bookkeeping columns, how a table is handled
(:class:`_Spec`, registered in :data:`SPECS` by the module that owns the table), validation messages, the
engine (SQLite or PostgreSQL) and rows → frames. No table here."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, ValidationError

from barometre.settings import get_settings

ENV_URL = "BAROMETRE_DATABASE_URL"
FICHIER_SQLITE = "pilotage.sqlite"
SQLITE_BUSY_TIMEOUT_S = 30  # a writer waits this long for another writer before giving up (French error)
FUSEAU = ZoneInfo("Europe/Paris")  # times are stored in UTC and shown in French local time
MASQUE = "(masqué)"  # what the history shows instead of a password hash

ROLES: dict[str, str] = {
    "lecteur": "Lecteur",
    "panel": "Membre du panel",
    "agent": "Agent de l'agglomération",
    "admin": "Administrateur",
}
# Which roles may write in which domain. Browsing needs no account; "objectifs" (targets) and
# "donnees" (data loads) are checked through Store.verifier_droit by the modules that write them.
DOMAINES: dict[str, tuple[str, ...]] = {
    "grille": ("panel", "agent", "admin"),
    "editions": ("agent", "admin"),
    "jalons": ("agent", "admin"),
    "ressources": ("agent", "admin"),
    "deliberations": ("agent", "admin"),
    "objectifs": ("agent", "admin"),
    "donnees": ("agent", "admin"),
    "seances": ("agent", "admin"),
    "comptes": ("admin",),
    # Weightings of the well-being index: the panel proposes, an agent or an administrator adopts.
    "ponderations": ("panel", "agent", "admin"),
    "adoption": ("agent", "admin"),
}
ACTIONS_DOMAINE = {
    "grille": "renseigner la grille de positionnement",
    "editions": "créer, valider ou rouvrir une édition de la grille",
    "jalons": "modifier les actions et leurs jalons",
    "ressources": "saisir ou importer les ressources",
    "deliberations": "rattacher des délibérations",
    "objectifs": "fixer des objectifs",
    "donnees": "charger des données",
    "seances": "composer et enregistrer une séance",
    "comptes": "gérer les comptes",
    "ponderations": "proposer une pondération de l'indice de bien-être",
    "adoption": "marquer une pondération comme adoptée par le panel (ou la retirer)",
}


@dataclass(frozen=True)
class Utilisateur:
    """Who acts: an account login and the role it signed in with."""

    login: str
    role: str
    nom: str = ""

    @property
    def affichage(self) -> str:
        return self.nom or self.login


# ---------------------------------------------------------------- errors (French, shown as is)
class ErreurStore(Exception):
    """Any refusal of the store; ``str()`` is a French sentence for the user."""


class RefusEcriture(ErreurStore):
    """The acting user may not make this write."""


class RefusLecture(ErreurStore):
    """The reader may not see these records (they are not public results: the panel's, the label's)."""


class ConflitEdition(ErreurStore):
    """Someone else changed the row since it was read: nothing was written."""


class LigneIntrouvable(ErreurStore):
    """The row (or operation) does not exist (any more)."""


class DonneesInvalides(ErreurStore):
    """The values do not validate."""


# ---------------------------------------------------------------- schema
metadata = sa.MetaData()


def _suivi() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False),
            sa.Column("modifie_par", sa.String(200), nullable=False),
            sa.Column("modifie_le", sa.String(40), nullable=False)]


SUIVI = ("version", "modifie_par", "modifie_le")
# Tables whose rows are records that a revert must never touch (ballots of a vote, its used codes); filled by
# the modules that register them (barometre.pilotage.scrutin).
NON_ANNULABLES: set[str] = set()
# Tables written only through their own methods (votes, codes, ballots: barometre.pilotage.scrutin; adopted
# versions: barometre.pilotage.panel),
# never through the generic creer / modifier / supprimer.
TABLES_DEDIEES: set[str] = set()
# How the store handles each table, registered by the module that owns it (accounts, grille, plan, ...).
SPECS: dict[str, _Spec] = {}


# ---------------------------------------------------------------- validated inputs
class _Entree(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


TEXTE_COURT = 500
TEXTE_LONG = 10_000


CHAMPS_FR = {
    "login": "identifiant", "nom": "nom", "role": "rôle", "libelle": "libellé", "annee": "année",
    "date_seance": "date de séance", "engagement": "engagement", "orientation": "orientation",
    "projet": "projet", "date_debut": "date de début", "date_prevue": "échéance",
    "date_atteinte": "date d'atteinte", "statut": "statut", "alloue": "montant alloué",
    "consomme": "montant consommé", "numero": "numéro", "date": "date", "objet": "objet",
    "code_fonctionnel": "code fonctionnel", "responsable": "responsable", "notes": "notes",
    "commentaire": "commentaire", "origine": "origine", "lien": "lien", "titre": "titre", "vues": "vues",
    "niveau": "niveau", "code": "code du territoire",
}


@dataclass(frozen=True)
class _Spec:
    """How the store handles one table: its domain (permission), input model and how rows are named."""

    table: sa.Table
    domaine: str
    modele: type[_Entree]
    genre: str  # "l'action", used in messages
    titre: str  # column naming a row in messages
    e: str = ""  # "e" when genre is feminine (agreement of past participles in messages)
    pk: str = "id"
    listes: tuple[str, ...] = ()  # columns holding JSON lists
    documents: tuple[str, ...] = ()  # columns holding other JSON (objects, lists of objects)
    # French message of a validation error; None: the store's generic wording (_message_validation).
    messages: Callable[[ValidationError], str] | None = None




# ---------------------------------------------------------------- helpers
def _maintenant() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def date_lisible(horodatage: str | None) -> str:
    """ISO UTC → ``26/11/2025 à 14:03`` in French local time."""
    if not horodatage:
        return ""
    moment = datetime.fromisoformat(horodatage).astimezone(FUSEAU)
    return moment.strftime("%d/%m/%Y à %H:%M")


def _maj(text: str) -> str:
    return text[:1].upper() + text[1:]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# French wording of pydantic's error types (the ones the inputs above can raise).
ERREURS_FR = {
    "missing": "obligatoire",
    "string_too_short": "à renseigner",
    "string_too_long": "trop long ({max_length} caractères au plus)",
    "string_pattern_mismatch": "sans espace",
    "greater_than_equal": "doit être supérieur ou égal à {ge:g}",
    "less_than_equal": "doit être inférieur ou égal à {le:g}",
    "literal_error": "valeur inconnue (attendu : {expected})",
    "int_parsing": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_type": "date attendue",
}


def _message_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        champ = ".".join(str(p) for p in err["loc"])
        label = CHAMPS_FR.get(champ, champ)
        template = ERREURS_FR.get(err["type"])
        msg = template.format(**err.get("ctx", {})) if template else err["msg"].removeprefix("Value error, ")
        msg = msg.replace("' or '", "' ou '")
        parts.append(f"{label} : {msg}" if label else msg)
    return "Valeurs invalides — " + " ; ".join(parts) + "."


def url_base(url: str | None = None) -> str:
    """The database URL: the argument, else ``BAROMETRE_DATABASE_URL``, else the embedded SQLite file.

    ``postgres://`` and ``postgresql://`` URLs are driven by psycopg (version 3)."""
    url = url or os.environ.get(ENV_URL, "").strip()
    if not url:
        return f"sqlite:///{get_settings().data_dir / 'edits' / FICHIER_SQLITE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


ID_MAX = 2**31 - 1  # ids are 32-bit INTEGER on both engines: a larger number names no row


def id_valide(key: object) -> bool:
    """Whether ``key`` can be a row id (an id read from an address may be anything)."""
    return isinstance(key, int) and not isinstance(key, bool) and 0 < key <= ID_MAX


def _fichier_prive(path: Path) -> None:
    """The edit database holds password hashes, sessions and ballots: created readable by the server's user
    only (0600; SQLite gives its -wal and -shm files the same mode), and an existing one tightened."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _creer_moteur(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # data/edits/ on first run
        _fichier_prive(Path(parsed.database))
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S,
                                                 "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it, see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" recipe for pysqlite).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor the reverse
        cur.execute("PRAGMA synchronous=FULL")  # a committed write survives a power cut
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        # Writers take the write lock at once, so two writers never both read a row then both upgrade
        # (which SQLite answers with "database is locked" instead of waiting).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("ecriture") else "BEGIN")

    return engine



def _type_polars(col: sa.Column) -> pl.DataType:
    if isinstance(col.type, sa.Boolean):
        return pl.Boolean
    if isinstance(col.type, sa.Integer):
        return pl.Int64
    if isinstance(col.type, sa.Float):
        return pl.Float64
    return pl.String


def _frame(rows: list[dict], cols: list[sa.Column], listes: tuple[str, ...] = ()) -> pl.DataFrame:
    """Rows → a DataFrame with the table's column types, also when empty."""
    schema = {c.name: (pl.List(pl.String) if c.name in listes else _type_polars(c)) for c in cols}
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
