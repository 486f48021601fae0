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


def csv_excel(df: pl.DataFrame) -> bytes:
    """CSV for French Excel: ``;`` separator, decimal comma, UTF-8 with BOM."""
    out = df.with_columns(
        pl.col(c).map_elements(lambda v: "" if v is None else repr(float(v)).replace(".", ","),
                               return_dtype=pl.String)
        for c, t in df.schema.items() if t.is_float()
    )
    text = out.write_csv(separator=";")
    return ("\ufeff" + text).encode("utf-8")


def xlsx(df: pl.DataFrame, sheet: str = "donnees") -> bytes:
    buffer = io.BytesIO()
    df.write_excel(buffer, worksheet=sheet[:31], autofit=True)
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
