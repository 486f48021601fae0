"""Tests of barometre.calculs.indices: known values (UNDP published HDI, hand-computed IDH-4 and Better-Life
examples) and hypothesis properties (bounds, monotonicity, inversion, weights, None propagation)."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barometre.calculs.indices import (
    IDH4_INPUTS,
    MINMAX_ALL_EQUAL_SCORE,
    Goalposts,
    RankRange,
    composite_scores,
    dimension_scores,
    draw_simplex_weights,
    goalposts_from_observed,
    idh4,
    idh4_education,
    idh4_health,
    idh4_income,
    minmax_normalise,
    normalise_weights,
    rank_sensitivity,
    ranks,
    undp_dimension_indices,
    undp_hdi,
)

# --------------------------------------------------------------------------------------------------
# UNDP HDI
# --------------------------------------------------------------------------------------------------

# Inputs and HDI for 2021 from UNDP, Human Development Report 2021/2022, statistical annex, Table 1
# "Human Development Index and its components": life expectancy at birth (years), expected years of
# schooling (years), mean years of schooling (years), GNI per capita (2017 PPP $), HDI value.
# The table rounds inputs to 1 decimal (GNI to the dollar) and the HDI to 3 decimals, so the HDI
# recomputed from it may differ from the published one by up to about 0.001.
HDR_2021_22_TABLE_1 = {
    "Switzerland": (84.0, 16.5, 13.9, 66_933, 0.962),
    "Norway": (83.2, 18.2, 13.0, 64_660, 0.961),  # expected years above the 18-year goalpost
    "France": (82.5, 15.8, 11.6, 45_937, 0.903),
    "Chile": (78.9, 16.7, 10.9, 24_563, 0.855),
    "South Sudan": (55.0, 5.5, 5.7, 768, 0.385),  # lowest HDI of the 2021/2022 report
}

# Same countries, unrounded inputs from the file published with that report,
# HDR21-22_Composite_indices_complete_time_series.csv (columns le_2021, eys_2021, mys_2021,
# gnipc_2021, hdi_2021). Only the published HDI's own rounding remains: ±0.0005.
HDR_2021_22_TIME_SERIES_2021 = {
    "Switzerland": (83.9872, 16.50029945, 13.85966015, 66_933.00454, 0.962),
    "Norway": (83.2339, 18.18519974, 13.00362968, 64_660.10622, 0.961),
    "France": (82.4988, 15.81206989, 11.61005974, 45_937.05273, 0.903),
    "Chile": (78.9435, 16.73130035, 10.9349663, 24_563.24486, 0.855),
    "South Sudan": (54.9752, 5.54251, 5.726140022, 767.787, 0.385),
}

EPS = 1e-9  # float noise on top of the rounding tolerances


@pytest.mark.parametrize("country", sorted(HDR_2021_22_TABLE_1))
def test_undp_hdi_reproduces_hdr_2021_22_table_1(country: str) -> None:
    le, eys, mys, gni, published = HDR_2021_22_TABLE_1[country]
    assert abs(undp_hdi(le, eys, mys, gni) - published) <= 0.001 + EPS


@pytest.mark.parametrize("country", sorted(HDR_2021_22_TIME_SERIES_2021))
def test_undp_hdi_reproduces_hdr_2021_22_unrounded_inputs(country: str) -> None:
    le, eys, mys, gni, published = HDR_2021_22_TIME_SERIES_2021[country]
    assert round(undp_hdi(le, eys, mys, gni), 3) == published


def test_undp_hdi_orders_published_countries() -> None:
    values = {c: undp_hdi(*row[:4]) for c, row in HDR_2021_22_TIME_SERIES_2021.items()}
    assert sorted(values, key=values.get, reverse=True) == [
        "Switzerland",
        "Norway",
        "France",
        "Chile",
        "South Sudan",
    ]


def test_undp_dimension_indices_hand_computed() -> None:
    dims = undp_dimension_indices(72.5, 9.0, 7.5, 1_000)
    assert dims["health"] == pytest.approx(52.5 / 65)
    assert dims["expected_schooling"] == pytest.approx(0.5)
    assert dims["mean_schooling"] == pytest.approx(0.5)
    assert dims["education"] == pytest.approx(0.5)
    assert dims["income"] == pytest.approx(math.log(10) / math.log(750))
    assert undp_hdi(72.5, 9.0, 7.5, 1_000) == pytest.approx(
        (52.5 / 65 * 0.5 * math.log(10) / math.log(750)) ** (1 / 3)
    )


def test_undp_caps_values_above_goalposts() -> None:
    dims = undp_dimension_indices(90.0, 19.2, 16.0, 150_000)
    assert dims == {
        "health": 1.0,
        "expected_schooling": 1.0,
        "mean_schooling": 1.0,
        "education": 1.0,
        "income": 1.0,
    }
    assert undp_hdi(90.0, 19.2, 16.0, 150_000) == 1.0


def test_undp_norway_expected_schooling_capped() -> None:
    # Norway's 18.2 expected years count as 18: the schooling index is 1, not 18.2/18.
    dims = undp_dimension_indices(83.2, 18.2, 13.0, 64_660)
    assert dims["expected_schooling"] == 1.0
    assert dims["education"] == pytest.approx((1.0 + 13.0 / 15) / 2)


def test_undp_floors_values_below_goalposts() -> None:
    dims = undp_dimension_indices(15.0, 0.0, 0.0, 50)
    assert dims["health"] == 0.0
    assert dims["income"] == 0.0
    assert undp_hdi(15.0, 0.0, 0.0, 50) == 0.0


@pytest.mark.parametrize(
    "args",
    [
        (80.0, 15.0, 12.0, 0.0),
        (80.0, 15.0, 12.0, -5.0),
        (float("nan"), 15.0, 12.0, 40_000),
        (80.0, None, 12.0, 40_000),
        (80.0, 15.0, float("inf"), 40_000),
    ],
)
def test_undp_rejects_invalid_inputs(args: tuple) -> None:
    with pytest.raises(ValueError):
        undp_hdi(*args)


le_st = st.floats(min_value=0, max_value=120, allow_nan=False)
years_st = st.floats(min_value=0, max_value=25, allow_nan=False)
gni_st = st.floats(min_value=1, max_value=500_000, allow_nan=False)


@given(le_st, years_st, years_st, gni_st)
def test_undp_bounds_and_geometric_mean(le: float, eys: float, mys: float, gni: float) -> None:
    dims = undp_dimension_indices(le, eys, mys, gni)
    assert all(0.0 <= v <= 1.0 for v in dims.values())
    hdi = undp_hdi(le, eys, mys, gni)
    assert 0.0 <= hdi <= 1.0
    # geometric mean: never above the arithmetic mean, never above the largest index
    arithmetic = (dims["health"] + dims["education"] + dims["income"]) / 3
    assert hdi <= arithmetic + 1e-12
    assert hdi <= max(dims["health"], dims["education"], dims["income"]) + 1e-12


@given(le_st, years_st, years_st, gni_st, gni_st)
def test_undp_more_income_never_lowers_hdi(le: float, eys: float, mys: float, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert (
        undp_dimension_indices(le, eys, mys, low)["income"]
        <= undp_dimension_indices(le, eys, mys, high)["income"]
    )
    assert undp_hdi(le, eys, mys, low) <= undp_hdi(le, eys, mys, high) + 1e-12


@given(st.floats(min_value=85, max_value=150, allow_nan=False))
def test_undp_life_expectancy_at_or_above_85_caps_health(le: float) -> None:
    assert undp_dimension_indices(le, 10, 10, 10_000)["health"] == 1.0


# --------------------------------------------------------------------------------------------------
# IDH-4
# --------------------------------------------------------------------------------------------------

GP = Goalposts(
    icm_min=70.0,
    icm_max=130.0,
    diploma_min=50.0,
    diploma_max=80.0,
    income_min=15_000.0,
    income_max=30_000.0,
    description="bornes de test (valeurs inventées)",
)


def test_goalposts_from_observed_takes_min_max_and_skips_missing() -> None:
    gp = goalposts_from_observed(
        [101.0, None, 87.5, 120.0],
        [60.0, 72.0, float("nan"), 55.0],
        [19_500.0, 23_000.0, 17_800.0, None],
        "min/max observés parmi les communes fournies",
    )
    assert (gp.icm_min, gp.icm_max) == (87.5, 120.0)
    assert (gp.diploma_min, gp.diploma_max) == (55.0, 72.0)
    assert (gp.income_min, gp.income_max) == (17_800.0, 23_000.0)
    assert gp.description == "min/max observés parmi les communes fournies"


def test_goalposts_are_frozen() -> None:
    with pytest.raises(AttributeError):
        GP.icm_min = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"icm_min": 130.0, "icm_max": 70.0},  # min above max
        {"diploma_min": 60.0, "diploma_max": 60.0},  # degenerate
        {"income_min": 0.0},  # log of 0
        {"income_max": float("nan")},
        {"description": "   "},  # a goalpost set must say where it comes from
    ],
)
def test_goalposts_validation(kwargs: dict) -> None:
    base = {
        "icm_min": 70.0,
        "icm_max": 130.0,
        "diploma_min": 50.0,
        "diploma_max": 80.0,
        "income_min": 15_000.0,
        "income_max": 30_000.0,
        "description": "test",
    }
    with pytest.raises(ValueError):
        Goalposts(**{**base, **kwargs})


def test_goalposts_from_observed_rejects_empty_or_constant_series() -> None:
    with pytest.raises(ValueError):
        goalposts_from_observed([None, None], [50, 60], [1e4, 2e4], "test")
    with pytest.raises(ValueError):
        goalposts_from_observed([100, 100], [50, 60], [1e4, 2e4], "test")


def test_idh4_sub_indices_at_goalposts() -> None:
    assert idh4_health(70.0, GP) == 1.0
    assert idh4_health(130.0, GP) == 0.0
    assert idh4_health(100.0, GP) == pytest.approx(0.5)
    assert idh4_education(50.0, GP) == 0.0
    assert idh4_education(80.0, GP) == 1.0
    assert idh4_education(65.0, GP) == pytest.approx(0.5)
    assert idh4_income(15_000.0, GP) == 0.0
    assert idh4_income(30_000.0, GP) == pytest.approx(1.0)
    # log scale: the geometric midpoint, not the arithmetic one, scores 0.5
    assert idh4_income(15_000.0 * math.sqrt(2), GP) == pytest.approx(0.5)
    assert idh4_income(22_500.0, GP) > 0.5


def test_idh4_hand_computed_commune() -> None:
    result = idh4(85.0, 59.0, 20_000.0, GP)
    health = 1 - 15 / 60
    education = 9 / 30
    income = math.log(20_000 / 15_000) / math.log(2)
    assert result.health == pytest.approx(health)
    assert result.education == pytest.approx(education)
    assert result.income == pytest.approx(income)
    assert result.index == pytest.approx((health + education + income) / 3)
    assert result.index == pytest.approx(0.4883, abs=1e-4)  # (0.75 + 0.3 + 0.4150) / 3
    assert result.missing == ()
    assert result.out_of_range == ()
    assert result.goalposts is GP


def test_idh4_clips_values_outside_goalposts() -> None:
    result = idh4(60.0, 90.0, 40_000.0, GP)
    assert (result.health, result.education, result.income, result.index) == (1.0, 1.0, 1.0, 1.0)
    assert result.out_of_range == IDH4_INPUTS
    low = idh4(140.0, 40.0, 10_000.0, GP)
    assert (low.health, low.education, low.income, low.index) == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("icm", "share", "income", "missing"),
    [
        (None, 65.0, 20_000.0, ("icm",)),
        (100.0, None, 20_000.0, ("diploma_share",)),
        (100.0, 65.0, None, ("median_income",)),
        (100.0, float("nan"), None, ("diploma_share", "median_income")),
        (None, None, None, IDH4_INPUTS),
    ],
)
def test_idh4_missing_input_keeps_other_sub_indices(icm, share, income, missing) -> None:
    result = idh4(icm, share, income, GP)
    assert result.index is None
    assert result.missing == missing
    assert (result.health is None) == ("icm" in missing)
    assert (result.education is None) == ("diploma_share" in missing)
    assert (result.income is None) == ("median_income" in missing)
    if icm is not None:
        assert result.health == pytest.approx(0.5)
    if income is not None:
        assert result.income == pytest.approx(idh4_income(20_000.0, GP))


def test_idh4_income_rejects_non_positive() -> None:
    with pytest.raises(ValueError):
        idh4_income(0.0, GP)


icm_st = st.floats(min_value=0, max_value=300, allow_nan=False)
share_st = st.floats(min_value=0, max_value=100, allow_nan=False)
income_st = st.floats(min_value=1, max_value=200_000, allow_nan=False)


@given(icm_st, share_st, income_st)
def test_idh4_bounds_and_arithmetic_mean(icm: float, share: float, income: float) -> None:
    result = idh4(icm, share, income, GP)
    for value in (result.health, result.education, result.income, result.index):
        assert 0.0 <= value <= 1.0
    assert result.index == pytest.approx((result.health + result.education + result.income) / 3)


@given(income_st, income_st)
def test_idh4_more_income_higher_income_index(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert idh4_income(low, GP) <= idh4_income(high, GP)


@given(icm_st, icm_st)
def test_idh4_higher_mortality_lower_health_index(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert idh4_health(high, GP) <= idh4_health(low, GP)


@given(
    st.lists(icm_st, min_size=2, max_size=30, unique=True),
    st.lists(share_st, min_size=2, max_size=30, unique=True),
    st.lists(income_st, min_size=2, max_size=30, unique=True),
)
def test_idh4_observed_goalposts_span_unit_interval(icms, shares, incomes) -> None:
    gp = goalposts_from_observed(icms, shares, incomes, "min/max observés parmi les communes fournies")
    healths = [idh4_health(x, gp) for x in icms]
    educations = [idh4_education(x, gp) for x in shares]
    income_indices = [idh4_income(x, gp) for x in incomes]
    # with goalposts observed on the same communes, nothing is clipped and the extremes hit 0 and 1
    assert min(healths) == 0.0 and max(healths) == 1.0
    assert min(educations) == 0.0 and max(educations) == pytest.approx(1.0)
    assert min(income_indices) == 0.0 and max(income_indices) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------------
# Better-Life-style index
# --------------------------------------------------------------------------------------------------


def test_minmax_normalise_known_values() -> None:
    values = {"a": 10.0, "b": 20.0, "c": 15.0, "d": None}
    assert minmax_normalise(values, higher_is_better=True) == {"a": 0.0, "b": 1.0, "c": 0.5, "d": None}
    assert minmax_normalise(values, higher_is_better=False) == {"a": 1.0, "b": 0.0, "c": 0.5, "d": None}


def test_minmax_normalise_all_equal_gives_midpoint() -> None:
    assert MINMAX_ALL_EQUAL_SCORE == 0.5
    for direction in (True, False):
        assert minmax_normalise({"a": 3.0, "b": 3.0, "c": None}, direction) == {
            "a": 0.5,
            "b": 0.5,
            "c": None,
        }
        assert minmax_normalise({"a": 7.0}, direction) == {"a": 0.5}


def test_minmax_normalise_nothing_observed() -> None:
    assert minmax_normalise({"a": None, "b": float("nan")}, True) == {"a": None, "b": None}
    assert minmax_normalise({}, True) == {}


values_st = st.dictionaries(
    st.text(min_size=1, max_size=5),
    st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
    max_size=20,
)


@given(values_st)
def test_minmax_inversion_bounds_and_none(values) -> None:
    up = minmax_normalise(values, higher_is_better=True)
    down = minmax_normalise(values, higher_is_better=False)
    assert up.keys() == values.keys() == down.keys()
    for key, raw in values.items():
        if raw is None:
            assert up[key] is None and down[key] is None
        else:
            assert 0.0 <= up[key] <= 1.0
            assert down[key] == pytest.approx(1.0 - up[key])
    observed = [v for v in values.values() if v is not None]
    if len(set(observed)) > 1:
        best = max(values, key=lambda k: -math.inf if values[k] is None else values[k])
        assert up[best] == 1.0 and down[best] == 0.0


@given(values_st)
def test_minmax_preserves_order(values) -> None:
    scores = minmax_normalise(values, higher_is_better=True)
    observed = [(v, scores[k]) for k, v in values.items() if v is not None]
    for v1, s1 in observed:
        for v2, s2 in observed:
            if v1 < v2:
                assert s1 <= s2


INDICATORS = {
    "revenu": {"A": 20_000.0, "B": 25_000.0, "C": 30_000.0, "D": None},
    "chomage": {"A": 10.0, "B": 15.0, "C": 20.0, "D": 12.0},  # more is worse
    "pm25": {"A": 8.0, "B": 12.0, "C": None, "D": None},  # more is worse
}
DIRECTIONS = {"revenu": True, "chomage": False, "pm25": False}
DIMENSIONS = {"niveau_de_vie": ["revenu", "chomage"], "environnement": ["pm25"]}


def test_dimension_scores_known_values() -> None:
    scores = dimension_scores(INDICATORS, DIRECTIONS, DIMENSIONS)
    # revenu: A 0, B 0.5, C 1; chomage (inverted): A 1, B 0.5, C 0, D 0.8
    assert scores["niveau_de_vie"]["A"] == pytest.approx(0.5)
    assert scores["niveau_de_vie"]["B"] == pytest.approx(0.5)
    assert scores["niveau_de_vie"]["C"] == pytest.approx(0.5)
    assert scores["niveau_de_vie"]["D"] == pytest.approx(0.8)  # only the available indicator
    assert scores["environnement"] == {"A": 1.0, "B": 0.0, "C": None, "D": None}


def test_dimension_scores_rejects_unknown_indicator() -> None:
    with pytest.raises(ValueError):
        dimension_scores(INDICATORS, DIRECTIONS, {"x": ["inconnu"]})
    with pytest.raises(ValueError):
        dimension_scores(INDICATORS, {"revenu": True}, {"x": ["chomage"]})
    with pytest.raises(ValueError):
        dimension_scores(INDICATORS, DIRECTIONS, {"vide": []})


def test_normalise_weights_known_values() -> None:
    assert normalise_weights({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}
    assert normalise_weights({"a": 0, "b": 0, "c": 0, "d": 0}) == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}
    assert normalise_weights({"a": 5, "b": 0}) == {"a": 1.0, "b": 0.0}


@pytest.mark.parametrize("ratings", [{"a": 1, "b": -1}, {}, {"a": float("nan")}])
def test_normalise_weights_rejects_invalid(ratings) -> None:
    with pytest.raises(ValueError):
        normalise_weights(ratings)


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(min_value=0, max_value=5), min_size=1))
def test_normalise_weights_sum_to_one_and_keep_proportions(ratings) -> None:
    weights = normalise_weights(ratings)
    assert weights.keys() == ratings.keys()
    assert math.fsum(weights.values()) == pytest.approx(1.0)
    assert all(0.0 <= w <= 1.0 for w in weights.values())
    total = sum(ratings.values())
    for d in ratings:
        expected = ratings[d] / total if total else 1 / len(ratings)
        assert weights[d] == pytest.approx(expected)


def test_composite_scores_known_values_and_missing_dimension() -> None:
    scores = {"d1": {"A": 1.0, "B": 0.0, "C": 0.5}, "d2": {"A": 0.0, "B": 1.0, "C": None}}
    result = composite_scores(scores, {"d1": 0.25, "d2": 0.75})
    assert result["A"] == pytest.approx(0.25)
    assert result["B"] == pytest.approx(0.75)
    assert result["C"] is None  # missing a dimension with a nonzero weight
    # with zero weight on the missing dimension, C gets a score
    assert composite_scores(scores, {"d1": 1.0, "d2": 0.0})["C"] == pytest.approx(0.5)


def test_composite_scores_territory_absent_from_a_dimension_is_none() -> None:
    result = composite_scores({"d1": {"A": 1.0, "B": 0.2}, "d2": {"A": 0.4}}, {"d1": 0.5, "d2": 0.5})
    assert result == {"A": pytest.approx(0.7), "B": None}


def test_composite_scores_rejects_bad_weights() -> None:
    with pytest.raises(ValueError):
        composite_scores({"d1": {"A": 1.0}}, {"d1": -0.5})
    with pytest.raises(ValueError):
        composite_scores({"d1": {"A": 1.0}}, {"d1": 0.5, "inconnue": 0.5})


def test_ranks_ties_share_lowest_rank_and_none_stays_none() -> None:
    result = ranks({"a": 0.9, "b": 0.5, "c": 0.9, "d": None, "e": 0.1})
    assert result == {"a": 1, "b": 3, "c": 1, "d": None, "e": 4}
    assert ranks({}) == {}
    assert ranks({"x": None}) == {"x": None}


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False)),
        max_size=15,
    )
)
def test_ranks_properties(scores) -> None:
    result = ranks(scores)
    assert result.keys() == scores.keys()
    ranked = {t: r for t, r in result.items() if r is not None}
    assert set(ranked) == {t for t, s in scores.items() if s is not None}
    if ranked:
        assert min(ranked.values()) == 1
        assert max(ranked.values()) <= len(ranked)
    for t1 in ranked:
        for t2 in ranked:
            if scores[t1] > scores[t2]:
                assert ranked[t1] < ranked[t2]
            elif scores[t1] == scores[t2]:
                assert ranked[t1] == ranked[t2]


@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=11, unique=True), st.integers())
def test_simplex_weights_sum_to_one(dimensions, seed) -> None:
    weights = draw_simplex_weights(dimensions, random.Random(seed))
    assert list(weights) == dimensions
    assert all(w >= 0 for w in weights.values())
    assert math.fsum(weights.values()) == pytest.approx(1.0)


def test_simplex_weights_are_uniform_on_average() -> None:
    # Dirichlet(1, 1, 1): each weight has mean 1/3 and the first one is below 1/2 with probability 3/4.
    rng = random.Random(2024)
    draws = [draw_simplex_weights(["a", "b", "c"], rng) for _ in range(20_000)]
    assert math.fsum(d["a"] for d in draws) / len(draws) == pytest.approx(1 / 3, abs=0.01)
    assert sum(d["a"] < 0.5 for d in draws) / len(draws) == pytest.approx(0.75, abs=0.015)


SENSITIVITY_SCORES = {
    "d1": {"best": 0.9, "mid_a": 0.8, "mid_b": 0.2, "worst": 0.1, "partial": 0.5},
    "d2": {"best": 0.95, "mid_a": 0.1, "mid_b": 0.7, "worst": 0.05, "partial": None},
    "d3": {"best": 0.9, "mid_a": 0.5, "mid_b": 0.5, "worst": 0.0, "partial": 0.5},
}


def test_rank_sensitivity_deterministic_and_dominance() -> None:
    first = rank_sensitivity(SENSITIVITY_SCORES, n_draws=200, seed=42)
    assert first == rank_sensitivity(SENSITIVITY_SCORES, n_draws=200, seed=42)
    assert first["best"] == RankRange(1, 1, 1)  # best on every dimension: first whatever the weights
    assert first["worst"] == (4, 4, 4)
    assert first["partial"] is None  # missing a dimension: never ranked
    # mid_a and mid_b swap places depending on the weight of d1 vs d2
    assert first["mid_a"].min_rank == 2 and first["mid_a"].max_rank == 3
    assert first["mid_b"].min_rank == 2 and first["mid_b"].max_rank == 3


def test_rank_sensitivity_median_between_min_and_max() -> None:
    result = rank_sensitivity(SENSITIVITY_SCORES, n_draws=51, seed=7)
    ranked = [value for value in result.values() if value is not None]
    assert len(ranked) == 4
    for value in ranked:
        assert value.min_rank <= value.median_rank <= value.max_rank


def test_rank_sensitivity_rejects_no_draw() -> None:
    with pytest.raises(ValueError):
        rank_sensitivity(SENSITIVITY_SCORES, n_draws=0, seed=1)


sensitivity_st = st.integers(min_value=1, max_value=4).flatmap(
    lambda n_dims: st.dictionaries(
        st.sampled_from(["t1", "t2", "t3", "t4", "t5", "t6"]),
        st.lists(
            st.one_of(st.none(), st.floats(min_value=0, max_value=1, allow_nan=False)),
            min_size=n_dims,
            max_size=n_dims,
        ),
        min_size=1,
    ).map(lambda rows: {f"d{i}": {t: row[i] for t, row in rows.items()} for i in range(n_dims)})
)


@settings(deadline=None, max_examples=50)
@given(sensitivity_st, st.integers(min_value=1, max_value=30), st.integers())
def test_rank_sensitivity_properties(scores, n_draws, seed) -> None:
    result = rank_sensitivity(scores, n_draws=n_draws, seed=seed)
    assert result == rank_sensitivity(scores, n_draws=n_draws, seed=seed)
    territories = {t for dim in scores.values() for t in dim}
    complete = {t for t in territories if all(scores[d].get(t) is not None for d in scores)}
    assert result.keys() == territories
    for territory, value in result.items():
        if territory not in complete:
            assert value is None
            continue
        assert 1 <= value.min_rank <= value.median_rank <= value.max_rank <= len(complete)


# --------------------------------------------------------------------------------------------------
# Layering
# --------------------------------------------------------------------------------------------------


def test_indices_module_does_not_import_streamlit() -> None:
    code = "import sys, barometre.calculs.indices; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
