"""The pure chart builders (no Streamlit): a DataFrame in, an Altair chart or a Vega-Lite spec (the maps) out.

- :mod:`barometre.charts.indicateurs`: the indicators' charts and maps (series, ranking, comparison,
  distribution, choropleth), the French number locale, the shared colours and sizes;
- :mod:`barometre.charts.pilotage`: the milestones' timeline of the pilotage pages;
- :mod:`barometre.charts.panel`: the panel and label pages (vote QR code, ratings, labelled projects' map).

Callers import the module they draw with (``from barometre.charts import indicateurs as charts``).
"""
