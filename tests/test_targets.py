"""Tests of barometre.calculs.targets: trajectories, status rule, the targets file and its loader."""

from __future__ import annotations

import ast
import csv
import json
import math
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from barometre.calculs.targets import (
    DEFAULT_TOLERANCE_PCT,
    OBJECTIFS_COLUMNS,
    OBJECTIFS_TABLE_COLUMNS,
    ORIGINES,
    REGISTRE_COLUMNS,
    SNBC_PROFILE,
    STATUS_LABELS_FR,
    STATUS_RULE_FR,
    STATUTS,
    Objectif,
    ObjectifsError,
    expected_value,
    gap,
    load_objectifs,
    objectifs_table,
    objectifs_to_csv,
    objectifs_to_json,
    status,
    status_rule_fr,
    target_value,
    trajectory,
)

ROOT = Path(__file__).resolve().parents[1]
OBJECTIFS_CSV = ROOT / "data" / "catalogue" / "objectifs.csv"
TET_REFERENCE = Path("/work/shared/reference/tet-indicateurs-cae.csv")
EPCI = "200042190"

# Indicator ids of the environmental volet (ADEME Territoires en Transitions), checked against
# reference/tet-indicateurs-cae.csv: cae_4.b is PM10, which PREPA does not target.
POLLUTANT_IDS = {
    "nox": "cae_4.a",
    "pm10": "cae_4.b",
    "pm25": "cae_4.c",
    "cov": "cae_4.d",
    "so2": "cae_4.e",
    "nh3": "cae_4.f",
}
ALLOWED_INDICATORS = {"cae_1.a", "cae_2.a", "cae_3.a", *POLLUTANT_IDS.values(), "autonomie_energetique"}

years = st.integers(min_value=1990, max_value=2060)
spans = st.integers(min_value=1, max_value=60)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


# --- trajectories ---------------------------------------------------------------------------------------


@given(
    ref_year=years, span=spans, ref_value=values, target=values, shape=st.sampled_from(["lineaire", "snbc"])
)
def test_trajectory_hits_both_ends_and_covers_every_year(ref_year, span, ref_value, target, shape):
    path = trajectory(ref_year, ref_value, ref_year + span, target, shape)
    assert path[0] == (ref_year, ref_value)
    assert path[-1] == (ref_year + span, target)
    assert [y for y, _ in path] == list(range(ref_year, ref_year + span + 1))


@given(
    ref_year=years, span=spans, ref_value=values, target=values, shape=st.sampled_from(["lineaire", "snbc"])
)
def test_trajectory_is_monotone_between_its_ends(ref_year, span, ref_value, target, shape):
    path = [v for _, v in trajectory(ref_year, ref_value, ref_year + span, target, shape)]
    slack = 1e-9 * max(1.0, abs(ref_value), abs(target))  # float rounding of the interior points
    low, high = min(ref_value, target), max(ref_value, target)
    assert all(low - slack <= v <= high + slack for v in path)
    steps = [b - a for a, b in zip(path, path[1:], strict=False)]
    if target >= ref_value:
        assert all(s >= -slack for s in steps)
    else:
        assert all(s <= slack for s in steps)


def test_linear_trajectory_values():
    assert trajectory(2020, 100.0, 2030, 50.0) == [(y, 100.0 - 5.0 * (y - 2020)) for y in range(2020, 2031)]
    assert trajectory(2020, 100.0, 2030, 50.0, years=[2030, 2025, 2020]) == [
        (2020, 100.0),
        (2025, 75.0),
        (2030, 50.0),
    ]


def test_snbc_trajectory_follows_the_documented_national_milestones():
    # Profile 1.00 (1990) → 0.60 (2030) → 0.00 (2050); from 2015 (share 0.75) to 2050 the national path
    # covers (0.75 − 0.60) / 0.75 = 20 % of its way by 2030, then the rest linearly to 2050.
    assert SNBC_PROFILE == ((1990, 1.0), (2030, 0.6), (2050, 0.0))
    path = dict(trajectory(2015, 100.0, 2050, 0.0, "snbc"))
    assert path[2030] == pytest.approx(80.0)
    assert path[2040] == pytest.approx(40.0)
    linear = dict(trajectory(2015, 100.0, 2050, 0.0))
    assert path[2030] > linear[2030]  # slower before 2030 than a straight line
    # Between 1990 and 2030 the national profile is linear, so the snbc shape is a straight line.
    snbc_values = [v for _, v in trajectory(1990, 10.0, 2030, 6.0, "snbc")]
    assert snbc_values == pytest.approx([v for _, v in trajectory(1990, 10.0, 2030, 6.0)])


def test_trajectory_rejects_bad_input():
    with pytest.raises(ValueError, match="postérieure"):
        trajectory(2030, 1.0, 2030, 0.5)
    with pytest.raises(ValueError, match="forme"):
        trajectory(2020, 1.0, 2030, 0.5, "exponentielle")
    with pytest.raises(ValueError, match="hors de la trajectoire"):
        trajectory(2020, 1.0, 2030, 0.5, years=[2019, 2025])


def test_expected_value_interpolates_and_holds_the_target():
    path = [(2020, 100.0), (2030, 50.0)]
    assert expected_value(path, 2024) == pytest.approx(80.0)
    assert expected_value(path, 2020) == 100.0
    assert expected_value(path, 2035) == 50.0
    assert expected_value(path, 2019) is None
    assert expected_value([], 2025) is None


@given(ref_year=years, span=spans, ref_value=values, target=values, data=st.data())
def test_expected_value_matches_every_point_of_the_path(ref_year, span, ref_value, target, data):
    path = trajectory(ref_year, ref_value, ref_year + span, target)
    year, value = data.draw(st.sampled_from(path))
    assert expected_value(path, year) == value


# --- target values ---------------------------------------------------------------------------------------


def _objectif(**overrides) -> Objectif:
    fields = {
        "id": "test-objectif",
        "indicateur": "cae_2.a",
        "territoire": EPCI,
        "annee_reference": 2012,
        "annee_cible": 2030,
        "variation_cible_pct": -20.0,
        "origine": "loi_energie_climat",
        "source": "test",
        "a_confirmer": False,
        "illustratif": False,
    }
    fields.update(overrides)
    return Objectif(**fields)


def test_target_value_from_variation_and_from_value():
    assert target_value(_objectif(variation_cible_pct=-50.0), 200.0) == pytest.approx(100.0)
    assert target_value(_objectif(variation_cible_pct=100.0), 30.0) == pytest.approx(60.0)
    assert target_value(_objectif(variation_cible_pct=-20.0), None) is None
    assert target_value(_objectif(variation_cible_pct=None, valeur_cible=50.0), None) == 50.0
    assert target_value(_objectif(variation_cible_pct=None, valeur_cible=50.0), 10.0) == 50.0


@given(reference=positive, variation=st.floats(min_value=-100, max_value=500, allow_nan=False))
def test_target_value_is_reference_times_one_plus_variation(reference, variation):
    result = target_value(_objectif(variation_cible_pct=variation), reference)
    assert result == pytest.approx(reference * (1 + variation / 100), rel=1e-12, abs=1e-12)
    assert result <= reference if variation <= 0 else result >= reference


def test_objectif_model_rejects_inconsistent_rows():
    with pytest.raises(ValueError, match="postérieure"):
        _objectif(annee_reference=2030, annee_cible=2020)
    with pytest.raises(ValueError, match="toutes deux"):
        _objectif(valeur_cible=10.0)
    with pytest.raises(ValueError, match="ni valeur_cible"):
        _objectif(variation_cible_pct=None)
    with pytest.raises(ValueError):
        _objectif(origine="ADEME")
    with pytest.raises(ValueError, match="à confirmer"):
        _objectif(annee_reference=None)
    assert _objectif(annee_reference=None, a_confirmer=True).annee_reference is None


# --- gap and status --------------------------------------------------------------------------------------

# Emissions path: 100 in 2015 to 40 in 2030, i.e. 80 in 2020 (lower is better).
EMISSIONS_PATH = trajectory(2015, 100.0, 2030, 40.0)


def test_gap_is_observed_minus_path():
    found = gap(2020, 72.0, EMISSIONS_PATH, higher_is_better=False)
    assert found is not None
    assert found.expected == pytest.approx(80.0)
    assert found.absolute == pytest.approx(-8.0)
    assert found.relative_pct == pytest.approx(-10.0)
    assert found.favourable is True
    assert gap(2020, 72.0, EMISSIONS_PATH, higher_is_better=True).favourable is False
    assert gap(2010, 72.0, EMISSIONS_PATH, higher_is_better=False) is None
    assert gap(2050, 1.0, [(2020, 10.0), (2050, 0.0)], False).relative_pct is None  # path value 0


@pytest.mark.parametrize(
    ("year", "value", "expected"),
    [
        (2020, 80.0, "dans_la_trajectoire"),
        (2020, 70.0, "en_avance"),
        (2020, 90.0, "en_retard"),
        (2035, 40.0, "dans_la_trajectoire"),  # after the target year the target value holds
        (2035, 60.0, "en_retard"),
        (2010, 80.0, "sans_donnee"),  # observation before the reference year
        (None, None, "sans_donnee"),
        (2020, float("nan"), "sans_donnee"),
    ],
)
def test_status_on_crafted_cases(year, value, expected):
    assert status(year, value, EMISSIONS_PATH, higher_is_better=False) == expected


def test_status_without_path_is_sans_donnee():
    assert status(2020, 80.0, [], higher_is_better=False) == "sans_donnee"


def test_status_tolerance_boundary_is_included():
    flat = [(2015, 100.0), (2025, 100.0)]
    assert status(2020, 105.0, flat, higher_is_better=False) == "dans_la_trajectoire"
    assert status(2020, 95.0, flat, higher_is_better=False) == "dans_la_trajectoire"
    assert status(2020, 105.001, flat, higher_is_better=False) == "en_retard"
    assert status(2020, 94.999, flat, higher_is_better=False) == "en_avance"
    assert status(2020, 110.0, flat, higher_is_better=False, tolerance_pct=10.0) == "dans_la_trajectoire"
    assert status(2020, 100.5, flat, higher_is_better=False, tolerance_pct=0.0) == "en_retard"
    with pytest.raises(ValueError):
        status(2020, 100.0, flat, higher_is_better=False, tolerance_pct=-1.0)


def test_direction_inversion_for_energy_autonomy():
    # Energy autonomy (%, higher is better): 20 % in 2020 → 50 % in 2050, path value 30 % in 2030.
    autonomie = trajectory(2020, 20.0, 2050, 50.0)
    assert status(2030, 40.0, autonomie, higher_is_better=True) == "en_avance"
    assert status(2030, 20.0, autonomie, higher_is_better=True) == "en_retard"
    assert status(2030, 40.0, autonomie, higher_is_better=False) == "en_retard"
    assert status(2030, 30.5, autonomie, higher_is_better=True) == "dans_la_trajectoire"


@given(expected=positive, deviation_pct=st.floats(min_value=-5.0, max_value=5.0, allow_nan=False))
def test_status_within_tolerance_is_on_track_both_ways(expected, deviation_pct):
    flat = [(2015, expected), (2030, expected)]
    observed = expected * (1 + deviation_pct / 100)
    assert status(2020, observed, flat, True) == "dans_la_trajectoire"
    assert status(2020, observed, flat, False) == "dans_la_trajectoire"


@given(
    expected=positive,
    deviation_pct=st.floats(min_value=5.01, max_value=90.0, allow_nan=False),
    sign=st.sampled_from([-1, 1]),
)
def test_status_outside_tolerance_swaps_with_direction(expected, deviation_pct, sign):
    flat = [(2015, expected), (2030, expected)]
    observed = expected * (1 + sign * deviation_pct / 100)
    higher, lower = status(2020, observed, flat, True), status(2020, observed, flat, False)
    assert {higher, lower} == {"en_avance", "en_retard"}
    assert higher == ("en_avance" if sign > 0 else "en_retard")


def test_status_labels_and_rule_are_french_and_complete():
    assert set(STATUS_LABELS_FR) == set(STATUTS)
    assert STATUS_LABELS_FR["sans_donnee"] == "Sans donnée"
    for label in ("Dans la trajectoire", "En avance", "En retard", "Sans donnée"):
        assert f"« {label} »" in STATUS_RULE_FR
    assert "5 %" in STATUS_RULE_FR and DEFAULT_TOLERANCE_PCT == 5.0
    assert "2,5 %" in status_rule_fr(2.5)


# --- the shipped targets file ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[Objectif]:
    return load_objectifs(OBJECTIFS_CSV)


def test_shipped_objectifs_load_and_validate(shipped):
    with OBJECTIFS_CSV.open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    assert tuple(raw[0].keys()) == OBJECTIFS_COLUMNS + REGISTRE_COLUMNS
    # the aims without a figure (nature « orientation ») are in the register, not among the targets
    assert len(shipped) == len([r for r in raw if r["nature"] != "orientation"]) > 0
    assert len({o.id for o in shipped}) == len(shipped)
    for objectif in shipped:
        assert objectif.indicateur in ALLOWED_INDICATORS, objectif.id
        assert objectif.territoire in {EPCI, "32", "FR"}, objectif.id
        assert objectif.origine in ORIGINES
        assert objectif.source.strip()
        assert objectif.commentaire.strip(), objectif.id
        if objectif.annee_reference is None:
            assert objectif.a_confirmer, objectif.id


def test_shipped_objectifs_cover_the_documented_targets(shipped):
    by_id = {o.id: o for o in shipped}
    pcaet = [o for o in shipped if o.origine == "PCAET"]
    assert {(o.indicateur, o.annee_cible, o.variation_cible_pct, o.valeur_cible) for o in pcaet} == {
        ("cae_1.a", 2050, None, 0.0),
        ("cae_1.a", 2050, -80.0, None),
        ("cae_2.a", 2050, -50.0, None),
    }
    assert all(o.a_confirmer and o.annee_reference is None and o.territoire == EPCI for o in pcaet)
    autonomie = [o for o in shipped if o.indicateur == "autonomie_energetique"]
    assert [(o.valeur_cible, o.origine, o.a_confirmer) for o in autonomie] == [
        (50.0, "projet_de_territoire", True)
    ]
    lec = by_id["lec-ges-moins-40-2030-caph"]
    assert (lec.annee_reference, lec.annee_cible, lec.variation_cible_pct) == (1990, 2030, -40.0)
    sraddet = {
        (o.annee_cible, o.variation_cible_pct)
        for o in shipped
        if o.origine == "SRADDET" and o.indicateur == "cae_1.a"
    }
    assert sraddet == {(2031, -40.0), (2050, -75.0)}
    prepa = {
        (o.indicateur, o.annee_cible): o.variation_cible_pct
        for o in shipped
        if o.origine == "PREPA" and o.territoire == EPCI
    }
    assert prepa[(POLLUTANT_IDS["nox"], 2030)] == -69.0
    assert prepa[(POLLUTANT_IDS["pm25"], 2020)] == -27.0
    assert prepa[(POLLUTANT_IDS["nh3"], 2025)] == -8.0
    assert len(prepa) == 15 and POLLUTANT_IDS["pm10"] not in {k[0] for k in prepa}


def test_national_targets_applied_to_the_epci_are_marked_transposed(shipped):
    transposed = [
        o for o in shipped if o.territoire == EPCI and o.origine not in {"PCAET", "projet_de_territoire"}
    ]
    assert transposed
    for objectif in transposed:
        assert objectif.illustratif, objectif.id
        assert "transposé" in objectif.commentaire, objectif.id


def test_pollutant_ids_match_the_territoires_en_transitions_reference(shipped):
    if not TET_REFERENCE.exists():
        pytest.skip("référentiel Territoires en Transitions absent de cette machine")
    with TET_REFERENCE.open(encoding="utf-8", newline="") as handle:
        titles = {row["id"]: row["titre"] for row in csv.DictReader(handle)}
    names = {"nox": "Nox", "pm10": "PM10", "pm25": "PM2,5", "cov": "COV", "so2": "SO2", "nh3": "NH3"}
    for slug, indicator in POLLUTANT_IDS.items():
        assert titles[indicator] == f"Emissions de {names[slug]}"
    for objectif in shipped:
        if objectif.indicateur.startswith("cae_"):
            assert objectif.indicateur in titles
        if objectif.origine == "PREPA":
            slug = objectif.id.split("-")[1]
            assert objectif.indicateur == POLLUTANT_IDS[slug], objectif.id


# --- loader errors ------------------------------------------------------------------------------------------

GOOD_ROW = {
    "id": "lec-energie-moins-20-2030-caph",
    "indicateur": "cae_2.a",
    "territoire": EPCI,
    "annee_reference": "2012",
    "valeur_reference": "",
    "annee_cible": "2030",
    "valeur_cible": "",
    "variation_cible_pct": "-20",
    "forme": "lineaire",
    "origine": "loi_energie_climat",
    "source": "Code de l'énergie, article L100-4",
    "a_confirmer": "false",
    "illustratif": "true",
    "commentaire": "Objectif national transposé, test.",
}


def _write(
    tmp_path: Path, rows: list[dict[str, str]], columns=OBJECTIFS_COLUMNS, name="objectifs_test.csv"
) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _error(path: Path) -> ObjectifsError:
    with pytest.raises(ObjectifsError) as info:
        load_objectifs(path)
    return info.value


def test_loader_accepts_a_good_file(tmp_path):
    second = {**GOOD_ROW, "id": "autre", "variation_cible_pct": "−50", "annee_cible": "2050"}
    loaded = load_objectifs(_write(tmp_path, [GOOD_ROW, second]))
    assert [o.id for o in loaded] == ["lec-energie-moins-20-2030-caph", "autre"]
    assert loaded[1].variation_cible_pct == -50.0  # typographic minus accepted
    assert loaded[0].illustratif is True and loaded[0].valeur_reference is None


def test_loader_reports_a_missing_column(tmp_path):
    columns = [c for c in OBJECTIFS_COLUMNS if c != "origine"]
    error = _error(_write(tmp_path, [GOOD_ROW], columns=columns, name="sans_origine.csv"))
    assert (error.line, error.column) == (1, "origine")
    assert "sans_origine.csv" in str(error)
    assert "ligne 1" in str(error) and "« origine »" in str(error)
    assert "Correction" in str(error)


def test_loader_reports_a_non_numeric_year(tmp_path):
    rows = [GOOD_ROW, {**GOOD_ROW, "id": "deux", "annee_reference": "deux mille douze"}]
    error = _error(_write(tmp_path, rows))
    assert (error.line, error.column) == (3, "annee_reference")
    message = str(error)
    assert "objectifs_test.csv" in message and "ligne 3" in message and "« annee_reference »" in message
    assert "deux mille douze" in message and "quatre chiffres" in message


def test_loader_reports_a_target_year_before_the_reference(tmp_path):
    error = _error(_write(tmp_path, [{**GOOD_ROW, "annee_cible": "2010"}]))
    assert (error.line, error.column) == (2, "annee_cible")
    message = str(error)
    assert "objectifs_test.csv" in message and "ligne 2" in message and "« annee_cible »" in message
    assert "2010" in message and "2012" in message


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        ({"origine": "ADEME"}, "origine", "PCAET"),
        ({"forme": "exponentielle"}, "forme", "snbc"),
        ({"valeur_cible": "12.5"}, "valeur_cible", "une seule"),
        ({"variation_cible_pct": "-20 %"}, "variation_cible_pct", "n'est pas un nombre"),
        ({"a_confirmer": "peut-être"}, "a_confirmer", "true ou false"),
        ({"territoire": "Denain"}, "territoire", "SIREN de l'agglomération"),
        ({"annee_reference": "", "a_confirmer": "false"}, "a_confirmer", "true"),
        ({"source": ""}, "source", "manquante"),
    ],
)
def test_loader_reports_bad_values_with_their_column(tmp_path, change, column, words):
    error = _error(_write(tmp_path, [{**GOOD_ROW, **change}]))
    assert (error.line, error.column) == (2, column)
    assert words in str(error)


def test_loader_reports_duplicates_unknown_indicators_and_semicolons(tmp_path):
    error = _error(_write(tmp_path, [GOOD_ROW, GOOD_ROW]))
    assert (error.line, error.column) == (3, "id") and "ligne 2" in error.reason
    path = _write(tmp_path, [GOOD_ROW], name="inconnu.csv")
    with pytest.raises(ObjectifsError) as info:
        load_objectifs(path, indicateurs_connus={"cae_1.a"})
    assert info.value.column == "indicateur" and "inconnu.csv" in str(info.value)
    semicolons = tmp_path / "points_virgules.csv"
    semicolons.write_text(";".join(OBJECTIFS_COLUMNS) + "\n", encoding="utf-8")
    assert "points-virgules" in str(_error(semicolons))
    short = tmp_path / "courte.csv"
    short.write_text(",".join(OBJECTIFS_COLUMNS) + "\nid-seul,cae_1.a\n", encoding="utf-8")
    error = _error(short)
    assert (error.line, error.column) == (2, "territoire")


# --- the table of targets and its exports -----------------------------------------------------------------


def _table_objectifs() -> list[Objectif]:
    return [
        _objectif(id="energie", indicateur="cae_2.a", annee_reference=2012, variation_cible_pct=-20.0),
        _objectif(
            id="autonomie",
            indicateur="autonomie_energetique",
            annee_reference=None,
            valeur_cible=50.0,
            variation_cible_pct=None,
            annee_cible=2050,
            origine="projet_de_territoire",
            a_confirmer=True,
        ),
        _objectif(id="ges", indicateur="cae_1.a", annee_reference=1990, variation_cible_pct=-40.0),
    ]


OBSERVATIONS = {
    ("cae_2.a", EPCI): [(2012, 1000.0), (2021, 700.0)],  # path 2021: 1000 − 200 × 9/18 = 900
    ("autonomie_energetique", EPCI): [(2020, 20.0), (2030, None), (2035, 35.0)],  # path 2035: 35
    ("cae_1.a", EPCI): [(2016, 900.0)],  # no 1990 value: no path
}
DIRECTIONS = {"cae_2.a": False, "autonomie_energetique": True, "cae_1.a": False}


def test_objectifs_table_rows():
    rows = {row["id"]: row for row in objectifs_table(_table_objectifs(), OBSERVATIONS, DIRECTIONS)}
    energie = rows["energie"]
    assert energie["reference_source"] == "observation" and energie["valeur_reference"] == 1000.0
    assert energie["valeur_cible"] == pytest.approx(800.0)
    assert (energie["annee_observation"], energie["valeur_observation"]) == (2021, 700.0)
    assert energie["valeur_attendue"] == pytest.approx(900.0)
    assert energie["ecart"] == pytest.approx(-200.0) and energie["ecart_pct"] == pytest.approx(-22.2222222222)
    assert energie["statut"] == "en_avance" and energie["statut_libelle"] == "En avance"

    autonomie = rows["autonomie"]
    assert autonomie["reference_source"] == "premiere_observation"
    assert (autonomie["annee_reference"], autonomie["valeur_reference"]) == (2020, 20.0)
    assert autonomie["valeur_attendue"] == pytest.approx(35.0)
    assert autonomie["statut"] == "dans_la_trajectoire" and autonomie["a_confirmer"] is True

    ges = rows["ges"]
    assert ges["reference_source"] == "inconnue" and ges["valeur_cible"] is None
    assert ges["statut"] == "sans_donnee" and ges["annee_observation"] == 2016

    for row in rows.values():
        assert tuple(row) == OBJECTIFS_TABLE_COLUMNS


def test_objectifs_table_reference_policy_and_direction_inference():
    rows = objectifs_table(_table_objectifs(), OBSERVATIONS, DIRECTIONS, reference_si_inconnue="aucune")
    assert {r["id"]: r["statut"] for r in rows}["autonomie"] == "sans_donnee"
    # Without a direction, a target below the reference means lower is better.
    inferred = objectifs_table(_table_objectifs()[:1], OBSERVATIONS, {})
    assert inferred[0]["statut"] == "en_avance"
    # A stable target with no direction cannot be judged: the error names the indicator.
    stable = _objectif(id="stable", variation_cible_pct=0.0)
    with pytest.raises(ValueError, match="cae_2.a"):
        objectifs_table([stable], OBSERVATIONS, {})


def test_objectifs_table_on_the_shipped_file(shipped):
    rows = objectifs_table(shipped, OBSERVATIONS, DIRECTIONS)
    assert len(rows) == len(shipped)
    assert {r["statut"] for r in rows} <= set(STATUTS)
    by_id = {r["id"]: r for r in rows}
    assert by_id["pcaet-energie-moins-50-2050-caph"]["reference_source"] == "premiere_observation"
    assert by_id["prepa-nox-2030-fr"]["statut"] == "sans_donnee"


def test_exports_round_trip():
    rows = objectifs_table(_table_objectifs(), OBSERVATIONS, DIRECTIONS)
    text = objectifs_to_csv(rows)
    parsed = list(csv.DictReader(text.splitlines()))
    assert tuple(parsed[0]) == OBJECTIFS_TABLE_COLUMNS
    assert [p["id"] for p in parsed] == ["energie", "autonomie", "ges"]
    assert parsed[0]["valeur_cible"] == "800" and parsed[0]["a_confirmer"] == "false"
    assert parsed[2]["valeur_cible"] == "" and parsed[2]["statut_libelle"] == "Sans donnée"
    excel = objectifs_to_csv(rows, sep=";", decimal=",")
    assert excel.splitlines()[0].startswith('"id";"indicateur";') and ';"-22,2222222222";' in excel
    decoded = json.loads(objectifs_to_json(rows))
    assert decoded == [{c: r[c] for c in OBJECTIFS_TABLE_COLUMNS} for r in rows]
    assert "Sans donnée" in objectifs_to_json(rows)  # UTF-8, not \\u escapes


def test_targets_module_does_not_import_streamlit():
    source = (ROOT / "barometre" / "calculs" / "targets.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "pydantic" in imported
    assert "streamlit" not in imported


@given(
    reference=positive,
    variation=st.floats(min_value=-100, max_value=-1, allow_nan=False),
    observed_share=st.floats(min_value=0.0, max_value=2.0, allow_nan=False),
)
def test_table_status_agrees_with_status_function(reference, variation, observed_share):
    objectif = _objectif(id="p", annee_reference=2015, annee_cible=2030, variation_cible_pct=variation)
    observed = reference * observed_share
    assume(math.isfinite(observed))
    observations = {("cae_2.a", EPCI): [(2015, reference), (2022, observed)]}
    row = objectifs_table([objectif], observations, {"cae_2.a": False})[0]
    path = trajectory(2015, reference, 2030, target_value(objectif, reference))
    assert row["statut"] == status(2022, observed, path, higher_is_better=False)
