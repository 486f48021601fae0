"""Exports of the grille de positionnement: XLSX (one sheet per table, wrapped text) and PDF (landscape
A4, one row per criterion). Pure functions: frames in, bytes out. No Streamlit here."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from fpdf import FPDF
from fpdf.fonts import FontFace

from barometre import formats

# A Unicode TrueType font for the PDF (French accents, œ, «», −, narrow no-break spaces). Debian's
# fonts-dejavu-core, installed by .ci/run for the browser tests, provides it; without it the PDF falls
# back to Helvetica and replaces the characters Latin-1 lacks.
POLICES_DEJAVU = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                  Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
REMPLACEMENTS_LATIN1 = {"\u202f": " ", "\u2009": " ", "\u2212": "-", "œ": "oe", "Œ": "OE", "’": "'",
                        "…": "...", "—": "-", "–": "-", "≥": ">=", "≤": "<="}


def grille_xlsx(tableaux: dict[str, pl.DataFrame], titre: str) -> bytes:
    """One sheet per table (name → frame), a title line, bold wrapped headers, frozen header row."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, formats.OPTIONS_XLSX)  # text is never a formula nor a live link
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                            "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    for name, df in tableaux.items():
        sheet = book.add_worksheet(_nom_feuille(name))
        sheet.write_string(0, 0, formats.neutraliser(f"{titre} — {name}"), title_fmt)
        for j, col in enumerate(df.columns):
            sheet.write_string(2, j, formats.neutraliser(col), bold)
            longest = max([len(col), *(len(str(v or "")) for v in df[col].to_list())])
            sheet.set_column(j, j, min(60, max(14, longest // 3)))
        for i, row in enumerate(df.iter_rows()):
            for j, value in enumerate(row):
                sheet.write(3 + i, j, "" if value is None else formats.neutraliser(value), wrap)
        sheet.freeze_panes(3, 1)
    book.close()
    return buffer.getvalue()


def _nom_feuille(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


class _Pdf(FPDF):
    def __init__(self, titre: str, sous_titre: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.titre, self.sous_titre = titre, sous_titre
        self.unicode = all(p.exists() for p in POLICES_DEJAVU)
        if self.unicode:
            self.add_font("DejaVu", "", str(POLICES_DEJAVU[0]))
            self.add_font("DejaVu", "B", str(POLICES_DEJAVU[1]))
            self.police = "DejaVu"
        else:
            self.police = "Helvetica"
        self.set_auto_page_break(auto=True, margin=12)
        self.set_margins(10, 10, 10)

    def t(self, text: str) -> str:
        if self.unicode:
            return text
        for a, b in REMPLACEMENTS_LATIN1.items():
            text = text.replace(a, b)
        return text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.set_font(self.police, "B", 12)
        self.cell(0, 7, self.t(self.titre), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.police, "", 8)
        self.cell(0, 5, self.t(self.sous_titre), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.police, "", 7)
        self.cell(0, 5, self.t(f"Page {self.page_no()}/{{nb}}"), align="R")


def grille_pdf(tableau: pl.DataFrame, titre: str, sous_titre: str = "",
               colonnes: list[str] | None = None) -> bytes:
    """The grille as a landscape table: one row per criterion, long texts wrapped, header repeated on
    every page. ``colonnes``: which columns, in order (default: all)."""
    colonnes = colonnes or list(tableau.columns)
    sous_titre = sous_titre or f"Export du {date.today().strftime('%d/%m/%Y')}"
    pdf = _Pdf(titre, sous_titre)
    pdf.add_page()
    pdf.set_font(pdf.police, "", 7)
    # The criterion column is narrow; the situation (several indicators) gets twice the other columns.
    first = 35.0
    weights = [2.0 if c.startswith("Situation") else 1.0 for c in colonnes[1:]]
    widths = [first] + [(pdf.epw - first) * w / sum(weights) for w in weights]
    head = FontFace(emphasis="BOLD", fill_color=(221, 235, 247))
    with pdf.table(col_widths=widths, text_align="LEFT", headings_style=head, line_height=3.4,
                   repeat_headings=1) as table:
        row = table.row()
        for col in colonnes:
            row.cell(pdf.t(col))
        for values in tableau.select(colonnes).iter_rows():
            row = table.row()
            for value in values:
                row.cell(pdf.t("" if value is None else str(value)))
    return bytes(pdf.output())
