"""The cached Vega-Lite specs the pages draw (``barometre.ui.graphiques``): the same spec as the chart
function's, built without Altair's per-object schema validation (issue #24: it made up a large part of a
select change's server time; tests/test_charts.py validates every chart function's full spec)."""

from __future__ import annotations

import altair as alt
from altair.utils import schemapi

from barometre.charts import indicateurs as charts
from barometre.ui import graphiques
from tests.test_charts import COMMUNES, DISTRIBUTION


def test_spec_is_the_charts_and_skips_the_validation_at_each_object(monkeypatch):
    expected = {
        "ranking_chart": charts.ranking_chart(COMMUNES, "%", 1, "59172", "Taux", [("Nord", 18.2)]).to_dict(),
        "distribution_chart": charts.distribution_chart(DISTRIBUTION, "%", 1).to_dict(),
    }
    validated: list[str] = []
    original = schemapi.SchemaBase.to_dict

    def to_dict(self, *args, validate: bool = True, **kwargs):
        if validate:
            validated.append(type(self).__name__)
        return original(self, *args, validate=validate, **kwargs)

    monkeypatch.setattr(schemapi.SchemaBase, "to_dict", to_dict)
    graphiques.spec.clear()
    got = {"ranking_chart": graphiques.spec("ranking_chart", COMMUNES, "%", 1, "59172", "Taux", [("Nord", 18.2)]),
           "distribution_chart": graphiques.spec("distribution_chart", DISTRIBUTION, "%", 1)}
    assert got == expected
    assert validated == []  # no object validated as it was built
    assert schemapi.DEBUG_MODE is True  # Altair's own setting is left as it was
    assert isinstance(charts.ranking_chart(COMMUNES, "%", 1), alt.TopLevelMixin)
