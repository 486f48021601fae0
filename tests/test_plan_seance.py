"""The séance's choice of chart: comparison, series, communes — never a lone bar, never an empty view."""

import polars as pl

from barometre.calculs.plan_seance import genre_de_vue, sans_identifiant, source_lisible, titre_actif
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
    # the axis says where it starts (issue 20: « axe ne partant pas de zéro » alone, cut short, said nothing)
    start = rate["encoding"]["y"]["scale"]["domain"][0]
    assert rate["encoding"]["y"]["title"] == f"% (axe à partir de {formats_nombre(start)}, pas de zéro)"
    assert 0 < start <= 158351.0


def formats_nombre(x):
    from barometre.formats import nombre

    return nombre(x, 1)


def test_a_narrow_series_keeps_its_height_and_its_title_fits():
    """Access to GPs (4,82 then 4,71): the axis spans the values with room on both sides, its title is written
    across the top (never rotated and cut), and the room's version has a fixed height and its values written."""
    from barometre.charts import indicateurs as charts

    df = pl.DataFrame({"nom": ["A", "A"], "annee": [2022, 2023], "valeur": [4.82, 4.71]})
    spec = charts.series_chart(df, "consultations/an/hab.", 2, font_size=28, height=700, etiquettes=True).to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    lo, hi = y["scale"]["domain"]
    assert lo <= 4.71 - 0.05 and hi >= 4.82 + 0.05 and lo > 4.0
    assert y["axis"]["titleAngle"] == 0 and "axe à partir de" in y["title"]
    assert spec["height"] == 700 and spec["layer"][1]["mark"]["type"] == "text"


def _ind(**kw):
    return RATE.model_copy(update=kw)


def test_active_title_states_value_gap_to_the_nord_and_trend():
    ind = _ind(libelle_court="Pauvreté", unite="%", decimales=1, agregation="aucune")
    comp = pl.DataFrame({"niveau": ["epci", "departement"], "code": ["E", "59"], "valeur": [23.0, 19.5],
                         "annee": [2021, 2021]})
    s = pl.DataFrame({"annee": [2019, 2021], "valeur": [22.5, 23.0]})
    assert titre_actif(ind, "comparaison", "epci", "E", comp, s, None) == \
        "Pauvreté : 23,0\u202f%, 3,5 points au-dessus du Nord, en hausse depuis 2019"
    # another vintage for the Nord: no gap stated (like for like only)
    old = comp.with_columns(pl.Series("annee", [2021, 2019]))
    assert "Nord" not in titre_actif(ind, "comparaison", "epci", "E", old, s, None)
    # a total: never beside the Nord's total; its year is said
    total = _ind(libelle_court="Population", unite="habitants", decimales=0, agregation="somme")
    pop = pl.DataFrame({"annee": [2016, 2022], "valeur": [158789.0, 158351.0]})
    assert titre_actif(total, "serie", "epci", "E", comp, pop, None) == \
        "Population : 158\u202f351\u202fhabitants en 2022, en baisse depuis 2016"
    communes = pl.DataFrame({"nom": ["Denain", "Oisy", "Haveluy"], "valeur": [31.9, 7.0, None]})
    t = titre_actif(ind, "communes", "epci", "E", None, pl.DataFrame(schema={"annee": pl.Int64, "valeur": pl.Float64}),
                    communes)
    assert t == "Pauvreté : de 7,0\u202f% (Oisy) à 31,9\u202f% (Denain) selon les communes"


def test_sources_in_plain_french():
    line = source_lisible([("INSEE", "Comparateur de territoires (base_cc_comparateur)"),
                           ("ANCT", "Quartiers prioritaires 2024 (listeqp2024-cog2024)"),
                           ("INSEE", "Comparateur de territoires (base_cc_comparateur)")], [2021, 2022, 2021])
    assert line == ("Source : INSEE, Comparateur de territoires ; ANCT, Quartiers prioritaires 2024 — données 2021 "
                    "et 2022")
    assert sans_identifiant("Chiffres détaillés (EPCI)") == "Chiffres détaillés (EPCI)"  # a word, not an id


def test_room_ranking_breaks_the_list_names_secrets_and_draws_the_agglomeration():
    from barometre.charts import indicateurs as charts

    haut = pl.DataFrame({"nom": ["A", "B", "C"], "valeur": [3.0, 2.0, None], "secret": [False, False, True]})
    bas = pl.DataFrame({"nom": ["Y", "Z"], "valeur": [1.0, 0.0], "secret": [False, False]})
    spec = charts.classement_chart(haut, bas, "logements", 0, autres=31, reference=("Agglomération", 1.5),
                                   font_size=28, height=700).to_dict()
    rows = spec["data"]["values"]
    assert [r["nom"] for r in rows] == ["A", "B", "C", "… 31 autres communes …", "Y", "Z"]
    assert [r["texte"] for r in rows] == ["3", "2", "secret statistique", "", "1", "0"]  # never an empty bar
    assert spec["layer"][0]["transform"] == [{"filter": "datum.valeur != null"}]  # no bar without a value
    x = spec["layer"][0]["encoding"]["x"]["axis"]
    assert x["values"] == [0, 1, 2, 3] and x["labelOverlap"] is True  # whole-number ticks for counts
    assert spec["layer"][2]["mark"]["type"] == "rule" and spec["layer"][3]["data"]["values"][0]["libelle"] == \
        "Agglomération : 2"


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
