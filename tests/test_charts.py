"""Charts and maps as pure functions (``barometre.charts``): no Streamlit import, Vega-Lite specs in the
French locale with the unit in every value axis title, secret and missing values never drawn (and never
as zero), and a choropleth whose quantile classes are sorted, within the data range, and whose colours
for "secret statistique" and "non disponible" differ from every class colour.
"""

from __future__ import annotations

import json
import subprocess
import sys

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc
from hypothesis import given
from hypothesis import strategies as st

from barometre import formats
from barometre.charts import indicateurs as charts
from barometre.settings import PROJECT_ROOT

NNBSP = "\u202f"


# ------------------------------------------------------------------------------------ helpers
def spec_of(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec as the browser receives it (validated by Altair on the way)."""
    return chart.to_dict()


def walk(node):
    """Every dict in a nested spec."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def encodings(spec: dict) -> list[dict]:
    return [n["encoding"] for n in walk(spec) if isinstance(n.get("encoding"), dict)]


def data_rows(spec: dict) -> list[dict]:
    """Rows of every inline dataset (inline ``data.values`` or consolidated ``datasets``)."""
    rows: list[dict] = []
    for node in walk(spec):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows.extend(data["values"])
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def main_rows(spec: dict) -> list[dict]:
    """The rows of the chart's own data (the rows with a ``nom``: not the reference rules)."""
    return [r for r in data_rows(spec) if "nom" in r]


def value_axis_titles(spec: dict) -> list[str]:
    """Titles of the positional quantitative channels that carry a title (the value axes)."""
    titles = []
    for enc in encodings(spec):
        for channel in ("x", "y"):
            ch = enc.get(channel)
            if isinstance(ch, dict) and ch.get("type") == "quantitative" and ch.get("title"):
                titles.append(ch["title"])
    return titles


# --------------------------------------------------------------------------------- sample data
COMMUNES = pl.DataFrame({
    "code": ["59172", "59038", "59526", "59008", "59110", "59153", "59139"],
    "nom": ["Denain", "Avesnes-le-Sec", "Saint-Amand-les-Eaux", "Abscon", "Bouchain", "Douchy-les-Mines",
            "Wallers"],
    "valeur": [31.9, None, 14.2, 22.5, 0.0, None, 18.75],
    "secret": [False, True, False, False, False, False, False],
    "nom_zone": ["Bassin A", "Bassin B", "Bassin B", "Bassin A", "Bassin A", "Bassin A", "Bassin B"],
})
SECRET_CODE, MISSING_CODE, ZERO_CODE = "59038", "59153", "59110"

COMPARAISON = pl.DataFrame({
    "nom": ["Denain", "CA de La Porte du Hainaut", "Nord", "Hauts-de-France", "France"],
    "code": ["59172", "200042190", "59", "32", "FRM"],
    "annee": [2022, 2022, 2022, 2022, 2021],
    "valeur": [31.9, 19.1, None, 15.7, 12.4],
    "secret": [False, False, False, False, False],
    "ordre": [0, 1, 2, 3, 4],
})

SERIES = pl.DataFrame({
    "nom": ["Denain"] * 3 + ["Nord"] * 3,
    "annee": [2011, 2016, 2022] * 2,
    "valeur": [28.0, None, 31.9, 15.0, 16.0, 14.8],
    "secret": [False, True, False, False, False, False],
})

DISTRIBUTION = pl.DataFrame({
    "nom": ["Bassin A", "Bassin B", "Bassin C"],
    "n_valeurs": [4, 2, 0],
    "minimum": [0.0, 14.2, None], "q1": [10.0, 15.0, None], "mediane": [20.0, 16.5, None],
    "q3": [25.0, 17.0, None], "maximum": [31.9, 18.75, None],
})

SECTEURS = pl.DataFrame({
    "nom": ["Denain", "Denain", "Bouchain", "Bouchain"],
    "secteur": ["Résidentiel", "Industrie hors énergie", "Résidentiel", "Branche énergie"],
    "valeur": [40.5, 12.0, None, 1250.0],
})


def all_charts(**size) -> dict[str, tuple[alt.TopLevelMixin, str]]:
    """Each chart function on sample data, with the unit it was given; ``size``: ``font_size=…`` or nothing
    (each function's default)."""
    return {
        "ranking": (charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux de pauvreté", **size), "%"),
        "ranking_refs": (charts.ranking_chart(COMMUNES, "%", 1, None, "", [("Nord", 18.2)], **size), "%"),
        "comparison": (charts.comparison_chart(COMPARAISON, "%", 1, **size), "%"),
        "series": (charts.series_chart(SERIES, "%", 1, **size), "%"),
        "distribution": (charts.distribution_chart(DISTRIBUTION, "%", 1, **size), "%"),
        "stacked": (charts.stacked_sectors_chart(SECTEURS, "kteq CO2", 1, **size), "kteq CO2"),
        "trajectory": (charts.trajectory_chart(
            pl.DataFrame({"annee": [2016, 2021], "valeur": [1500.0, 1400.0]}),
            pl.DataFrame({"annee": [2016, 2050], "valeur": [1500.0, 300.0]}), "kteq CO2", 2021, 1,
            "écart : +10,0 kteq CO2", **size), "kteq CO2"),
    }


CHART_NAMES = list(all_charts())


# ------------------------------------------------------------------------------------- purity
def test_chart_module_does_not_import_streamlit():
    """Imported alone in a fresh interpreter, the computation modules pull in no Streamlit."""
    code = ("import sys; import barometre.charts.indicateurs, barometre.formats, barometre.donnees.queries; "
            "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_chart_functions_leave_their_input_untouched():
    before = COMMUNES.clone()
    charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux")
    charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    assert COMMUNES.equals(before)


def test_same_input_same_spec():
    a = spec_of(charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux"))
    b = spec_of(charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux"))
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# ------------------------------------------------------------------------------ locale, units
@pytest.mark.parametrize("name", CHART_NAMES)
def test_french_locale(name):
    spec = spec_of(all_charts()[name][0])
    number = spec["config"]["locale"]["number"]
    assert number["decimal"] == ","
    assert number["thousands"] in (NNBSP, "\u00a0", " ")
    assert number["grouping"] == [3]
    assert "décembre" in spec["config"]["locale"]["time"]["months"]


@pytest.mark.parametrize("name", CHART_NAMES)
def test_unit_in_value_axis_titles(name):
    chart, unit = all_charts()[name]
    titles = value_axis_titles(spec_of(chart))
    assert titles, "the value axis has a title"
    assert all(unit in t for t in titles if t != "Année"), titles


@pytest.mark.parametrize("name", CHART_NAMES)
def test_value_formats_follow_decimals(name):
    """Axes and tooltips of values use the d3 format with the indicator's decimals (rendered by the
    French locale): never a bare default format that would print a decimal point."""
    spec = spec_of(all_charts()[name][0])
    formats_used = {n["format"] for n in walk(spec) if isinstance(n.get("format"), str)}
    assert ",.1f" in formats_used
    assert formats_used <= {",.1f", "d"}, formats_used


def test_ranking_title_names_indicator_and_unit():
    spec = spec_of(charts.ranking_chart(COMMUNES, "€", 0, None, "Revenu médian"))
    assert value_axis_titles(spec) == ["Revenu médian (€)"]
    assert {n["format"] for n in walk(spec) if isinstance(n.get("format"), str)} == {",.0f"}


# ------------------------------------------------------------------------ secrets, missing
def test_ranking_leaves_out_secret_and_missing():
    rows = main_rows(spec_of(charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux")))
    codes = {r["code"] for r in rows}
    assert SECRET_CODE not in codes and MISSING_CODE not in codes
    assert codes == set(COMMUNES.filter(pl.col("valeur").is_not_null())["code"])
    assert all(r["valeur"] is not None for r in rows)
    # a true zero is a value, drawn as such
    assert next(r for r in rows if r["code"] == ZERO_CODE)["valeur"] == 0.0


def test_ranking_highlights_only_the_chosen_commune():
    rows = main_rows(spec_of(charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux")))
    assert [r["code"] for r in rows if r["choisi"]] == ["59172"]
    rows = main_rows(spec_of(charts.ranking_chart(COMMUNES, "%", 1, None, "Taux")))
    assert not any(r["choisi"] for r in rows)


def test_ranking_reference_rules():
    spec = spec_of(charts.ranking_chart(COMMUNES, "%", 1, None, "", [("Nord", 18.25)]))
    refs = [r for r in data_rows(spec) if "libelle" in r]
    assert refs and refs[0]["valeur"] == 18.25
    assert "," in refs[0]["libelle"] and "." not in refs[0]["libelle"]


def test_ranking_reference_label_french_thousands():
    spec = spec_of(charts.ranking_chart(COMMUNES, "€", 0, None, "", [("Nord", 21340.0)]))
    refs = [r for r in data_rows(spec) if "libelle" in r]
    assert refs[0]["libelle"] == f"Nord : 21{NNBSP}340"


@pytest.mark.parametrize("name", ["comparison", "series", "stacked"])
def test_other_charts_leave_out_nulls(name):
    rows = main_rows(spec_of(all_charts()[name][0]))
    assert rows and all(r["valeur"] is not None for r in rows)


def test_comparison_keeps_order_and_years():
    spec = spec_of(charts.comparison_chart(COMPARAISON, "%", 1))
    rows = main_rows(spec)
    assert [r["etiquette"] for r in rows] == ["Denain (2022)", "CA de La Porte du Hainaut (2022)",
                                               "Hauts-de-France (2022)", "France (2021)"]


def test_distribution_leaves_out_zones_without_values():
    rows = main_rows(spec_of(charts.distribution_chart(DISTRIBUTION, "%", 1)))
    assert [r["nom"] for r in rows] == ["Bassin A", "Bassin B"]


# ------------------------------------------------------------------- text readable from the back row
def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of a #rrggbb (or #rgb) colour on white."""
    hexa = colour.lstrip("#")
    hexa = "".join(c * 2 for c in hexa) if len(hexa) == 3 else hexa

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hexa[i:i + 2], 16)) for i in (0, 2, 4))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_contrast_helper_on_known_colours():
    assert contrast_on_white("#000000") == pytest.approx(21.0)
    assert contrast_on_white("#fff") == pytest.approx(1.0)
    assert contrast_on_white("#808495") < 4.5  # Streamlit's chart-theme grey: what the charts must override


def other_charts() -> dict[str, alt.TopLevelMixin]:
    """The charts built outside barometre.charts, which share its text settings."""
    from datetime import date

    from barometre.charts import pilotage as charts_pilotage

    gantt = pl.DataFrame({"action": ["A", "B"], "jalon": ["j1", "j2"], "debut": ["2025-01-01", "2025-03-01"],
                          "echeance": ["2025-06-01", "2026-01-01"], "etat": ["En retard", "Prévu"],
                          "responsable": ["x", "y"]})
    sens = pl.DataFrame({"code": ["1", "2"], "nom": ["Denain", "Wallers"], "rang": [1, 2], "rang_min": [1, 1],
                         "rang_median": [1.0, 2.0], "rang_max": [2, 2], "ecart": [1, 1]})
    return {"gantt": charts_pilotage.gantt_chart(gantt, date(2025, 9, 1)),
            "sensitivity": charts.sensitivity_chart(sens)}


TEXT_KEYS = ("labelColor", "titleColor")
SIZE_KEYS = ("labelFontSize", "titleFontSize")


@pytest.mark.parametrize("name", CHART_NAMES + ["gantt", "sensitivity"])
def test_axis_and_legend_text_dark_and_large_enough(name):
    """Every chart sets its axis and legend text colours itself (Streamlit's theme would grey them to
    #808495, 3.8:1) at WCAG AA contrast or better, and its sizes at FONT_SIZE or more."""
    chart = all_charts()[name][0] if name in CHART_NAMES else other_charts()[name]
    config = spec_of(chart)["config"]
    for part in ("axis", "legend"):
        for key in TEXT_KEYS:
            colour = config.get(part, {}).get(key)
            assert colour and contrast_on_white(colour) >= 4.5, (part, key, colour)
        for key in SIZE_KEYS:
            assert config[part][key] >= charts.FONT_SIZE, (part, key, config[part])


def test_font_sizes_for_screen_and_projection():
    assert charts.font_size(False) == charts.FONT_SIZE >= 13
    assert charts.font_size(True) == charts.PROJECTION_FONT_SIZE >= 20  # read from the back of the room
    assert contrast_on_white(charts.TEXT_COLOUR) >= 7  # AAA: projectors wash colours out


@pytest.mark.parametrize("name", CHART_NAMES)
def test_projection_size_reaches_axes_legends_and_written_values(name):
    """In projection mode every text of the chart grows: axis and legend labels and titles, and the values
    or notes written on the plot; one-bar-per-row charts give each row room for its label."""
    big = charts.PROJECTION_FONT_SIZE
    spec = spec_of(all_charts(font_size=big)[name][0])
    for part in ("axis", "legend"):
        assert spec["config"][part]["labelFontSize"] == big
        assert spec["config"][part]["titleFontSize"] > big
    written = [n["mark"].get("fontSize") for n in walk(spec)
               if isinstance(n.get("mark"), dict) and n["mark"].get("type") == "text"]
    assert all(size == big for size in written), written
    step = spec.get("height", {}).get("step") if isinstance(spec.get("height"), dict) else None
    if step is not None:
        assert step >= 1.5 * big, step


# ---------------------------------------------------------------------------------------- map
def _geoms(communes: pl.DataFrame) -> pl.DataFrame:
    """A small square per commune, side by side."""
    rows = []
    for i, code in enumerate(communes["code"].to_list()):
        x0, y0 = 3.2 + 0.05 * i, 50.3
        square = [[x0, y0], [x0 + 0.04, y0], [x0 + 0.04, y0 + 0.04], [x0, y0 + 0.04], [x0, y0]]
        rows.append({"code": code, "geojson": json.dumps({"type": "Polygon", "coordinates": [square]}),
                     "lon": x0 + 0.02, "lat": y0 + 0.02})
    return pl.DataFrame(rows)


def _features(spec) -> list[dict]:
    """The communes drawn by a choropleth's spec, each as {"properties": {code, valeur_texte, couleur (rgb)…}}."""
    layer = next(layer for layer in spec["layer"] if layer["name"] == "communes")
    return [{"properties": {**row, "couleur": charts._hex_to_rgb(row["couleur"])}} for row in layer["data"]["values"]]


def test_choropleth_legend_secret_and_missing():
    spec, legend = charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    labels = [label for label, _ in legend]
    assert "secret statistique" in labels
    assert "non disponible" in labels
    by_code = {f["properties"]["code"]: f["properties"] for f in _features(spec)}
    assert by_code[SECRET_CODE]["valeur_texte"] == "secret statistique"
    assert by_code[MISSING_CODE]["valeur_texte"] == "non disponible"
    assert by_code[ZERO_CODE]["valeur_texte"].startswith("0,0")
    assert by_code["59172"]["valeur_texte"].startswith("31,9")
    assert list(by_code[SECRET_CODE]["couleur"]) == list(dict(legend)["secret statistique"])
    assert list(by_code[MISSING_CODE]["couleur"]) == list(dict(legend)["non disponible"])


def test_choropleth_legend_without_secret_or_missing():
    complete = COMMUNES.filter(pl.col("valeur").is_not_null())
    _, legend = charts.choropleth(complete, _geoms(complete), None, formats.nombre, "%")
    labels = [label for label, _ in legend]
    assert "secret statistique" not in labels and "non disponible" not in labels
    assert len(labels) == 5


def test_choropleth_colours_secret_missing_differ_from_classes():
    spec, legend = charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    colours = {label: tuple(rgb) for label, rgb in legend}
    special = {colours.pop("secret statistique"), colours.pop("non disponible")}
    assert len(special) == 2
    assert not special & set(colours.values())
    class_colours = {tuple(charts._hex_to_rgb(h)) for h in charts.SEQUENTIAL_5}
    assert not special & class_colours
    # every commune with a value is painted in one of the legend's class colours
    valued = {r["code"] for r in COMMUNES.filter(pl.col("valeur").is_not_null()).iter_rows(named=True)}
    for f in _features(spec):
        if f["properties"]["code"] in valued:
            assert tuple(f["properties"]["couleur"]) in set(colours.values())


def test_choropleth_class_labels_cover_range():
    _, legend = charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    classes = [label for label, _ in legend if label.startswith("de ")]
    assert classes[0].startswith("de 0,0 à") and classes[-1].endswith("à 31,9")


def test_choropleth_is_a_valid_vega_lite_map_that_fetches_nothing():
    """No basemap: nothing in the map's spec points to another host (the council room may be offline); the
    communes are GeoJSON features (a bare geometry projects to NaN in Vega), clickable (a point selection on the
    commune's code) and told by a tooltip."""
    spec, _ = charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    alt.Chart.from_dict(spec, validate=True)  # the Vega-Lite schema accepts it
    texte = json.dumps(spec)
    assert "http" not in texte.replace(spec["$schema"], "") and "cartocdn" not in texte
    assert [layer["name"] for layer in spec["layer"]] == ["communes"]
    communes = spec["layer"][0]
    assert all(row["geo"]["type"] == "Feature" for row in communes["data"]["values"])
    assert communes["params"][0]["name"] == charts.SELECTION_COMMUNE
    assert communes["params"][0]["select"]["fields"] == ["code"]
    assert [t["field"] for t in communes["encoding"]["tooltip"]] == ["nom", "valeur_texte", "zone"]


def test_choropleth_draws_the_communes_where_they_are():
    """Rendered by Vega itself (vl-convert): every commune becomes a path with real coordinates (no NaN)."""
    spec, _ = charts.choropleth(COMMUNES, _geoms(COMMUNES), None, formats.nombre, "%")
    svg = vlc.vegalite_to_svg({**spec, "width": 400})
    assert "NaN" not in svg
    assert svg.count('aria-roledescription="geoshape"') >= COMMUNES.height


def test_commune_cliquee_reads_the_map_selection_or_none():
    from types import SimpleNamespace

    def event(selection):
        return SimpleNamespace(selection=selection)

    assert charts.commune_cliquee(event({"commune": [{"code": "59172"}]})) == "59172"
    assert charts.commune_cliquee(None) is None
    assert charts.commune_cliquee(event({})) is None  # nothing clicked
    assert charts.commune_cliquee(event({"commune": []})) is None
    assert charts.commune_cliquee(event({"commune": [{"nom": "sans code"}]})) is None
    assert charts.commune_cliquee(SimpleNamespace(selection=None)) is None  # an event of another shape
    assert charts.commune_cliquee({"selection": {}}) is None


def test_choropleth_outlines_layer():
    outlines = pl.DataFrame({"nom": ["Bassin A"], "geojson": [json.dumps(
        {"type": "Polygon", "coordinates": [[[3.1, 50.2], [3.6, 50.2], [3.6, 50.5], [3.1, 50.2]]]})]})
    spec, _ = charts.choropleth(COMMUNES, _geoms(COMMUNES), outlines, formats.nombre, "%")
    assert [layer["name"] for layer in spec["layer"]] == ["communes", "zones"]
    zones = spec["layer"][1]["mark"]
    # a line only: no fill (not even a transparent one) and no tooltip, so the communes under it take the clicks
    assert zones["filled"] is False and zones["fill"] is None and zones["tooltip"] is None


VALUES = st.lists(st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
                  max_size=60)


@given(VALUES)
def test_quantile_breaks_sorted_within_range(values):
    breaks = charts.quantile_breaks(values)
    present = [v for v in values if v is not None]
    assert breaks == sorted(breaks)
    assert len(breaks) == len(set(breaks)) <= 4
    if len(present) < 2:
        assert breaks == []
    else:
        assert all(min(present) <= b <= max(present) for b in breaks)


@given(VALUES)
def test_every_value_has_a_class_colour(values):
    breaks = charts.quantile_breaks(values)
    n_classes = len(breaks) + 1
    for v in values:
        if v is not None:
            assert 0 <= charts.class_of(v, breaks) < n_classes


def test_quantile_breaks_known_values():
    assert charts.quantile_breaks([float(v) for v in range(11)]) == [2.0, 4.0, 6.0, 8.0]
    assert charts.quantile_breaks([5.0, 5.0, 5.0]) == [5.0]
    assert charts.quantile_breaks([1.0, None]) == []


def test_stacked_sectors_give_every_commune_a_labelled_row():
    """47 communes on screen: a fixed total height let Vega drop every other commune's name (overlap); each
    row gets the shared row step instead, on screen as in projection."""
    for size in (charts.FONT_SIZE, charts.PROJECTION_FONT_SIZE):
        spec = spec_of(charts.stacked_sectors_chart(SECTEURS, "kteq CO2", 1, font_size=size))
        assert spec["height"] == {"step": charts._row_step(size).step}
        assert spec["height"]["step"] >= 1.5 * size
