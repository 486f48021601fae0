"""The layering of the code, checked on its import graph (AST, no import executed).

Data flows one way: ``pages/`` (and ``app.py``) → ``barometre/ui/`` → ``pilotage`` → ``calculs`` and
``charts`` → ``donnees`` → ``sources`` → the foundations (settings, formats, catalogue, csvread). A module
imports only modules of a lower layer, or of its own layer *and* its own package (``ui.panneaux`` →
``ui.cache``); the rules below say the rest:

- only ``barometre/ui/``, ``app.py`` and ``pages/`` import streamlit;
- only ``barometre/ui/etat.py`` touches ``st.session_state`` / ``st.query_params`` (the others call it);
- pages never import ``donnees``, ``sources`` or ``pilotage`` (they go through ``ui``);
- computations (``calculs``) never import charts nor write files, and never hold a connection (no
  ``barometre.donnees``, no ``duckdb``): the callers read the data and hand frames in;
- no import cycle, counting imports inside functions;
- the product loads the benchmark only when asked: ``barometre.cli`` imports ``benchmarks`` inside the
  ``bench`` command, no product module imports it at module level;
- the benchmark measures through public functions: it never imports ``barometre.ui`` (it drives the app
  through app.py, AppTest or a browser) nor a private name (``_x``) of a product module;
- the store is a package by what it stores: no module of it holds the tables of another one, and the
  generic history/version machinery (``store.versions``) names no table but the journal and the accounts;
- the panel's records are split by what they store, as the store is: the label's tables (``label_*``) in
  ``pilotage.label``, the votes' (votes, codes, ballots) in ``pilotage.scrutin``, the others in
  ``pilotage.panel``, which composes the two and is imported by neither;
- no module over ~600 lines without a reason written at the top of its docstring (« Longer than ~600 lines
  because … »).

Each rule is also run on a small synthetic tree that breaks it, so that a rule that cannot fail is seen.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Layer of each module (longest matching prefix wins); a lower number is closer to the data.
LAYERS: dict[str, int] = {
    "barometre.settings": 0, "barometre.formats": 0, "barometre.catalogue": 0, "barometre.texte": 0,
    "barometre.sources.csvread": 0,
    "barometre.sources": 1,
    "barometre.donnees": 2,
    "barometre.calculs": 3, "barometre.charts": 3,
    "barometre.pilotage": 4,
    # the steering's charts (draw pilotage's frames); commands: load a file (parse, rebuild, record the load
    # in the store), check everything
    "barometre.charts.pilotage": 5, "barometre.sources.ingest": 5,
    "barometre.donnees.validate": 5,
    "barometre.ui": 6,
    "pages": 7, "app": 7,
    "benchmarks": 8,  # drives the pages (AppTest, a browser) and the queries
    "barometre.cli": 9, "barometre.__main__": 9,
}
ROOT_PACKAGE = "barometre"  # an empty __init__: ``from barometre import formats`` imports formats
# The benchmark drives the app as the tests do (AppTest, a real server): it may import streamlit.
STREAMLIT_ALLOWED = ("barometre.ui", "pages", "app", "benchmarks")
STATE_MODULE = "barometre.ui.etat"
STATE_ATTRIBUTES = {"session_state", "query_params"}
PAGES_FORBIDDEN = ("barometre.donnees", "barometre.sources", "barometre.pilotage")
COMPUTATION = "barometre.calculs"
CHARTS = ("barometre.charts",)
CONNECTIONS = ("barometre.donnees", "duckdb")  # what a computation must not reach for
# Calls that write a file: path / frame methods and helpers, and os / shutil / json functions.
WRITE_METHODS = {"write_text", "write_bytes", "write_parquet", "write_csv", "write_excel", "write_json",
                 "to_csv", "to_parquet", "mkdir", "unlink", "touch", "atomic_write_bytes", "atomic_write_text"}
WRITE_FUNCTIONS = {"os": {"replace", "rename", "remove", "unlink", "makedirs", "mkdir"},
                   "shutil": {"copy", "copyfile", "copytree", "move", "rmtree"}, "json": {"dump"}}
# Known exceptions, each with its reason and who removes it.
WRITES_ALLOWED: set[str] = set()  # none left (the panel's weightings are store records since issue 13)


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    imports: list[tuple[str, int]] = field(default_factory=list)  # (imported module, line)


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def load(root: Path) -> dict[str, Module]:
    """Every module of the product (barometre/, pages/, app.py, benchmarks/) under ``root``."""
    files = [*root.glob("barometre/**/*.py"), *root.glob("pages/*.py"), *root.glob("benchmarks/*.py")]
    if (root / "app.py").exists():
        files.append(root / "app.py")
    mods = {}
    for path in sorted(files):
        name = module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        mods[name] = Module(name, path, tree)
    for mod in mods.values():
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                mod.imports += [(a.name, node.lineno) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mod.imports.append((node.module, node.lineno))
                # ``from barometre.ui import cache``: the submodule is what is imported
                mod.imports += [(f"{node.module}.{a.name}", node.lineno) for a in node.names
                                if f"{node.module}.{a.name}" in mods]
    return mods


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer(name: str) -> int | None:
    best = max((p for p in LAYERS if _within(name, p)), key=len, default=None)
    return LAYERS[best] if best else None


def package(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "barometre" and len(parts) > 2 else parts[0]


def _internal(imported: str, mods: dict[str, Module]) -> str | None:
    """The product module an import names (``barometre.ui.etat.Selection`` → ``barometre.ui.etat``)."""
    parts = imported.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in mods:
            return None if candidate == ROOT_PACKAGE else candidate
    return None


def layering_violations(mods: dict[str, Module]) -> list[str]:
    found = []
    for mod in mods.values():
        mine = layer(mod.name)
        for imported, line in mod.imports:
            target = _internal(imported, mods)
            if target is None or target == mod.name or mod.name.startswith(target + "."):
                continue  # outside the product, itself, or its own package's __init__
            theirs = layer(target)
            if mine is None or theirs is None:
                found.append(f"{mod.path.name}:{line}: {mod.name} → {target} (module sans couche dans LAYERS)")
            elif theirs > mine or (theirs == mine and package(target) != package(mod.name)):
                found.append(f"{mod.name}:{line} importe {target} (couche {theirs} depuis la couche {mine})")
    return found


def streamlit_violations(mods: dict[str, Module]) -> list[str]:
    return [f"{m.name}:{line} importe streamlit" for m in mods.values()
            if not any(_within(m.name, p) for p in STREAMLIT_ALLOWED)
            for imported, line in m.imports if _within(imported, "streamlit")]


def state_violations(mods: dict[str, Module]) -> list[str]:
    return [f"{m.name}:{node.lineno} touche st.{node.attr} (passer par {STATE_MODULE})"
            for m in mods.values() if m.name != STATE_MODULE
            for node in ast.walk(m.tree) if isinstance(node, ast.Attribute) and node.attr in STATE_ATTRIBUTES]


def page_violations(mods: dict[str, Module]) -> list[str]:
    return [f"{m.name}:{line} importe {imported} (une page passe par barometre.ui)"
            for m in mods.values() if _within(m.name, "pages")
            for imported, line in m.imports if any(_within(imported, p) for p in PAGES_FORBIDDEN)]


def computation_violations(mods: dict[str, Module]) -> list[str]:
    found = []
    for m in mods.values():
        if not _within(m.name, COMPUTATION):
            continue
        found += [f"{m.name}:{line} importe {imported} (un calcul ne dessine pas)"
                  for imported, line in m.imports if any(_within(imported, c) for c in CHARTS)]
        found += [f"{m.name}:{line} importe {imported} (un calcul reçoit des tables, sans connexion)"
                  for imported, line in m.imports if any(_within(imported, c) for c in CONNECTIONS)]
        if m.name in WRITES_ALLOWED:
            continue
        for node in ast.walk(m.tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            mode = next((a.value for a in node.args[1:2] if isinstance(a, ast.Constant)), None) or next(
                (k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)),
                None)
            writes_mode = called == "open" and isinstance(mode, str) and bool(set(mode) & set("wax+"))
            if (called in WRITE_METHODS and owner not in WRITE_FUNCTIONS) or writes_mode \
                    or called in WRITE_FUNCTIONS.get(owner, ()):
                found.append(f"{m.name}:{node.lineno} écrit un fichier ({called}) : un calcul rend une valeur")
    return found


def cycles(mods: dict[str, Module]) -> list[list[str]]:
    graph = {name: sorted({t for i, _ in m.imports if (t := _internal(i, mods)) and t != name
                           and not name.startswith(t + ".")}) for name, m in mods.items()}
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found


BENCH = "benchmarks"
LONG_MODULE_LINES = 650  # "~600": a little slack before a module must say why it is longer
LONG_MODULE_REASON = "Longer than ~600 lines because"
STORE_GENERIC = "barometre.pilotage.store.versions"
STORE_GENERIC_TABLES = {"t_historique", "t_comptes"}  # the journal it writes, the accounts it checks


def _module_level_imports(mod: Module) -> list[tuple[str, int]]:
    """Imports executed when the module is imported (not those inside a function or a class body)."""
    found = []
    for node in mod.tree.body:
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def bench_loading_violations(mods: dict[str, Module]) -> list[str]:
    return [f"{m.name}:{line} importe {imported} au chargement (le banc se charge dans la commande bench)"
            for m in mods.values() if _within(m.name, ROOT_PACKAGE)
            for imported, line in _module_level_imports(m) if _within(imported, BENCH)]


def bench_public_violations(mods: dict[str, Module]) -> list[str]:
    found = []
    for m in mods.values():
        if not _within(m.name, BENCH):
            continue
        found += [f"{m.name}:{line} importe {imported} (le banc passe par app.py, pas par barometre.ui)"
                  for imported, line in m.imports if _within(imported, "barometre.ui")]
        for node in ast.walk(m.tree):
            if isinstance(node, ast.ImportFrom) and node.module and _within(node.module, ROOT_PACKAGE):
                found += [f"{m.name}:{node.lineno} importe {node.module}.{a.name} (nom privé)"
                          for a in node.names if a.name.startswith("_")]
    return found


def store_violations(mods: dict[str, Module]) -> list[str]:
    """Each table of the store is defined in one module of the package; the generic machinery uses none but
    the journal and the accounts (the others reach it through the hooks their modules override)."""
    found, owner = [], {}
    for m in mods.values():
        if not _within(m.name, "barometre.pilotage.store"):
            continue
        for node in m.tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    getattr(node.value.func, "attr", "") == "Table":
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        if t.id in owner:
                            found.append(f"{m.name}:{node.lineno} redéfinit {t.id} (déjà dans {owner[t.id]})")
                        owner[t.id] = m.name
        if m.name == STORE_GENERIC:
            used = {n.id for n in ast.walk(m.tree) if isinstance(n, ast.Name) and n.id.startswith("t_")}
            found += [f"{m.name} utilise la table {t} (passer par un crochet du module qui la détient)"
                      for t in sorted(used - STORE_GENERIC_TABLES)]
    return found


PANEL = "barometre.pilotage.panel"
PANEL_PARTS = {"barometre.pilotage.label": lambda t: t.startswith("label_"),
               "barometre.pilotage.scrutin": lambda t: t in {"panel_votes", "panel_codes", "panel_bulletins"}}


def panel_violations(mods: dict[str, Module]) -> list[str]:
    """Each table of the panel's records is defined in the module of what it stores; the parts never import
    the panel module (it composes them)."""
    found = []
    for m in mods.values():
        if m.name != PANEL and m.name not in PANEL_PARTS:
            continue
        for node in ast.walk(m.tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Table" and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                table = node.args[0].value
                home = next((part for part, owns in PANEL_PARTS.items() if owns(table)), PANEL)
                if home != m.name:
                    found.append(f"{m.name}:{node.lineno} définit la table {table} (sa place : {home})")
        if m.name in PANEL_PARTS:
            found += [f"{m.name}:{line} importe {imported} (le panel compose ses parties)"
                      for imported, line in m.imports if _within(imported, PANEL)]
    return found


def size_violations(mods: dict[str, Module]) -> list[str]:
    found = []
    for m in mods.values():
        n = len(m.path.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(m.tree) or ""
        if n > LONG_MODULE_LINES and LONG_MODULE_REASON not in " ".join(doc.split()):
            found.append(f"{m.name} : {n} lignes, sans « {LONG_MODULE_REASON} … » en tête")
    return found


RULES = {"layering": layering_violations, "streamlit": streamlit_violations, "state": state_violations,
         "pages": page_violations, "computation": computation_violations,
         "cycles": lambda mods: [" → ".join(c) for c in cycles(mods)],
         "bench_loading": bench_loading_violations, "bench_public": bench_public_violations,
         "store": store_violations, "panel": panel_violations, "size": size_violations}


@pytest.fixture(scope="module")
def product() -> dict[str, Module]:
    return load(ROOT)


@pytest.mark.parametrize("rule", list(RULES))
def test_product_follows_rule(product, rule):
    assert RULES[rule](product) == []


def test_every_module_has_a_layer(product):
    assert [m for m in product if layer(m) is None and m != ROOT_PACKAGE] == []


def test_pages_and_etat_are_found(product):
    """The checks look at the real tree (a glob that found nothing would pass every rule)."""
    assert STATE_MODULE in product and "app" in product
    assert sum(1 for m in product if m.startswith("pages.")) >= 10


# ---------------------------------------------------------------- each rule fails on a tree that breaks it
BROKEN = {
    "barometre/__init__.py": "",
    "barometre/formats.py": "",
    "barometre/donnees/__init__.py": "",
    "barometre/donnees/db.py": "from barometre.ui import cache\n",  # data layer importing the UI
    "barometre/calculs/__init__.py": "",
    "barometre/calculs/indices.py": ("import streamlit as st\nfrom barometre import charts\n"
                                     "def f(p, df):\n    p.write_text('x')\n    open(p, 'w')\n"
                                     "    df.rename({'a': 'b'})\n    'x'.replace('x', 'y')\n"
                                     "import duckdb\nfrom barometre.donnees import db\n"),
    "barometre/charts/__init__.py": "",
    "barometre/ui/__init__.py": "",
    "barometre/ui/cache.py": "import streamlit as st\nfrom barometre.ui import panneaux\n",
    "barometre/ui/panneaux.py": ("import streamlit as st\nfrom barometre.ui import cache\n"
                                 "x = st.session_state.get('niveau')\n"),
    "barometre/ui/etat.py": "import streamlit as st\nst.query_params.get('code')\n",
    "pages/accueil.py": "from barometre.donnees import db\n",
    "app.py": "import streamlit as st\n",
    "barometre/cli.py": "import benchmarks.bench\ndef bench():\n    from benchmarks import navigateur\n",
    "benchmarks/bench.py": "from barometre.ui import cache\nfrom barometre.formats import _private, nombre\n",
    "barometre/pilotage/store/__init__.py": "",
    "barometre/pilotage/store/versions.py": ("import sqlalchemy as sa\nt_historique = sa.Table('historique')\n"
                                             "def f():\n    return t_grille, t_historique\n"),
    "barometre/pilotage/store/grille.py": "import sqlalchemy as sa\nt_grille = sa.Table('grille_lignes')\n",
    "barometre/pilotage/store/plan.py": "import sqlalchemy as sa\nt_grille = sa.Table('grille_lignes')\n",
    "barometre/pilotage/panel.py": "import sqlalchemy as sa\nt = sa.Table('label_appels')\n",
    "barometre/pilotage/scrutin.py": ("import sqlalchemy as sa\nfrom barometre.pilotage import panel\n"
                                      "t = sa.Table('panel_votes')\n"),
    "barometre/sources/__init__.py": '"""A long module."""\n' + "x = 1\n" * 700,
    "barometre/sources/csvread.py": '"""Long.\n\nLonger than ~600 lines because it must be."""\n' + "x = 1\n" * 700,
}
EXPECTED = {
    "layering": ["barometre.donnees.db:1 importe barometre.ui.cache"],
    "streamlit": ["barometre.calculs.indices:1 importe streamlit"],
    "state": ["barometre.ui.panneaux:3 touche st.session_state"],
    "pages": ["pages.accueil:1 importe barometre.donnees"],
    "computation": ["barometre.calculs.indices:2 importe barometre.charts", "indices:4 écrit un fichier (write_text)",
                    "indices:5 écrit un fichier (open)", "barometre.calculs.indices:8 importe duckdb",
                    "barometre.calculs.indices:9 importe barometre.donnees"],
    "cycles": ["barometre.ui.cache → barometre.ui.panneaux → barometre.ui.cache"],
    "bench_loading": ["barometre.cli:1 importe benchmarks.bench au chargement"],
    "bench_public": ["benchmarks.bench:1 importe barometre.ui.cache",
                     "benchmarks.bench:2 importe barometre.formats._private"],
    "store": ["redéfinit t_grille", "barometre.pilotage.store.versions utilise la table t_grille"],
    "panel": ["barometre.pilotage.panel:2 définit la table label_appels (sa place : barometre.pilotage.label)",
              "barometre.pilotage.scrutin:2 importe barometre.pilotage.panel"],
    "size": ["barometre.sources : 701 lignes"],
}


@pytest.fixture
def broken(tmp_path) -> dict[str, Module]:
    for rel, text in BROKEN.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return load(tmp_path)


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_fails_on_a_tree_that_breaks_it(broken, rule):
    found = RULES[rule](broken)
    for expected in EXPECTED[rule]:
        assert any(expected in f for f in found), (expected, found)


def test_renaming_a_frame_is_not_writing_a_file(broken):
    """``df.rename`` and ``str.replace`` are not file writes (only the two real writes are reported)."""
    assert len([f for f in computation_violations(broken) if "écrit" in f]) == 2


def test_etat_itself_may_touch_the_state(broken):
    assert not any(f.startswith(STATE_MODULE + ":") for f in state_violations(broken))


def test_lazy_imports_and_public_names_are_not_reported(broken):
    """The bench imported inside the command, a public name, a reason written: none is reported."""
    assert not any("navigateur" in f for f in bench_loading_violations(broken))
    assert not any("nombre" in f for f in bench_public_violations(broken))
    assert not any("csvread" in f for f in size_violations(broken))
