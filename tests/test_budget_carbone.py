"""Carbon budget: known answers on a straight path to zero."""

import math

from barometre.calculs.budget_carbone import METHODE_FR, budget_carbone
from barometre.calculs.targets import trajectory

PATH = trajectory(2020, 1000.0, 2050, 0.0)  # 1 000 t in 2020 down to 0 in 2050, straight


def test_allowed_consumed_remaining_and_year_it_runs_out():
    b = budget_carbone([(2020, 1000), (2023, 900)], PATH, 2026)
    # allowed: 1000/30 × (26 + 25 + … + 0) = 1000/30 × 351
    assert math.isclose(b.autorise, 1000 / 30 * 351)
    assert b.consomme == 1800 and b.annees_estimees == (2024, 2025)  # 2024, 2025 at the 2023 pace
    assert math.isclose(b.restant, 11700 - 1800)
    assert (b.rythme, b.annee_rythme) == (900, 2023)
    assert b.annee_epuisement == 2036  # 9 900 / 900 = 11 years: 2026 … 2036


def test_observed_years_are_counted_as_observed_and_units_scaled():
    b = budget_carbone([(2020, 1.0), (2024, 0.8), (2025, 0.7)], trajectory(2020, 1.0, 2050, 0.0), 2026,
                       facteur=1000)
    assert b.consomme == 1500 and b.annees_estimees == ()
    assert b.rythme == 700


def test_overdrawn_budget_and_no_data():
    tight = trajectory(2020, 100.0, 2025, 0.0)  # allowed 2024–2050: 20 + 0 … = 20
    b = budget_carbone([(2020, 100)], tight, 2027)
    assert math.isclose(b.autorise, 20) and b.consomme == 300 and b.restant < 0
    assert b.annee_epuisement == 2024
    assert budget_carbone([], PATH, 2026) is None
    assert budget_carbone([(2020, 5)], trajectory(2025, 5.0, 2050, 0.0), 2026) is None  # path starts late
    assert budget_carbone([(2020, 0.0)], PATH, 2026).annee_epuisement is None
    assert "2024" in METHODE_FR and "2050" in METHODE_FR


def test_the_choices_give_the_range_issue_19_measured():
    """Reference year, path shape and gross vs net change the budget from about 11.0 to 17.4 Mt, exhausted
    between 2034 and 2040 (1 065,7 kteq in 2016, the only inventory loaded, read in 2026)."""
    from barometre.calculs.budget_carbone import Choix, budget_choisi, fourchette, variantes

    obs = [(2016, 1065.68570732)]
    vs = variantes(obs, 2026)
    assert len(vs) == 4  # one observed reference year × two shapes × two scopes
    f = fourchette(vs)
    assert round(f.autorise_min / 1e6, 1) == 11.0 and round(f.autorise_max / 1e6, 1) == 17.4
    assert (f.epuisement_min, f.epuisement_max) == (2034, 2040)
    strict = budget_choisi(obs, Choix(2016, "lineaire", "brut"), 2026)
    assert vs[0][1] == strict and vs[0][0].texte() == "référence 2016, trajectoire linéaire, émissions brutes"
    assert budget_choisi(obs, Choix(2017, "lineaire", "brut"), 2026) is None  # not an observed year
