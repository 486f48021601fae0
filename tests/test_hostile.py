"""Hostile input: any URL query string opens a page without an exception; SQL only ever receives bound
parameters; any CSV handed to `barometre ingest` gives a clear error or a correct load, never a crash
or a partial write."""

from __future__ import annotations

import ast
import hashlib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from barometre.settings import PROJECT_ROOT
from barometre.sources.csvread import IngestError

APP = PROJECT_ROOT / "app.py"
PAGES = ["pages/accueil.py", "pages/qualite_de_vie.py", "pages/territoires.py", "pages/explorateur.py",
         "pages/seance.py", "pages/environnement.py"]
URL_KEYS = ["niveau", "code", "theme_qv", "ind_qv", "ind_carte", "zonage", "annee_carte", "vent_carte",
            "ind_explo", "t", "vues", "etape", "mode", "ind_env", "traj_ind"]
# Text a URL may carry: quotes, SQL fragments, path tricks, control and non-Latin characters.
NASTY = st.one_of(
    st.sampled_from(["'; drop view mart_valeurs; --", "epci' or '1'='1", "../../etc/passwd", "%00", "",
                     "projection", "commune", "59172", "-1", "99999999999999999999", "NaN", "2022",
                     "population,cae_1.a", "\u202e", "é" * 300]),
    st.text(max_size=40),
)


@pytest.fixture(autouse=True)
def _warm(warm_server):
    """Every AppTest run of this module as on a server that already served app.py (tests/conftest.py)."""


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(PAGES), params=st.dictionaries(st.sampled_from(URL_KEYS), NASTY, max_size=5))
def test_any_query_string_opens_the_page_without_exception(page, params):
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, (page, params, [e.message for e in at.exception])


def _sql_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"query", "execute", "sql"} and len(node.args) >= 2 - (name != "query"):
                yield node, node.args[1] if name == "query" else node.args[0]


@pytest.mark.parametrize("module", ["barometre/donnees/queries.py", "barometre/pilotage/objectifs.py",
                                    "barometre/donnees/validate.py", "barometre/pilotage/structure.py",
                                    "benchmarks/bench.py"])
def test_sql_of_the_query_layer_is_never_built_from_values(module):
    """Every SQL text given to DuckDB by the query modules is a plain literal (values are bound as
    $parameters): no f-string, no concatenation, no .format()."""
    path = PROJECT_ROOT / module
    assert path.exists(), module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offending = []
    calls = 0
    for call, sql in _sql_calls(tree):
        calls += 1
        if isinstance(sql, ast.JoinedStr | ast.BinOp) or (
                isinstance(sql, ast.Call) and getattr(sql.func, "attr", "") == "format"):
            offending.append(f"{module}:{call.lineno}")
    if module.endswith("/queries.py"):
        assert calls >= 8, "the query functions are found"
        assert not offending, offending
    else:  # the other modules may build DDL from their own constants, never from a widget or a URL
        assert all("queries.py" not in o for o in offending)


# ---------------------------------------------------------------- ingest of random CSV content
COMPARATEUR_HEADER = ["CODGEO", "P22_POP", "P16_POP", "MED21", "TP6021", "P22_LOG", "P22_LOGVAC"]
CELL = st.one_of(st.sampled_from(["59172", "59526", "1001", "s", "nd", "", "12,5", "-3", "1e3", "abc", "150",
                                  "\x00", '"', ";", "99999"]),
                 st.integers(-10, 10**6).map(str), st.text(max_size=6))


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("edits", "ponderations"))
    return target


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=8), min_size=0, max_size=6),
       separator=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_random_csv_is_refused_cleanly_or_loaded(rows, separator, encoding, data_copy, tmp_path, monkeypatch):
    from barometre.settings import get_settings
    from barometre.sources.ingest import ingest

    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data_copy))
    lines = [separator.join(COMPARATEUR_HEADER)] + [separator.join(r) for r in rows]
    path = tmp_path / "fichier.csv"
    path.write_bytes("\n".join(lines).encode(encoding, errors="replace"))
    before = _hashes(data_copy)
    try:
        report = ingest(path, get_settings())
    except IngestError as exc:
        text = str(exc)
        assert "fichier.csv" in text and "Comment corriger" in text
        assert _hashes(data_copy) == before, "a refused file changed data/"
        return
    # A load: only the comparateur's values file changed, and it holds the loaded vintage.
    changed = {k for k, v in _hashes(data_copy).items() if before.get(k) != v}
    assert changed <= {"valeurs/insee_comparateur.parquet"}
    assert report.n_valeurs > 0
    shutil.rmtree(data_copy)
    shutil.copytree(PROJECT_ROOT / "data", data_copy, ignore=shutil.ignore_patterns("edits", "ponderations"))
