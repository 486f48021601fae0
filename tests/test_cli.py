"""The command line, run in-process (``barometre.cli.main``) on the shipped data: ``values`` gives the
dashboard's numbers as CSV or JSON with exact integers, ``indicators`` lists the catalogue, an unknown
indicator is refused in French with exit code 2, ``objectifs`` and ``validate`` run.
"""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

from barometre.catalogue import load_catalogue
from barometre.cli import VALUES_COLUMNS, format_number, main
from barometre.settings import PROJECT_ROOT, get_settings

DATA_DIR = PROJECT_ROOT / "data"
EPCI = "200042190"
N_COMMUNES = 47
EPCI_POPULATION_2022 = "158351"
COMPARATEUR = "insee_comparateur_territoires/base_cc_comparateur_caph_communes.csv"
HEADER_PREFIX = "indicateur,niveau,code,nom,annee,periode,ventilation,valeur,unite,source,statut"
REQUIRED_INDICATORS = ["population", "taux_chomage_15_64", "taux_activite_15_64", "revenu_median_uc",
                       "taux_pauvrete", "part_familles_monoparentales", "part_logements_vacants"] + [
    f"cae_1.{letter}" for letter in "abcdefghijk"]


@pytest.fixture(autouse=True)
def shipped_data(monkeypatch):
    """The CLI reads the shipped data/ whatever the caller's environment says."""
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(DATA_DIR))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_csv(capsys, *argv: str) -> tuple[list[str], list[dict[str, str]]]:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    lines = out.splitlines()
    return lines, list(csv.DictReader(lines))


@pytest.fixture(scope="module")
def population_2022() -> dict[str, str]:
    """P22_POP of each commune as written in the raw file (or, without it, as stored)."""
    raw = get_settings().raw_dir / COMPARATEUR
    if raw.exists():
        with raw.open(encoding="utf-8", newline="") as f:
            return {r["CODGEO"]: r["P22_POP"] for r in csv.DictReader(f)}
    df = pl.read_parquet(DATA_DIR / "valeurs" / "insee_comparateur.parquet").filter(
        (pl.col("indicateur") == "population") & (pl.col("annee") == 2022))
    return {r["code"]: format_number(r["valeur"]) for r in df.iter_rows(named=True)}


# -------------------------------------------------------------------------------------- values


def test_values_population_communes_csv_gives_the_raw_integers(capsys, population_2022):
    lines, rows = run_csv(capsys, "values", "population", "--level", "commune", "--format", "csv")
    assert lines[0].startswith(HEADER_PREFIX)
    assert lines[0].split(",") == VALUES_COLUMNS
    assert len(rows) == N_COMMUNES
    assert {r["annee"] for r in rows} == {"2022"}
    assert {r["niveau"] for r in rows} == {"commune"}
    assert len(population_2022) == N_COMMUNES
    assert {r["code"]: r["valeur"] for r in rows} == population_2022
    by_code = {r["code"]: r for r in rows}
    assert by_code["59002"]["valeur"] == "4160"  # Abscon, P22_POP
    assert by_code["59002"]["nom"] == "Abscon"
    assert all(r["valeur"].isdigit() for r in rows)  # integers, never "4160.0"
    assert {r["unite"] for r in rows} == {"habitants"}
    assert {r["statut"] for r in rows} == {"definitif"}


def test_values_population_epci(capsys):
    _, rows = run_csv(capsys, "values", "population", "--level", "epci")
    assert [(r["code"], r["annee"], r["valeur"]) for r in rows] == [(EPCI, "2022", EPCI_POPULATION_2022)]
    assert rows[0]["methode"] == "calculee"


def test_values_population_json_parses_with_the_documented_columns(capsys, population_2022):
    code, out, _ = run(capsys, "values", "population", "--level", "commune", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data) == N_COMMUNES
    assert all(list(row) == VALUES_COLUMNS for row in data)
    assert {row["code"]: row["valeur"] for row in data} == {c: float(v) for c, v in population_2022.items()}
    assert {row["annee"] for row in data} == {2022}


def test_values_territory_filter_and_year(capsys):
    _, rows = run_csv(capsys, "values", "population", "--level", "commune", "--territory", "59002",
                      "--territory", "59172", "--year", "2016")
    assert sorted(r["code"] for r in rows) == ["59002", "59172"]
    assert {r["annee"] for r in rows} == {"2016"}
    assert {r["code"]: r["valeur"] for r in rows}["59002"] == "4440"  # P16_POP of Abscon


def test_values_all_years_gives_the_series(capsys):
    _, rows = run_csv(capsys, "values", "population", "--level", "epci", "--all-years")
    assert [r["annee"] for r in rows] == ["2011", "2016", "2022"]
    assert rows[-1]["valeur"] == EPCI_POPULATION_2022


def test_values_of_a_group_without_values_is_an_empty_table(capsys):
    # A poverty rate is never computed for a bassin from its communes, and INSEE publishes none for it.
    lines, rows = run_csv(capsys, "values", "taux_pauvrete", "--level", "bv2022")
    assert lines == [",".join(VALUES_COLUMNS)] and rows == []


def test_values_of_the_epci_published_median_income(capsys):
    _, rows = run_csv(capsys, "values", "revenu_median_uc", "--level", "epci", "--year", "2021")
    assert [(r["valeur"], r["source"], r["methode"]) for r in rows] == [("19530", "ptod_references", "publiee")]


def test_unknown_indicator_exits_2_with_a_french_message(capsys):
    code, out, err = run(capsys, "values", "taux_de_bonheur")
    assert code == 2
    assert out == ""
    assert "Erreur" in err and "indicateur « taux_de_bonheur » inconnu" in err
    assert "barometre indicators" in err


def test_bad_option_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["values", "population", "--format", "xml"])
    assert exc.value.code == 2


# ---------------------------------------------------------------------------------- indicators


def test_indicators_json_lists_the_catalogue(capsys):
    code, out, _ = run(capsys, "indicators", "--format", "json")
    assert code == 0
    data = json.loads(out)
    ids = [d["id"] for d in data]
    missing = [i for i in REQUIRED_INDICATORS + ["cae_1.b"] if i not in ids]
    assert missing == []
    assert len(ids) == len(set(ids)) == len(load_catalogue(DATA_DIR / "catalogue").indicateurs)
    by_id = {d["id"]: d for d in data}
    assert by_id["taux_chomage_15_64"]["agregation"] == "ratio"
    assert by_id["taux_pauvrete"]["agregation"] == "aucune"
    assert by_id["cae_1.a"]["unite"] == "kteq CO2"
    assert all(d["unite"] and d["source"] and d["definition"].strip() for d in data)


def test_indicators_csv(capsys):
    _, rows = run_csv(capsys, "indicators")
    assert "population" in [r["id"] for r in rows]
    assert {"id", "libelle", "unite", "agregation", "source"} <= set(rows[0])


# ------------------------------------------------------------------------- objectifs, validate


def _objectif_ids() -> list[str]:
    """The targets with a figure (the register's aims without one have no trajectory to export)."""
    with (DATA_DIR / "catalogue" / "objectifs.csv").open(encoding="utf-8", newline="") as f:
        return [r["id"] for r in csv.DictReader(f) if r.get("nature") != "orientation"]


def test_objectifs_csv(capsys):
    _, rows = run_csv(capsys, "objectifs", "--format", "csv")
    assert [r["id"] for r in rows] == _objectif_ids()
    assert {"indicateur", "territoire", "annee_cible", "statut"} <= set(rows[0])
    assert all(r["statut"] for r in rows)


def test_objectifs_json(capsys):
    code, out, _ = run(capsys, "objectifs", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [d["id"] for d in data] == _objectif_ids()
    ges = [d for d in data if d["indicateur"] == "cae_1.a" and d["territoire"] == EPCI]
    assert ges and all(d["valeur_observation"] == pytest.approx(1065.686, abs=0.001) for d in ges)


def test_validate_exits_0_on_the_shipped_data(capsys):
    code, out, err = run(capsys, "validate")
    assert code == 0, out + err
    assert "valides" in out
