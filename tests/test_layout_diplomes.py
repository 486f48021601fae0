"""The INSEE « Diplômes – Formation » layout (IDH-4 education input), on a test fixture."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from barometre.sources.csvread import read_table
from barometre.sources.detection import detect_layout
from barometre.sources.layouts import ParseContext

FIXTURE = Path(__file__).parent / "fixtures" / "diplomes" / "base_cc_diplomes_formation_extrait.csv"
PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"


def test_layout_is_recognised_and_diploma_holders_are_an_exact_difference():
    table = read_table(FIXTURE, header_predicate=lambda h: detect_layout(h) is not None)
    layout = detect_layout(table.header)
    assert layout is not None and layout.source == "insee_rp_diplomes"
    ctx = ParseContext(communes=frozenset({"59172", "59526"}), epci="200042190", departement="59", region="32")
    values = {(v.indicateur, v.code): v.valeur for v in layout.parse(table, ctx)}
    assert values[("non_scolarises_15_plus", "59172")] == 1000
    assert values[("non_scolarises_15_plus_diplomes", "59172")] == 600
    assert values[("non_scolarises_15_plus_diplomes", "59526")] == 1500
    assert not any(code == "59350" for _, code in values)


def test_ingest_gives_the_diploma_share_from_summed_counts(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_DATA, data, ignore=shutil.ignore_patterns("edits", "ponderations"))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    from barometre.donnees.db import connect, query
    from barometre.settings import get_settings
    from barometre.sources.ingest import ingest

    ingest(FIXTURE, get_settings())
    con = connect(get_settings())
    rows = query(con, "select niveau, code, valeur from mart_valeurs where indicateur = 'part_diplomes_15_plus' "
                      "and niveau in ('commune', 'bv2022')")
    by_code = {(r["niveau"], r["code"]): r["valeur"] for r in rows.iter_rows(named=True)}
    assert by_code[("commune", "59172")] == pytest.approx(60.0)
    assert by_code[("commune", "59526")] == pytest.approx(75.0)
    # The bassins are incomplete in this extract (two communes only): no value rather than a partial one.
    assert ("bv2022", "59172") not in by_code or by_code[("bv2022", "59172")] is None
    from barometre.sources.entrepot import Entrepot

    stored = Entrepot(get_settings()).valeurs(["non_scolarises_15_plus", "non_scolarises_15_plus_diplomes"])
    assert stored.filter(pl.col("source") == "insee_rp_diplomes").height == 4  # the lake holds the load
