"""Charts of the panel and label pages as pure functions (no Streamlit): the QR code of a vote link, the full
distribution of a vote's ratings, the resulting weighting, and the map layer of labelled projects."""

from __future__ import annotations

import base64
import html
import io
import math

import altair as alt
import polars as pl
import segno

from barometre.charts.indicateurs import configure_text, rgb_hex

# Labelled projects on the map: a dark ring around a bright fill, visible over every class of the choropleth.
PROJET_RGB = [0, 158, 115]  # Okabe-Ito bluish green
PROJET_CONTOUR_RGB = [20, 20, 20]
PROJET_RAYON_PX = 9


def qr_png(url: str, echelle: int = 8) -> bytes:
    """The QR code of ``url`` as a PNG (error correction M, quiet zone kept): shown with st.image, whose
    HTML sanitising would drop an inline SVG."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=echelle, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_img(url: str, echelle: int = 4) -> str:
    """An ``<img>`` of the QR code of ``url`` (PNG data URI) for HTML sheets; ``url`` is escaped."""
    data = base64.b64encode(qr_png(url, echelle)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="QR code : {html.escape(url)}">'


def distribution_chart(frame: pl.DataFrame, font_size: int = 16) -> alt.Chart:
    """One row of bars per voted object: how many ballots gave each rating 0–5 (the whole distribution,
    never only the mean). ``frame``: libelle, note, votes (barometre.calculs.panel.distribution_frame)."""
    data = frame.with_columns(pl.col("note").cast(pl.String).alias("note_texte")).to_dicts()
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar(color="#0072B2").encode(
        x=alt.X("note_texte:O", title="Note", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("votes:Q", title="Bulletins", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("libelle:N", title="Objet"), alt.Tooltip("note_texte:O", title="Note"),
                 alt.Tooltip("votes:Q", title="Bulletins")])
    labels = base.mark_text(dy=-8, fontSize=font_size).encode(
        x="note_texte:O", y="votes:Q", text=alt.Text("votes:Q", format="d"))
    chart = (bars + labels).properties(width=220, height=160).facet(
        facet=alt.Facet("libelle:N", title=None, header=alt.Header(labelFontSize=font_size, labelLimit=320)),
        columns=3)
    return configure_text(chart, font_size)


def poids_chart(poids: dict[str, float], libelles: dict[str, str], font_size: int = 16) -> alt.Chart:
    """The resulting weighting, one bar per object (weight in %)."""
    data = [{"libelle": libelles.get(k, k), "poids": round(100 * v, 1)} for k, v in poids.items()]
    base = alt.Chart(alt.Data(values=data))
    bars = base.mark_bar(color="#009E73").encode(
        y=alt.Y("libelle:N", title=None, sort=None, axis=alt.Axis(labelLimit=400)),
        x=alt.X("poids:Q", title="Poids (%)"),
        tooltip=[alt.Tooltip("libelle:N", title="Objet"), alt.Tooltip("poids:Q", title="Poids (%)")])
    text = base.mark_text(align="left", dx=4, fontSize=font_size).encode(
        y=alt.Y("libelle:N", sort=None), x="poids:Q", text=alt.Text("poids:Q", format=".1f"))
    return configure_text((bars + text).properties(height=alt.Step(font_size * 2.4)), font_size)


def couche_projets(projets: list[dict]) -> dict:
    """The labelled projects as a Vega-Lite layer of a :func:`barometre.charts.indicateurs.choropleth` (points at
    their longitude and latitude, in the map's projection). ``projets``: dicts with lat, lon, titre, porteur,
    commune_nom, position (« lieu du projet » / « centre de la commune »). Typed text stays data: Vega's
    tooltip shows each value as text (it escapes HTML)."""
    data = [{"lat": p["lat"], "lon": p["lon"], "titre": p["titre"], "porteur": p["porteur"],
             "commune": p["commune_nom"], "position": p["position"]} for p in projets]
    return {
        "name": "projets_labellises",
        "data": {"values": data},
        "mark": {"type": "circle", "size": math.pi * PROJET_RAYON_PX ** 2, "opacity": 1,
                 "fill": rgb_hex(PROJET_RGB), "stroke": rgb_hex(PROJET_CONTOUR_RGB), "strokeWidth": 2},
        "encoding": {
            "longitude": {"field": "lon", "type": "quantitative"},
            "latitude": {"field": "lat", "type": "quantitative"},
            "tooltip": [{"field": "titre", "type": "nominal", "title": "Projet labellisé"},
                        {"field": "porteur", "type": "nominal", "title": "Porteur"},
                        {"field": "commune", "type": "nominal", "title": "Commune"},
                        {"field": "position", "type": "nominal", "title": "Position"}],
        },
    }
