"""Fixtures shared by the test modules: a server already in st.navigation mode for AppTest, a fresh edit
database on SQLite and on PostgreSQL (``db_url``), a store on it with one account of each role (``store``,
accounts in tests/comptes.py), and a private copy of data/ (``data_copy``; ``data_copy_db`` with the test
database as BAROMETRE_DATABASE_URL)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.pages_manager import PagesManager

from barometre.pilotage.store import Store
from barometre.settings import PROJECT_ROOT, Settings, get_settings
from tests.comptes import ADMIN, AGENT, HASH, LECTEUR, PANEL, STRUCTURE

ENV_PG = "BAROMETRE_TEST_POSTGRES_URL"
# Tests see a page's real exception (visitors get a French message and a reference: barometre/ui/erreurs.py);
# the servers the browser tests start inherit it.
os.environ.setdefault("BAROMETRE_ERREURS_DETAILLEES", "1")
# An image that sets PYTHONDONTWRITEBYTECODE makes every process the tests start (each `streamlit run`, each CLI
# subprocess) compile the project and, where its packages were installed without .pyc, pandas and Streamlit from
# source: seconds of CPU per process. The tests' processes may cache bytecode (__pycache__ is gitignored).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# The test database is thrown away: its commits need not wait for the disk (libpq reads PGOPTIONS for every
# connection: SQLAlchemy's, DuckDB's PostgreSQL catalog of the lake, the servers the browser tests start). Many
# small commits (a lake's catalog built per test) otherwise queue behind the disk of a machine busy with the rest.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
# Every AppTest run scans the metadata of every installed distribution for Streamlit components (a server does it
# once, when it starts): seen with py-spy, about a tenth of the CPU of the tests outside the browser. The installed
# packages do not change during a run: the scan is made once per test process.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


#: Browser modules run apart from the browser tier (each starts its own server).
A_PART = ("tests/browser/test_texte_browser.py",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """The suite runs in two processes (pytest-xdist, ``-n 2`` in pyproject.toml), shared out by module: each
    module whole in one process, so that its fixtures are built once; the browser tier in one process, its
    tests one after the other against the session's one server and Chromium (two at once would fight over
    two cores). The longest units first, so that what is left at the end is small enough for the two processes to
    finish together: the browser tier, then the walk of every page with typed payloads (the longest browser module,
    on a server of its own: 2 to 2,5 min), then the other modules, most tests first. (Sorted by test count alone, the
    walk's ten tests came among the last units, and one process could be left alone with it for two minutes.)"""
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    rangs = {"tests/browser": 0, **dict.fromkeys(A_PART, 1)}  # every other module: 2

    def rang(scope: str) -> int:
        return rangs.get(scope, 2)

    class File(OrderedDict):
        """xdist's queue of units (filled most tests first): the next unit taken is the first of the lowest rank."""

        def popitem(self, last: bool = True):
            if last:
                return super().popitem(last=True)
            scope = min(self, key=rang)  # the first one met among equals
            return scope, self.pop(scope)

    class ParModule(LoadScopeScheduling):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.workqueue = File()

        def _split_scope(self, nodeid: str) -> str:
            chemin = nodeid.split("::", 1)[0]
            if chemin.startswith("tests/browser/") and chemin not in A_PART:
                return "tests/browser"
            return chemin

    return ParModule(config, log)


@pytest.fixture
def warm_server(monkeypatch):
    """Each AppTest run behaves like a server that has already served app.py once.

    A ``pages/`` folder beside app.py makes Streamlit start in its legacy multipage mode until the first
    ``st.navigation`` call (``PagesManager.uses_pages_directory``); on a real server that happens once per
    process, but AppTest resets the flag before *every* run, so each run would go through the pages'
    ``ui.ensure_entrypoint()`` rerun, which swallows button clicks and form submits.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def _pg_url_with_schema(base: str, schema: str) -> str:
    url = sa.make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'edits' / 'pilotage.sqlite'}"
        return
    base = os.environ.get(ENV_PG)
    if not base:
        reason = (f"{ENV_PG} non défini : tests PostgreSQL sautés (en CI, .ci/run installe postgresql et "
                  "exporte la variable ; localement, voir le docstring de tests/test_store.py)")
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"en CI, les tests PostgreSQL doivent tourner : {reason}")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_pg_url_with_schema(base, "public"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_url_with_schema(base, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    """A store on a fresh database (SQLite and PostgreSQL) with one active account of each role
    (tests/comptes.py: ADMIN, AGENT, PANEL, LECTEUR)."""
    s = Store(db_url, STRUCTURE)
    s.initialiser_admin(ADMIN.login, ADMIN.nom, HASH)
    for u in (AGENT, PANEL, LECTEUR):
        s.creer_compte(ADMIN, u.login, u.role, u.nom, HASH)
    yield s
    s.fermer()


DATA_DIR = PROJECT_ROOT / "data"
NON_COPIES = ("raw", "lake", "edits")  # raw extracts, the built lake and the edits: each test builds its own


def copier_donnees(destination: Path) -> Path:
    """A copy of data/ without raw extracts, lake nor edits (the lake is rebuilt from the values on first use)."""
    destination.mkdir(parents=True)
    for item in DATA_DIR.iterdir():
        if item.name not in NON_COPIES:
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, destination / item.name)
    return destination


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Settings:
    """A private copy of data/ as BAROMETRE_DATA_DIR, its edits and lake embedded in it (no database URL)."""
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(copier_donnees(tmp_path / "data")))
    monkeypatch.delenv("BAROMETRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("BAROMETRE_LAKE_DIR", raising=False)
    return get_settings()


@pytest.fixture
def data_copy_db(tmp_path, monkeypatch, db_url) -> Settings:
    """A private copy of data/ with the test database as BAROMETRE_DATABASE_URL: on SQLite the lake is
    embedded in the copy, on PostgreSQL its catalog is in that database."""
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(copier_donnees(tmp_path / "data")))
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", db_url)
    monkeypatch.delenv("BAROMETRE_LAKE_DIR", raising=False)
    return get_settings()

