"""The versioned store of values: a DuckLake (DuckDB's lakehouse format) holding one table ``valeurs``.

Why an engine and not files: every load is **one DuckLake transaction** that produces a new *snapshot*;
earlier snapshots stay readable (``valeurs AT (VERSION => n)``); the load's record (who, file, SHA-256,
counts, years, alerts, revisions) is the snapshot's own commit message, so a load and its record can
never be separated; an undo is a new snapshot that puts back the exact rows the load replaced (read from
``table_changes``). Nothing here is hand-made file juggling: DuckLake writes immutable parquet files and
commits the catalog in one transaction.

Where it lives:

- **embedded** (default, nothing to start): the catalog is the DuckDB file ``<data>/lake/valeurs.ducklake``,
  its parquet files under ``<data>/lake/fichiers/`` (``data/lake/`` is not versioned). One process at a
  time opens a DuckDB file: every access takes a file lock (shared to read, exclusive to write), so
  loads are serialised and a reader never sees half a load;
- **shared**: when ``BAROMETRE_DATABASE_URL`` is a PostgreSQL URL, the catalog goes in that database (schema
  of its ``search_path`` option, else ``ducklake``), the parquet files under ``BAROMETRE_LAKE_DIR`` (a path
  every server sees; default ``<data>/lake/fichiers``). Writers serialise on a PostgreSQL advisory lock.

Until the first load the lake does not exist and the values are those of ``data/valeurs/*.parquet`` (what
``barometre build`` writes from ``data/raw``). The first load creates the lake with those values as its
snapshot « état initial », then applies itself on top: a fresh clone needs nothing to start.

The extensions come from PyPI wheels pinned to the duckdb version (``duckdb-extension-ducklake``,
``duckdb-extension-postgres``) and are loaded from the wheel's file: no network at run time.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import importlib.util
import json
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from barometre.settings import Settings
from barometre.sources.valeurs import KEY, SCHEMA

ENV_URL = "BAROMETRE_DATABASE_URL"
ENV_LAKE_DIR = "BAROMETRE_LAKE_DIR"
CATALOG_FILE = "valeurs.ducklake"
LOCK_FILE = "verrou"
TABLE = "valeurs"
JOURNAL = "journal"  # one row per snapshot the barometer writes: a load that changes nothing is recorded too
DEFAULT_SCHEMA = "ducklake"
ALIAS = "lac"

# Kinds of snapshots the barometer writes (the ``type`` of the commit's extra info).
INITIAL, CHARGEMENT, BUILD, ANNULATION = "initial", "chargement", "build", "annulation"
LIBELLES_TYPE = {INITIAL: "état initial (data/valeurs)", CHARGEMENT: "chargement", BUILD: "reconstruction",
                 ANNULATION: "annulation"}


class ErreurEntrepot(Exception):
    """A refusal of the value store; ``str()`` is a French sentence for the user."""


# ------------------------------------------------------------------------------------ extensions
def _extension_file(module: str, stem: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ErreurEntrepot(f"extension DuckDB « {module} » absente : lancez `uv sync`.")
    path = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{stem}.duckdb_extension"
    if not path.exists():
        raise ErreurEntrepot(f"l'extension {stem} ne correspond pas à duckdb {duckdb.__version__} : lancez `uv sync`.")
    return path


def _postgres_extension() -> Path:
    """DuckDB names an extension's entry point after its file: the wheel ships ``postgres.duckdb_extension``
    whose entry point is ``postgres_scanner``; a link under that name (in a private temporary folder) loads it."""
    target = _extension_file("duckdb_extension_postgres", "postgres")
    folder = Path(tempfile.gettempdir()) / f"barometre-duckdb-{duckdb.__version__}-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    link = folder / "postgres_scanner.duckdb_extension"
    if not link.exists() or link.resolve() != target.resolve():
        tmp = folder / f".{os.getpid()}.lien"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, link)
    return link


def load_extensions(con: duckdb.DuckDBPyConnection, postgres: bool) -> None:
    con.execute("set autoinstall_known_extensions = false")
    con.execute(f"load '{_extension_file('duckdb_extension_ducklake', 'ducklake')}'")
    if postgres:
        con.execute(f"load '{_postgres_extension()}'")


# Databases with the extensions loaded, kept for the next use of the lake. A fresh in-memory database costs
# its start, its close and, above all, the check of the extension's signature at each `load` (0.2 to 0.7 s,
# on every read of the values, every list of the loads, every version check of a page). Each use still has
# a database of its own (taken from here or made, never shared by two threads at once) and attaches the lake
# afresh under its lock, then detaches it: what another process loaded since is read, as before.
_LIBRES: dict[tuple[int, bool], list[duckdb.DuckDBPyConnection]] = {}
_LIBRES_VERROU = threading.Lock()
MAX_LIBRES = 4
_SEULES_BASES = {"memory", "system", "temp"}  # what a database holds once the lake is detached


def _prendre(postgres: bool) -> duckdb.DuckDBPyConnection:
    with _LIBRES_VERROU:
        libres = _LIBRES.get((os.getpid(), postgres))  # after a fork, a database of the parent is never reused
        if libres:
            return libres.pop()
    con = duckdb.connect(":memory:")
    try:
        load_extensions(con, postgres)
    except BaseException:
        con.close()
        raise
    return con


def _rendre(con: duckdb.DuckDBPyConnection, postgres: bool) -> None:
    """Detach the lake and keep the database for the next use; closed instead if anything is left in it."""
    try:
        con.execute(f"detach database if exists {ALIAS}")
        restes = {r[0] for r in con.execute("select database_name from duckdb_databases()").fetchall()}
        tables = con.execute("select count(*) from duckdb_tables()").fetchone()[0]
    except duckdb.Error:
        con.close()
        return
    if restes != _SEULES_BASES or tables:
        con.close()
        return
    with _LIBRES_VERROU:
        libres = _LIBRES.setdefault((os.getpid(), postgres), [])
        if len(libres) < MAX_LIBRES:
            libres.append(con)
            return
    con.close()


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------------------------ the store
@dataclass(frozen=True)
class Lieu:
    """Where the lake is: its DuckLake connection string, data path, and PostgreSQL details if shared."""

    catalogue: str
    fichiers: Path
    pg_libpq: str | None = None
    pg_schema: str | None = None
    fichier_local: Path | None = None


def _pg_parts(url: str) -> tuple[str, str]:
    """A libpq connection string and the metadata schema from a SQLAlchemy-style PostgreSQL URL."""
    import sqlalchemy as sa

    u = sa.make_url(url)
    schema = DEFAULT_SCHEMA
    options = u.query.get("options")
    if isinstance(options, tuple):
        options = options[0]
    if options and "search_path=" in options:
        schema = options.split("search_path=", 1)[1].split(",")[0].split()[0]
    parts = {"host": u.host or "localhost", "port": u.port or 5432, "dbname": u.database or "",
             "user": u.username or "", "password": u.password or ""}
    libpq = " ".join(f"{k}={v}" for k, v in parts.items() if v not in ("", None))
    return libpq, schema


def masquer(texte: str, libpq: str | None) -> str:
    """A message with no PostgreSQL password in it (``password=…`` of a connection string, or the value)."""
    texte = re.sub(r"(?i)(password\s*=\s*)('[^']*'|\S+)", r"\1***", texte)
    texte = re.sub(r"(?i)(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:)[^@\s]+@", r"\1***@", texte)
    motif = re.search(r"(?:^|\s)password=(\S+)", libpq or "")
    if motif and len(motif.group(1)) >= 3:
        texte = texte.replace(motif.group(1), "***")
    return texte


def lieu(settings: Settings) -> Lieu:
    lake = settings.data_dir / "lake"
    fichiers = Path(os.environ.get(ENV_LAKE_DIR) or lake / "fichiers")
    url = os.environ.get(ENV_URL, "").strip()
    if url.startswith(("postgresql", "postgres")):
        libpq, schema = _pg_parts(url)
        return Lieu(f"ducklake:postgres:{libpq}", fichiers, libpq, schema)
    return Lieu(f"ducklake:{lake / CATALOG_FILE}", fichiers, fichier_local=lake / CATALOG_FILE)


@dataclass
class Chargement:
    """One snapshot written by the barometer: a load, a rebuild, an undo, or the initial state."""

    id: int
    quand: str
    auteur: str
    info: dict

    @property
    def type(self) -> str:
        return self.info.get("type", "")

    def as_dict(self) -> dict:
        return {"id": self.id, "le": self.quand, "auteur": self.auteur, **self.info}


class Entrepot:
    """The lake of values for ``settings`` (see the module docstring)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.lieu = lieu(settings)

    # ------------------------------------------------------------ locks and connections
    @contextlib.contextmanager
    def _verrou_local(self, exclusif: bool) -> Iterator[None]:
        assert self.lieu.fichier_local is not None
        self.lieu.fichier_local.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lieu.fichier_local.parent / LOCK_FILE, "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX if exclusif else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _verrou_pg(self) -> Iterator[None]:
        import psycopg

        key = zlib.crc32(f"barometre-lac-{self.lieu.pg_schema}".encode())
        with psycopg.connect(self.lieu.pg_libpq, autocommit=True) as conn:
            conn.execute("select pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("select pg_advisory_unlock(%s)", (key,))

    def existe(self) -> bool:
        if self.lieu.fichier_local is not None:
            return self.lieu.fichier_local.exists()
        import psycopg

        with psycopg.connect(self.lieu.pg_libpq, autocommit=True) as conn:
            row = conn.execute("select 1 from information_schema.tables where table_schema = %s "
                               "and table_name = 'ducklake_snapshot'", (self.lieu.pg_schema,)).fetchone()
        return row is not None

    @contextlib.contextmanager
    def _ouvrir(self, ecriture: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection with the lake attached as ``lac`` (under the lock for the whole use)."""
        verrou = (self._verrou_local(exclusif=ecriture) if self.lieu.fichier_local is not None
                  else self._verrou_pg() if ecriture else contextlib.nullcontext())
        postgres = self.lieu.pg_libpq is not None
        with verrou:
            con = _prendre(postgres)
            try:
                options = [f"data_path {_sql_text(str(self.lieu.fichiers) + os.sep)}"]
                if self.lieu.pg_schema:
                    options.append(f"metadata_schema {_sql_text(self.lieu.pg_schema)}")
                if not ecriture:
                    options.append("read_only")
                if ecriture:
                    self.lieu.fichiers.mkdir(parents=True, exist_ok=True)
                try:
                    con.execute(f"attach {_sql_text(self.lieu.catalogue)} as {ALIAS} ({', '.join(options)})")
                except duckdb.Error as exc:  # the engine's message quotes the connection string, password included
                    raise ErreurEntrepot("le catalogue des valeurs est injoignable : "
                                         f"{masquer(str(exc), self.lieu.pg_libpq)}") from None
                yield con
            except BaseException:
                con.close()  # a failed use (an open transaction, a half attach) leaves nothing for the next one
                raise
            _rendre(con, postgres)  # still under the lock: the lake is detached before another may write

    # ------------------------------------------------------------ reading
    def valeurs(self, indicateurs: list[str] | None = None, version: int | None = None) -> pl.DataFrame:
        """The current values (or those of snapshot ``version``), from the lake or, before the first load,
        from ``data/valeurs/*.parquet``; ``indicateurs`` restricts the rows."""
        if not self.existe():
            if version is not None:
                raise ErreurEntrepot("aucun chargement n'a encore été fait : il n'y a pas de version antérieure.")
            return self._valeurs_parquet(indicateurs)
        with self._ouvrir(ecriture=False) as con:
            try:
                return self._lire(con, indicateurs, version)
            except duckdb.CatalogException:  # a catalog created but never initialised (a crash at the first load)
                if version is not None:
                    raise ErreurEntrepot(f"version n° {version} introuvable.") from None
        return self._valeurs_parquet(indicateurs)

    def _valeurs_parquet(self, indicateurs: list[str] | None) -> pl.DataFrame:
        files = sorted(self.settings.valeurs_dir.glob("*.parquet"))
        if not files:
            return pl.DataFrame(schema=SCHEMA)
        df = normaliser(pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed"))
        if indicateurs is not None:
            df = df.filter(pl.col("indicateur").is_in(indicateurs))
        return df

    def _lire(self, con: duckdb.DuckDBPyConnection, indicateurs: list[str] | None,
              version: int | None = None) -> pl.DataFrame:
        at = f" at (version => {int(version)})" if version is not None else ""
        where = ""
        if indicateurs is not None:
            where = " where indicateur in (select unnest($ind))"
        rel = con.sql(f"select * from {ALIAS}.{TABLE}{at}{where}",
                      params={"ind": indicateurs} if indicateurs is not None else None)
        return normaliser(pl.from_arrow(rel.to_arrow_table()))

    def version_courante(self) -> int | None:
        """The id of the latest snapshot (None before the first load): cheap, to know when to reload."""
        if not self.existe():
            return None
        with self._ouvrir(ecriture=False) as con:
            return con.sql(f"select id from {ALIAS}.current_snapshot()").fetchone()[0]

    def chargements(self) -> list[Chargement]:
        """Every snapshot the barometer wrote, latest first."""
        if not self.existe():
            return []
        with self._ouvrir(ecriture=False) as con:
            return self._chargements(con)

    def _chargements(self, con: duckdb.DuckDBPyConnection) -> list[Chargement]:
        rel = con.sql(f"select snapshot_id, strftime(snapshot_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as quand, "
                      f"author, commit_extra_info from {ALIAS}.snapshots() where commit_extra_info is not null "
                      "order by snapshot_id desc")
        out = []
        for sid, quand, auteur, info in rel.fetchall():
            try:
                data = json.loads(info)
            except (TypeError, ValueError):
                continue
            out.append(Chargement(int(sid), quand, auteur or "", data))
        annules = {c.info.get("annule"): c.id for c in out if c.type == ANNULATION}
        for c in out:
            if c.id in annules:
                c.info["annule_par"] = annules[c.id]
        return out

    # ------------------------------------------------------------ writing
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The lake open for writing, under the writers' lock, created (with the initial state) if absent.
        The caller runs ``begin`` … ``commit`` itself (one load = one transaction = one snapshot)."""
        with self._ouvrir(ecriture=True) as con:
            tables = con.sql("select table_name from duckdb_tables() where database_name = ?",
                             params=[ALIAS]).fetchall()
            if not tables:
                self._initialiser(con)
            yield con

    def _initialiser(self, con: duckdb.DuckDBPyConnection) -> None:
        initial = self._valeurs_parquet(None)  # noqa: F841 - read by DuckDB's replacement scan
        columns = ", ".join(f'"{c}" {_duck_type(t)}' for c, t in SCHEMA.items())
        con.execute("begin")
        con.execute(f"create table {ALIAS}.{TABLE} ({columns})")
        con.execute(f"create table {ALIAS}.{JOURNAL} (type varchar, info varchar)")
        con.execute(f"insert into {ALIAS}.{TABLE} select * from initial")
        commit_info(con, "barometre", {"type": INITIAL, "valeurs": initial.height,
                                       "fichier": "data/valeurs/*.parquet"})
        con.execute("commit")

    def appliquer(self, con: duckdb.DuckDBPyConnection, supprimer: pl.DataFrame, inserer: pl.DataFrame,
                  auteur: str, info: dict, avant_commit: Callable[[], None] | None = None) -> int:
        """In one transaction: delete the rows of ``supprimer``'s keys, insert ``inserer``, record ``info``;
        ``avant_commit`` may still refuse (then nothing is written). Returns the new snapshot's id."""
        cles = supprimer.select(KEY)  # noqa: F841 - read by DuckDB's replacement scan
        rows = inserer.select(list(SCHEMA))  # noqa: F841
        con.execute("begin")
        try:
            if supprimer.height:
                con.execute(f"delete from {ALIAS}.{TABLE} where ({', '.join(KEY)}) in "
                            f"(select ({', '.join(KEY)}) from cles)")
            if inserer.height:
                con.execute(f"insert into {ALIAS}.{TABLE} select * from rows")
            commit_info(con, auteur, info)
            if avant_commit is not None:
                avant_commit()
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return con.sql(f"select id from {ALIAS}.current_snapshot()").fetchone()[0]

    def changements(self, con: duckdb.DuckDBPyConnection, snapshot: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The rows a snapshot inserted (post-image) and deleted (pre-image), exactly."""
        df = pl.from_arrow(con.sql(f"select * from {ALIAS}.table_changes('{TABLE}', {int(snapshot)}, "
                                   f"{int(snapshot)})").to_arrow_table())
        inserted = normaliser(df.filter(pl.col("change_type").is_in(["insert", "update_postimage"])))
        deleted = normaliser(df.filter(pl.col("change_type").is_in(["delete", "update_preimage"])))
        return inserted, deleted


def auteur_systeme() -> str:
    """Who runs the command line: the OS user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def commit_info(con: duckdb.DuckDBPyConnection, auteur: str, info: dict) -> None:
    """The record of the snapshot being written: its author and its JSON extra info (same transaction)."""
    text = json.dumps(info, ensure_ascii=False)
    con.execute(f"insert into {ALIAS}.{JOURNAL} values (?, ?)", [info.get("type", ""), text])
    con.execute(f"call {ALIAS}.set_commit_message(?, ?, extra_info => ?)",
                [auteur, LIBELLES_TYPE.get(info.get("type", ""), ""), text])


def _duck_type(t: pl.DataType) -> str:
    return {pl.String: "varchar", pl.Int32: "integer", pl.Float64: "double", pl.Boolean: "boolean"}[t]


def normaliser(df: pl.DataFrame) -> pl.DataFrame:
    """The stored columns in the stored order and types, ventilation/periode '' rather than null."""
    for col, dtype in SCHEMA.items():
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(col))
    return df.select([pl.col(c).cast(t) for c, t in SCHEMA.items()]).with_columns(
        pl.col("ventilation").fill_null(""), pl.col("periode").fill_null(""),
        pl.col("secret").fill_null(False), pl.col("statut").fill_null("definitif"))


def annuler(settings: Settings, chargement: int, auteur: str | None = None,
            avant_commit: Callable[[], None] | None = None) -> int:
    """Undo load ``chargement``: one new snapshot that deletes the rows it wrote and puts back, exactly, the
    rows it replaced or removed. Refused (French :class:`ErreurEntrepot`) when the load does not exist, is
    the initial state or an undo, is already undone, or when a later load (not itself undone) changed some
    of the same values: undo that one first. Returns the undo's id."""
    entrepot = Entrepot(settings)
    if not entrepot.existe():
        raise ErreurEntrepot("aucun chargement n'a encore été enregistré.")
    with entrepot.transaction() as con:
        tous = {c.id: c for c in entrepot._chargements(con)}
        cible = tous.get(chargement)
        if cible is None:
            raise ErreurEntrepot(f"chargement n° {chargement} introuvable (`barometre chargements` les liste).")
        if cible.type not in (CHARGEMENT, BUILD):
            raise ErreurEntrepot(f"le n° {chargement} est un(e) {LIBELLES_TYPE.get(cible.type, cible.type)} : "
                                 "seul un chargement s'annule.")
        if cible.info.get("annule_par"):
            raise ErreurEntrepot(f"le chargement n° {chargement} est déjà annulé (par le n° "
                                 f"{cible.info['annule_par']}).")
        inserted, deleted = entrepot.changements(con, chargement)
        cles = pl.concat([inserted.select(KEY), deleted.select(KEY)]).unique()
        for later in sorted(c for c in tous if c > chargement):
            autre = tous[later]
            if autre.type == ANNULATION or autre.info.get("annule_par"):
                continue
            ins, dele = entrepot.changements(con, later)
            touches = pl.concat([ins.select(KEY), dele.select(KEY)]).join(cles, on=KEY, how="semi",
                                                                            nulls_equal=True)
            if touches.height:
                r = touches.row(0, named=True)
                raise ErreurEntrepot(
                    f"impossible d'annuler le chargement n° {chargement} : le chargement n° {later} "
                    f"({autre.info.get('fichier', '')}, {autre.quand}) a modifié depuis {touches.height} des mêmes "
                    f"valeurs (par exemple {r['indicateur']} {r['code']} {r['annee']}). Annulez d'abord le n° {later}.")
        info = {"type": ANNULATION, "annule": chargement, "fichier": cible.info.get("fichier", ""),
                "source": cible.info.get("source", ""), "retirees": inserted.height, "restaurees": deleted.height}
        return entrepot.appliquer(con, inserted.select(KEY), deleted, auteur or auteur_systeme(), info, avant_commit)
