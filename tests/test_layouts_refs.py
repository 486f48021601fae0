"""The comparison and context extracts of data/raw/, read through the build path, against the totals and
cross-checks written in each PROVENANCE.md (issue 11)."""

import csv
from pathlib import Path

import polars as pl
import pytest

from barometre.donnees.db import connect, query
from barometre.settings import get_settings
from barometre.sources.build import discover_inputs, drop_secondary_duplicates, parse_context
from barometre.sources.csvread import read_table
from barometre.sources.detection import detect_layout

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
EPCI = "200042190"


@pytest.fixture(scope="module")
def values() -> pl.DataFrame:
    """Every value the build reads from data/raw (before writing), one row per value."""
    settings = get_settings()
    from barometre.settings import load_territoire

    ctx = parse_context(settings, load_territoire(settings))
    by_source: dict[str, list] = {}
    for layout, table in discover_inputs(RAW, progress=lambda _: None):
        by_source.setdefault(layout.source, []).extend(layout.parse(table, ctx))
    by_source = drop_secondary_duplicates(by_source)
    rows = [{"indicateur": v.indicateur, "niveau": v.niveau, "code": v.code, "annee": v.annee,
             "ventilation": v.ventilation, "valeur": v.valeur, "secret": v.secret, "statut": v.statut,
             "source": v.source, "periode": v.periode}
            for vs in by_source.values() for v in vs]
    return pl.DataFrame(rows, infer_schema_length=None)


def one(df: pl.DataFrame, **where) -> float | None:
    sel = df
    for k, v in where.items():
        sel = sel.filter(pl.col(k) == v)
    assert sel.height == 1, (where, sel)
    return sel["valeur"][0]


@pytest.fixture(scope="module")
def con():
    return connect(get_settings())


def mart(con, indicateur: str, niveau: str, code: str, annee: int, ventilation: str = "") -> dict:
    rows = query(con, "select * from mart_valeurs where indicateur = ? and niveau = ? and code = ? and annee = ? "
                      "and ventilation = ?", [indicateur, niveau, code, annee, ventilation])
    assert rows.height == 1, (indicateur, niveau, code, annee)
    return rows.row(0, named=True)


def test_inputs_are_found_by_their_header_not_their_name(tmp_path):
    renamed = tmp_path / "x" / "n_importe_quel_nom.csv"
    renamed.parent.mkdir()
    renamed.write_bytes((RAW / "anct_jeunes_non_inseres" / "jeunes_non_inseres_caph_2008_2013_2018.csv").read_bytes())
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    skipped: list[str] = []
    found = discover_inputs(tmp_path, progress=skipped.append)
    assert [layout.source for layout, _ in found] == ["anct_jeunes_non_inseres"]
    assert any("ignoré" in line and "notes.csv" in line for line in skipped)


def test_references_load_only_what_has_our_definition(values):
    refs = values.filter(pl.col("source") == "ptod_references")
    # Filosofi for the EPCI replaces the range across communes.
    assert one(refs, indicateur="revenu_median_uc", niveau="epci", code=EPCI, annee=2021) == 19530
    assert one(refs, indicateur="taux_pauvrete", niveau="epci", code=EPCI, annee=2021) == 23
    assert one(refs, indicateur="revenu_median_uc", niveau="epci", code=EPCI, annee=2019) == 18550
    # Populations 2022 of the département and the région; 2023 (release not stated) is not loaded.
    assert one(refs, indicateur="population", niveau="departement", code="59", annee=2022) == 2616909
    assert one(refs, indicateur="population", niveau="region", code="32", annee=2022) == 5998916
    assert refs.filter((pl.col("indicateur") == "population") & (pl.col("annee") == 2023)).is_empty()
    # France = metropolitan France (FRM): no population (a median of départements in the source).
    assert refs.filter((pl.col("niveau") == "france") & (pl.col("indicateur") == "population")).is_empty()
    assert one(refs, indicateur="part_75_ans_et_plus", niveau="france", code="FRM", annee=2022) == 9.92
    # The EPCI's population, vacancy and 75+ shares are computed exactly from its communes, not loaded rounded.
    epci_ids = set(refs.filter(pl.col("niveau") == "epci")["indicateur"].to_list())
    assert not epci_ids & {"population", "part_logements_vacants", "part_75_ans_et_plus"}
    # Another definition, another indicator: never the commune unemployment rate or family share.
    assert not set(refs["indicateur"].to_list()) & {"taux_chomage_15_64", "part_familles_monoparentales"}
    assert one(refs, indicateur="taux_chomage_15_64_c_act", niveau="epci", code=EPCI, annee=2022) == 17.52


def test_nord_filosofi_is_kept_once_from_insee_and_equals_the_third_party_value(values):
    nord = values.filter((pl.col("niveau") == "departement") & (pl.col("annee") == 2021)
                         & pl.col("indicateur").is_in(["revenu_median_uc", "taux_pauvrete"]))
    assert nord.height == 2 and set(nord["source"].to_list()) == {"insee_statlocales_dep"}
    with (RAW / "insee_references_epci_dep_reg_fr" / "references_epci200042190_dep59_reg32_france.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["niveau"] == "departement")
    assert one(nord, indicateur="revenu_median_uc") == float(row["rev_med_21"]) == 21340
    assert one(nord, indicateur="taux_pauvrete") == float(row["rev_txpauv_21"]) == 19.5


def test_epci_reference_row_matches_the_sum_of_its_communes(con):
    """PROVENANCE checks: P22_POP 158,351 = Σ communes; vacancy 8.07 and 75+ 7.75 = the exact shares rounded."""
    assert mart(con, "population", "epci", EPCI, 2022)["valeur"] == 158351
    vac = mart(con, "part_logements_vacants", "epci", EPCI, 2022)
    assert vac["methode"] == "calculee" and round(vac["valeur"], 2) == 8.07
    assert round(mart(con, "part_75_ans_et_plus", "epci", EPCI, 2022)["valeur"], 2) == 7.75
    assert mart(con, "revenu_median_uc", "epci", EPCI, 2021)["valeur"] == 19530
    assert mart(con, "part_logements_vacants", "region", "32", 2022)["valeur"] == 7.52


def test_diploma_shares_cover_the_47_communes_and_the_comparison_levels(values):
    d = values.filter(pl.col("indicateur") == "part_sans_bac_15_plus")
    communes = d.filter(pl.col("niveau") == "commune")
    assert communes["code"].n_unique() == 47 and communes.height == 47
    assert communes["valeur"].null_count() == 0
    assert one(d, code="59172") == 71.31  # Denain: commune value of the 5,000+ file, not its IRIS
    assert one(d, niveau="epci") == 60.64
    assert one(d, niveau="departement", code="59") == 51.3
    assert one(d, niveau="region", code="32") == 54.71
    assert one(d, niveau="france", code="FRM") == 48.6
    assert set(d["annee"].to_list()) == {2022}  # 2011/2016 categories are not comparable
    sup = values.filter((pl.col("indicateur") == "part_diplomes_sup_bac2_15_plus") & (pl.col("niveau") == "commune"))
    assert sup.height == 47


def test_diploma_shares_add_up_to_100_within_rounding():
    table = read_table(RAW / "insee_rp_diplomes_communes_iris" / "diplomes_rp_caph_communes_iris.csv")
    sums = [float(r.cells["dsp_dipl_infbac_pct_22"]) + float(r.cells["dsp_dipl_bacbac2_pct_22"])
            + float(r.cells["dsp_dipl_supbac2_pct_22"]) for r in table.rows]
    assert len(sums) == 69 and round(min(sums), 2) == 99.68 and round(max(sums), 2) == 100.42


def test_dpe_counts_rebuild_the_published_shares_and_total(values, con):
    d = values.filter(pl.col("source") == "bdnb_dpe")
    total = d.filter(pl.col("indicateur") == "dpe_bdnb_logements")
    assert total.height == 47 and total["valeur"].sum() == 23668  # PROVENANCE: 23,668 dwellings with a DPE
    rp = mart(con, "residences_principales", "epci", EPCI, 2022)["valeur"]
    assert round(rp) == 65368 and round(23668 / rp * 100) == 36  # coverage about 36 %
    # Every rebuilt count gives back the published share (rounded to 0.01) of every unsplit commune.
    table = read_table(RAW / "bdnb_dpe_communes_iris" / "dpe_bdnb_2024_caph_communes_iris.csv")
    for row in table.rows:
        if row.cells["TYP_IRIS"] != "Z":
            continue
        code, n = row.cells["COM"], float(row.cells["logd_dpe_total_24"])
        fg = one(d, indicateur="dpe_bdnb_logements_fg", code=code)
        assert round(fg / n * 100, 2) == float(row.cells["logd_dpe_fg_pct_24"])
    # Raismes: 5 of its 6 IRIS (one is empty in the source), as the method says.
    raismes = table.rows and sum(float(r.cells["logd_dpe_total_24"]) for r in table.rows
                                 if r.cells["COM"] == "59491" and r.cells["logd_dpe_total_24"])
    assert one(d, indicateur="dpe_bdnb_logements", code="59491") == raismes
    epci_fg = mart(con, "part_dpe_bdnb_fg", "epci", EPCI, 2024)
    assert epci_fg["methode"] == "calculee" and 0 < epci_fg["valeur"] < 100


def test_neet_shares_for_communes_epci_nord_region(values):
    d = values.filter(pl.col("indicateur") == "part_jeunes_non_inseres")
    assert d.filter(pl.col("niveau") == "commune").height == 141
    assert one(d, niveau="epci", annee=2018) == 25.0
    assert one(d, niveau="departement", annee=2018) == 18.9
    assert one(d, niveau="region", annee=2018) == 20.2
    c2018 = d.filter((pl.col("niveau") == "commune") & (pl.col("annee") == 2018))
    assert c2018["valeur"].max() == 36.6 and one(c2018, code="59172") == 36.6
    assert c2018["valeur"].min() == 2.2


def test_ore_departement_totals_match_provenance(values):
    d = values.filter((pl.col("indicateur") == "consommation_elec_gaz_ore") & (pl.col("niveau") == "departement"))

    def total(year: int, filiere: str) -> float:
        return d.filter((pl.col("annee") == year) & pl.col("ventilation").str.starts_with(filiere))["valeur"].sum()

    assert round(total(2019, "Électricité")) == 21393204
    assert round(total(2021, "Électricité")) == 21587933
    assert round(total(2021, "Gaz")) == 39258416
    assert total(2011, "Électricité") == 0 and total(2011, "Gaz") > 0  # 2011 electricity not comparable
    assert not values.filter((pl.col("indicateur") == "consommation_elec_gaz_ore")
                             & (pl.col("niveau") == "region")).is_empty()


def test_heat_network_secret_iris_makes_the_commune_total_secret(values):
    d = values.filter(pl.col("indicateur") == "livraisons_reseaux_chaleur")
    assert set(d["code"].to_list()) == {"59172"}
    y2022 = d.filter(pl.col("annee") == 2022).row(0, named=True)
    assert y2022["secret"] and y2022["valeur"] is None
    assert d.filter(pl.col("annee") == 2021)["valeur"][0] > 1932.9


def test_or2s_press_figures_are_quoted_context(values):
    d = values.filter(pl.col("source") == "or2s_sante_presse")
    assert d.height == 8 and set(d["statut"].to_list()) == {"cite_presse"}
    assert one(d, indicateur="ecart_esperance_vie_france_or2s", ventilation="Hommes") == -6
    assert one(d, indicateur="ecart_esperance_vie_france_or2s", ventilation="Femmes") == -3.7
    assert one(d, indicateur="surmortalite_france_or2s", ventilation="Alcool, femmes") == 186
    assert d.filter(pl.col("ventilation") == "Hommes")["periode"][0] == "2010-2016"


def test_each_new_extract_is_recognised_by_a_layout():
    for folder in ("insee_references_epci_dep_reg_fr", "insee_rp_diplomes_communes_iris", "bdnb_dpe_communes_iris",
                   "anct_jeunes_non_inseres", "agenceore_conso_elec_gaz_dep", "sdes_chaleur_froid_iris",
                   "or2s_sante_caph_press"):
        for path in (RAW / folder).glob("*.csv"):
            table = read_table(path, header_predicate=lambda h: detect_layout(h) is not None)
            assert detect_layout(table.header) is not None, path


def test_at_least_bac_is_the_complement_of_the_published_share(values):
    d = values.filter(pl.col("indicateur") == "part_au_moins_bac_15_plus")
    assert d.filter(pl.col("niveau") == "commune").height == 47
    assert one(d, niveau="epci") == 39.36 and one(d, code="59172") == 28.69
