"""Exact computations of the views against the source numbers, recomputed independently in the test.

The commune counts are read here with polars from ``data/valeurs/*.parquet`` (or, when the raw official
files are present under ``settings.raw_dir``, from the raw CSV with the standard ``csv`` module, after
checking that the stored values are exactly the raw ones); the group values of the views
(``mart_valeurs``, ``mart_distribution``) must follow the catalogue's rules: ratios are ratios of sums,
never means of commune rates; APL is the mean weighted by the standardised population; medians and
poverty rates are never computed for a group; INSEE's secret stays secret, never zero.
"""

from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path

import polars as pl
import pytest

from barometre.cli import main
from barometre.donnees.db import connect, query
from barometre.settings import PROJECT_ROOT, Settings, get_settings

DATA_DIR = PROJECT_ROOT / "data"
EPCI = "200042190"
N_COMMUNES = 47
NORD = "59"

# Raw files (relative to settings.raw_dir) and the columns of the quantities recomputed here.
COMPARATEUR = "insee_comparateur_territoires/base_cc_comparateur_caph_communes.csv"
DOSSIER = "insee_dossier_complet_light/dossier_complet_light_caph_communes.csv"
APL = "drees_apl_mg/apl_medecins_generalistes_2022_2023_caph_communes.csv"
IGT = "ademe_igt_ges_communes/igt_prg_2016_caph_communes.csv"
# The 8 sectors of the PCAET total (ADEME cae_1.a); the two other columns of the IGT are memo items.
IGT_PCAET_SECTORS = ["Résidentiel", "Tertiaire", "Routier", "Autres transports", "Agriculture", "Déchets",
                     "Industrie hors-énergie", "Energie"]
IGT_EXCLUDED = ["Autres transports international", "CO2 biomasse hors-total"]
IGT_IDS = {"Résidentiel": "cae_1.c", "Tertiaire": "cae_1.d", "Routier": "cae_1.e",
           "Autres transports": "cae_1.f", "Agriculture": "cae_1.g", "Déchets": "cae_1.h",
           "Industrie hors-énergie": "cae_1.i",
           "Energie": "cae_1.j", "Autres transports international": "ges_transport_international",
           "CO2 biomasse hors-total": "co2_biomasse_hors_total"}
# Published figures (INSEE Statistiques locales, département du Nord, Filosofi 2021).
NORD_TAUX_PAUVRETE_2021 = 19.5
NORD_REVENU_MEDIAN_2021 = 21340.0
EPCI_POPULATION_2022 = 158_351
EPCI_CAE_1A_KT = 1065.686  # IGT 2016, sum of the 8 PCAET sectors, t → kt
N_SECRET_TAUX_PAUVRETE = 27
SECRET = object()


# ------------------------------------------------------------------------------------- readers


@pytest.fixture(autouse=True)
def shipped_data(monkeypatch):
    """The command line reads the shipped data/ whatever the caller's environment says."""
    monkeypatch.setenv("BAROMETRE_DATA_DIR", str(DATA_DIR))


@pytest.fixture(scope="module")
def con():
    return connect(Settings(data_dir=DATA_DIR))


@pytest.fixture(scope="module")
def stored() -> pl.DataFrame:
    """Every stored value, read with polars directly (not through the views)."""
    frames = [pl.read_parquet(p) for p in sorted((DATA_DIR / "valeurs").glob("*.parquet"))]
    return pl.concat(frames, how="diagonal_relaxed")


@pytest.fixture(scope="module")
def members() -> dict[tuple[str, str], list[str]]:
    """Member communes of every group (zonage, zone), from appartenances.parquet."""
    df = pl.read_parquet(DATA_DIR / "appartenances.parquet")
    groups: dict[tuple[str, str], list[str]] = {}
    for r in df.iter_rows(named=True):
        groups.setdefault((r["zonage"], r["zone"]), []).append(r["commune"])
    return groups


def raw_path(relative: str) -> Path | None:
    path = get_settings().raw_dir / relative
    return path if path.exists() else None


def raw_rows(relative: str) -> list[dict[str, str]] | None:
    path = raw_path(relative)
    if path is None:
        return None
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def raw_number(cell: str):
    cell = cell.strip()
    if cell == "":
        return None
    if cell == "s":
        return SECRET
    return float(cell)


def commune_values(stored: pl.DataFrame, indicateur: str, annee: int, ventilation: str = "") -> dict:
    """code → value (None when missing, SECRET when withheld) of the stored commune values."""
    df = stored.filter((pl.col("indicateur") == indicateur) & (pl.col("niveau") == "commune")
                       & (pl.col("annee") == annee) & (pl.col("ventilation") == ventilation))
    return {r["code"]: (SECRET if r["secret"] else r["valeur"]) for r in df.iter_rows(named=True)}


def source_values(stored: pl.DataFrame, indicateur: str, annee: int, raw_file: str, raw_column: str,
                  code_column: str = "CODGEO", where: tuple[str, str] | None = None) -> dict:
    """The commune values of the raw file when present (checked equal to the stored ones), else stored."""
    kept = commune_values(stored, indicateur, annee)
    assert len(kept) == N_COMMUNES, f"{indicateur} {annee} : {len(kept)} communes stockées"
    rows = raw_rows(raw_file)
    if rows is None:
        return kept
    if where is not None:
        rows = [r for r in rows if r[where[0]].strip() == where[1]]
    raw = {r[code_column].strip(): raw_number(r[raw_column]) for r in rows}
    assert raw == kept, f"{indicateur} {annee} stocké ≠ {raw_file}:{raw_column}"
    return raw


def mart(con, indicateur: str, niveau: str, code: str, annee: int, ventilation: str = "") -> dict:
    found = query(con, """
        select * from mart_valeurs where indicateur = $i and niveau = $n and code = $c and annee = $a
          and ventilation = $v""", {"i": indicateur, "n": niveau, "c": code, "a": annee, "v": ventilation})
    assert found.height == 1, f"{indicateur} {niveau}:{code} {annee} : {found.height} lignes"
    return found.row(0, named=True)


def cli_csv(capsys, *argv: str) -> list[dict[str, str]]:
    assert main(list(argv)) == 0
    return list(csv.DictReader(capsys.readouterr().out.splitlines()))


# ------------------------------------------------------------------------------------ population


def test_epci_population_2022_is_158351_the_sum_of_the_communes(con, stored):
    pops = source_values(stored, "population", 2022, COMPARATEUR, "P22_POP")
    assert all(isinstance(v, float) for v in pops.values())
    assert sum(pops.values()) == EPCI_POPULATION_2022
    epci = mart(con, "population", "epci", EPCI, 2022)
    assert epci["valeur"] == EPCI_POPULATION_2022
    assert epci["methode"] == "calculee" and epci["n_communes"] == N_COMMUNES
    assert epci["n_communes_renseignees"] == N_COMMUNES


def test_evolution_population_is_computed_on_the_summed_populations(con, stored, members):
    p22 = source_values(stored, "population", 2022, COMPARATEUR, "P22_POP")
    p16 = source_values(stored, "population", 2016, COMPARATEUR, "P16_POP")
    epci = mart(con, "evolution_population", "epci", EPCI, 2022)
    expected = (sum(p22.values()) / sum(p16.values()) - 1) * 100
    assert math.isclose(epci["valeur"], expected, rel_tol=1e-12)
    assert epci["periode"] == "2016-2022"
    mean_of_communes = statistics.fmean((p22[c] / p16[c] - 1) * 100 for c in p22)
    assert not math.isclose(epci["valeur"], mean_of_communes, rel_tol=1e-3)
    for (zonage, zone), communes in members.items():
        if zonage != "bv2022":
            continue
        got = mart(con, "evolution_population", "bv2022", zone, 2022)["valeur"]
        want = (sum(p22[c] for c in communes) / sum(p16[c] for c in communes) - 1) * 100
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), zone


# --------------------------------------------------------------------------------- ratios of sums


def test_epci_unemployment_rate_is_a_ratio_of_sums_not_a_mean_of_rates(con, stored):
    chom = source_values(stored, "chomeurs_15_64", 2022, COMPARATEUR, "P22_CHOM1564")
    act = source_values(stored, "actifs_15_64", 2022, COMPARATEUR, "P22_ACT1564")
    expected = sum(chom.values()) / sum(act.values()) * 100
    mean_of_rates = statistics.fmean(chom[c] / act[c] * 100 for c in chom)
    got = mart(con, "taux_chomage_15_64", "epci", EPCI, 2022)["valeur"]
    assert math.isclose(got, expected, rel_tol=1e-12)
    assert abs(expected - mean_of_rates) > 0.1  # the two methods really differ on this territory
    assert abs(got - mean_of_rates) > 0.1
    for code in ("59002", "59172", "59526"):
        commune = mart(con, "taux_chomage_15_64", "commune", code, 2022)["valeur"]
        assert math.isclose(commune, chom[code] / act[code] * 100, rel_tol=1e-12)


def test_bassin_ratios_are_ratios_of_sums(con, stored, members):
    chom = source_values(stored, "chomeurs_15_64", 2022, COMPARATEUR, "P22_CHOM1564")
    act = source_values(stored, "actifs_15_64", 2022, COMPARATEUR, "P22_ACT1564")
    pop = source_values(stored, "population_15_64", 2022, COMPARATEUR, "P22_POP1564")
    bassins = {zone: communes for (zonage, zone), communes in members.items() if zonage == "bv2022"}
    assert len(bassins) >= 2
    differs = 0
    for zone, communes in bassins.items():
        row = mart(con, "taux_chomage_15_64", "bv2022", zone, 2022)
        want = sum(chom[c] for c in communes) / sum(act[c] for c in communes) * 100
        assert math.isclose(row["valeur"], want, rel_tol=1e-12), zone
        assert row["n_communes"] == len(communes)
        activite = mart(con, "taux_activite_15_64", "bv2022", zone, 2022)["valeur"]
        assert math.isclose(activite, sum(act[c] for c in communes) / sum(pop[c] for c in communes) * 100,
                            rel_tol=1e-12)
        mean_of_rates = statistics.fmean(chom[c] / act[c] * 100 for c in communes)
        differs += abs(row["valeur"] - mean_of_rates) > 0.01
    assert differs >= 1  # on a bassin too, a mean of rates would have given another figure


def test_part_familles_monoparentales_over_all_families(con, stored):
    mono = commune_values(stored, "familles_monoparentales", 2022)
    familles = commune_values(stored, "familles", 2022)
    assert len(mono) == len(familles) == N_COMMUNES
    rows = raw_rows(DOSSIER)
    if rows is not None:  # familles = couples with children + couples without + single parents
        for r in rows:
            code = r["CODGEO"]
            assert mono[code] == float(r["C22_FAMMONO"])
            parts = [float(r["C22_COUPAENF"]), float(r["C22_COUPSENF"]), float(r["C22_FAMMONO"])]
            assert math.isclose(familles[code], sum(parts), rel_tol=1e-12), code
    expected = sum(mono.values()) / sum(familles.values()) * 100
    got = mart(con, "part_familles_monoparentales", "epci", EPCI, 2022)["valeur"]
    assert math.isclose(got, expected, rel_tol=1e-12)
    assert 5 < got < 40
    commune = mart(con, "part_familles_monoparentales", "commune", "59172", 2022)["valeur"]
    assert math.isclose(commune, mono["59172"] / familles["59172"] * 100, rel_tol=1e-12)


def test_apl_of_the_epci_is_weighted_by_the_standardised_population(con, stored):
    for year in (2022, 2023):
        where = ("millesime", str(year))
        apl = source_values(stored, "apl_medecins_generalistes", year, APL, "APL aux médecins généralistes",
                            "Code commune INSEE", where)
        poids = source_values(stored, "population_standardisee_mg", year, APL,
                              "Population standardisée pour la médecine générale", "Code commune INSEE",
                              where)
        expected = sum(apl[c] * poids[c] for c in apl) / sum(poids.values())
        got = mart(con, "apl_medecins_generalistes", "epci", EPCI, year)["valeur"]
        assert math.isclose(got, expected, rel_tol=1e-12), year
        assert not math.isclose(got, statistics.fmean(apl.values()), rel_tol=1e-3)


# ----------------------------------------------------------------------------- greenhouse gases


def test_cae_1a_of_the_epci_is_1065_686_kt(con, stored):
    communes = commune_values(stored, "cae_1.a", 2016)
    assert len(communes) == N_COMMUNES and None not in communes.values()
    epci = mart(con, "cae_1.a", "epci", EPCI, 2016)
    assert epci["valeur"] == pytest.approx(EPCI_CAE_1A_KT, abs=0.001)
    assert epci["unite"] == "kteq CO2"
    assert math.isclose(epci["valeur"], sum(communes.values()), rel_tol=1e-12)
    sectors = [mart(con, ind, "epci", EPCI, 2016)["valeur"] for ind in
               ("cae_1.c", "cae_1.d", "cae_1.e", "cae_1.f", "cae_1.g", "cae_1.h", "cae_1.i", "cae_1.j")]
    assert math.isclose(epci["valeur"], sum(sectors), rel_tol=1e-12)
    transport = mart(con, "cae_1.k", "epci", EPCI, 2016)["valeur"]
    assert math.isclose(transport, sectors[2] + sectors[3], rel_tol=1e-12)


def test_cae_1a_is_the_igt_sum_of_the_8_pcaet_sectors_in_tonnes(con):
    rows = raw_rows(IGT)
    if rows is None:
        pytest.skip("fichier brut ADEME IGT absent")
    assert len(rows) == N_COMMUNES

    def total(columns):
        return sum(float(r[c]) for r in rows for c in columns if r[c].strip()) / 1000

    expected = total(IGT_PCAET_SECTORS)
    assert expected == pytest.approx(EPCI_CAE_1A_KT, abs=0.001)
    got = mart(con, "cae_1.a", "epci", EPCI, 2016)["valeur"]
    assert math.isclose(got, expected, rel_tol=1e-12)
    # The memo items are out of the total: with them the figure would be another one.
    assert total(IGT_PCAET_SECTORS + IGT_EXCLUDED[:1]) - got > 0.3
    assert total(IGT_PCAET_SECTORS + IGT_EXCLUDED[1:]) - got > 100


def test_cae_1b_is_cae_1a_per_inhabitant_of_2016(con, stored):
    p16 = source_values(stored, "population", 2016, COMPARATEUR, "P16_POP")
    cae_1a = mart(con, "cae_1.a", "epci", EPCI, 2016)["valeur"]
    got = mart(con, "cae_1.b", "epci", EPCI, 2016)
    assert math.isclose(got["valeur"], cae_1a * 1000 / sum(p16.values()), rel_tol=1e-12)
    assert got["unite"] == "teq CO2/hab."
    assert 6.70 < got["valeur"] < 6.72


def _igt_pairs(stored):
    rows = raw_rows(IGT)
    if rows is None:
        pytest.skip("fichier brut ADEME IGT absent")
    pairs = []
    for column, indicateur in IGT_IDS.items():
        kept = commune_values(stored, indicateur, 2016)
        for r in rows:
            pairs.append((r["INSEE commune"], column, raw_number(r[column]), kept[r["INSEE commune"]]))
    return pairs


def test_unit_conversion_t_to_kt_keeps_every_value(stored):
    pairs = _igt_pairs(stored)
    assert len(pairs) == N_COMMUNES * len(IGT_IDS)
    for code, column, tonnes, kt in pairs:
        if tonnes is None:
            assert kt is None, (code, column)  # an empty cell stays missing, never 0
        else:
            assert math.isclose(kt * 1000, tonnes, rel_tol=1e-14), (code, column, tonnes, kt)


def test_unit_conversion_t_to_kt_is_exact(stored):
    wrong = [(code, column, tonnes, kt) for code, column, tonnes, kt in _igt_pairs(stored)
             if tonnes is not None and kt != tonnes / 1000]
    assert wrong == []


# ---------------------------------------------------------------- non-additive values and secrecy


@pytest.mark.parametrize("indicateur", ["taux_pauvrete", "revenu_median_uc"])
def test_medians_and_poverty_rates_are_never_computed_for_groups(con, indicateur, capsys):
    """A group of communes only has the value its producer publishes (INSEE Filosofi for the EPCI), never
    one computed from its communes."""
    computed = query(con, """
        select niveau, code from int_calculees
        where indicateur = $i and niveau in ('epci', 'bv2022', 'canton', 'ze2020')""", {"i": indicateur})
    assert computed.is_empty(), f"{indicateur} calculé : {computed.to_dicts()}"
    groups = query(con, """
        select niveau, methode from mart_valeurs
        where indicateur = $i and niveau in ('epci', 'bv2022', 'canton', 'ze2020')""", {"i": indicateur})
    assert set(groups["niveau"]) <= {"epci"} and set(groups["methode"]) == {"publiee"}, groups.to_dicts()
    assert cli_csv(capsys, "values", indicateur, "--level", "bv2022", "--all-years") == []
    epci = cli_csv(capsys, "values", indicateur, "--level", "epci", "--all-years")
    assert epci and {r["methode"] for r in epci} == {"publiee"}


def test_the_epci_has_its_published_filosofi_2021(capsys):
    rows = cli_csv(capsys, "values", "revenu_median_uc", "--level", "epci", "--year", "2021")
    assert [r["valeur"] for r in rows] == ["19530"]
    rows = cli_csv(capsys, "values", "taux_pauvrete", "--level", "epci", "--year", "2021")
    assert [float(r["valeur"]) for r in rows] == [23.0]


def test_nord_has_the_published_poverty_rate_and_median_income(con):
    taux = mart(con, "taux_pauvrete", "departement", NORD, 2021)
    assert taux["valeur"] == NORD_TAUX_PAUVRETE_2021 and taux["methode"] == "publiee"
    revenu = mart(con, "revenu_median_uc", "departement", NORD, 2021)
    assert revenu["valeur"] == NORD_REVENU_MEDIAN_2021 and revenu["methode"] == "publiee"


def test_insee_secret_communes_are_secret_never_zero(con, stored):
    taux = source_values(stored, "taux_pauvrete", 2021, COMPARATEUR, "TP6021")
    secret = sorted(c for c, v in taux.items() if v is SECRET)
    assert len(secret) == N_SECRET_TAUX_PAUVRETE
    shown = query(con, """
        select code, valeur, secret from mart_valeurs
        where indicateur = 'taux_pauvrete' and niveau = 'commune' and annee = 2021""")
    by_code = {r["code"]: r for r in shown.iter_rows(named=True)}
    assert len(by_code) == N_COMMUNES
    for code in secret:
        assert by_code[code]["secret"] is True and by_code[code]["valeur"] is None, code
    for code, v in taux.items():
        if v is not SECRET:
            assert by_code[code]["secret"] is False and by_code[code]["valeur"] == v
    zeros = stored.filter(pl.col("secret") & (pl.col("valeur") == 0))
    assert zeros.is_empty()


def test_cli_csv_marks_secret_communes_with_an_empty_value(con, stored, capsys):
    taux = source_values(stored, "taux_pauvrete", 2021, COMPARATEUR, "TP6021")
    rows = cli_csv(capsys, "values", "taux_pauvrete", "--level", "commune", "--format", "csv")
    assert len(rows) == N_COMMUNES
    for row in rows:
        v = taux[row["code"]]
        if v is SECRET:
            assert row["statut"] == "secret" and row["valeur"] == "", row
        else:
            assert row["statut"] == "definitif" and float(row["valeur"]) == v, row
    assert sum(r["statut"] == "secret" for r in rows) == N_SECRET_TAUX_PAUVRETE


def test_distribution_of_the_poverty_rate_across_the_epci(con, stored):
    taux = source_values(stored, "taux_pauvrete", 2021, COMPARATEUR, "TP6021")
    published = sorted(v for v in taux.values() if v is not SECRET)
    assert len(published) == N_COMMUNES - N_SECRET_TAUX_PAUVRETE == 20
    d = query(con, """
        select * from mart_distribution
        where indicateur = 'taux_pauvrete' and niveau = 'epci' and code = $c and annee = 2021
          and ventilation = ''""", {"c": EPCI})
    assert d.height == 1
    d = d.row(0, named=True)
    assert d["n_communes"] == N_COMMUNES
    assert d["n_secret"] == N_SECRET_TAUX_PAUVRETE
    assert d["n_valeurs"] == 20 and d["n_manquantes"] == 0
    assert d["minimum"] == published[0] and d["maximum"] == published[-1]
    assert d["mediane"] == statistics.median(published)
    q1, _, q3 = statistics.quantiles(published, n=4, method="inclusive")
    assert d["q1"] == pytest.approx(q1) and d["q3"] == pytest.approx(q3)
    assert d["rapport_max_min"] == pytest.approx(published[-1] / published[0])
