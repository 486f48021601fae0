"""French formats: numbers (``12 345,6``), units, and exports for French Excel (CSV ``;`` with decimal
commas and a BOM, XLSX). Pure functions, no Streamlit."""

from __future__ import annotations

import io
import math

import polars as pl

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
SECRET_TEXT = "secret statistique"
MISSING_TEXT = "non disponible"


def nombre(value: float | None, decimales: int = 1) -> str:
    """``12345.67`` → ``12 345,7``; None → ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = round(value, decimales) + 0.0  # no "-0,0": a value that rounds to zero is zero
    text = f"{value:,.{decimales}f}"
    return text.replace(",", NBSP).replace(".", ",")


def valeur_unite(value: float | None, unite: str, decimales: int = 1, secret: bool = False) -> str:
    if secret:
        return SECRET_TEXT
    if value is None:
        return MISSING_TEXT
    return f"{nombre(value, decimales)}{NBSP}{unite}"  # no-break space: the unit never wraps alone


def ecart(value: float | None, unite: str, decimales: int = 1) -> str:
    """A signed change: points for percentages (``+1,2 pt``), the unit otherwise."""
    if value is None:
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    unit = "pt" if unite == "%" else unite
    return f"{sign}{nombre(abs(value), decimales)} {unit}"


#: Cell starts that make a spreadsheet read a text as a formula (OWASP, "CSV Injection").
DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+…``, ``-…``, ``@…``, tab,
    CR) gets a leading apostrophe, per OWASP's CSV-injection rule; any other value (numbers included) is
    returned unchanged, so numbers stay numbers."""
    if isinstance(value, str) and value.startswith(DEBUTS_FORMULE):
        return "'" + value
    return value


def neutraliser_df(df: pl.DataFrame) -> pl.DataFrame:
    """:func:`neutraliser` on every text column (numeric columns untouched)."""
    textes = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in textes)


#: xlsxwriter options for every workbook we write: text is text (never a formula, nor a live link).
OPTIONS_XLSX = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def csv_excel(df: pl.DataFrame) -> bytes:
    """CSV for French Excel: ``;`` separator, decimal comma, UTF-8 with BOM, every field quoted; text cells
    neutralised (:func:`neutraliser`)."""
    df = neutraliser_df(df)
    out = df.with_columns(
        pl.col(c).map_elements(lambda v: "" if v is None else repr(float(v)).replace(".", ","),
                               return_dtype=pl.String)
        for c, t in df.schema.items() if t.is_float()
    )
    # Every field quoted: a cell like « Asso,=1+2 » opened where the list separator is « , » would otherwise
    # split into a second cell that starts with « = » (a formula).
    text = out.write_csv(separator=";", quote_style="always")
    return ("\ufeff" + text).encode("utf-8")


YEAR_COLUMNS = {"annee", "année", "annee_reference", "annee_cible", "annee_observation", "millesime",
                "millésime", "annee_precedente"}
VALUE_COLUMNS = {"valeur", "valeur_precedente"}


def xlsx(df: pl.DataFrame, sheet: str = "donnees", decimales: int | None = None) -> bytes:
    """An XLSX sheet: years as plain integers (``2021``, never ``2 021``), values with ``decimales``
    decimals (the indicator's unit) when given; Excel shows the separators of the reader's locale."""
    import xlsxwriter

    buffer = io.BytesIO()
    column_formats = {}
    for name, dtype in df.schema.items():
        key = name.strip().lower()
        if dtype.is_integer() and key in YEAR_COLUMNS:
            column_formats[name] = "0"
        elif dtype.is_numeric() and decimales is not None and key in VALUE_COLUMNS:
            column_formats[name] = "#,##0" + ("." + "0" * decimales if decimales > 0 else "")
    with xlsxwriter.Workbook(buffer, OPTIONS_XLSX) as book:  # text never becomes a formula (neutraliser)
        neutraliser_df(df).write_excel(book, worksheet=sheet[:31], autofit=True,
                                       column_formats=column_formats or None)
    return buffer.getvalue()


MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


def date_longue(value) -> str:
    """``2026-12-02`` (text, date or datetime) → ``2 décembre 2026``; empty → ``""``."""
    from datetime import date, datetime

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{'1er' if value.day == 1 else value.day} {MOIS[value.month - 1]} {value.year}"
