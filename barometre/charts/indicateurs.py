"""Charts and maps as pure functions: a DataFrame in, an Altair chart or a Vega-Lite spec (the maps) out.

No Streamlit here. Numbers are formatted the French way through Vega's locale (``12 345,6``); every
axis title carries its unit. Secret and missing values are never drawn as zero: charts draw only the
values that exist, and the tables beside them say which are secret or missing.
"""

from __future__ import annotations

import json
import math

import altair as alt
import polars as pl

from barometre.formats import MISSING_TEXT, SECRET_TEXT, nombre

FRENCH_LOCALE = {
    "number": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]},
    "time": {
        "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                   "octobre", "novembre", "décembre"],
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                        "nov.", "déc."],
    },
}
# Colour-blind-safe palettes (ColorBrewer / Okabe-Ito).
HIGHLIGHT = "#D55E00"  # vermillion: the chosen territory
NEUTRAL = "#0072B2"  # blue: the others
LEVEL_COLOURS = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
# 5 sequential classes (ColorBrewer YlGnBu), light = low, dark = high.
SEQUENTIAL_5 = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
LABEL_ROOM = 1.15
SECRET_RGB = [150, 150, 150]
MISSING_RGB = [235, 235, 235]


def _fmt(decimales: int) -> str:
    return f",.{max(0, decimales)}f"


def _axis(decimales: int, **kwargs) -> alt.Axis:
    """A quantitative axis in French format; whole-number indicators get whole ticks only."""
    if decimales == 0:
        kwargs.setdefault("tickMinStep", 1)
    return alt.Axis(format=_fmt(decimales), **kwargs)


# Axis and legend text: a size read at arm's length on screen, one read from the back of the council room in
# projection mode (pages pass font_size(ui.projection_mode())), and a colour dark enough for WCAG's 4.5:1 on
# white: Streamlit's chart theme greys them to #808495 (3.8:1), so the charts set their own.
FONT_SIZE = 14
PROJECTION_FONT_SIZE = 20
TEXT_COLOUR = "#111111"  # the app's own text colour (.streamlit/config.toml textColor): 18.9:1 on white
ANNOTATION_COLOUR = "#222"  # values and reference labels written on the plot


def font_size(projection: bool) -> int:
    """The chart text size for the mode: PROJECTION_FONT_SIZE in council, FONT_SIZE on screen."""
    return PROJECTION_FONT_SIZE if projection else FONT_SIZE


def configure_text(chart: alt.TopLevelMixin, font_size: int = FONT_SIZE, **legend) -> alt.TopLevelMixin:
    """French locale, and axis and legend labels and titles at ``font_size`` in TEXT_COLOUR (titles one
    pixel larger); ``legend``: further legend settings (e.g. ``orient="bottom"``)."""
    text = {"labelFontSize": font_size, "titleFontSize": font_size + 1, "labelColor": TEXT_COLOUR,
            "titleColor": TEXT_COLOUR}
    return chart.configure(locale=FRENCH_LOCALE).configure_axis(**text).configure_legend(**text, **legend)


def _row_step(font_size: int) -> alt.Step:
    """Pixels per bar of a one-bar-per-row chart: the row label's height plus air (22 px at 14 px)."""
    return alt.Step(max(22, round(1.6 * font_size)))


def _finish(chart: alt.Chart, height: int | alt.Step | None = None, font_size: int = FONT_SIZE) -> alt.Chart:
    """Container width, French locale, text sizes and colour; ``height`` in pixels, or ``alt.Step(n)`` for n
    pixels per row of a chart with one bar per territory."""
    chart = chart.properties(width="container", **({"height": height} if height else {}))
    return configure_text(chart, font_size)


def ranking_chart(df: pl.DataFrame, unite: str, decimales: int = 1, highlight: str | None = None,
                  title: str = "", references: list[tuple[str, float]] | None = None,
                  font_size: int = FONT_SIZE) -> alt.Chart:
    """Horizontal bars of the communes sorted by value; columns nom, valeur, code (nulls are left out).

    ``references``: (label, value) drawn as dashed vertical rules (e.g. the Nord, the agglomeration)."""
    data = df.filter(pl.col("valeur").is_not_null()).with_columns(
        (pl.col("code") == (highlight or "")).alias("choisi")
    ).to_dicts()
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("nom:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        x=alt.X("valeur:Q", title=f"{title} ({unite})" if title else unite, axis=_axis(decimales)),
        tooltip=[alt.Tooltip("nom:N", title="Commune"),
                 alt.Tooltip("valeur:Q", title=unite, format=_fmt(decimales))],
    )
    bars = base.mark_bar().encode(
        color=alt.condition("datum.choisi", alt.value(HIGHLIGHT), alt.value(NEUTRAL)))
    layers = bars
    if references:
        refs = [{"libelle": f"{label} : {nombre(value, decimales)}", "valeur": value}
                for label, value in references]
        ref_data = alt.Data(values=refs)
        rule = alt.Chart(ref_data).mark_rule(strokeDash=[6, 4], color=ANNOTATION_COLOUR, strokeWidth=2).encode(
            x="valeur:Q", tooltip=[alt.Tooltip("libelle:N", title="Repère")])
        text = alt.Chart(ref_data).mark_text(align="left", dx=4, dy=-6, fontSize=font_size,
                                             color=ANNOTATION_COLOUR).encode(
            x="valeur:Q", y=alt.value(0), text="libelle:N")
        layers = bars + rule + text
    return _finish(layers, height=_row_step(font_size), font_size=font_size)


def classement_chart(haut: pl.DataFrame, bas: pl.DataFrame | None, unite: str, decimales: int = 1,
                     autres: int = 0, reference: tuple[str, float] | None = None, titre: str = "",
                     font_size: int = FONT_SIZE, height: int | None = None) -> alt.Chart:
    """A ranking for a room or a printed page: ``haut`` (highest first), then — when ``bas`` is given — a break
    row « … N autres communes … » and ``bas``; columns nom, valeur and optionally secret.

    Every row carries its value written beside its bar; a row without a value has no bar and says
    « secret statistique » or « non disponible » beside its name (never an empty bar). ``reference``:
    (label, value) of the agglomeration, drawn as a dashed line with its label. Whole-number ticks for whole
    numbers; the tick labels never overlap."""
    def rows(df: pl.DataFrame, groupe: str) -> list[dict]:
        out = []
        for r in df.iter_rows(named=True):
            v = r.get("valeur")
            texte = (SECRET_TEXT if r.get("secret") else MISSING_TEXT) if v is None else nombre(v, decimales)
            out.append({"nom": r["nom"], "valeur": v, "x": v if v is not None else 0, "texte": texte,
                        "groupe": groupe})
        return out

    data = rows(haut, "haut")
    if bas is not None and bas.height:
        data.append({"nom": f"… {autres} autres communes …" if autres else "…", "valeur": None, "x": 0,
                     "texte": "", "groupe": "coupure"})
        data += rows(bas, "bas")
    order = [d["nom"] for d in data]
    known = [d["valeur"] for d in data if d["valeur"] is not None]
    top = max(known + ([reference[1]] if reference else []), default=0)
    domain_max = top * 1.18 if top > 0 else 1
    axis_kw: dict = {"tickCount": 5, "labelOverlap": True, "labelFlush": True}
    if decimales == 0 and top <= 10:
        axis_kw["values"] = list(range(0, math.floor(domain_max) + 1))
    x = alt.X("x:Q", title=f"{titre} ({unite})" if titre else unite, axis=_axis(decimales, **axis_kw),
              scale=alt.Scale(domain=[0, domain_max], nice=False))
    y = alt.Y("nom:N", sort=order, title=None,
              axis=alt.Axis(labelLimit=420, labelOverlap=False, ticks=False, labelPadding=8))
    base = alt.Chart(alt.Data(values=data)).encode(y=y)
    bars = base.transform_filter("datum.valeur != null").mark_bar(color=NEUTRAL).encode(
        x=x, tooltip=[alt.Tooltip("nom:N", title="Commune"),
                      alt.Tooltip("valeur:Q", title=unite, format=_fmt(decimales))])
    text = base.mark_text(align="left", dx=6, fontSize=font_size, color=ANNOTATION_COLOUR).encode(
        x="x:Q", text="texte:N")
    layers = bars + text
    if reference is not None:
        ref = alt.Data(values=[{"valeur": reference[1],
                                "libelle": f"{reference[0]} : {nombre(reference[1], decimales)}"}])
        rule = alt.Chart(ref).mark_rule(strokeDash=[8, 5], color=HIGHLIGHT, strokeWidth=3).encode(
            x="valeur:Q", tooltip=[alt.Tooltip("libelle:N", title="Repère")])
        right = reference[1] > 0.55 * domain_max  # the label stays inside the chart: on the line's left side
        label = alt.Chart(ref).mark_text(align="right" if right else "left", dx=-6 if right else 6,
                                         dy=-round(0.7 * font_size), fontSize=font_size,
                                         fontWeight="bold", color=HIGHLIGHT).encode(
            x="valeur:Q", y=alt.value(0), text="libelle:N")
        layers = layers + rule + label
    return _finish(layers, height=height or _row_step(font_size), font_size=font_size)


def _label_room(data: list[dict]):
    top = max((d["valeur"] for d in data), default=0)
    return top * LABEL_ROOM if top > 0 else alt.Undefined


def comparison_chart(df: pl.DataFrame, unite: str, decimales: int = 1, font_size: int = FONT_SIZE,
                     height: int | None = None) -> alt.Chart:
    """One bar per territory (the chosen one, then the comparison levels); columns nom, valeur, annee.

    ``font_size``: PROJECTION_FONT_SIZE in council (rows grow with it); ``height``: a fixed height in pixels
    (the séance's screen) instead of rows sized by the font."""
    data = df.filter(pl.col("valeur").is_not_null()).with_columns(
        (pl.col("nom") + " (" + pl.col("annee").cast(pl.String) + ")").alias("etiquette")
    ).to_dicts()
    order = [d["etiquette"] for d in data]
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("etiquette:N", sort=order, title=None, axis=alt.Axis(labelLimit=320 if height is None else 560)),
        x=alt.X("valeur:Q", title=unite, axis=_axis(decimales, tickCount=6, labelOverlap=True, labelFlush=True),
                # 15 % of room on the right so that the value written after the longest bar is not cut
                scale=alt.Scale(domainMax=_label_room(data))),
        color=alt.Color("etiquette:N", sort=order, scale=alt.Scale(range=LEVEL_COLOURS), legend=None),
        tooltip=[alt.Tooltip("nom:N", title="Territoire"), alt.Tooltip("annee:O", title="Année"),
                 alt.Tooltip("valeur:Q", title=unite, format=_fmt(decimales))],
    )
    labels = chart.mark_text(align="left", dx=4, fontSize=font_size).encode(
        text=alt.Text("valeur:Q", format=_fmt(decimales)), color=alt.value(ANNOTATION_COLOUR))
    return _finish(chart + labels, height=height or alt.Step(3 * font_size), font_size=font_size)


def counts_from_zero(unite: str, decimales: int) -> bool:
    """Counts (whole numbers, not a percentage) are drawn from zero: an axis 158 100 → 158 800 would make
    a 0,4 % change look steep."""
    return decimales == 0 and unite != "%"


def _debut_axe(values: list[float], decimales: int) -> tuple[float, float]:
    """A readable y domain for a series that does not start at zero: its range widened by half on each side
    (a narrow series keeps its height without a steep look), the lower end rounded down to a whole step."""
    lo, hi = min(values), max(values)
    spread = (hi - lo) or abs(hi) * 0.1 or 1.0
    step = 10 ** math.floor(math.log10(spread)) if spread > 0 else 1.0
    start = math.floor((lo - spread / 2) / step) * step
    if lo >= 0:
        start = max(start, 0.0)
    return round(start, max(decimales, 0) + 2), hi + spread / 2


def series_chart(df: pl.DataFrame, unite: str, decimales: int = 1, font_size: int = FONT_SIZE,
                 zero: bool | None = None, height: int | None = None, etiquettes: bool = False) -> alt.Chart:
    """Lines over years, one per territory (columns nom, annee, valeur). ``zero``: start the axis at 0
    (default: for counts, see :func:`counts_from_zero`); an axis that does not start at 0 says where it
    starts in its title. ``height``: pixels (320 by default); ``etiquettes``: each point's value written
    above it (the séance's screen)."""
    data = df.filter(pl.col("valeur").is_not_null()).to_dicts()
    zero = counts_from_zero(unite, decimales) if zero is None else zero
    scale = alt.Scale(zero=zero)
    title = unite
    if not zero:
        title = f"{unite} (axe ne partant pas de zéro)"
        if data:
            lo, hi = _debut_axe([d["valeur"] for d in data], decimales)
            scale = alt.Scale(zero=False, domain=[lo, hi], nice=False)
            title = f"{unite} (axe à partir de {nombre(lo, decimales)}, pas de zéro)"
    chart = alt.Chart(alt.Data(values=data)).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
        x=alt.X("annee:O", title="Année", axis=alt.Axis(labelAngle=0)),
        # the axis title written across the top, where its whole length fits (a rotated one is cut short)
        y=alt.Y("valeur:Q", title=title, scale=scale,
                axis=_axis(decimales, tickCount=5, labelOverlap=True, titleAngle=0, titleAlign="left",
                           titleAnchor="end", titleBaseline="bottom", titleX=0, titleY=-round(0.8 * font_size))),
        color=alt.Color("nom:N", title="Territoire", scale=alt.Scale(range=LEVEL_COLOURS)),
        strokeDash=alt.StrokeDash("nom:N", legend=None),
        tooltip=[alt.Tooltip("nom:N", title="Territoire"), alt.Tooltip("annee:O", title="Année"),
                 alt.Tooltip("valeur:Q", title=unite, format=_fmt(decimales))],
    )
    if etiquettes:
        chart = chart + alt.Chart(alt.Data(values=data)).mark_text(
            dy=-round(0.9 * font_size), fontSize=font_size, color=ANNOTATION_COLOUR).encode(
            x="annee:O", y="valeur:Q", text=alt.Text("valeur:Q", format=_fmt(decimales)))
    return _finish(chart, height=height or 320, font_size=font_size)


def distribution_chart(df: pl.DataFrame, unite: str, decimales: int = 1, font_size: int = FONT_SIZE) -> alt.Chart:
    """Box per zone: whiskers min–max, box q1–q3, tick = median (columns nom, minimum, q1, mediane, q3,
    maximum)."""
    data = df.filter(pl.col("n_valeurs") > 0).to_dicts()
    base = alt.Chart(alt.Data(values=data)).encode(y=alt.Y("nom:N", title=None, axis=alt.Axis(labelLimit=260)))
    fmt = _fmt(decimales)
    tooltip = [alt.Tooltip("nom:N", title="Zone"), alt.Tooltip("n_valeurs:Q", title="Communes avec valeur"),
               alt.Tooltip("minimum:Q", title="Minimum", format=fmt),
               alt.Tooltip("q1:Q", title="1er quartile", format=fmt),
               alt.Tooltip("mediane:Q", title="Médiane des communes", format=fmt),
               alt.Tooltip("q3:Q", title="3e quartile", format=fmt),
               alt.Tooltip("maximum:Q", title="Maximum", format=fmt)]
    rule = base.mark_rule(color="#444").encode(x=alt.X("minimum:Q", title=unite, axis=_axis(decimales)),
                                               x2="maximum:Q", tooltip=tooltip)
    box = base.mark_bar(size=18, color=NEUTRAL, opacity=0.7).encode(x="q1:Q", x2="q3:Q", tooltip=tooltip)
    median = base.mark_tick(color=HIGHLIGHT, thickness=3, size=22).encode(x="mediane:Q", tooltip=tooltip)
    return _finish(rule + box + median, height=max(120, 45 * len(data)), font_size=font_size)


def stacked_sectors_chart(df: pl.DataFrame, unite: str, decimales: int = 1, font_size: int = FONT_SIZE) -> alt.Chart:
    """Horizontal stacked bars by territory (nom) and sector (secteur, valeur)."""
    data = df.filter(pl.col("valeur").is_not_null()).to_dicts()
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("nom:N", title=None, sort="-x", axis=alt.Axis(labelLimit=220)),
        x=alt.X("sum(valeur):Q", title=unite, axis=_axis(decimales)),
        color=alt.Color("secteur:N", title="Secteur", scale=alt.Scale(scheme="tableau10")),
        order=alt.Order("secteur:N"),
        tooltip=[alt.Tooltip("nom:N", title="Territoire"), alt.Tooltip("secteur:N", title="Secteur"),
                 alt.Tooltip("valeur:Q", title=unite, format=_fmt(decimales))],
    )
    return _finish(chart, height=_row_step(font_size), font_size=font_size)  # a readable label on every row


def trajectory_chart(observed: pl.DataFrame, path: pl.DataFrame, unite: str, current_year: int,
                     decimales: int = 1, gap_text: str = "", font_size: int = FONT_SIZE) -> alt.Chart:
    """Observed series (solid), target path (dotted), a rule at the current year (« aujourd'hui »), the
    latest observation marked with its year and age, the gap annotated.

    observed: annee, valeur; path: annee, valeur (reference → target)."""
    fmt = _fmt(decimales)
    obs = alt.Chart(alt.Data(values=observed.to_dicts())).mark_line(
        point=alt.OverlayMarkDef(size=90), color=NEUTRAL, strokeWidth=3).encode(
        x=alt.X("annee:Q", title="Année", axis=alt.Axis(format="d")),
        y=alt.Y("valeur:Q", title=unite, axis=alt.Axis(format=fmt)),
        tooltip=[alt.Tooltip("annee:Q", title="Année", format="d"),
                 alt.Tooltip("valeur:Q", title=f"Observé ({unite})", format=fmt)])
    traj = alt.Chart(alt.Data(values=path.to_dicts())).mark_line(
        strokeDash=[6, 5], color=HIGHLIGHT, strokeWidth=2).encode(
        x="annee:Q", y="valeur:Q",
        tooltip=[alt.Tooltip("annee:Q", title="Année", format="d"),
                 alt.Tooltip("valeur:Q", title=f"Trajectoire ({unite})", format=fmt)])
    now = alt.Chart(alt.Data(values=[{"annee": current_year, "texte": f"aujourd'hui : {current_year}"}])).mark_rule(
        color="#666", strokeDash=[2, 2]).encode(x="annee:Q")
    now_label = alt.Chart(alt.Data(values=[{"annee": current_year, "texte": f"aujourd'hui : {current_year}"}])
                          ).mark_text(align="left", dx=4, baseline="top", fontSize=font_size, color="#444").encode(
        x="annee:Q", y=alt.value(2), text="texte:N")
    layers = obs + traj + now + now_label
    if not observed.is_empty():
        # the marker of the latest observation, with its year and age (and the gap to the path when there is one)
        last = observed.sort("annee").tail(1).to_dicts()[0]
        age = current_year - int(last["annee"])
        text = (f"dernière observation : {last['annee']}"
                + (f" (donnée de {age} an{'s' if age > 1 else ''})" if age > 0 else "")
                + (f" · {gap_text}" if gap_text else ""))
        marker = alt.Chart(alt.Data(values=[{**last, "texte": text}])).mark_point(
            shape="diamond", size=260, filled=True, color=ANNOTATION_COLOUR).encode(x="annee:Q", y="valeur:Q")
        note = alt.Chart(alt.Data(values=[{**last, "texte": text}])).mark_text(
            align="left", dx=12, dy=-14, fontSize=font_size, color=ANNOTATION_COLOUR).encode(
            x="annee:Q", y="valeur:Q", text="texte:N")
        layers = layers + marker + note
    return _finish(layers, height=340, font_size=font_size)


# ---------------------------------------------------------------- map
def quantile_breaks(values: list[float], n_classes: int = 5) -> list[float]:
    """Class limits by quantiles of the non-missing values (n_classes − 1 inner limits, sorted, unique)."""
    vals = sorted(v for v in values if v is not None)
    if len(vals) < 2:
        return []
    breaks = []
    for i in range(1, n_classes):
        pos = (len(vals) - 1) * i / n_classes
        lo, hi = int(pos), min(int(pos) + 1, len(vals) - 1)
        breaks.append(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo))
    return sorted(set(breaks))


def class_of(value: float, breaks: list[float]) -> int:
    return sum(1 for b in breaks if value > b)


def _hex_to_rgb(h: str) -> list[int]:
    return [int(h[i:i + 2], 16) for i in (1, 3, 5)]


def class_labels(breaks: list[float], minimum: float, maximum: float, fmt) -> list[str]:
    limits = [minimum, *breaks, maximum]
    return [f"de {fmt(limits[i])} à {fmt(limits[i + 1])}" for i in range(len(limits) - 1)]


#: The map's click selection (a Vega-Lite point parameter on the communes' layer, keyed by the commune's code).
SELECTION_COMMUNE = "commune"
MAP_HEIGHT = 560


def commune_cliquee(event) -> str | None:
    """The code of the commune clicked on a :func:`choropleth` (the selection event that
    ``st.vega_lite_chart(..., on_select="rerun")`` returns), or None: no event, no selection, or a selection
    without a commune (an event of another shape)."""
    try:
        points = event.selection.get(SELECTION_COMMUNE, []) if event is not None else []
        return str(points[0]["code"]) if points else None
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _feature(geojson: str) -> dict:
    """A stored geometry as the GeoJSON feature Vega's ``shape`` channel reads (a bare geometry projects to NaN)."""
    return {"type": "Feature", "geometry": json.loads(geojson), "properties": {}}


def rgb_hex(rgb: list[int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def choropleth(communes: pl.DataFrame, geoms: pl.DataFrame, outlines: pl.DataFrame | None, fmt,
               unite: str) -> tuple[dict, list[tuple[str, list[int]]]]:
    """A choropleth of the communes as a Vega-Lite spec (a dict: no Altair object, no WebGL) and the legend
    [(label, rgb)].

    communes: code, nom, valeur, secret, nom_zone; geoms: code, geojson, lon, lat (communes);
    outlines: geojson of the zones of the chosen zoning (drawn as thick lines), or None.
    Drawn by Vega in the page (SVG): no basemap, nothing fetched from another host (the council room may be
    offline), and a map that costs what a chart costs — the WebGL map it replaces took seconds to draw on a
    computer without a graphics card. A click selects a commune (:func:`commune_cliquee`); the projection is
    France's official one (Lambert-93 is a conic conformal projection), fitted to the communes.
    """
    values = [v for v in communes["valeur"].to_list() if v is not None]
    breaks = quantile_breaks(values)
    palette = SEQUENTIAL_5[-(len(breaks) + 1):] if breaks else [SEQUENTIAL_5[2]]
    geo_by_code = {r["code"]: r for r in geoms.iter_rows(named=True)}
    rows = []
    for row in communes.iter_rows(named=True):
        g = geo_by_code.get(row["code"])
        if g is None:
            continue
        if row["secret"]:
            colour, text = rgb_hex(SECRET_RGB), "secret statistique"
        elif row["valeur"] is None:
            colour, text = rgb_hex(MISSING_RGB), "non disponible"
        else:
            colour, text = palette[class_of(row["valeur"], breaks)], f"{fmt(row['valeur'])} {unite}"
        rows.append({"code": row["code"], "nom": row["nom"], "valeur_texte": text,
                     "zone": row.get("nom_zone") or "", "couleur": colour, "geo": _feature(g["geojson"])})
    selectionnee = {"param": SELECTION_COMMUNE, "empty": False}
    layers: list[dict] = [{
        "name": "communes",
        "data": {"values": rows},
        "mark": {"type": "geoshape", "cursor": "pointer"},
        "params": [{"name": SELECTION_COMMUNE, "select": {"type": "point", "fields": ["code"], "on": "click",
                                                          "clear": "dblclick"}}],
        "encoding": {
            "shape": {"field": "geo", "type": "geojson"},
            "fill": {"field": "couleur", "type": "nominal", "scale": None, "legend": None},
            "stroke": {"condition": {**selectionnee, "value": HIGHLIGHT}, "value": "#ffffff"},
            "strokeWidth": {"condition": {**selectionnee, "value": 3}, "value": 0.8},
            "tooltip": [{"field": "nom", "type": "nominal", "title": "Commune"},
                        {"field": "valeur_texte", "type": "nominal", "title": "Valeur"},
                        {"field": "zone", "type": "nominal", "title": "Zone"}],
        },
    }]
    if outlines is not None and not outlines.is_empty():
        zones = [{"nom": r["nom"], "geo": _feature(r["geojson"])} for r in outlines.iter_rows(named=True)]
        layers.append({
            "name": "zones",
            "data": {"values": zones},
            # no fill at all (``filled: false`` alone paints a transparent fill, which would take the communes'
            # hovers and clicks), no tooltip: only the line is drawn and the communes under it stay clickable
            "mark": {"type": "geoshape", "filled": False, "fill": None, "stroke": "#141414", "strokeWidth": 3,
                     "tooltip": None},
            "encoding": {"shape": {"field": "geo", "type": "geojson"}},
        })
    spec = {
        "$schema": alt.SCHEMA_URL,
        "width": "container", "height": MAP_HEIGHT,
        "projection": {"type": "conicConformal", "parallels": [44, 49], "rotate": [-3, 0]},
        "layer": layers,
        "view": {"stroke": None},
        "config": {"locale": FRENCH_LOCALE},
    }
    legend = []
    if values:
        for label, hexcol in zip(class_labels(breaks, min(values), max(values), fmt), palette, strict=False):
            legend.append((label, _hex_to_rgb(hexcol)))
    if communes["secret"].any():
        legend.append(("secret statistique", SECRET_RGB))
    if communes.filter(~pl.col("secret") & pl.col("valeur").is_null()).height:
        legend.append(("non disponible", MISSING_RGB))
    return spec, legend


def sensitivity_chart(df: pl.DataFrame) -> alt.Chart:
    """Rank range per territory (rule min–max, tick = median, dot = current rank), best on top.

    Columns of :func:`barometre.calculs.bien_etre.tableau_sensibilite`. Rank 1 is at the left: the axis
    reads "better to the left".
    """
    data = df.to_dicts()
    order = [d["nom"] for d in data]
    n = max([d["rang_max"] for d in data], default=1)
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("nom:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)))
    tooltip = [alt.Tooltip("nom:N", title="Territoire"), alt.Tooltip("rang:Q", title="Rang actuel"),
               alt.Tooltip("rang_min:Q", title="Meilleur rang"),
               alt.Tooltip("rang_median:Q", title="Rang médian"),
               alt.Tooltip("rang_max:Q", title="Moins bon rang")]
    x = alt.X("rang_min:Q", title="Rang (1 = meilleur score) sur les pondérations tirées au hasard",
              scale=alt.Scale(domain=[1, n]), axis=alt.Axis(tickMinStep=1, format="d"))
    rule = base.mark_rule(color="#555", strokeWidth=3).encode(x=x, x2="rang_max:Q", tooltip=tooltip)
    median = base.mark_tick(color=NEUTRAL, thickness=3, size=14).encode(x="rang_median:Q", tooltip=tooltip)
    current = base.mark_point(color=HIGHLIGHT, filled=True, size=70).encode(x="rang:Q", tooltip=tooltip)
    chart = (rule + median + current).properties(width="container", height=max(160, 18 * len(data)))
    return configure_text(chart)
