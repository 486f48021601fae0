"""Tests of barometre.sources.layouts_energie: each energy / air / land importer is recognised by its header, keeps
only the agglomeration's rows, converts units exactly and refuses bad cells with a French IngestError; an
end-to-end test ingests a consumption and a production file into a copy of data/ and checks the energy
autonomy computed by the SQL views.

The files of tests/fixtures/energie/ are TEST DATA (invented round numbers in the published layouts, see
the README there); variants with defects are written under pytest's tmp_path.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from barometre.sources.csvread import IngestError, read_table
from barometre.sources.detection import all_layouts, detect_layout
from barometre.sources.layouts import ParseContext, Valeur
from barometre.sources.layouts_energie import ENERGY_LAYOUTS, STATUT_NON_DIFFUSE

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "energie"
EPCI = "200042190"
LILLE = "59350"
COMMUNES = frozenset("""
    59002 59038 59064 59092 59100 59109 59114 59144 59172 59179 59192 59205 59207 59238 59284 59285
    59288 59292 59297 59302 59313 59335 59348 59361 59387 59391 59393 59403 59418 59429 59434 59440
    59446 59491 59504 59511 59519 59526 59554 59564 59589 59594 59603 59632 59645 59651 59652
""".split())
CTX = ParseContext(communes=COMMUNES, epci=EPCI, departement="59", region="32",
                   communes_france=COMMUNES | {LILLE, "62041"})

ORE = "ore_conso_elec_gaz_commune_2023.csv"
ORE_LIBELLES = "ore_conso_elec_gaz_commune_libelles_2022.csv"
ENEDIS = "enedis_production_filiere_commune_2023.csv"
ODRE = "registre-national-installation-production-stockage-electricite-agrege-311224.csv"
CEREMA = "conso_espaces_naf_communes_2009_2022.csv"
DPE = "dpe_logements_existants_extrait.csv"
DPE_V2 = "dpe_v2_logements_existants_extrait.csv"
ATMO = "atmo_hdf_inventaire_epci_2021.csv"


# ---------------------------------------------------------------- helpers
def _read(path: Path):
    """As `barometre ingest` reads a file: header found by layout detection."""
    return read_table(path, header_predicate=lambda header: detect_layout(header) is not None)


def _parse(path: Path, ctx: ParseContext = CTX) -> tuple[str, list[Valeur]]:
    table = _read(path)
    layout = detect_layout(table.header)
    assert layout is not None, f"{path.name} non reconnu"
    return layout.source, layout.parse(table, ctx)


def _index(values: list[Valeur]) -> dict[tuple[str, str, str, int, str], Valeur]:
    index = {v.key: v for v in values}
    assert len(index) == len(values), "clé en double"
    return index


def _value(values, indicateur, code, annee, ventilation="", niveau="commune") -> Valeur:
    return _index(values)[(indicateur, niveau, code, annee, ventilation)]


def _rewrite(tmp_path: Path, name: str, edit, new_name: str | None = None, sep: str = ";") -> Path:
    """A copy of a fixture whose rows (dicts) pass through `edit(row) -> row | None`."""
    with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=sep)
        header, rows = reader.fieldnames, [edit(dict(r)) for r in reader]
    out = tmp_path / (new_name or name)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, delimiter=sep, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if r is not None)
    return out


def _set(match: dict, column: str, value: str):
    def edit(row):
        if all(row[k] == v for k, v in match.items()):
            row[column] = value
        return row
    return edit


def _fixture_rows(name: str, sep: str = ";") -> list[dict]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=sep))


# ---------------------------------------------------------------- detection
@pytest.mark.parametrize(("name", "source"), [
    (ORE, "ore_conso_commune"), (ORE_LIBELLES, "ore_conso_commune"), (ENEDIS, "enedis_production_commune"),
    (ODRE, "odre_registre_installations"), (CEREMA, "cerema_enaf"), (DPE, "ademe_dpe_logements"),
    (DPE_V2, "ademe_dpe_logements"), (ATMO, "atmo_hdf_inventaire_epci"),
])
def test_each_fixture_is_recognised_by_its_header(name, source):
    layout = detect_layout(_read(FIXTURES / name).header)
    assert layout is not None and layout.source == source
    assert layout in ENERGY_LAYOUTS


def test_energy_layouts_are_registered_and_signatures_distinct():
    layouts = all_layouts()
    assert all(lay in layouts for lay in ENERGY_LAYOUTS)
    signatures = [frozenset(c.lower() for c in lay.signature) for lay in layouts]
    assert len(set(signatures)) == len(signatures)
    # No energy layout is a sub-signature of another one: detection never depends on header order.
    for a in ENERGY_LAYOUTS:
        for b in layouts:
            if a is not b:
                assert not {c.lower() for c in a.signature} < {c.lower() for c in b.signature}


def test_shipped_enedis_files_keep_their_own_layouts():
    raw = ROOT.parent / "shared" / "data" / "raw" / "enedis_production_filiere_dep"
    if not raw.exists():
        pytest.skip("raw extracts not available")
    dep = detect_layout(read_table(raw / "enedis_production_filiere_departement_hdf.csv").header)
    reg = detect_layout(read_table(raw / "enedis_production_filiere_region_hdf.csv").header)
    assert dep.source == reg.source == "enedis_production"


def test_header_without_signature_is_not_an_energy_layout():
    assert detect_layout(["annee", "code_commune", "conso"]) is None


# ---------------------------------------------------------------- agence ORE
def test_ore_consumption_per_commune_in_gwh():
    source, values = _parse(FIXTURES / ORE)
    assert source == "ore_conso_commune"
    # Bouchain: electricity 4 000 + 300 + 10 000 MWh, gas 2 000 + 20 000 MWh.
    assert _value(values, "cae_2.a", "59092", 2023).valeur == pytest.approx(36.3, abs=1e-12)
    assert _value(values, "cae_2.d", "59092", 2023).valeur == pytest.approx(14.3, abs=1e-12)
    assert _value(values, "cae_2.d", "59092", 2023, "Industrie").valeur == 10.0
    assert _value(values, "cae_2.n", "59092", 2023).valeur == 22.0
    assert _value(values, "cae_2.n", "59092", 2023, "Résidentiel").valeur == 2.0
    # Denain: no residential gas row, tertiary gas 1 500 MWh.
    assert _value(values, "cae_2.a", "59172", 2023).valeur == pytest.approx(2.8, abs=1e-12)
    assert _value(values, "cae_2.n", "59172", 2023, "Tertiaire").valeur == 1.5
    assert ("cae_2.n", "commune", "59172", 2023, "Résidentiel") not in _index(values)
    assert all(v.source == "ore_conso_commune" and v.niveau == "commune" for v in values)


def test_ore_totals_match_an_independent_sum_and_lille_is_left_out():
    _, values = _parse(FIXTURES / ORE)
    expected: dict[str, float] = defaultdict(float)
    for row in _fixture_rows(ORE):
        expected[row["code_commune"]] += float(row["conso"])
    totals = {v.code: v.valeur for v in values if v.indicateur == "cae_2.a"}
    assert set(totals) == COMMUNES
    assert LILLE not in {v.code for v in values}
    for code, total in totals.items():
        assert total == pytest.approx(expected[code] / 1000, rel=1e-15)


def test_ore_labels_export():
    source, values = _parse(FIXTURES / ORE_LIBELLES)
    assert source == "ore_conso_commune"
    # "6000,5" MWh: decimal comma of the labels export.
    assert _value(values, "cae_2.a", "59172", 2022).valeur == pytest.approx(10.0005, abs=1e-12)
    assert _value(values, "cae_2.n", "59172", 2022).valeur == pytest.approx(6.0005, abs=1e-12)
    assert _value(values, "cae_2.a", "59526", 2022).valeur == 3.0
    assert {v.code for v in values} == {"59172", "59526"}


def test_ore_secret_part_makes_the_sum_secret_and_empty_makes_it_missing(tmp_path):
    industrial_gas = {"code_commune": "59092", "filiere": "Gaz", "code_naf": "24"}
    secret = _rewrite(tmp_path, ORE, _set(industrial_gas, "conso", "secret"))
    _, values = _parse(secret)
    total = _value(values, "cae_2.a", "59092", 2023)
    assert total.secret and total.valeur is None
    assert _value(values, "cae_2.n", "59092", 2023).secret
    assert _value(values, "cae_2.d", "59092", 2023).valeur == pytest.approx(14.3, abs=1e-12)

    empty = _rewrite(tmp_path, ORE, _set(industrial_gas, "conso", ""), new_name="vide.csv")
    _, values = _parse(empty)
    total = _value(values, "cae_2.a", "59092", 2023)
    assert total.valeur is None and not total.secret and total.statut == STATUT_NON_DIFFUSE


def test_ore_bad_value_is_refused_with_line_and_column(tmp_path):
    residential = {"code_commune": "59172", "filiere": "Electricité", "code_naf": ""}
    path = _rewrite(tmp_path, ORE, _set(residential, "conso", "12abc"))
    with pytest.raises(IngestError) as err:
        _parse(path)
    assert err.value.colonne == "conso" and err.value.ligne is not None
    assert "non numérique" in str(err.value)


def test_ore_bad_year_is_refused(tmp_path):
    path = _rewrite(tmp_path, ORE, _set({"code_commune": "59172"}, "annee", "23"))
    with pytest.raises(IngestError, match="année illisible"):
        _parse(path)


def test_unknown_commune_code_of_the_departement_is_refused(tmp_path):
    path = _rewrite(tmp_path, ORE, _set({"code_commune": "59002"}, "code_commune", "59999"))
    with pytest.raises(IngestError, match="inconnu du code officiel géographique") as err:
        _parse(path)
    assert err.value.colonne == "code_commune"


def test_unknown_commune_code_of_another_departement_is_ignored(tmp_path):
    # National files follow their own COG vintage: a commune merged since, elsewhere, must not block.
    path = _rewrite(tmp_path, ORE, _set({"code_commune": LILLE}, "code_commune", "62999"))
    _, values = _parse(path)
    assert {v.code for v in values} == COMMUNES


def test_file_without_any_commune_of_the_agglomeration_is_refused(tmp_path):
    path = _rewrite(tmp_path, ORE, lambda row: row if row["code_commune"] == LILLE else None)
    with pytest.raises(IngestError, match="aucune commune de l'agglomération"):
        _parse(path)


def test_commune_name_instead_of_code_is_refused(tmp_path):
    path = _rewrite(tmp_path, ORE, _set({"code_commune": "59172"}, "code_commune", "Denain"))
    with pytest.raises(IngestError, match="invalide") as err:
        _parse(path)
    assert err.value.colonne == "code_commune"


# ---------------------------------------------------------------- Enedis
def test_enedis_production_per_commune_summed_over_voltage_domains():
    source, values = _parse(FIXTURES / ENEDIS)
    assert source == "enedis_production_commune"
    # Bouchain: PV 100 + 200 MWh, wind 5 000 MWh, cogeneration 8 000 MWh (not renewable).
    assert _value(values, "production_electricite_enedis", "59092", 2023, "Photovoltaïque").valeur == 300.0
    assert _value(values, "production_electricite_enedis", "59092", 2023, "Cogénération").valeur == 8000.0
    assert _value(values, "cae_3.a", "59092", 2023).valeur == 5300.0
    # Saint-Amand: PV, plus bio-energy 3 000 MWh.
    assert _value(values, "production_electricite_enedis", "59526", 2023, "Bioénergies").valeur == 3000.0
    assert {v.code for v in values if v.indicateur == "cae_3.a"} == COMMUNES
    assert LILLE not in {v.code for v in values}


def test_enedis_empty_cell_is_not_published_never_zero(tmp_path):
    path = _rewrite(tmp_path, ENEDIS, _set({"code_commune": "59092", "domaine_de_tension": "HTA"},
                                           "energie_produite_annuelle_eolien_enedis_mwh", ""))
    _, values = _parse(path)
    total = _value(values, "cae_3.a", "59092", 2023)
    assert total.valeur is None and total.statut == STATUT_NON_DIFFUSE
    assert _value(values, "production_electricite_enedis", "59092", 2023, "Éolien").valeur is None
    assert _value(values, "production_electricite_enedis", "59092", 2023, "Photovoltaïque").valeur == 300.0


def test_enedis_bad_value_is_refused(tmp_path):
    path = _rewrite(tmp_path, ENEDIS, _set({"code_commune": "59526", "domaine_de_tension": "HTA"},
                                           "energie_produite_annuelle_bio_energie_enedis_mwh", "3 000 MWh"))
    with pytest.raises(IngestError) as err:
        _parse(path)
    assert err.value.colonne == "energie_produite_annuelle_bio_energie_enedis_mwh"


# ---------------------------------------------------------------- ODRÉ
def test_odre_register_power_count_and_energy():
    source, values = _parse(FIXTURES / ODRE)
    assert source == "odre_registre_installations"
    denain = _value(values, "puissance_installee_enr", "59172", 2024)
    assert denain.valeur == pytest.approx(1.5005, abs=1e-12)  # (500,5 + 1 000) kW
    assert denain.periode == "parc au 31/12/2024"
    assert _value(values, "puissance_installee_enr", "59172", 2024, "Solaire").valeur == pytest.approx(1.5005)
    assert _value(values, "installations_enr", "59172", 2024).valeur == 101.0
    assert _value(values, "production_electrique_enr_registre", "59172", 2024).valeur == 1350.0  # kWh ÷ 1 000
    # Bouchain: the fossil plant is left out; Saint-Amand: the battery is left out.
    assert _value(values, "puissance_installee_enr", "59092", 2024).valeur == 12.0
    assert _value(values, "puissance_installee_enr", "59092", 2024, "Éolien").valeur == 12.0
    assert _value(values, "puissance_installee_enr", "59526", 2024).valeur == 2.0
    assert {v.code for v in values} == {"59172", "59092", "59526"}


def test_odre_year_from_latest_commissioning_when_the_file_was_renamed(tmp_path):
    path = tmp_path / "registre.csv"
    shutil.copy(FIXTURES / ODRE, path)
    _, values = _parse(path)
    v = _value(values, "puissance_installee_enr", "59526", 2024)
    assert v.periode.startswith("parc au 20/11/2024")


def test_odre_api_field_names_in_lower_case(tmp_path):
    text = (FIXTURES / ODRE).read_text(encoding="utf-8").split("\n", 1)
    path = tmp_path / ODRE
    path.write_text(text[0].lower() + "\n" + text[1], encoding="utf-8")
    _, values = _parse(path)
    assert _value(values, "puissance_installee_enr", "59092", 2024).valeur == 12.0


def test_odre_installation_out_of_service_is_left_out(tmp_path):
    path = _rewrite(tmp_path, ODRE, _set({"codeINSEECommune": "59092", "filiere": "Eolien"}, "regime",
                                         "Hors service"))
    _, values = _parse(path)
    assert "59092" not in {v.code for v in values}


def test_odre_bad_power_is_refused(tmp_path):
    wind = {"codeINSEECommune": "59092", "filiere": "Eolien"}
    path = _rewrite(tmp_path, ODRE, _set(wind, "puisMaxInstallee", "12 MW"))
    with pytest.raises(IngestError) as err:
        _parse(path)
    assert err.value.colonne == "puisMaxInstallee"


# ---------------------------------------------------------------- Cerema ENAF
def test_cerema_annual_flows_and_zan_periods_in_hectares():
    source, values = _parse(FIXTURES / CEREMA)
    assert source == "cerema_enaf"
    assert _value(values, "cae_11", "59172", 2015).valeur == 1.0  # 10 000 m²
    assert _value(values, "cae_11", "59172", 2015, "Habitat").valeur == 0.6
    assert _value(values, "cae_11", "59526", 2009, "Infrastructures routières").valeur == 0.2
    decade = _value(values, "consommation_enaf", "59092", 2020)
    assert decade.valeur == 30.0 and decade.periode == "2011-2020"
    assert _value(values, "consommation_enaf", "59092", 2020, "Activités économiques").valeur == 9.0
    since_2021 = _value(values, "consommation_enaf", "59172", 2022)
    assert since_2021.valeur == 2.0 and since_2021.periode == "2021-2022"
    assert {v.code for v in values} == {"59172", "59526", "59092"}
    assert {v.annee for v in values if v.indicateur == "cae_11"} == set(range(2009, 2023))


def test_cerema_rounding_residue_reads_as_zero_but_a_real_negative_is_refused(tmp_path):
    residue = _rewrite(tmp_path, CEREMA, _set({"idcom": "59172"}, "art15inc16", "-2"))
    _, values = _parse(residue)
    assert _value(values, "cae_11", "59172", 2015, "Destination inconnue").valeur == 0.0
    negative = _rewrite(tmp_path, CEREMA, _set({"idcom": "59172"}, "art15inc16", "-500"), new_name="neg.csv")
    with pytest.raises(IngestError, match="négative") as err:
        _parse(negative)
    assert err.value.colonne == "art15inc16"


def test_cerema_upper_case_header_of_older_vintages(tmp_path):
    text = (FIXTURES / CEREMA).read_text(encoding="utf-8").split("\n", 1)
    path = tmp_path / CEREMA
    path.write_text(text[0].upper() + "\n" + text[1], encoding="utf-8")
    _, values = _parse(path)
    assert _value(values, "cae_11", "59172", 2015, "Habitat").valeur == 0.6


def test_cerema_older_vintage_without_the_2021_flows(tmp_path):
    rows = _fixture_rows(CEREMA)
    # A vintage ending with the 2020 flow: the flow columns of 2021 and later are removed.
    kept = [c for c in rows[0] if not (m := re.match(r"^(?:naf|art)(\d\d)", c)) or int(m.group(1)) <= 20]
    path = tmp_path / "conso_espaces_naf_communes_2009_2020.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=kept, delimiter=";", extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    source, values = _parse(path)
    assert source == "cerema_enaf"
    assert max(v.annee for v in values if v.indicateur == "cae_11") == 2020
    assert {v.periode for v in values if v.indicateur == "consommation_enaf"} == {"2011-2020"}


def test_cerema_bad_value_is_refused(tmp_path):
    path = _rewrite(tmp_path, CEREMA, _set({"idcom": "59526"}, "naf20art21", "n/c"))
    with pytest.raises(IngestError) as err:
        _parse(path)
    assert err.value.colonne == "naf20art21"


# ---------------------------------------------------------------- ADEME DPE
def test_dpe_counts_per_commune_year_and_label():
    source, values = _parse(FIXTURES / DPE)
    assert source == "ademe_dpe_logements"
    assert _value(values, "dpe_logements_total", "59172", 2023).valeur == 4.0
    assert _value(values, "dpe_logements", "59172", 2023, "F").valeur == 1.0
    assert _value(values, "dpe_logements", "59172", 2023, "F ou G").valeur == 2.0
    assert _value(values, "dpe_logements", "59172", 2023, "A").valeur == 0.0  # the file is the register
    assert _value(values, "dpe_logements_total", "59172", 2023).periode == "du 10/01/2023 au 31/12/2023"
    assert _value(values, "dpe_logements_total", "59172", 2024).periode == "du 01/01/2024 au 01/02/2024"
    # A diagnostic without label counts only in the total; one without commune code is left out.
    assert _value(values, "dpe_logements_total", "59526", 2023).valeur == 2.0
    assert _value(values, "dpe_logements", "59526", 2023, "B").valeur == 1.0
    assert {v.code for v in values} == {"59172", "59526"}


def test_dpe_older_labels():
    _, values = _parse(FIXTURES / DPE_V2)
    assert _value(values, "dpe_logements_total", "59092", 2022).valeur == 2.0
    assert _value(values, "dpe_logements", "59092", 2022, "F ou G").valeur == 1.0
    assert {v.code for v in values} == {"59092"}


def test_dpe_unknown_label_and_bad_date_are_refused(tmp_path):
    label = _rewrite(tmp_path, DPE, _set({"numero_dpe": "2359E0000000002"}, "etiquette_dpe", "H"), sep=",")
    with pytest.raises(IngestError, match="étiquette DPE") as err:
        _parse(label)
    assert err.value.ligne == 3 and err.value.colonne == "etiquette_dpe"
    second = {"numero_dpe": "2359E0000000002"}
    bad_date = _rewrite(tmp_path, DPE, _set(second, "date_etablissement_dpe", "mars"), new_name="date.csv",
                        sep=",")
    with pytest.raises(IngestError, match="date illisible"):
        _parse(bad_date)


# ---------------------------------------------------------------- Atmo
def test_atmo_inventory_per_epci_with_unit_conversions():
    source, values = _parse(FIXTURES / ATMO)
    assert source == "atmo_hdf_inventaire_epci"
    get = lambda ind, vent="": _value(values, ind, EPCI, 2021, vent, niveau="epci").valeur  # noqa: E731
    assert get("cae_4.a") == 1000.0  # 1 000 000 kg
    assert get("cae_4.a", "Transport routier") == 400.0
    pollutants = (get("cae_4.b"), get("cae_4.c"), get("cae_4.d"), get("cae_4.e"), get("cae_4.f"))
    assert pollutants == (200, 150, 500, 100, 300)
    assert get("cae_1.a") == 800.0  # 800 000 t CO2e → kt
    assert get("cae_2.a") == 4000.0
    assert get("cae_2.a", "Résidentiel") == 1000.0  # 1 000 000 MWh → GWh
    assert get("cae_3.a") == 400000.0
    assert get("autonomie_energetique") == pytest.approx(10.0, abs=1e-12)
    assert {v.code for v in values} == {EPCI} and {v.niveau for v in values} == {"epci"}
    assert "CO" not in {v.ventilation for v in values}
    assert len(values) == 12  # the CO row is not a barometer quantity
    assert not detect_layout(_read(FIXTURES / ATMO).header).niveau_commune


def test_atmo_unexpected_unit_and_bad_value_are_refused(tmp_path):
    unit = _rewrite(tmp_path, ATMO, _set({"code_epci": EPCI, "indicateur": "PM10"}, "unite", "µg/m3"))
    with pytest.raises(IngestError, match="unité") as err:
        _parse(unit)
    assert err.value.colonne == "unite"
    value = _rewrite(tmp_path, ATMO, _set({"code_epci": EPCI, "indicateur": "SO2"}, "valeur", "cent"),
                     new_name="valeur.csv")
    with pytest.raises(IngestError, match="non numérique"):
        _parse(value)


def test_atmo_file_without_the_epci_is_refused(tmp_path):
    path = _rewrite(tmp_path, ATMO, lambda row: row if row["code_epci"] != EPCI else None)
    with pytest.raises(IngestError, match="aucune ligne de l'EPCI"):
        _parse(path)


# ---------------------------------------------------------------- end to end (copy of data/)
def _catalogue_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of data/ whose catalogue also has the entries proposed in tests/fixtures/energie/ (only those
    missing: once pasted into data/catalogue/, nothing is appended)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    for kind, file in (("indicateur", "indicateurs"), ("source", "sources")):
        target = data / "catalogue" / f"{file}.toml"
        existing = {e["id"] for e in tomllib.loads(target.read_text(encoding="utf-8")).get(kind, [])}
        proposed = (FIXTURES / f"{file}_a_ajouter.toml").read_text(encoding="utf-8")
        blocks = proposed.split(f"[[{kind}]]")[1:]
        missing = [b for b in blocks if tomllib.loads(f"[[{kind}]]" + b)[kind][0]["id"] not in existing]
        with target.open("a", encoding="utf-8") as f:
            f.writelines(f"\n[[{kind}]]{b}" for b in missing)
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(data))
    return data


def test_proposed_catalogue_entries_are_valid(tmp_path, monkeypatch):
    from barometre.catalogue import load_catalogue

    data = _catalogue_copy(tmp_path, monkeypatch)
    catalogue = load_catalogue(data / "catalogue")
    assert catalogue.problems() == []
    ids = {i.id for i in catalogue.indicateurs}
    produced = set("""
        cae_2.a cae_2.d cae_2.n cae_3.a production_electricite_enedis installations_enr
        puissance_installee_enr production_electrique_enr_registre cae_11 consommation_enaf dpe_logements
        dpe_logements_total cae_1.a cae_4.a cae_4.b cae_4.c cae_4.d cae_4.e cae_4.f autonomie_energetique
    """.split())
    assert produced <= ids
    sources = {s.id for s in catalogue.sources}
    assert {lay.source for lay in ENERGY_LAYOUTS} <= sources


def test_end_to_end_energy_autonomy_of_the_epci(tmp_path, monkeypatch):
    import polars as pl

    from barometre.donnees.db import connect, query
    from barometre.settings import Settings
    from barometre.sources.ingest import ingest

    data = _catalogue_copy(tmp_path, monkeypatch)
    settings = Settings()
    assert settings.data_dir == data
    conso = ingest(FIXTURES / ORE, settings)
    prod = ingest(FIXTURES / ENEDIS, settings)
    assert conso.source == "ore_conso_commune" and conso.communes_absentes == []
    assert prod.source == "enedis_production_commune" and prod.communes_absentes == []
    from barometre.sources.entrepot import Entrepot

    stored = Entrepot(settings).valeurs().filter(pl.col("source") == "ore_conso_commune")
    assert stored.height and LILLE not in stored["code"].to_list()  # the national file kept the territory only

    # Independent oracle: the fixture files summed with the csv module.
    consumption_mwh = math.fsum(float(r["conso"]) for r in _fixture_rows(ORE)
                                if r["code_commune"] in COMMUNES)
    renewable = [f"energie_produite_annuelle_{f}_enedis_mwh"
                 for f in ("photovoltaique", "eolien", "hydraulique", "bio_energie")]
    production_mwh = math.fsum(float(r[c]) for r in _fixture_rows(ENEDIS) if r["code_commune"] in COMMUNES
                               for c in renewable)
    expected = production_mwh / (consumption_mwh / 1000 * 1000) * 100

    con = connect()
    rows = query(con, """select indicateur, valeur, methode, n_communes from mart_valeurs
                         where niveau = 'epci' and code = $epci and annee = 2023 and ventilation = ''
                           and indicateur in ('autonomie_energetique', 'cae_2.a', 'cae_3.a')""",
                 {"epci": EPCI})
    got = {r["indicateur"]: r for r in rows.iter_rows(named=True)}
    assert got["cae_2.a"]["valeur"] == pytest.approx(consumption_mwh / 1000, rel=1e-12)
    assert got["cae_3.a"]["valeur"] == pytest.approx(production_mwh, rel=1e-12)
    assert got["autonomie_energetique"]["valeur"] == pytest.approx(expected, rel=1e-12)
    assert got["autonomie_energetique"]["methode"] == "calculee"
    assert got["autonomie_energetique"]["n_communes"] == 47
    assert 0 < expected < 100

    bouchain = query(con, """select valeur from mart_valeurs where indicateur = 'autonomie_energetique'
                             and niveau = 'commune' and code = '59092' and annee = 2023""")
    assert bouchain["valeur"][0] == pytest.approx(5300 / (36.3 * 1000) * 100, rel=1e-12)


def test_end_to_end_every_energy_fixture_passes_the_ingest_checks(tmp_path, monkeypatch):
    from barometre.donnees.db import connect, query
    from barometre.donnees.validate import validate
    from barometre.settings import Settings
    from barometre.sources.ingest import ingest

    _catalogue_copy(tmp_path, monkeypatch)
    settings = Settings()
    for name in (ORE, ORE_LIBELLES, ENEDIS, ODRE, CEREMA, DPE, DPE_V2, ATMO):
        # The fixtures' yearly land-take flows move by more than ×2 from year to year: alerts, confirmed here
        # as an agent would after reading the preview (the alert itself is tested in test_chargements).
        report = ingest(FIXTURES / name, settings, confirmer=True)
        assert report.n_valeurs > 0
    con = connect()
    part = query(con, """select valeur from mart_valeurs where indicateur = 'part_dpe_etiquette'
                         and niveau = 'commune' and code = '59172' and annee = 2023
                         and ventilation = 'F ou G'""")
    assert part["valeur"][0] == 50.0
    atmo = query(con, """select valeur, methode from mart_valeurs where indicateur = 'autonomie_energetique'
                         and niveau = 'epci' and annee = 2021""")
    assert atmo["valeur"][0] == pytest.approx(10.0) and atmo["methode"][0] == "publiee"
    ours = {lay.source for lay in ENERGY_LAYOUTS} | {"cae_2.d", "cae_2.n", "cae_11", "dpe_", "enr"}
    findings = [f for f in validate(settings) if any(s in f for s in ours)]
    assert findings == []


# ---------------------------------------------------------------- the producers' real layouts (issue 22)
from tests.fixtures.energie import fichiers_reels as reels  # noqa: E402 - the builders of the real-layout files


def test_real_agence_ore_sample_is_recognised_and_holds_no_commune_of_the_agglomeration():
    """The 12 rows of the national aggregated export, exactly as published (Orne, 2012): recognised by their
    header — which `barometre ingest` answered « format de fichier non reconnu » before — and refused as
    holding none of the territory's communes, not as an unknown format."""
    table = _read(reels.ECHANTILLON)
    layout = detect_layout(table.header)
    assert layout is not None and layout.source == "ore_conso_commune" and "agrégée" in layout.libelle
    assert table.separator == ";" and len(table.rows) == 12
    with pytest.raises(IngestError, match="aucune commune de l'agglomération"):
        layout.parse(table, CTX)
    orne = ParseContext(communes=frozenset({"61418", "61463"}), epci="200035814", departement="61", region="28",
                        communes_france=frozenset())
    values = _index(layout.parse(table, orne))
    # Published figures of the sample: Saint-Mard-de-Réno 98.7 + 2034.04 = 2132.74 MWh.
    assert values[("cae_2.a", "commune", "61418", 2012, "")].valeur == pytest.approx(2.13274, rel=1e-12)
    assert values[("cae_2.d", "commune", "61418", 2012, "Agriculture")].valeur == pytest.approx(0.0987)
    assert values[("cae_2.d", "commune", "61418", 2012, "Résidentiel")].valeur == pytest.approx(2.03404)
    assert values[("ore_indice_qualite", "commune", "61418", 2012, "Électricité – Résidentiel")].valeur == 0.317
    assert values[("ore_mailles_secretisees", "commune", "61418", 2012, "Électricité – Agriculture")].valeur == 0


@pytest.mark.parametrize("forme", [
    {}, {"champs": True}, {"separateur": ","}, {"champs": True, "separateur": ","}, {"zippe": True},
])
def test_aggregated_file_with_the_agglomeration_and_others_in_every_published_form(tmp_path, forme):
    """Labels or field names, ``;`` or ``,``: the same values. The Orne rows are left out; each commune's
    consumption is the published total; a sector given as 0 MWh with a withheld mesh is secret, never 0; the
    quality index is kept as published."""
    path = reels.ore_agregee(tmp_path, **{k: v for k, v in forme.items() if k != "zippe"})
    if forme.get("zippe"):
        return  # read through `barometre ingest` (test_ingest_reads_a_zipped_export)
    source, values = _parse(path)
    assert source == "ore_conso_commune"
    index = _index(values)
    assert {v.code for v in values} == set(reels.COMMUNES)
    for code in reels.COMMUNES:
        for annee in (2019, 2023):
            # The published total (for Bouchain without its withheld sector: the secrecy count says so).
            v = index[("cae_2.a", "commune", code, annee, "")]
            assert v.valeur == pytest.approx(reels.total_fictif(code, annee) / 1000, rel=1e-12)
    industrie = index[("cae_2.d", "commune", reels.SECRET_COMMUNE, 2023, "Industrie")]
    assert industrie.secret and industrie.valeur is None  # never 0
    assert index[("ore_mailles_secretisees", "commune", reels.SECRET_COMMUNE, 2023,
                  "Électricité – Industrie")].valeur == 1
    assert index[("cae_2.n", "commune", reels.SECRET_COMMUNE, 2023, "Industrie")].valeur == pytest.approx(
        reels.conso_fictive(reels.SECRET_COMMUNE, 2023, "Gaz")["Industrie"] / 1000)
    assert index[("ore_indice_qualite", "commune", reels.DENAIN, 2023,
                  "Électricité – Résidentiel")].valeur == reels.QUALITE_FAIBLE
    secteurs = {v.ventilation for v in values if v.indicateur == "cae_2.d"}
    assert secteurs == {"", "Agriculture", "Industrie", "Tertiaire", "Résidentiel", "Secteur inconnu"}


def test_detailed_file_gives_the_same_sector_labels_as_the_aggregated_one(tmp_path):
    """The detailed (long) file's grand-secteur code or label becomes the aggregated file's sector label, so
    that both forms fill the same breakdowns."""
    path = _rewrite(tmp_path, ORE, lambda row: {**row, "libelle_grand_secteur": "RESIDENTIEL"})
    _, values = _parse(path)
    assert {v.ventilation for v in values if v.indicateur == "cae_2.d"} == {"", "Résidentiel"}


def test_enedis_production_labels_export_per_commune(tmp_path):
    source, values = _parse(reels.enedis_libelles(tmp_path))
    assert source == "enedis_production_commune"
    index = _index(values)
    assert LILLE not in {v.code for v in values}
    prod = reels.production_fictive(reels.DENAIN, 2023)
    assert index[("cae_3.a", "commune", reels.DENAIN, 2023, "")].valeur == pytest.approx(sum(prod.values()))
    assert index[("production_electricite_enedis", "commune", reels.DENAIN, 2023, "Photovoltaïque")].valeur == \
        prod["Photovoltaïque"]
