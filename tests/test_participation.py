"""Electoral turnout (issue 23, item 5): the Ministry of the Interior's files read by their header, the
election as a breakdown (never one series), rates from summed counts, served by ``barometre values`` for the
47 communes, the bassins, the agglomeration and the Nord — figures checked by hand against the raw files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from barometre.cli import main
from barometre.settings import PROJECT_ROOT
from barometre.sources.csvread import IngestError, read_table
from barometre.sources.detection import detect_layout
from barometre.sources.layouts import ParseContext

DATA_DIR = PROJECT_ROOT / "data"
RAW = DATA_DIR / "raw" / "interieur_participation_elections_nord"
EPCI = "200042190"
ELECTIONS = {"Européennes 2024": 2024, "Présidentielle 2022, 1er tour": 2022, "Présidentielle 2022, 2d tour": 2022,
             "Municipales 2020, 1er tour": 2020}


@pytest.fixture(autouse=True)
def shipped_data(monkeypatch):
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(DATA_DIR))


def values(capsys, *argv: str) -> list[dict[str, str]]:
    assert main(["values", "taux_participation", "--all-years", *argv]) == 0
    return list(csv.DictReader(capsys.readouterr().out.splitlines()))


# ------------------------------------------------------------------------------------ data (shipped files)
# Hand-computed from the raw files (grep of the commune's line): (ins − abs) ÷ ins × 100.
#   Denain 59172, européennes 2024: ins 11928, abs 7249 → 4679 / 11928 = 39.23 %
#   Saint-Amand-les-Eaux 59526, présidentielle 2022 R1: ins 12739, abs 4024 → 8715 / 12739 = 68.41 %
#   Wallers 59632, municipales 2020 R1: ins 4019, abs 2716 → 1303 / 4019 = 32.42 %
#   Denain 59172, présidentielle 2022 R2: ins 11567, abs 4436 → 7131 / 11567 = 61.65 %
HAND_CHECKED = [("59172", "Européennes 2024", 39.23), ("59526", "Présidentielle 2022, 1er tour", 68.41),
                ("59632", "Municipales 2020, 1er tour", 32.42), ("59172", "Présidentielle 2022, 2d tour", 61.65)]


def test_turnout_of_the_47_communes_for_each_election_with_hand_checked_figures(capsys):
    rows = values(capsys, "--level", "commune")
    by_election: dict[str, dict[str, float]] = {}
    for r in rows:
        assert r["annee"] == str(ELECTIONS[r["ventilation"]])
        by_election.setdefault(r["ventilation"], {})[r["code"]] = float(r["valeur"])
    assert set(by_election) == set(ELECTIONS)  # municipal second rounds are not loaded
    assert all(len(v) == 47 for v in by_election.values())
    for code, election, expected in HAND_CHECKED:
        assert round(by_election[election][code], 2) == expected


def test_agglomeration_and_nord_from_summed_counts_match_the_provenance(capsys):
    epci = {r["ventilation"]: (float(r["valeur"]), r["methode"]) for r in values(capsys, "--level", "epci")}
    nord_rows = values(capsys, "--level", "departement")
    nord = {r["ventilation"]: float(r["valeur"]) for r in nord_rows}
    assert {r["methode"] for r in nord_rows} == {"calculee"}  # computed here from the counts, never « publiée »
    # PROVENANCE.md: agglomeration 48.2 / 45.8 / 70.7 / 70.5 %, Nord 50.3 / 40.7 / 71.7 / 71.3 %
    assert {k: round(v, 1) for k, (v, _) in epci.items()} == {
        "Européennes 2024": 48.2, "Municipales 2020, 1er tour": 45.8, "Présidentielle 2022, 1er tour": 70.7,
        "Présidentielle 2022, 2d tour": 70.5}
    assert {m for _, m in epci.values()} == {"calculee"}
    assert {k: round(v, 1) for k, v in nord.items()} == {
        "Européennes 2024": 50.3, "Municipales 2020, 1er tour": 40.7, "Présidentielle 2022, 1er tour": 71.7,
        "Présidentielle 2022, 2d tour": 71.3}


def test_agglomeration_rate_is_the_ratio_of_summed_counts_not_a_mean_of_rates():
    import polars as pl

    codes = set(pl.read_parquet(DATA_DIR / "territoires.parquet").filter(pl.col("niveau") == "commune")["code"])
    ins = votants = 0
    rates = []
    with (RAW / "turnout-eur-2024.tsv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["code"] in codes:
                ins += int(r["ins"])
                votants += int(r["ins"]) - int(r["abs"])
                rates.append(1 - int(r["abs"]) / int(r["ins"]))
    assert len(rates) == 47
    assert votants / ins * 100 == pytest.approx(48.2258, abs=1e-4)
    assert sum(rates) / len(rates) * 100 != pytest.approx(48.2258, abs=0.05)  # the mean of rates differs


def test_bassins_have_a_value_for_each_election(capsys):
    rows = values(capsys, "--level", "bv2022")
    assert {r["ventilation"] for r in rows} == set(ELECTIONS)
    assert len(rows) == 5 * len(ELECTIONS)
    assert {r["methode"] for r in rows} == {"calculee"}


# ------------------------------------------------------------------------------------ parser (unit)
CTX = ParseContext(communes=frozenset({"59172", "59526"}), epci=EPCI, departement="59", region="32",
                   communes_france=frozenset({"59172", "59526", "59001", "62001"}))


def parse(tmp_path: Path, name: str, text: str, ctx: ParseContext = CTX):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    table = read_table(path, header_predicate=lambda h: detect_layout(h) is not None)
    layout = detect_layout(table.header)
    assert layout is not None and layout.source == "interieur_elections"
    return layout.parse(table, ctx)


GOOD = "city\tcode\tins\tabs\nDenain\t59172\t100\t40\nSaint-Amand\t59526\t200\t50\nAbancourt\t59001\t10\t5\n"


def test_election_read_from_the_file_name_and_the_nord_only_when_complete(tmp_path):
    vals = parse(tmp_path, "turnout-pre-2022-r1.tsv", GOOD)
    assert {v.ventilation for v in vals} == {"Présidentielle 2022, 1er tour"}
    assert {v.annee for v in vals} == {2022}
    nord = {v.indicateur: v.valeur for v in vals if v.niveau == "departement"}
    assert nord == {"inscrits_listes_electorales": 310, "votants": 215}  # the rate is computed in SQL
    partial = parse(tmp_path, "turnout-eur-2024.tsv", GOOD.rsplit("Abancourt", 1)[0])
    assert not [v for v in partial if v.niveau == "departement"]  # 59001 missing: no Nord figure


def test_election_column_wins_and_municipal_second_rounds_are_not_loaded(tmp_path):
    text = "city\tcode\tins\tabs\telection\n" + "".join(
        line + "\tEuropéennes 2024\n" for line in GOOD.splitlines()[1:])
    assert {v.ventilation for v in parse(tmp_path, "x.tsv", text)} == {"Européennes 2024"}
    assert parse(tmp_path, "turnout-mun-2020-r2.tsv", GOOD) == []


@pytest.mark.parametrize(("name", "text", "ligne", "colonne", "fragment"), [
    ("participation.tsv", GOOD, None, None, "de quelle élection"),
    ("turnout-pre-2022.tsv", GOOD, None, None, "tour de l'élection présidentielle"),
    ("turnout-eur-2024.tsv", GOOD.replace("\t40\n", "\t140\n"), 2, "abs", "supérieures aux inscrits"),
    ("turnout-eur-2024.tsv", GOOD.replace("\t100\t", "\t10,5\t"), 2, "ins", "effectif illisible"),
    ("turnout-eur-2024.tsv", GOOD + "Denain\t59172\t1\t0\n", 5, "code", "en double"),
])
def test_bad_files_are_refused_in_french_with_line_and_column(tmp_path, name, text, ligne, colonne, fragment):
    with pytest.raises(IngestError) as err:
        parse(tmp_path, name, text)
    assert err.value.ligne == ligne and err.value.colonne == colonne
    assert fragment in str(err.value)


# ------------------------------------------------------------------------------------ the panel's index
def test_the_index_engagement_civique_reads_one_election_the_presidential_first_round(warm_server, tmp_path,
                                                                                      monkeypatch):
    """Weights on « engagement civique » only: the first commune of the ranking is the commune with the
    highest turnout in the 2022 presidential first round, found here from the raw file."""
    import shutil

    import polars as pl
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from barometre.calculs import bien_etre as be
    from barometre.catalogue import load_catalogue

    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns(be.PONDERATIONS_DIR, "raw"))
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(copy))
    st.cache_resource.clear()
    st.cache_data.clear()
    corr = be.load_dimensions(copy / "catalogue" / be.DIMENSIONS_FILE, load_catalogue(copy / "catalogue"))
    assert "engagement_civique" in corr.ids
    notes = {d: (5 if d == "engagement_civique" else 0) for d in corr.ids}
    terr = pl.read_parquet(DATA_DIR / "territoires.parquet").filter(pl.col("niveau") == "commune")
    noms = dict(zip(terr["code"], terr["nom"], strict=True))
    with (RAW / "turnout-pre-2022-r1.tsv").open(encoding="utf-8") as f:
        turnout = {r["code"]: 1 - int(r["abs"]) / int(r["ins"]) for r in csv.DictReader(f, delimiter="\t")
                   if r["code"] in noms}
    best = noms[max(turnout, key=turnout.get)]
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["w"] = be.format_notes(notes, corr.ids)
    at.switch_page("pages/bien_etre.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="onglet_be").set_value("sensibilite").run()
    table = next(df.value for df in at.dataframe if "Rang actuel" in df.value.columns)
    assert len(table) == 47 and list(table["Commune"])[0] == best
    st.cache_resource.clear()
    st.cache_data.clear()


# ------------------------------------------------------------------------------------ the volet's governance theme
def test_turnout_in_the_volets_governance_theme_one_election_at_a_time(warm_server, monkeypatch):
    """Through app.py: theme « Gouvernance », each election its own « Détail »; the equity panel reads the
    chosen election's year (2020 for the municipal first round, not the latest election's 2024)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["theme_qv"] = "Gouvernance"
    at.query_params["ind_qv"] = "taux_participation"
    at.switch_page("pages/qualite_de_vie.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    detail = at.selectbox(key="qv_ventilation")
    assert set(detail.options) == set(ELECTIONS)
    detail.set_value("Municipales 2020, 1er tour").run()
    assert not at.exception, [e.value for e in at.exception]
    heading = re.sub(r"\\(.)", r"\1", at.header[0].value)  # as read on screen (the label is escaped text)
    assert heading == "Participation électorale (votants ÷ inscrits) — Municipales 2020, 1er tour"
    headings = [m.value for m in at.markdown]
    assert "### Équité entre communes (2020)" in headings
    assert any("un seul millésime : pas d'évolution (2020)" in m for m in headings)  # elections are never one series


def test_the_map_offers_the_chosen_elections_own_year(warm_server):
    """Territoires: the election is chosen first and the year follows it (2020 for the municipal first round),
    never an election paired with another election's year (an empty map)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.query_params["ind_carte"] = "taux_participation"
    at.query_params["vent_carte"] = "Municipales 2020, 1er tour"
    at.switch_page("pages/territoires.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Millésime : 2020" in [c.value for c in at.caption]
