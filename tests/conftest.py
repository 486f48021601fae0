"""Fixtures shared by the test modules: a server already in st.navigation mode for AppTest, and a fresh
edit database on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from streamlit.runtime.pages_manager import PagesManager

ENV_PG = "BAROMETRE_TEST_POSTGRES_URL"
# Tests see a page's real exception (visitors get a French message and a reference: barometre/ui/erreurs.py);
# the servers the browser tests start inherit it.
os.environ.setdefault("BAROMETRE_ERREURS_DETAILLEES", "1")


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
