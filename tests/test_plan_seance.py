"""The séance's choice of chart: comparison, series, communes — never a lone bar, never an empty view."""

import polars as pl

from barometre.calculs.plan_seance import genre_de_vue
from barometre.catalogue import load_catalogue
from barometre.settings import get_settings

CAT = load_catalogue(get_settings().catalogue_dir)
RATE = next(i for i in CAT.indicateurs if i.agregation == "ratio")
TOTAL = next(i for i in CAT.indicateurs if i.agregation == "somme")


def comp(*rows):
    return pl.DataFrame([{"niveau": n, "code": c, "valeur": v} for n, c, v in rows],
                        schema={"niveau": pl.String, "code": pl.String, "valeur": pl.Float64})


def serie(*rows):
    return pl.DataFrame([{"annee": a, "valeur": v} for a, v in rows], schema={"annee": pl.Int64, "valeur": pl.Float64})


COMMUNES = pl.DataFrame({"code": ["59001", "59002"], "valeur": [1.0, 2.0]})
NONE = pl.DataFrame(schema={"code": pl.String, "valeur": pl.Float64})


def test_rate_beside_references():
    c = comp(("epci", "E", 10.0), ("departement", "59", 12.0))
    assert genre_de_vue(RATE, "epci", "E", c, serie((2022, 10.0)), COMMUNES) == "comparaison"


def test_lone_bar_never():
    lone = comp(("epci", "E", 10.0), ("departement", "59", None))
    assert genre_de_vue(RATE, "epci", "E", lone, serie((2022, 10.0)), COMMUNES) == "communes"
    assert genre_de_vue(RATE, "epci", "E", lone, serie((2022, 10.0)), NONE) is None
    assert genre_de_vue(RATE, "epci", "E", lone, serie((2016, 9.0), (2022, 10.0)), NONE) == "serie"


def test_totals_are_not_set_beside_the_nord():
    c = comp(("epci", "E", 158351.0), ("departement", "59", 2.6e6))
    assert genre_de_vue(TOTAL, "epci", "E", c, serie((2016, 1.0), (2022, 2.0)), COMMUNES) == "serie"
    assert genre_de_vue(TOTAL, "epci", "E", c, serie((2022, 2.0)), COMMUNES) == "communes"


def test_references_without_the_territory_are_not_a_comparison():
    c = comp(("departement", "59", 12.0), ("region", "32", 13.0))
    assert genre_de_vue(RATE, "epci", "E", c, serie(), COMMUNES) == "communes"
    assert genre_de_vue(RATE, "commune", "59001", c, serie(), COMMUNES) is None


def test_count_axes_start_at_zero_or_say_they_dont():
    from barometre.charts import indicateurs as charts

    df = pl.DataFrame({"nom": ["A", "A"], "annee": [2016, 2022], "valeur": [158789.0, 158351.0]})
    counts = charts.series_chart(df, "habitants", 0).to_dict()
    assert counts["encoding"]["y"]["scale"]["zero"] is True and counts["encoding"]["y"]["title"] == "habitants"
    rate = charts.series_chart(df, "%", 1).to_dict()
    assert rate["encoding"]["y"]["scale"]["zero"] is False
    assert rate["encoding"]["y"]["title"] == "% (axe ne partant pas de zéro)"


def test_xlsx_years_are_plain_integers_and_values_keep_their_decimals():
    import io

    from openpyxl import load_workbook

    from barometre import formats

    df = pl.DataFrame({"Territoire": ["A"], "Année": [2021], "Valeur": [19.04], "code": [59001]})
    ws = load_workbook(io.BytesIO(formats.xlsx(df, decimales=1))).active
    header = [c.value for c in ws[1]]
    year, value = (ws.cell(2, header.index(n) + 1) for n in ("Année", "Valeur"))
    assert year.value == 2021 and year.number_format == "0"
    assert value.value == 19.04 and value.number_format == "#,##0.0"
