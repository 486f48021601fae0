"""Large files: a national file is streamed through the territory filter (barometre/sources/flux.py), so a
100 MB file loads with bounded memory (peak RSS measured in a subprocess), and the filter keeps line numbers
(an error names the line of the agent's file)."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from barometre.settings import PROJECT_ROOT
from barometre.sources import flux
from barometre.sources.csvread import DETECTION_LINES, IngestError
from barometre.sources.flux import prefiltrer
from barometre.sources.ingest import ingest

DATA_DIR = PROJECT_ROOT / "data"
COMPARATEUR = DATA_DIR / "raw" / "insee_comparateur_territoires" / "base_cc_comparateur_caph_communes.csv"
LIMITE_RSS_MO = 1024


def national_file(path: Path, n_extra: int, n_communes: int | None = None) -> int:
    """Every French commune in the comparateur's layout: the agglomeration's rows as published, the others
    with copied figures, plus ``n_extra`` filler columns (a national file with many columns)."""
    rows = list(csv.reader(COMPARATEUR.open(encoding="utf-8")))
    header, body = rows[0], rows[1:]
    ours = {r[0]: r for r in body}
    codes = pl.read_parquet(DATA_DIR / "communes_france.parquet")["code"].to_list()[:n_communes]
    codes = sorted(set(codes) | set(ours))
    rnd = random.Random(12)
    filler = ",".join(f"{rnd.random() * 1000:.3f}" for _ in range(n_extra))
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(header + [f"X{i:04d}" for i in range(n_extra)]) + "\n")
        for i, code in enumerate(codes):
            base = ours.get(code) or [code, *body[i % len(body)][1:]]
            f.write(",".join(base) + "," + filler + "\n")
    return len(ours)


def test_the_filter_keeps_the_territory_lines_and_the_line_numbers(tmp_path):
    source = tmp_path / "national.csv"
    head = [b"CODGEO;P22_POP\n"] + [b"75056;1\n"] * (DETECTION_LINES - 1)
    body = [b"13055;2\n", b"59002;3\n", b'"1001";4\n', b"69123;59\n", b"59;5\n", b"59002.0;6\n", b"x;7\n"]
    source.write_bytes(b"".join(head + body))
    out = tmp_path / "filtre.csv"
    # 69123;59 is kept (a cell equals the département's code): harmless, the layout drops it again
    assert prefiltrer(source, out, ["59002", "01001", "59"], None) == 5
    lines = out.read_bytes().split(b"\n")
    n = DETECTION_LINES
    assert lines[:n] == [h.rstrip(b"\n") for h in head]
    assert lines[n:n + 7] == [b"", b"59002;3", b'"1001";4', b"69123;59", b"59;5", b"59002.0;6", b""]


def test_an_error_in_a_large_file_names_the_line_of_the_original(data_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(flux, "SEUIL_FLUX", 0)
    import barometre.sources.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "SEUIL_FLUX", 0)
    path = tmp_path / "base_cc_comparateur_france.csv"
    national_file(path, n_extra=2, n_communes=400)
    lines = path.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("59002,"))
    cells = lines[target].split(",")
    cells[1] = "beaucoup"
    lines[target] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as exc:
        ingest(path, data_copy)
    assert f"ligne {target + 1}" in str(exc.value) and "base_cc_comparateur_france.csv" in str(exc.value)
    assert "barometre-flux" not in str(exc.value)


MEASURE = """
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr[-2000:],
                  "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@pytest.mark.slow
def test_a_100_mb_national_file_loads_under_1_gb(data_copy, tmp_path):
    path = tmp_path / "base_cc_comparateur_france.csv"
    n_ours = national_file(path, n_extra=340)
    size = path.stat().st_size
    assert size >= 100_000_000
    env = {**os.environ, "BAROMETRE_DATA_DIR": str(data_copy.data_dir)}
    cmd = [sys.executable, "-c", MEASURE, sys.executable, "-m", "barometre.cli", "ingest", str(path),
           "--format", "json"]
    result = json.loads(subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300).stdout)
    assert result["rc"] == 0, result["err"]
    rss_mo = result["rss_kb"] / 1024
    print(f"fichier de {size / 1e6:.0f} Mo : mémoire maximale {rss_mo:.0f} Mo")
    assert rss_mo < LIMITE_RSS_MO
    report = json.loads(result["out"])
    assert report["chargement"] is not None and report["modifies"] == 0 and report["identiques"] > 0
    assert n_ours == 47 and report["detail"]["territoires_absents"] == []
