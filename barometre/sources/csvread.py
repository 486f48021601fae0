"""Low-level, source-agnostic reading of official CSV files "as agents receive them".

Longer than ~600 lines because every rule of reading (encoding, separator, header, rows, numbers) is
written down below with why, beside the one reader that applies them.

This is the bottom layer of ``barometre ingest``: it knows nothing about INSEE, DREES or Enedis
columns. It turns the bytes of a file into a :class:`RawTable` of text cells with their physical line
numbers, and offers the checks every source needs (numbers, commune codes, unique keys, ranges) and
atomic writes. Every problem a user can fix is raised as :class:`IngestError`, whose ``str()`` is a
French sentence naming the file, the line and the column, followed by how to fix it.

What ``read_table`` accepts, and why:

- **Encoding**: UTF-8 (with or without BOM), else Windows-1252 (what Excel "CSV (séparateur :
  point-virgule)" writes on a French Windows; it also covers ISO-8859-1 text). A file that starts
  with a UTF-8 BOM, or that contains UTF-8 accents (``Ã©`` once mis-decoded), yet is not valid UTF-8
  is rejected as *mixed encoding* rather than silently decoded into mojibake.
- **Non-text files** are rejected with a specific hint: XLSX/ZIP, old XLS, PDF, gzip, Parquet,
  UTF-16 ("Texte Unicode" in Excel), an HTML page saved as .csv (a failed download), NUL bytes or
  other control characters. One trailing Ctrl-Z (old DOS end-of-file mark) is tolerated.
- **Separator**: ``;``, ``,`` or tab. ``csv.Sniffer`` guesses badly on French files (decimal commas
  inside ``;`` files), so each candidate parses the first :data:`DETECTION_LINES` lines with the
  ``csv`` module (quotes respected). The winner is, in this order: the one whose header candidate
  has a name with a letter (so ``TAUX`` / ``12,5`` is one column, not two columns ``12`` and ``5``),
  whose modal field count is at least 2, whose modal count is shared by the most records, whose
  header comes first; remaining ties go to ``;``, then tab, then ``,``. A single-column file
  therefore reads as ``;``.
- **Header**: the first record satisfying ``header_predicate`` (if given), else the first record
  containing every ``expected_columns`` name (case-insensitive, whitespace-collapsed, Unicode NFC),
  else the first record with the modal number of fields that has at least two non-empty names (so
  a banner padded with separators, ``Insee;;;;``, is not taken for the header). Lines before it
  (INSEE banners such as "Insee - Statistiques locales") are skipped and counted in
  ``skipped_title_lines``. When ``expected_columns`` is given, missing columns are an error that
  lists them, never a silent fallback. Known limit: a header made only of numbers (``2019;2020``)
  after banner lines loses to the banner; pass ``expected_columns`` for such files.
- **Header names** are stripped (BOM removed). Empty names are rejected, except trailing ones
  (Excel's ``a;b;``): those columns are dropped, and a value found under them is an error.
  Duplicated names (compared case-insensitively) are rejected.
- **Rows**: one :class:`RawRow` per record, numbered by the physical line where the record starts
  (1-based; a quoted value may span lines). Cells are kept exactly as written (not stripped): the
  parsers below strip. Records whose cells are all blank are skipped. A record with a different
  number of fields is an error, except the *footer*: after the last data row, single-field lines
  that read like text (at least one letter and one space, e.g. "Source : Insee, RP 2022") are
  skipped and counted in ``skipped_footer_lines``. A digits-only last line (a file cut during a
  download) is therefore still an error, as is a single-field line in the middle of the data.
- A file with a header but no data row is rejected: for ingestion it is always a wrong export.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import stat
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # polars is only needed by atomic_write_parquet's annotation
    import polars as pl

__all__ = [
    "DETECTION_LINES",
    "SECRET",
    "IngestError",
    "RawRow",
    "RawTable",
    "Secret",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_parquet",
    "check_range",
    "check_unique",
    "normalise_commune_code",
    "parse_number",
    "read_table",
]

# Lines parsed to choose the separator and find the header. INSEE exports have 2 to 6 banner lines;
# 200 lines keep detection fast on national files (35,000 communes) while seeing enough rows.
DETECTION_LINES: Final = 200
# Candidate separators, in the order that wins a tie: ';' is what French Excel and INSEE write.
SEPARATORS: Final = (";", "\t", ",")
_SEPARATOR_NAMES: Final = {";": "point-virgule", "\t": "tabulation", ",": "virgule"}

_ENCODING_HINT: Final = (
    "ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format « CSV UTF-8 » "
    "(ou « CSV (séparateur : point-virgule) »), puis relancez l'import"
)


# --------------------------------------------------------------------------------------- errors


class IngestError(Exception):
    """A problem in an input file that the user can fix, described in French.

    ``ligne`` is the 1-based physical line in the file, ``colonne`` the column name as written in
    the header; both are ``None`` when the problem is not tied to one line or column.
    """

    def __init__(
        self,
        fichier: str,
        ligne: int | None,
        colonne: str | None,
        message: str,
        conseil: str,
    ) -> None:
        super().__init__(fichier, ligne, colonne, message, conseil)
        self.fichier = str(fichier)
        self.ligne = ligne
        self.colonne = colonne
        self.message = message
        self.conseil = conseil

    def __str__(self) -> str:
        where = f"Fichier « {self.fichier} »"
        if self.ligne is not None:
            where += f", ligne {self.ligne}"
        if self.colonne is not None:
            where += f", colonne « {self.colonne} »"
        return f"{where} : {_sentence(self.message)} Comment corriger : {_sentence(self.conseil)}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _show(value: str, limit: int = 60) -> str:
    """A cell as it can be quoted in a message: control characters escaped, long values cut."""
    shown = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# ------------------------------------------------------------------------------------ sentinel


class Secret:
    """Value withheld for statistical secrecy (INSEE's ``s``), as opposed to a missing value.

    There is exactly one instance, :data:`SECRET`; compare with ``is``.
    """

    _instance: Secret | None = None
    __slots__ = ()

    def __new__(cls) -> Secret:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SECRET"

    def __reduce__(self) -> str:
        # Pickle by reference to the module attribute, so unpickling gives the same singleton.
        return "SECRET"

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict) -> Secret:
        return self


SECRET: Final = Secret()


# -------------------------------------------------------------------------------- raw table


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data record: ``line`` is the physical line where it starts; ``cells`` maps header → text."""

    line: int
    cells: dict[str, str]


@dataclass
class RawTable:
    """A CSV file read as text cells. Grain: one :class:`RawRow` per non-blank data record."""

    path: Path
    header: list[str]
    rows: list[RawRow]
    encoding: str
    separator: str
    skipped_title_lines: int
    skipped_footer_lines: int = 0

    @property
    def fichier(self) -> str:
        return str(self.path)

    @property
    def header_line(self) -> int:
        """1-based physical line of the header."""
        return self.skipped_title_lines + 1

    def column(self, name: str) -> str:
        """The header name matching ``name`` case-insensitively (as ``expected_columns`` does)."""
        wanted = _name_key(name)
        for column in self.header:
            if _name_key(column) == wanted:
                return column
        raise IngestError(
            self.fichier,
            self.header_line,
            None,
            f"colonne « {name} » absente de l'en-tête",
            f"vérifiez qu'il s'agit du bon fichier ; colonnes trouvées : {_list_names(self.header)}",
        )


def _name_key(name: str) -> str:
    """How header names are compared: NFC, BOM removed, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name.replace("\ufeff", "")).casefold().split())


def _clean_name(name: str) -> str:
    return name.replace("\ufeff", "").strip()


def _list_names(names: Sequence[str], limit: int = 15) -> str:
    shown = ", ".join(f"« {_show(n, 40)} »" for n in names[:limit])
    return shown + (f" et {len(names) - limit} autres" if len(names) > limit else "")


# ------------------------------------------------------------------------------- read_table

# Magic numbers of files agents save as ".csv" by mistake, with what to tell them.
_MAGIC: Final = (
    (
        (b"PK\x03\x04", b"PK\x05\x06"),
        "ce fichier ressemble à un classeur Excel (.xlsx) ou à une archive ZIP, pas à un fichier CSV",
        "ouvrez-le dans Excel ou LibreOffice et faites « Enregistrer sous » au format « CSV UTF-8 » "
        "ou « CSV (séparateur : point-virgule) » ; si c'est une archive .zip, extrayez-en d'abord le "
        "fichier CSV",
    ),
    (
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        "ce fichier ressemble à un classeur Excel ancien format (.xls), pas à un fichier CSV",
        "ouvrez-le dans Excel ou LibreOffice et faites « Enregistrer sous » au format « CSV UTF-8 » "
        "ou « CSV (séparateur : point-virgule) »",
    ),
    (
        (b"%PDF",),
        "ce fichier est un document PDF, pas un fichier CSV",
        "téléchargez la version CSV des données sur le site du producteur (INSEE, DREES, ADEME…)",
    ),
    (
        (b"\x1f\x8b",),
        "ce fichier est compressé (gzip), pas un fichier CSV",
        "décompressez-le d'abord (7-Zip, ou « gunzip ») et importez le fichier CSV obtenu",
    ),
    (
        (b"PAR1",),
        "ce fichier est au format Parquet, pas un fichier CSV",
        "importez le fichier CSV d'origine, ou exportez ces données en CSV",
    ),
    (
        (b"\xff\xfe", b"\xfe\xff"),
        "ce fichier est enregistré en Unicode UTF-16 (« Texte Unicode » d'Excel), encodage non pris en "
        "charge",
        _ENCODING_HINT,
    ),
)
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_LINE_BREAK_BYTES: Final = re.compile(rb"\r\n|\r|\n")
_LINE_BREAK_TEXT: Final = re.compile(r"\r\n|\r|\n")
# A UTF-8 encoded Latin accent (é = C3 A9…): present in a file that is not valid UTF-8, it means
# the file mixes UTF-8 and Windows-1252 (e.g. two exports pasted together).
_UTF8_ACCENT: Final = re.compile(rb"\xc3[\x80-\xbf]")
# Control characters that never appear in a text CSV (tab, LF, CR excluded).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
_PHYSICAL_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_HTML_START: Final = re.compile(r"\s*<(?:!doctype\s+html|html|\?xml)", re.IGNORECASE)

# One parsed record: (first physical line, last physical line, fields).
_Record = tuple[int, int, list[str]]


def read_table(
    path: str | os.PathLike[str],
    expected_columns: Iterable[str] | None = None,
    header_predicate: Callable[[list[str]], bool] | None = None,
) -> RawTable:
    """Read a CSV file as agents receive it (see the module docstring for every rule).

    Raises :class:`IngestError` for anything wrong with the file itself.
    """
    fichier = str(path)
    if isinstance(expected_columns, str):  # a lone name, not an iterable of characters
        expected_columns = [expected_columns]
    expected = list(expected_columns) if expected_columns is not None else []

    data = _read_bytes(Path(path), fichier)
    text, encoding = _decode(data, fichier)
    lines = _PHYSICAL_LINE.findall(text)

    header_line, separator = _find_header(lines, fichier, expected, header_predicate)
    records = list(_parse_records(lines, separator, fichier))
    header_index = next(i for i, rec in enumerate(records) if rec[0] == header_line)
    raw_header = [_clean_name(name) for name in records[header_index][2]]
    header = _check_header(raw_header, fichier, header_line, expected)

    rows, footer_lines = _data_rows(records[header_index + 1 :], raw_header, header, fichier, separator)
    if not rows:
        raise IngestError(
            fichier,
            header_line,
            None,
            "le fichier ne contient que l'en-tête, aucune ligne de données",
            "l'export est probablement vide (filtre trop restrictif, mauvaise sélection de territoires) : "
            "refaites l'export depuis le site du producteur",
        )
    return RawTable(
        path=Path(path),
        header=header,
        rows=rows,
        encoding=encoding,
        separator=separator,
        skipped_title_lines=header_line - 1,
        skipped_footer_lines=footer_lines,
    )


ZIP_TAILLE_MAX: Final = 4 * 1024 * 1024 * 1024  # bytes of the extracted CSV: beyond, refused (zip bomb)
_ZIP_EXTENSIONS: Final = (".csv", ".txt")


def csv_du_zip(path: Path, dossier: Path) -> Path | None:
    """The CSV file of a ZIP archive (as open-data portals offer large exports), extracted into ``dossier``
    under its own name; None when ``path`` is not a ZIP archive. An archive with no CSV file or with several
    is refused (French :class:`IngestError` naming the archive and its members); an XLSX workbook (also a
    ZIP) gets the « save as CSV » hint."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        noms = [i for i in archive.infolist() if not i.is_dir()]
        if any(i.filename.startswith("xl/") for i in noms):
            return None  # an Excel workbook: read_table says what to do with it
        csvs = [i for i in noms if i.filename.lower().endswith(_ZIP_EXTENSIONS)
                and not Path(i.filename).name.startswith(".")]
        if len(csvs) != 1:
            contenu = _list_names([i.filename for i in noms]) or "aucun fichier"
            raise IngestError(
                str(path), None, None,
                "archive ZIP sans fichier CSV" if not csvs else f"archive ZIP à {len(csvs)} fichiers CSV",
                f"extrayez le fichier CSV voulu et chargez-le seul ; contenu de l'archive : {contenu}",
            )
        membre = csvs[0]
        cible = dossier / Path(membre.filename).name
        total = 0
        with archive.open(membre) as source, cible.open("wb") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                total += len(block)
                if total > ZIP_TAILLE_MAX:
                    raise IngestError(str(path), None, None, "fichier CSV de l'archive trop volumineux",
                                      "extrayez-le et ne gardez que les lignes utiles avant de le charger")
                out.write(block)
    return cible


def _read_bytes(path: Path, fichier: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        message, conseil = "fichier introuvable", "vérifiez le chemin et le nom du fichier"
    except IsADirectoryError:
        message, conseil = "c'est un dossier, pas un fichier", "indiquez le fichier CSV lui-même"
    except PermissionError:
        message = "lecture refusée (droits insuffisants)"
        conseil = "fermez le fichier s'il est ouvert dans un autre programme et vérifiez vos droits d'accès"
    except OSError as exc:
        message = f"lecture impossible ({exc.strerror or exc})"
        conseil = "vérifiez que le fichier est accessible (disque, réseau) et réessayez"
    raise IngestError(fichier, None, None, message, conseil)


def _line_of_offset(data: bytes, offset: int) -> int:
    return len(_LINE_BREAK_BYTES.findall(data, 0, offset)) + 1


def _decode(data: bytes, fichier: str) -> tuple[str, str]:
    """Reject non-text content, then decode as UTF-8 (BOM optional) or Windows-1252."""
    if not data.strip(b" \t\r\n" + _UTF8_BOM):
        raise IngestError(
            fichier,
            None,
            None,
            "le fichier est vide",
            "l'export ou le téléchargement a échoué : récupérez à nouveau le fichier depuis le site du "
            "producteur",
        )
    for magics, message, conseil in _MAGIC:
        if data.startswith(magics):
            raise IngestError(fichier, None, None, message, conseil)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            fichier,
            _line_of_offset(data, nul),
            None,
            "fichier binaire (il contient des octets nuls), ce n'est pas un fichier CSV texte",
            "si c'est un classeur Excel, enregistrez-le au format CSV ; sinon récupérez le fichier CSV "
            "d'origine",
        )

    has_bom = data.startswith(_UTF8_BOM)
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if has_bom or _UTF8_ACCENT.search(data):
            raise IngestError(
                fichier,
                _line_of_offset(data, exc.start),
                None,
                "encodage mélangé : le fichier est en UTF-8 mais contient des caractères dans un autre "
                "encodage (Windows-1252)",
                "le fichier a sans doute été assemblé à partir de deux exports ; " + _ENCODING_HINT,
            ) from None
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc2:
            raise IngestError(
                fichier,
                _line_of_offset(data, exc2.start),
                None,
                f"encodage non reconnu (octet 0x{data[exc2.start]:02X} invalide en UTF-8 comme en "
                "Windows-1252)",
                _ENCODING_HINT,
            ) from None

    if text.endswith("\x1a"):  # DOS end-of-file mark written by some old exporters
        text = text[:-1]
    if _HTML_START.match(text):
        raise IngestError(
            fichier,
            None,
            None,
            "ce fichier est une page web (HTML) ou un document XML, pas un fichier CSV : le téléchargement "
            "a sans doute échoué",
            "retournez sur le site du producteur et téléchargez à nouveau le fichier CSV",
        )
    control = _CONTROL.search(text)
    if control:
        raise IngestError(
            fichier,
            len(_LINE_BREAK_TEXT.findall(text, 0, control.start())) + 1,
            None,
            f"caractère de contrôle {control.group()!r} : ce n'est pas un fichier CSV texte",
            "vérifiez qu'il s'agit bien du fichier CSV attendu ; s'il vient d'Excel, enregistrez-le à "
            "nouveau au format « CSV UTF-8 »",
        )
    if not text.strip():
        raise IngestError(
            fichier, None, None, "le fichier est vide", "récupérez à nouveau le fichier chez le producteur"
        )
    return text, encoding


def _parse_records(
    lines: Sequence[str], separator: str, fichier: str, strict: bool = True
) -> Iterator[_Record]:
    """Parse physical lines into records, tracking the line where each record starts and ends.

    With ``strict=False`` (detection on a sample) a csv error ends the iteration quietly.
    """
    reader = csv.reader(iter(lines), delimiter=separator, quotechar='"', doublequote=True, strict=False)
    consumed = 0
    try:
        for fields in reader:
            first = consumed + 1
            consumed = reader.line_num
            yield first, consumed, fields
    except csv.Error as exc:
        if not strict:
            return
        raise IngestError(
            fichier,
            consumed + 1,
            None,
            f"lecture impossible à partir de cette ligne ({exc})",
            'une valeur est probablement ouverte par un guillemet « " » jamais refermé : corrigez le '
            "guillemet, ou ré-exportez le fichier",
        ) from None


def _is_blank(fields: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in fields)


@dataclass(frozen=True)
class _Candidate:
    separator: str
    header_line: int
    mode: int
    support: int  # records of the sample that have the header's number of fields
    worded: bool = True  # some header name has a letter: "12;5" is a value split by a decimal comma

    def score(self) -> tuple[bool, bool, int, int, int]:
        return (
            self.worded,
            self.mode >= 2,
            self.support,
            -self.header_line,
            -SEPARATORS.index(self.separator),
        )


def _has_letter(fields: Sequence[str]) -> bool:
    return any(c.isalpha() for cell in fields for c in cell)


def _modal_candidate(separator: str, records: list[_Record]) -> _Candidate | None:
    counts = Counter(len(fields) for _, _, fields in records if not _is_blank(fields))
    if not counts:
        return None
    mode = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    modal = [rec for rec in records if len(rec[2]) == mode and not _is_blank(rec[2])]
    # Skip banners padded with separators ("Insee;;;;"): a header names at least two columns.
    named = [rec for rec in modal if sum(1 for c in rec[2] if c.strip()) >= min(2, mode)]
    first = (named or modal)[0]
    return _Candidate(separator, first[0], mode, counts[mode], _has_letter(first[2]))


def _find_header(
    lines: Sequence[str],
    fichier: str,
    expected: Sequence[str],
    header_predicate: Callable[[list[str]], bool] | None,
) -> tuple[int, str]:
    """Choose the separator and the header line (see the module docstring)."""
    sample = lines[:DETECTION_LINES]
    parsed = {sep: list(_parse_records(sample, sep, fichier, strict=False)) for sep in SEPARATORS}
    modal = [c for sep in SEPARATORS if (c := _modal_candidate(sep, parsed[sep])) is not None]
    if not modal:  # cannot happen after _decode's emptiness check; kept for safety
        raise IngestError(fichier, None, None, "aucune ligne lisible", "vérifiez le contenu du fichier")
    best_modal = max(modal, key=_Candidate.score)
    if header_predicate is None and not expected:
        return best_modal.header_line, best_modal.separator

    expected_keys = {_name_key(name) for name in expected}
    found: list[_Candidate] = []
    for sep in SEPARATORS:
        records = parsed[sep]
        for first, _, fields in records:
            names = [_clean_name(f) for f in fields]
            if header_predicate is not None:
                is_header = bool(header_predicate(names))
            else:
                is_header = expected_keys <= {_name_key(n) for n in names}
            if is_header:
                support = sum(1 for r in records if len(r[2]) == len(fields) and not _is_blank(r[2]))
                found.append(_Candidate(sep, first, len(fields), support, _has_letter(fields)))
                break
    if found:
        best = max(found, key=_Candidate.score)
        return best.header_line, best.separator

    # No header found: describe the most plausible header line to help the user.
    header_fields = next(f for line, _, f in parsed[best_modal.separator] if line == best_modal.header_line)
    names = [_clean_name(f) for f in header_fields]
    if expected:
        present = {_name_key(n) for n in names}
        missing = [name for name in expected if _name_key(name) not in present]
        message = f"colonnes attendues absentes de l'en-tête : {_list_names(missing)}"
    else:
        message = "aucune ligne d'en-tête reconnue dans les premières lignes du fichier"
    raise IngestError(
        fichier,
        best_modal.header_line,
        None,
        message,
        f"vérifiez qu'il s'agit du bon fichier (source, millésime, niveau géographique) ; l'en-tête lu "
        f"(séparateur {_SEPARATOR_NAMES[best_modal.separator]}) contient : {_list_names(names)}",
    )


def _check_header(raw_header: list[str], fichier: str, line: int, expected: Sequence[str]) -> list[str]:
    """Validate header names; return them without Excel's trailing unnamed columns."""
    header = list(raw_header)
    while len(header) > 1 and not header[-1]:
        header.pop()
    for position, name in enumerate(header, start=1):
        if not name:
            raise IngestError(
                fichier,
                line,
                None,
                f"la colonne n° {position} de l'en-tête n'a pas de nom",
                "donnez un nom à cette colonne dans la ligne d'en-tête, ou supprimez-la si elle est vide",
            )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        key = _name_key(name)
        if key in seen:
            raise IngestError(
                fichier,
                line,
                name,
                f"nom de colonne en double (colonnes n° {seen[key]} et n° {position})",
                "renommez ou supprimez l'une des deux colonnes : chaque colonne doit avoir un nom unique",
            )
        seen[key] = position
    present = set(seen)
    missing = [name for name in expected if _name_key(name) not in present]
    if missing:
        raise IngestError(
            fichier,
            line,
            None,
            f"colonnes attendues absentes de l'en-tête : {_list_names(missing)}",
            f"vérifiez qu'il s'agit du bon fichier (source, millésime) ; colonnes trouvées : "
            f"{_list_names(header)}",
        )
    return header


def _looks_like_footer(cell: str) -> bool:
    """A note such as "Source : Insee, RP 2022" – not a data row cut after its first value."""
    text = cell.strip()
    return any(c.isalpha() for c in text) and any(c.isspace() for c in text)


def _data_rows(
    body: list[_Record], raw_header: list[str], header: list[str], fichier: str, separator: str
) -> tuple[list[RawRow], int]:
    width, named = len(raw_header), len(header)
    # Trailing footer: single-field text lines after the last data row (only if rows have >1 field).
    end = len(body)
    footer_lines = 0
    if named > 1:
        while end > 0:
            first, last, fields = body[end - 1]
            if _is_blank(fields):
                end -= 1
            elif len(fields) == 1 and _looks_like_footer(fields[0]):
                footer_lines += last - first + 1
                end -= 1
            else:
                break

    rows: list[RawRow] = []
    for first, last, fields in body[:end]:
        if _is_blank(fields):
            continue
        if not named <= len(fields) <= width:
            raise _width_error(fichier, first, last, fields, header, separator)
        for position in range(named, len(fields)):
            if fields[position].strip():
                raise IngestError(
                    fichier,
                    first,
                    None,
                    f"valeur « {_show(fields[position])} » dans la colonne n° {position + 1}, qui n'a pas "
                    "de nom dans l'en-tête",
                    "donnez un nom à cette colonne dans l'en-tête, ou supprimez la valeur",
                )
        rows.append(RawRow(first, dict(zip(header, fields, strict=False))))
    return rows, footer_lines


def _width_error(
    fichier: str, first: int, last: int, fields: list[str], header: list[str], separator: str
) -> IngestError:
    sep_name = _SEPARATOR_NAMES[separator]
    quote_hint = (
        f" ; cette ligne se poursuit jusqu'à la ligne {last} : un guillemet « \" » n'est sans doute pas "
        "refermé"
        if last > first
        else ""
    )
    if len(fields) < len(header):
        return IngestError(
            fichier,
            first,
            header[len(fields)],
            f"ligne incomplète : {len(fields)} valeur(s) au lieu de {len(header)}, il manque cette colonne "
            "et les suivantes",
            "la ligne a sans doute été coupée (export interrompu, copier-coller partiel) ou un séparateur "
            f"({sep_name}) manque : ré-exportez le fichier complet, ou complétez la ligne pour qu'elle ait "
            f"une valeur par colonne (vide si inconnue){quote_hint}",
        )
    return IngestError(
        fichier,
        first,
        None,
        f"ligne trop longue : {len(fields)} valeurs au lieu de {len(header)}, il y a des valeurs après la "
        f"dernière colonne « {header[-1]} »",
        f"une valeur contient sans doute le séparateur ({sep_name}) sans être entourée de guillemets, "
        "par exemple une décimale avec virgule dans un fichier séparé par des virgules : entourez cette "
        f'valeur de guillemets « " » ou ré-exportez le fichier{quote_hint}',
    )


# ------------------------------------------------------------------------------ parse_number

# Missing values (returned as None): empty cells and the usual "not available" marks.
_MISSING: Final = frozenset({"", "nd", "n.d.", "n.d", "n/d", "na", "n.a.", "n/a", "nan", "-", "–", "—"})
# Statistical secrecy (returned as SECRET): INSEE writes "s" in its files, "secret" elsewhere,
# and "N/A - secret statistique" in Statistiques locales exports.
_SECRET: Final = frozenset({"s", "secret", "secret statistique", "n/a - secret statistique"})
# Statistiques locales also writes "N/A - résultat non disponible" and "N/A - division par 0".
_NA_PREFIX: Final = "n/a -"
_THOUSANDS_SPACES: Final = " \u00a0\u202f\u2009"
# Shape only (no nested quantifiers, so no catastrophic backtracking); _number_or_none checks the
# grouping of the body.
_NUMBER: Final = re.compile(
    r"(?P<sign>[+\-\u2212]?)"
    r"(?P<body>[0-9.,][0-9., \u00a0\u202f\u2009]*)"
    r"(?:[eE](?P<exp>[+\-\u2212]?[0-9]+))?"
)
_GROUPED: Final = {
    sep: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in (".", ",", " ")
}
_NUMBER_HINT: Final = (
    "écrivez un nombre (par exemple 1234, 1 234,5 ou 12.5) ; pour une valeur manquante laissez la "
    "cellule vide ou écrivez « nd », pour le secret statistique écrivez « s »"
)


def parse_number(
    cell: str | None,
    *,
    fichier: str,
    ligne: int | None,
    colonne: str | None,
    decimal_comma: bool | None = None,
) -> float | None | Secret:
    """Parse one numeric cell of an official file.

    Returns a float; ``None`` for a missing value (empty, ``nd``, ``n.d.``, ``NA``, ``N/A``, ``-``,
    ``NaN``, INSEE's ``N/A - résultat non disponible``); :data:`SECRET` for statistical secrecy
    (``s``, ``secret``, ``N/A - secret statistique``). Thousands may be grouped by spaces (also
    U+00A0, U+202F, U+2009), dots or commas, in groups of three digits. With ``decimal_comma=None``
    a single comma or dot is the decimal mark and, when both appear, the last one is. ``True``
    forces the French reading (``1.234`` = 1234), ``False`` the English one (``1,234`` = 1234).
    The typographic minus (U+2212) is accepted. Raises :class:`IngestError` otherwise.
    """
    if cell is None:
        return None
    text = cell.strip()
    key = " ".join(text.casefold().split())
    if key in _MISSING:
        return None
    if key in _SECRET:
        return SECRET
    if key.startswith(_NA_PREFIX):
        return SECRET if "secret" in key else None

    value = _number_or_none(text, decimal_comma)
    if value is not None:
        return value
    raise IngestError(fichier, ligne, colonne, f"valeur non numérique « {_show(cell)} »", _number_hint(text))


def _number_hint(text: str) -> str:
    if "%" in text:
        return "retirez le signe « % » (la colonne est déjà exprimée en pourcentage) ; " + _NUMBER_HINT
    if "€" in text or "eur" in text.casefold():
        return "retirez le symbole monétaire (la colonne est déjà exprimée en euros) ; " + _NUMBER_HINT
    match = _NUMBER.fullmatch(text)
    if match and match["exp"]:
        return "l'exposant (e…) donne un nombre hors limites ; " + _NUMBER_HINT
    if match:
        return (
            "les séparateurs de milliers ou la virgule décimale sont incohérents (les milliers se "
            "groupent par trois chiffres : 1 234 567,8) ; " + _NUMBER_HINT
        )
    return _NUMBER_HINT


def _number_or_none(text: str, decimal_comma: bool | None) -> float | None:
    """The float written in ``text``, or None if it is not a well-formed number."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    body = match["body"]
    if not body[-1].isdigit():
        return None
    if decimal_comma is True:
        decimal, thousands = ",", "."
    elif decimal_comma is False:
        decimal, thousands = ".", ","
    elif "." in body and "," in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal == "," else ","
    elif body.count(",") > 1:
        decimal, thousands = ".", ","
    elif body.count(".") > 1:
        decimal, thousands = ",", "."
    else:  # at most one mark: it is the decimal mark
        decimal, thousands = ("," if "," in body else "."), ""

    integer, _, fraction = body.partition(decimal)
    if fraction and not fraction.isdigit():
        return None
    if any(c in _THOUSANDS_SPACES for c in integer):
        if thousands and thousands in integer:
            return None  # spaces and another thousands mark mixed
        integer = "".join(" " if c in _THOUSANDS_SPACES else c for c in integer)
        if not _GROUPED[" "].fullmatch(integer):
            return None
        integer = integer.replace(" ", "")
    elif thousands and thousands in integer:
        if not _GROUPED[thousands].fullmatch(integer):
            return None
        integer = integer.replace(thousands, "")
    if (integer and not integer.isdigit()) or not (integer or fraction):
        return None

    sign = "-" if match["sign"] in ("-", "\u2212") else ""
    exponent = (match["exp"] or "0").replace("\u2212", "-")
    try:
        value = float(f"{sign}{integer or '0'}.{fraction or '0'}e{exponent}")
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------- normalise_commune_code

# A commune code of the COG: 5 digits, or 2A/2B followed by 3 digits for Corsica.
_COMMUNE_CODE: Final = re.compile(r"(?:[0-9]{5}|2[AB][0-9]{3})")
# Excel turns a code column into numbers: "59002" comes back as "59002.0" or "59002,0".
_EXCEL_FLOAT_SUFFIX: Final = re.compile(r"^([0-9]+)[.,]0+$")
# Département prefixes that no commune code uses: 00, 20 (Corsica is 2A/2B since 1976),
# 96 (unused) and 99 (INSEE's code for foreign countries).
_INVALID_DEPARTEMENT_PREFIXES: Final = frozenset({"00", "20", "96", "99"})


def normalise_commune_code(cell: str | None, *, fichier: str, ligne: int | None, colonne: str | None) -> str:
    """Return the 5-character INSEE commune code written in ``cell``.

    Strips spaces, upper-cases Corsican codes (``2a004`` → ``2A004``), undoes Excel's number
    conversion (``59002.0`` → ``59002``) and restores the one leading zero Excel drops from the
    codes of départements 01–09 (``1001`` → ``01001``). Anything else raises :class:`IngestError`.
    """
    raw = "" if cell is None else cell
    code = "".join(raw.split()).upper()
    if excel := _EXCEL_FLOAT_SUFFIX.match(code):
        code = excel.group(1)
    if len(code) == 4 and code.isdigit():
        code = "0" + code
    conseil = (
        "il faut le code commune INSEE (code officiel géographique) à 5 caractères, par exemple 59526 "
        "pour Saint-Amand-les-Eaux, et non le code postal ni le code du département ; dans Excel, "
        "mettez la colonne au format « Texte » avant l'export pour garder les zéros initiaux"
    )
    if not code:
        raise IngestError(fichier, ligne, colonne, "code commune manquant", conseil)
    if not _COMMUNE_CODE.fullmatch(code):
        detail = f"{len(code)} caractères au lieu de 5" if len(code) != 5 else "caractères non valides"
        message = f"code commune « {_show(raw)} » invalide ({detail})"
        raise IngestError(fichier, ligne, colonne, message, conseil)
    if code[:2] in _INVALID_DEPARTEMENT_PREFIXES:
        raise IngestError(
            fichier,
            ligne,
            colonne,
            f"code commune « {_show(raw)} » invalide (aucun département ne commence par {code[:2]})",
            conseil,
        )
    return code


# -------------------------------------------------------------------------------- checks


def check_unique(
    rows_keys: Iterable[tuple[Hashable, int]], fichier: str, colonnes: str | Sequence[str]
) -> dict[Hashable, int]:
    """Raise :class:`IngestError` naming both lines when a key appears twice.

    ``rows_keys`` yields ``(key, line)``; a key is a value or a tuple of values of ``colonnes``.
    Returns the mapping key → line of the (unique) keys.
    """
    names = [colonnes] if isinstance(colonnes, str) else list(colonnes)
    seen: dict[Hashable, int] = {}
    for key, line in rows_keys:
        if key in seen:
            values = key if isinstance(key, tuple) else (key,)
            if len(values) == len(names):
                shown = ", ".join(f"{n} = {_show(str(v), 40)}" for n, v in zip(names, values, strict=True))
            else:
                shown = _show(repr(key))
            raise IngestError(
                fichier,
                line,
                " + ".join(names),
                f"clé en double ({shown}) : déjà présente ligne {seen[key]}, de nouveau ligne {line}",
                f"chaque {' + '.join(names)} ne doit apparaître qu'une fois : supprimez le doublon (lignes "
                f"{seen[key]} et {line}), ou vérifiez que le fichier ne mélange pas deux millésimes ou deux "
                "niveaux géographiques",
            )
        seen[key] = line
    return seen


def _format_fr(value: float) -> str:
    """A number as written in French: 1 234,5 (narrow no-break space, decimal comma)."""
    if value != 0 and not 1e-4 <= abs(value) < 1e15:
        return f"{value:g}".replace(".", ",")
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def check_range(
    value: float | int | None | Secret,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    fichier: str,
    ligne: int | None,
    colonne: str | None,
    unite: str = "",
) -> float | int | None | Secret:
    """Raise :class:`IngestError` if ``value`` lies outside ``[minimum, maximum]``; return it otherwise.

    ``None`` and :data:`SECRET` pass through (they are not values). ``unite`` (e.g. ``"%"``,
    ``"habitants"``) is only used to write the message.
    """
    if value is None or value is SECRET:
        return value
    suffix = f" {unite}" if unite else ""
    shown = f"« {_format_fr(float(value))}{suffix} »" if math.isfinite(value) else f"« {value} »"
    too_low = minimum is not None and not value >= minimum
    too_high = maximum is not None and not value <= maximum
    if not math.isfinite(value) or too_low or too_high:
        if minimum is not None and maximum is not None:
            allowed = f"entre {_format_fr(minimum)} et {_format_fr(maximum)}{suffix}"
        elif minimum is not None:
            allowed = f"supérieure ou égale à {_format_fr(minimum)}{suffix}"
        elif maximum is not None:
            allowed = f"inférieure ou égale à {_format_fr(maximum)}{suffix}"
        else:
            allowed = "un nombre fini"
        if too_low and minimum == 0:
            hint = "un effectif, un montant ou un taux ne peut pas être négatif : vérifiez le signe"
        elif too_high and unite.strip() == "%":
            hint = (
                "un taux ne peut pas dépasser 100 % : vérifiez que la colonne contient bien un taux en % "
                "(et non un effectif) et que la virgule décimale est bien placée"
            )
        else:
            hint = "vérifiez la valeur dans la source, son unité et la place de la virgule décimale"
        raise IngestError(
            fichier,
            ligne,
            colonne,
            f"valeur impossible {shown} : elle doit être {allowed}",
            f"{hint} ; corrigez la valeur, ou laissez la cellule vide si elle est inconnue",
        )
    return value


# ---------------------------------------------------------------------------- atomic writes


def atomic_write(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> None:
    """Write ``path`` through ``writer(temp_path)`` so that readers see the old file or the new one.

    ``writer`` fills a temporary file in the same directory (so ``os.replace`` is atomic: same file
    system); the temporary file is fsynced, given the old file's permissions (0o644 for a new file),
    then renamed over ``path``. On any failure the temporary file is removed and the previous file
    is left untouched. Missing parent directories are created. Exceptions raised by ``writer``
    propagate unchanged, except ``OSError`` (disk full, file locked by Excel on Windows…), which
    becomes an :class:`IngestError`, like the errors of the fsync and rename themselves.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    temp = Path(temp_name)
    try:
        writer(temp)
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o644
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise _write_error(target, exc) from exc
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); not possible on Windows, where it is skipped."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _write_error(target: Path, exc: OSError) -> IngestError:
    return IngestError(
        str(target),
        None,
        None,
        f"écriture impossible ({exc.strerror or exc}) ; l'ancien fichier, s'il existait, est intact",
        "vérifiez que le dossier est accessible en écriture, qu'il reste de la place sur le disque et "
        "que le fichier n'est pas ouvert dans un autre programme (Excel), puis relancez",
    )


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace ``path`` with ``data`` (see :func:`atomic_write`)."""

    def write(temp: Path) -> None:
        with open(temp, "wb") as out:
            out.write(data)

    atomic_write(path, write)


def atomic_write_parquet(df: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Atomically replace ``path`` with ``df`` as Parquet (see :func:`atomic_write`)."""
    atomic_write(path, df.write_parquet)
