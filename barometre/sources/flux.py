"""Large files read with bounded memory: a national file (35 000 communes × hundreds of columns) is first
streamed, by blocks of lines, into a copy that keeps only the lines that can concern the followed territory;
``read_table`` and the layouts then read that small copy exactly as they read any file.

Rules of the copy (bytes, whatever the encoding; the original file is never changed):

- the first :data:`~barometre.sources.csvread.DETECTION_LINES` physical lines are kept as they are (banners,
  header, the lines that decide the separator);
- after them, a record (a physical line, or several while a quoted cell spans lines) is kept when one of
  its cells is the code of a followed commune, of the EPCI, of the département or of the region (also
  quoted, or as Excel writes numbers: ``59002.0``, ``1001`` for ``01001``); any other record becomes an
  empty line, so every line keeps its number in the messages (``read_table`` skips empty lines).

What this gives up on a large file: a defect on a line of another territory (which no layout would keep
anyway) is no longer reported. A file below :data:`SEUIL_FLUX` is read whole, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from barometre.sources.csvread import DETECTION_LINES

SEUIL_FLUX = 16 * 1024 * 1024  # bytes: from this size on, a file is streamed through the territory filter


def _variantes(codes: Iterable[str]) -> set[bytes]:
    """A code as a cell may hold it: as is, quoted, as Excel writes a number (59002.0), and without the
    leading zero Excel drops (01001 → 1001)."""
    out: set[bytes] = set()
    for code in {c for c in codes if c}:
        forms = {code, f"{code}.0"}
        if code.isdigit() and code.startswith("0"):
            forms |= {code[1:], f"{code[1:]}.0"}
        for f in forms:
            out |= {f.encode(), f'"{f}"'.encode(), f" {f}".encode(), f"{f} ".encode()}
    return out


def prefiltrer(source: Path, cible: Path, codes: Iterable[str],
               progress: Callable[[float], None] | None = None) -> int:
    """Copy ``source`` to ``cible`` keeping the header lines and the records that have a cell equal to one of
    ``codes`` (communes, EPCI, département, region). ``progress`` gets the fraction of bytes read. Returns the
    number of records kept after the header lines."""
    wanted = _variantes(codes)
    total = max(source.stat().st_size, 1)
    done = 0
    kept = 0
    buffer: list[bytes] = []
    in_quotes = False
    with source.open("rb") as src, cible.open("wb") as out:
        for number, line in enumerate(src, start=1):
            done += len(line)
            if number <= DETECTION_LINES:
                out.write(line)
                continue
            buffer.append(line)
            if b'"' in line and line.count(b'"') % 2:
                in_quotes = not in_quotes
            if in_quotes:
                continue
            record = b"".join(buffer) if len(buffer) > 1 else line
            # Cells split on any of the three separators (a decimal comma only splits a number in two).
            cells = record.rstrip(b"\r\n").replace(b";", b",").replace(b"\t", b",").split(b",")
            if not wanted.isdisjoint(cells):
                out.write(record)
                kept += 1
            else:
                out.write(b"\n" * len(buffer))
            buffer = []
            if progress is not None and number % 2000 == 0:
                progress(done / total)
        out.write(b"".join(buffer))
    if progress is not None:
        progress(1.0)
    return kept
