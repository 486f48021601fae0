"""French formats (``barometre.formats``): numbers with a decimal comma and a narrow no-break space
between thousands, units, signed changes ("pt" for percentages), and the two downloads offered under
every chart — a CSV for French Excel (UTF-8 BOM, ``;``, decimal comma) and an XLSX — which must reopen
with the same header and values.
"""

from __future__ import annotations

import csv
import io
import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from barometre import formats

NNBSP = "\u202f"  # narrow no-break space: French thousands separator
MINUS_SIGNS = ("-", "\u2212")  # hyphen-minus or the typographic minus


# -------------------------------------------------------------------------------------- nombre
@pytest.mark.parametrize(
    ("value", "decimales", "expected"),
    [
        (12345.67, 1, f"12{NNBSP}345,7"),
        (12345.67, 2, f"12{NNBSP}345,67"),
        (1234567, 0, f"1{NNBSP}234{NNBSP}567"),
        (999.96, 1, f"1{NNBSP}000,0"),  # rounding carries into the thousands
        (0.5, 2, "0,50"),
        (31.88666553111205, 1, "31,9"),
        (7, 0, "7"),
        (0, 1, "0,0"),
    ],
)
def test_nombre_french_format(value, decimales, expected):
    assert formats.nombre(value, decimales) == expected


def test_nombre_default_is_one_decimal():
    assert formats.nombre(2.25 + 0.01) == "2,3"


@pytest.mark.parametrize(
    ("value", "decimales", "digits"),
    [(-1234.56, 1, f"1{NNBSP}234,6"), (-0.5, 1, "0,5"), (-1234567, 0, f"1{NNBSP}234{NNBSP}567")],
)
def test_nombre_negative(value, decimales, digits):
    text = formats.nombre(value, decimales)
    assert text[0] in MINUS_SIGNS
    assert text[1:] == digits


@pytest.mark.parametrize("value", [-0.04, -0.0, -0.4])
def test_nombre_no_negative_zero(value):
    decimales = 1 if value != -0.4 else 0
    assert formats.nombre(value, decimales) == ("0,0" if decimales else "0")


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_nombre_missing_is_dash(missing):
    assert formats.nombre(missing) == "–"
    assert formats.nombre(missing, 0) == "–"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_nombre_parses_back(value, decimales):
    """The French text reads back, once the separators are undone, as the value rounded."""
    text = formats.nombre(value, decimales)
    assert "." not in text and "," not in text.replace(",", "", 1)
    assert (text.count(",") == 1) == (decimales > 0)
    parsed = float(text.replace(NNBSP, "").replace(",", ".").replace("\u2212", "-"))
    assert math.isclose(parsed, round(value, decimales), abs_tol=10 ** -decimales)
    # groups of three digits between the separators
    whole = text.lstrip("-\u2212").split(",")[0]
    groups = whole.split(NNBSP)
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


# -------------------------------------------------------------------------------- valeur_unite
def test_valeur_unite_percent_uses_narrow_nbsp():
    assert formats.valeur_unite(24.34, "%", 1) == f"24,3{NNBSP}%"


def test_valeur_unite_other_unit():
    text = formats.valeur_unite(14890, "€", 0)
    assert text.startswith(f"14{NNBSP}890")
    assert text.endswith("€") and text[-2].isspace()


@pytest.mark.parametrize("value", [0.0, 12.5, None])
def test_valeur_unite_secret_never_a_number(value):
    text = formats.valeur_unite(value, "%", 1, secret=True)
    assert text == "secret statistique" == formats.SECRET_TEXT
    assert not any(ch.isdigit() for ch in text)


def test_valeur_unite_missing():
    assert formats.valeur_unite(None, "%", 1) == formats.MISSING_TEXT == "non disponible"


# -------------------------------------------------------------------------------------- ecart
@pytest.mark.parametrize(
    ("value", "unite", "decimales", "expected"),
    [
        (1.234, "%", 1, "+1,2 pt"),
        (-1.234, "%", 1, "\u22121,2 pt"),
        (0, "%", 1, "±0,0 pt"),
        (2500, "habitants", 0, f"+2{NNBSP}500 habitants"),
        (-12.34, "kteq CO2", 1, "\u221212,3 kteq CO2"),
        (None, "%", 1, "–"),
    ],
)
def test_ecart(value, unite, decimales, expected):
    assert formats.ecart(value, unite, decimales) == expected


def test_ecart_percentage_is_points_not_percent():
    assert "%" not in formats.ecart(3.0, "%") and formats.ecart(3.0, "%").endswith(" pt")


# --------------------------------------------------------------------------------- CSV / XLSX
@pytest.fixture
def frame() -> pl.DataFrame:
    """A table like the ones under the charts: text (with a ';' and accents), a year, values with nulls."""
    return pl.DataFrame({
        "Territoire": ["Denain", "Avesnes-le-Sec", "Saint-Amand-les-Eaux", "Lieu; dit"],
        "Année": [2022, 2021, 2022, 2020],
        "Valeur": [31.88666553111205, None, 12345.5, -0.25],
        "Petite": [1e-05, 0.5, 2.0, None],
        "Source": ["insee_comparateur", "insee_comparateur", "INSEE « RP »", ""],
    })


def test_csv_excel_bytes(frame):
    data = formats.csv_excel(frame)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so that Excel reads the accents"
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == '"Territoire";"Année";"Valeur";"Petite";"Source"'  # every field quoted (issue 21)
    assert lines[1].split(";")[:3] == ['"Denain"', '"2022"', '"31,88666553111205"']
    assert "12345,5" in lines[3]
    assert "." not in "".join(line.split(";")[2] for line in lines[1:]), "no decimal point in values"
    assert '"Lieu; dit"' in lines[4]


def test_csv_excel_quotes_every_field_so_no_cell_splits_into_a_formula():
    """Issue 21: « Asso,=1+2 » opened where the list separator is « , » must stay one text cell."""
    text = formats.csv_excel(pl.DataFrame({"Porteur": ["Asso,=1+2"], "n": [3]})).decode("utf-8-sig")
    assert text.splitlines() == ['"Porteur";"n"', '"Asso,=1+2";"3"']
    read_with_commas = list(csv.reader(io.StringIO(text), delimiter=","))  # the other list separator
    assert not any(cell.startswith("=") for row in read_with_commas for cell in row)


def test_csv_excel_rereads(frame):
    back = pl.read_csv(io.BytesIO(formats.csv_excel(frame)), separator=";", decimal_comma=True,
                       schema_overrides={"Valeur": pl.Float64, "Année": pl.Int64, "Petite": pl.Float64})
    assert back.columns == frame.columns
    assert back["Valeur"].dtype.is_float()
    assert back["Territoire"].to_list() == frame["Territoire"].to_list()
    assert back["Année"].to_list() == frame["Année"].to_list()
    assert back["Valeur"].to_list() == frame["Valeur"].to_list()
    assert back["Petite"].to_list() == frame["Petite"].to_list()


def test_csv_excel_empty_frame_keeps_header():
    df = pl.DataFrame(schema={"Commune": pl.String, "Valeur": pl.Float64})
    data = formats.csv_excel(df)
    assert data.decode("utf-8-sig").splitlines() == ['"Commune";"Valeur"']


def test_xlsx_reopens(frame):
    wb = load_workbook(io.BytesIO(formats.xlsx(frame)), read_only=True)
    assert wb.sheetnames == ["donnees"]
    rows = list(wb["donnees"].iter_rows(values_only=True))
    assert list(rows[0]) == frame.columns
    assert len(rows) == frame.height + 1
    for got, want in zip(rows[1:], frame.iter_rows(), strict=True):
        assert got[0] == want[0] and got[1] == want[1]
        if want[2] is None:
            assert got[2] is None
        else:
            assert got[2] == pytest.approx(want[2], rel=1e-12)
        assert isinstance(got[2], float | int | type(None)), "numbers stay numbers in Excel"
        assert (got[4] or "") == want[4]


def test_xlsx_sheet_name_truncated_to_excel_limit():
    name = "x" * 40
    wb = load_workbook(io.BytesIO(formats.xlsx(pl.DataFrame({"a": [1]}), sheet=name)), read_only=True)
    assert wb.sheetnames == [name[:31]]
