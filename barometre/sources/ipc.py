"""INSEE's annual consumer price index (IPC), the deflator that shows money in constant euros.

``data/raw/insee_ipc_annuel/ipc_annuel_base2015_ensemble_france.csv`` is INSEE's own export of the series
001764363 (« Indice annuel des prix à la consommation - Base 2015 - Ensemble des ménages - France -
Ensemble », see its PROVENANCE.md): one row, one column per year. It is a deflator, never shown as an
indicator of the territory. INSEE's ``(O)`` (value not yet published) is a missing year, never a zero.
"""

from __future__ import annotations

from pathlib import Path

from barometre.sources.csvread import SECRET, IngestError, parse_number, read_table

DOSSIER = "insee_ipc_annuel"
FICHIER = "ipc_annuel_base2015_ensemble_france.csv"
IDBANK = "001764363"
SOURCE_ID = "insee_ipc"  # data/catalogue/sources.toml
LIBELLE = "indice annuel des prix à la consommation de l'INSEE (base 2015, ensemble des ménages, France)"


def lire_ipc(raw_dir: Path) -> dict[int, float]:
    """{year: index} of the series; {} when the file is not there (money is then shown as a gap to
    France, not in constant euros). A file that is there but wrong raises :class:`IngestError`
    (French, naming the file, line and column)."""
    path = raw_dir / DOSSIER / FICHIER
    if not path.is_file():
        return {}
    table = read_table(path, expected_columns=["idBank"])
    rows = [r for r in table.rows if r.cells.get("idBank", "").strip() == IDBANK]
    if len(rows) != 1:
        raise IngestError(table.fichier, None, "idBank",
                          f"{len(rows)} ligne(s) pour la série {IDBANK} (une seule attendue)",
                          "gardez la seule ligne de la série INSEE 001764363 (voir PROVENANCE.md)")
    row = rows[0]
    out: dict[int, float] = {}
    for col, cell in row.cells.items():
        if not (col.isdigit() and len(col) == 4):
            continue
        if cell.strip() == "(O)":  # INSEE: not yet published
            continue
        value = parse_number(cell, fichier=table.fichier, ligne=row.line, colonne=col, decimal_comma=False)
        if value is None or value is SECRET:
            continue
        if value <= 0:
            raise IngestError(table.fichier, row.line, col, f"indice {value} ≤ 0",
                              "un indice de prix est positif : reprenez la valeur de l'export INSEE")
        out[int(col)] = float(value)
    return out
