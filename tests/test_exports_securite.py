"""Exports neutralise formulas (issue 13, finding 3): every CSV/XLSX writer writes a text typed by a person
as text — a leading ``'`` per OWASP's CSV-injection rule for cells starting with = + - @ tab CR, and XLSX
strings never written as formulas nor live links — while numbers stay numbers."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from openpyxl import load_workbook

from barometre import cli, formats
from barometre.calculs.targets import OBJECTIFS_COLUMNS, load_objectifs, objectifs_to_csv
from barometre.pilotage import exports
from barometre.pilotage.objectifs import OBJECTIFS_FILE
from barometre.pilotage.store import Store, Utilisateur
from barometre.settings import get_settings

FORMULES = ['=HYPERLINK("https://attaquant.invalid","Cliquez")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
TEXTES = ["texte", "a=b", "Denain", ""]


def _frame() -> pl.DataFrame:
    n = len(FORMULES) + len(TEXTES)
    return pl.DataFrame({"texte": FORMULES + TEXTES, "valeur": [-1.5, 2.25, -3.0] + [None] * (n - 3),
                         "entier": list(range(-5, n - 5))})


def test_neutraliser_follows_owasp():
    for f in FORMULES:
        assert formats.neutraliser(f) == "'" + f
    for t in TEXTES:
        assert formats.neutraliser(t) == t
    for n in (-1, -2.5, 0, None, True):
        assert formats.neutraliser(n) is n  # numbers (even negative) stay numbers


def test_csv_excel_neutralises_text_cells_only():
    text = formats.csv_excel(_frame()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[0] for r in rows[1:len(FORMULES) + 1]] == ["'" + f for f in FORMULES]
    assert [r[0] for r in rows[len(FORMULES) + 1:]] == TEXTES
    assert rows[1][1:] == ["-1,5", "-5"] and rows[3][1:] == ["-3,0", "-3"]


def _cellules(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    return [[c for c in row] for sheet in book.worksheets for row in sheet.iter_rows()]


def _valeur(cell):
    """A cell's value as typed (XLSX stores a CR as ``_x000D_``, which openpyxl leaves as is)."""
    return cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str) else cell.value


def _sans_formule(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                assert cell.hyperlink is None, (cell.coordinate, cell.value)


def test_xlsx_writes_text_as_text_and_numbers_as_numbers():
    data = formats.xlsx(_frame())
    _sans_formule(data)
    rows = [[_valeur(c) for c in r] for r in _cellules(data)]
    assert [r[0] for r in rows[1:len(FORMULES) + 1]] == ["'" + f for f in FORMULES]
    assert rows[1][1:] == [-1.5, -5] and isinstance(rows[1][2], int)


def test_grille_xlsx_never_writes_a_typed_formula():
    tableau = pl.DataFrame({"Critère": ["Neutralité carbone"] * len(FORMULES), "Impacts": FORMULES,
                            "Acquis": ["https://attaquant.invalid/x"] * len(FORMULES)})
    data = exports.grille_xlsx({"Grille": tableau, "=Feuille": tableau}, "=titre")
    _sans_formule(data)
    values = [_valeur(c) for r in _cellules(data) for c in r]
    assert all("'" + f in values for f in FORMULES)
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'edits.sqlite'}"
    monkeypatch.setenv("BAROMETRE_DATABASE_URL", url)
    s = Store(url)
    s.initialiser_admin("admin", "Admin", "$argon2id$test-only")
    s.creer_compte(Utilisateur("admin", "admin"), "agent", "agent", "Agent", "$argon2id$test-only")
    yield s
    s.fermer()


def test_objectifs_csv_and_cli_neutralise_an_agents_formula(store, capsys):
    shipped = load_objectifs(get_settings().catalogue_dir / OBJECTIFS_FILE)
    base = next(o for o in shipped if o.indicateur == "autonomie_energetique")
    fields = {c: getattr(base, c) for c in OBJECTIFS_COLUMNS if c != "id"}
    fields.update(source="@SUM(A1)")
    store.creer(Utilisateur("agent", "agent"), "objectifs", id="zz-formule", retire=False, **fields)
    assert cli.main(["objectifs", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    row = next(r for r in rows if r["id"] == "zz-formule")
    assert row["source"] == "'@SUM(A1)"
    assert not any(v.startswith(formats.DEBUTS_FORMULE) for r in rows for k, v in r.items()
                   if k not in ("valeur_reference", "valeur_cible", "variation_cible_pct", "valeur", "ecart"))
    text = objectifs_to_csv([{"id": "x", "source": "-1+1", "valeur_cible": -2.5}], sep=";", decimal=",")
    assert "'-1+1" in text and ';"-2,5"' in text
