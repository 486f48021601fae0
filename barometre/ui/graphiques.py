"""Charts drawn from cached Vega-Lite specs.

Building an Altair chart and turning it into a spec costs more than the page's queries (object
construction, deep copies, and a JSON-schema validation of every layer: about a second for the three
charts of an indicator's panel on two cores). The chart functions of :mod:`barometre.charts` are pure, so
their spec is computed once per distinct input (``st.cache_data``), without the validation that the tests
already run on every chart function (tests/test_charts.py), and drawn with ``st.vega_lite_chart``.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from altair.utils import schemapi

from barometre.charts import indicateurs as charts
from barometre.charts import pilotage as charts_pilotage

_MODULES = {"charts": charts, "charts_pilotage": charts_pilotage}


@st.cache_data(show_spinner=False, max_entries=512)
def spec(nom: str, *args: Any, **kwargs: Any) -> dict:
    """The Vega-Lite spec of ``charts.<nom>(*args, **kwargs)`` (``charts_pilotage.<fn>`` for
    ``"charts_pilotage.<fn>"``)."""
    module, _, fonction = nom.rpartition(".")
    # Altair's debug mode validates every schema object against the Vega-Lite JSON schema as it is built
    # (each encode, condition, layer): half of a chart's cost, and it changes nothing in the spec (it can only
    # raise). Off here, as the final validation is (tests/test_charts.py validates every chart function).
    with schemapi.debug_mode(False):
        chart = getattr(_MODULES[module or "charts"], fonction)(*args, **kwargs)
        return chart.to_dict(validate=False)


def afficher(nom: str, *args: Any, alt: str, container=None, **kwargs: Any) -> dict:
    """Draw ``charts.<nom>(*args, **kwargs)`` at the container's width, with its text alternative;
    returns the spec (for the PNG / SVG downloads)."""
    s = spec(nom, *args, **kwargs)
    (container or st).vega_lite_chart(s, width="stretch", alt=alt)
    return s


def carte(spec: dict, *, key: str, alt: str, hauteur: int = charts.MAP_HEIGHT):
    """Draw a map of :func:`barometre.charts.indicateurs.choropleth` at the container's width; returns the
    selection event (read it with ``charts.commune_cliquee``)."""
    return st.vega_lite_chart({**spec, "height": hauteur}, width="stretch", alt=alt, on_select="rerun",
                              selection_mode=charts.SELECTION_COMMUNE, key=key)


def en_json(chart_ou_spec: Any) -> str:
    """A spec (dict) or an Altair chart as Vega-Lite JSON."""
    return json.dumps(chart_ou_spec) if isinstance(chart_ou_spec, dict) else chart_ou_spec.to_json()
