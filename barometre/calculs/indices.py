"""Composite indices: UNDP HDI, the Hauts-de-France IDH-4 and a Better-Life-style well-being index.

Pure functions on plain Python values (no streamlit, no I/O) so they can be tested with pytest and
reused from the command line. Grain: every function works on one territory (a commune, the
agglomeration, a country) or on a mapping ``territory -> value``; territories are identified by a
string (an INSEE code or a name, the caller decides).

Sources (see also /work/shared/METHODS.md):

- UNDP HDI: Human Development Report technical notes (HDR 2021/2022 and 2023/2024 use the same
  goalposts). Since 2010 the HDI is the geometric mean of three dimension indices.
- IDH-4: regional human development index of Hauts-de-France (catalogue record ``idh.idh4`` of the
  regional GeoNetwork, GéoTerritoires / Agence Hauts-de-France 2040; method from notes D2DPE n°24, 2009,
  and n°56, 2015). Its goalposts are the min/max observed among communes, never fixed constants, so
  they travel with every result in a :class:`Goalposts` object that says where they come from.
- Better-Life-style index: OECD Better Life Index method (min-max normalisation, equal weights
  inside a topic, user weights ``rating / sum of ratings``), here with the citizen panel's ratings.

Missing values are ``None`` everywhere (``float('nan')`` is accepted as missing on input). A missing
input is never replaced by a substitute value: what cannot be computed is returned as ``None``.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

# --------------------------------------------------------------------------------------------------
# UNDP Human Development Index
# --------------------------------------------------------------------------------------------------

#: Source of the UNDP goalposts below.
UNDP_GOALPOSTS_SOURCE = (
    "UNDP, Human Development Report 2021/2022 and 2023/2024, Technical notes: "
    "Human Development Index (goalposts for the dimension indices)"
)
#: Life expectancy at birth, years. 20: no country fell below it in the 20th century; 85: aspirational (UNDP).
UNDP_LIFE_EXPECTANCY_MIN = 20.0
UNDP_LIFE_EXPECTANCY_MAX = 85.0
#: Expected years of schooling, years. 18 years = a master's degree in most countries (UNDP).
UNDP_EXPECTED_YEARS_MIN = 0.0
UNDP_EXPECTED_YEARS_MAX = 18.0
#: Mean years of schooling of adults aged 25 and over, years. 15 = projected maximum for 2025 (UNDP).
UNDP_MEAN_YEARS_MIN = 0.0
UNDP_MEAN_YEARS_MAX = 15.0
#: Gross national income per capita, 2017 PPP $ (natural logarithms are used in the income index).
#: $100: unmeasured subsistence production; $75,000: little well-being gain above it (UNDP, after
#: Kahneman and Deaton 2010).
UNDP_GNI_MIN = 100.0
UNDP_GNI_MAX = 75_000.0


def _require_finite(value: float, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError (French message) if it is not a finite number."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"La valeur « {name} » est manquante ou invalide (reçu : {value!r}).")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"La valeur « {name} » doit être un nombre fini (reçu : {value!r}).")
    return number


def _clip_unit(x: float) -> float:
    """Clip ``x`` to the closed interval [0, 1]."""
    return min(1.0, max(0.0, x))


def _is_missing(value: float | None) -> bool:
    """True for ``None`` and NaN (how polars nulls and failed divisions usually arrive)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def undp_dimension_indices(
    life_expectancy: float,
    expected_years: float,
    mean_years: float,
    gni_per_capita: float,
) -> dict[str, float]:
    """UNDP HDI dimension indices, each in [0, 1].

    Args:
        life_expectancy: life expectancy at birth, years.
        expected_years: expected years of schooling, years.
        mean_years: mean years of schooling of adults aged 25+, years.
        gni_per_capita: gross national income per capita, 2017 PPP $ (must be > 0).

    Returns:
        ``{"health", "expected_schooling", "mean_schooling", "education", "income"}``:
        ``(actual - min) / (max - min)`` with the ``UNDP_*`` goalposts, natural logs for income,
        ``education`` = arithmetic mean of the two schooling indices. Each index is capped to [0, 1]
        (e.g. 19 expected years of schooling or a life expectancy of 90 give 1, as in the HDR).

    Raises:
        ValueError: a value is missing or not finite, or the GNI is not strictly positive.
    """
    le = _require_finite(life_expectancy, "espérance de vie")
    eys = _require_finite(expected_years, "durée attendue de scolarisation")
    mys = _require_finite(mean_years, "durée moyenne de scolarisation")
    gni = _require_finite(gni_per_capita, "RNB par habitant")
    if gni <= 0:
        raise ValueError(f"Le RNB par habitant doit être strictement positif (reçu : {gni_per_capita!r}).")

    health = _clip_unit(
        (le - UNDP_LIFE_EXPECTANCY_MIN) / (UNDP_LIFE_EXPECTANCY_MAX - UNDP_LIFE_EXPECTANCY_MIN)
    )
    expected = _clip_unit(
        (eys - UNDP_EXPECTED_YEARS_MIN) / (UNDP_EXPECTED_YEARS_MAX - UNDP_EXPECTED_YEARS_MIN)
    )
    mean = _clip_unit((mys - UNDP_MEAN_YEARS_MIN) / (UNDP_MEAN_YEARS_MAX - UNDP_MEAN_YEARS_MIN))
    income = _clip_unit(
        (math.log(gni) - math.log(UNDP_GNI_MIN)) / (math.log(UNDP_GNI_MAX) - math.log(UNDP_GNI_MIN))
    )
    return {
        "health": health,
        "expected_schooling": expected,
        "mean_schooling": mean,
        "education": (expected + mean) / 2.0,
        "income": income,
    }


def undp_hdi(
    life_expectancy: float,
    expected_years: float,
    mean_years: float,
    gni_per_capita: float,
) -> float:
    """UNDP Human Development Index (2010 method), dimensionless in [0, 1].

    Geometric mean of the health, education and income indices of :func:`undp_dimension_indices`
    (units and goalposts as documented there). A dimension index of 0 gives an HDI of 0.
    """
    dims = undp_dimension_indices(life_expectancy, expected_years, mean_years, gni_per_capita)
    return (dims["health"] * dims["education"] * dims["income"]) ** (1.0 / 3.0)


# --------------------------------------------------------------------------------------------------
# IDH-4 (Hauts-de-France regional human development index)
# --------------------------------------------------------------------------------------------------

#: Source of the IDH-4 method (goalposts are observed, see :class:`Goalposts`).
IDH4_SOURCE = (
    "IDH-4 Hauts-de-France : fiche idh.idh4 du GeoNetwork régional (GéoTerritoires / Agence "
    "Hauts-de-France 2040, cartes 2022 et 2023) ; méthode : notes D2DPE n°24 (2009) et n°56 (2015)"
)
#: Names of the three IDH-4 inputs, as reported in :attr:`Idh4Result.missing`.
IDH4_INPUTS = ("icm", "diploma_share", "median_income")


@dataclass(frozen=True)
class Goalposts:
    """Min/max bounds of the IDH-4 normalisation, with where they come from.

    The IDH-4 goalposts are the minimum and maximum observed among a set of communes (the region's
    communes for the published maps), so a goalpost set must be explicit, stored and shown.

    Attributes:
        icm_min, icm_max: comparative mortality index (ICM, all causes, OR2S; 100 = reference level),
            dimensionless.
        diploma_min, diploma_max: share of people aged 15+ out of school who hold a diploma; any unit
            (percent or fraction) as long as the values passed to :func:`idh4` use the same one.
        income_min, income_max: median disposable income per consumption unit, euros per year
            (strictly positive: the income sub-index uses logarithms).
        description: where the bounds come from, e.g. "min/max observés parmi les communes de la
            région, millésime 2019" or "min/max observés parmi les communes fournies".

    Raises:
        ValueError: a bound is not finite, a minimum is not strictly below its maximum, the income
            minimum is not strictly positive, or the description is empty.
    """

    icm_min: float
    icm_max: float
    diploma_min: float
    diploma_max: float
    income_min: float
    income_max: float
    description: str

    def __post_init__(self) -> None:
        pairs = (
            ("ICM", self.icm_min, self.icm_max),
            ("part de diplômés", self.diploma_min, self.diploma_max),
            ("revenu médian", self.income_min, self.income_max),
        )
        for label, low, high in pairs:
            _require_finite(low, f"borne minimale ({label})")
            _require_finite(high, f"borne maximale ({label})")
            if not low < high:
                raise ValueError(
                    f"Bornes dégénérées pour « {label} » : le minimum ({low}) doit être strictement "
                    f"inférieur au maximum ({high})."
                )
        if self.income_min <= 0:
            raise ValueError(
                f"Le revenu médian minimal doit être strictement positif (reçu : {self.income_min})."
            )
        if not self.description or not self.description.strip():
            raise ValueError("Les bornes de l'IDH-4 doivent indiquer leur provenance (description vide).")


def goalposts_from_observed(
    icm_values: Iterable[float | None],
    diploma_values: Iterable[float | None],
    income_values: Iterable[float | None],
    description: str,
) -> Goalposts:
    """Goalposts = min and max observed in each series (missing values ``None``/NaN are skipped).

    Args:
        icm_values: ICM of the reference communes (dimensionless, 100 = reference level).
        diploma_values: diploma shares of the reference communes (percent or fraction).
        income_values: median disposable incomes per consumption unit, euros per year.
        description: where the observations come from (shown next to every IDH-4 value), e.g.
            "min/max observés parmi les communes de la région, millésime 2019".

    Raises:
        ValueError: a series has no observed value, or fewer than two distinct values (min = max
            leaves the normalisation undefined), or see :class:`Goalposts`.
    """

    def bounds(values: Iterable[float | None], label: str) -> tuple[float, float]:
        observed = [_require_finite(v, label) for v in values if not _is_missing(v)]
        if not observed:
            raise ValueError(f"Aucune valeur observée pour « {label} » : impossible de fixer les bornes.")
        return min(observed), max(observed)

    icm_min, icm_max = bounds(icm_values, "ICM")
    diploma_min, diploma_max = bounds(diploma_values, "part de diplômés")
    income_min, income_max = bounds(income_values, "revenu médian")
    return Goalposts(
        icm_min=icm_min,
        icm_max=icm_max,
        diploma_min=diploma_min,
        diploma_max=diploma_max,
        income_min=income_min,
        income_max=income_max,
        description=description,
    )


def idh4_health(icm: float, gp: Goalposts) -> float:
    """IDH-4 health sub-index ``1 − (ICM − min)/(max − min)``, clipped to [0, 1].

    A higher mortality index (ICM, dimensionless, 100 = reference level) gives a lower sub-index.
    Values outside the goalposts (possible when the goalposts come from another set of communes or
    another vintage) are clipped: ICM below the minimum gives 1, above the maximum gives 0.
    """
    x = _require_finite(icm, "ICM")
    return _clip_unit(1.0 - (x - gp.icm_min) / (gp.icm_max - gp.icm_min))


def idh4_education(share: float, gp: Goalposts) -> float:
    """IDH-4 education sub-index ``(x − min)/(max − min)``, clipped to [0, 1].

    ``share``: share of people aged 15+ out of school who hold a diploma, in the same unit as the
    goalposts (percent or fraction). Values outside the goalposts are clipped to 0 or 1.
    """
    x = _require_finite(share, "part de diplômés")
    return _clip_unit((x - gp.diploma_min) / (gp.diploma_max - gp.diploma_min))


def idh4_income(median_income: float, gp: Goalposts) -> float:
    """IDH-4 standard-of-living sub-index ``(ln x − ln min)/(ln max − ln min)``, clipped to [0, 1].

    ``median_income``: median disposable income per consumption unit, euros per year (> 0).
    Values outside the goalposts are clipped to 0 or 1.

    Raises:
        ValueError: the income is not strictly positive.
    """
    x = _require_finite(median_income, "revenu médian")
    if x <= 0:
        raise ValueError(f"Le revenu médian doit être strictement positif (reçu : {median_income!r}).")
    return _clip_unit(
        (math.log(x) - math.log(gp.income_min)) / (math.log(gp.income_max) - math.log(gp.income_min))
    )


@dataclass(frozen=True)
class Idh4Result:
    """IDH-4 of one territory, with its sub-indices (each in [0, 1] or ``None``).

    Attributes:
        health, education, income: sub-indices, ``None`` when their input is missing.
        index: arithmetic mean of the three sub-indices, ``None`` as soon as one input is missing.
        missing: names of the missing inputs, among :data:`IDH4_INPUTS`, in that order.
        out_of_range: names of the inputs that fell outside the goalposts and were clipped.
        goalposts: the goalposts used (they carry their own description).
    """

    health: float | None
    education: float | None
    income: float | None
    index: float | None
    missing: tuple[str, ...]
    out_of_range: tuple[str, ...]
    goalposts: Goalposts


def idh4(
    icm: float | None,
    diploma_share: float | None,
    median_income: float | None,
    gp: Goalposts,
) -> Idh4Result:
    """IDH-4 = arithmetic mean of the health, education and income sub-indices.

    Args:
        icm: comparative mortality index (dimensionless, 100 = reference level), or ``None``.
        diploma_share: share of 15+ out of school with a diploma (unit of the goalposts), or ``None``.
        median_income: median disposable income per consumption unit, euros per year, or ``None``.
        gp: the goalposts (see :class:`Goalposts`).

    Returns:
        An :class:`Idh4Result`. When an input is missing (``None`` or NaN), the sub-indices that can
        be computed are kept, the index is ``None`` and ``missing`` names the missing inputs: no value
        is ever substituted. Inputs outside the goalposts are clipped to [0, 1] and listed in
        ``out_of_range``.
    """
    inputs = {"icm": icm, "diploma_share": diploma_share, "median_income": median_income}
    missing = tuple(name for name in IDH4_INPUTS if _is_missing(inputs[name]))
    ranges = {
        "icm": (gp.icm_min, gp.icm_max),
        "diploma_share": (gp.diploma_min, gp.diploma_max),
        "median_income": (gp.income_min, gp.income_max),
    }
    out_of_range = tuple(
        name
        for name in IDH4_INPUTS
        if name not in missing and not ranges[name][0] <= float(inputs[name]) <= ranges[name][1]
    )
    health = None if "icm" in missing else idh4_health(icm, gp)
    education = None if "diploma_share" in missing else idh4_education(diploma_share, gp)
    income = None if "median_income" in missing else idh4_income(median_income, gp)
    index = None if missing else (health + education + income) / 3.0
    return Idh4Result(
        health=health,
        education=education,
        income=income,
        index=index,
        missing=missing,
        out_of_range=out_of_range,
        goalposts=gp,
    )


# --------------------------------------------------------------------------------------------------
# Better-Life-style well-being index, weighted by the citizen panel
# --------------------------------------------------------------------------------------------------

#: Source of the method (normalisation, equal weights in a topic, weights = rating / sum of ratings).
BETTER_LIFE_SOURCE = (
    "OECD Better Life Index, méthodologie (oecdbetterlifeindex.org) ; OECD Regional Well-Being"
)
#: Score given to every territory when an indicator takes the same value everywhere: min-max is
#: undefined (0/0); the midpoint keeps the indicator neutral in comparisons instead of rewarding or
#: penalising every territory (a choice of this project, not an OECD rule).
MINMAX_ALL_EQUAL_SCORE = 0.5


def minmax_normalise(
    values: Mapping[str, float | None],
    higher_is_better: bool,
) -> dict[str, float | None]:
    """Min-max normalise one indicator across territories: ``(v − min)/(max − min)`` in [0, 1].

    Args:
        values: ``territory -> value`` in the indicator's own unit; ``None``/NaN = missing.
        higher_is_better: ``False`` for indicators where more is worse (unemployment, PM2.5...):
            the score is then inverted, ``1 − (v − min)/(max − min)``.

    Returns:
        ``territory -> score``, same keys as ``values``: 1 for the best observed territory, 0 for
        the worst; missing stays ``None``; if all observed values are equal (or only one is
        observed) every observed territory gets :data:`MINMAX_ALL_EQUAL_SCORE` (0.5).
    """
    observed = {k: _require_finite(v, str(k)) for k, v in values.items() if not _is_missing(v)}
    result: dict[str, float | None] = dict.fromkeys(values)
    if not observed:
        return result
    low, high = min(observed.values()), max(observed.values())
    for territory, v in observed.items():
        if high == low:
            score = MINMAX_ALL_EQUAL_SCORE
        else:
            score = _clip_unit((v - low) / (high - low))
        result[territory] = score if higher_is_better else 1.0 - score
    return result


def dimension_scores(
    indicators: Mapping[str, Mapping[str, float | None]],
    directions: Mapping[str, bool],
    dimensions: Mapping[str, Sequence[str]],
) -> dict[str, dict[str, float | None]]:
    """Score of each territory on each dimension (topic), in [0, 1].

    Args:
        indicators: ``indicator_id -> {territory -> value}`` (raw values, indicator units).
        directions: ``indicator_id -> higher_is_better``.
        dimensions: ``dimension -> [indicator_id, ...]``.

    Returns:
        ``dimension -> {territory -> score}``: each indicator is normalised with
        :func:`minmax_normalise` across all territories that have it, then the dimension score is
        the unweighted mean of the territory's *available* normalised indicators (equal weights
        inside a dimension, as in the OECD Better Life Index); ``None`` if none is available. Every
        territory that appears in any indicator appears in every dimension.

    Raises:
        ValueError: a dimension lists no indicator, or an indicator has no values or no direction.
    """
    territories: dict[str, None] = {}
    for series in indicators.values():
        territories.update(dict.fromkeys(series))
    normalised: dict[str, dict[str, float | None]] = {}
    result: dict[str, dict[str, float | None]] = {}
    for dimension, indicator_ids in dimensions.items():
        if not indicator_ids:
            raise ValueError(f"La dimension « {dimension} » ne contient aucun indicateur.")
        for indicator_id in indicator_ids:
            if indicator_id not in indicators:
                raise ValueError(f"Indicateur « {indicator_id} » inconnu (dimension « {dimension} »).")
            if indicator_id not in directions:
                raise ValueError(f"Sens de lecture manquant pour l'indicateur « {indicator_id} ».")
            if indicator_id not in normalised:
                normalised[indicator_id] = minmax_normalise(
                    indicators[indicator_id], directions[indicator_id]
                )
        scores: dict[str, float | None] = {}
        for territory in territories:
            available = [
                s
                for indicator_id in indicator_ids
                if (s := normalised[indicator_id].get(territory)) is not None
            ]
            scores[territory] = statistics.fmean(available) if available else None
        result[dimension] = scores
    return result


def normalise_weights(ratings: Mapping[str, float]) -> dict[str, float]:
    """Weights from the panel's ratings: ``weight = rating / Σ ratings`` (they sum to 1).

    Args:
        ratings: ``dimension -> rating`` (the OECD tool uses an integer scale, e.g. 0–5; any
            non-negative number is accepted).

    Returns:
        ``dimension -> weight`` in [0, 1]. If every rating is 0, all dimensions get equal weights
        ``1 / n`` (the OECD tool's default: all topics equal).

    Raises:
        ValueError: no dimension, or a rating is negative or not finite.
    """
    if not ratings:
        raise ValueError("Aucune dimension à pondérer.")
    checked = {d: _require_finite(r, f"note de « {d} »") for d, r in ratings.items()}
    negative = [d for d, r in checked.items() if r < 0]
    if negative:
        raise ValueError(f"Les notes doivent être positives ou nulles (négatives : {', '.join(negative)}).")
    total = math.fsum(checked.values())
    if total == 0:
        return {d: 1.0 / len(checked) for d in checked}
    return {d: r / total for d, r in checked.items()}


def composite_scores(
    dimension_scores: Mapping[str, Mapping[str, float | None]],
    weights: Mapping[str, float],
) -> dict[str, float | None]:
    """Composite well-being score ``Σ weight × dimension score`` for each territory.

    Args:
        dimension_scores: ``dimension -> {territory -> score in [0, 1] or None}``.
        weights: ``dimension -> weight`` (normally from :func:`normalise_weights`, summing to 1, so
            the composite is in [0, 1]); a dimension absent from ``weights`` has weight 0.

    Returns:
        ``territory -> composite``. A territory whose score is missing (``None`` or absent) on a
        dimension with a nonzero weight gets ``None``: its composite is not computed over the other
        dimensions, which would silently change the panel's weighting. Dimensions with weight 0
        are ignored, missing or not.

    Raises:
        ValueError: a weight is negative or not finite, or a nonzero weight names an unknown dimension.
    """
    for dimension, raw in weights.items():
        w = _require_finite(raw, f"poids de « {dimension} »")
        if w < 0:
            raise ValueError(f"Le poids de « {dimension} » doit être positif ou nul (reçu : {w}).")
        if w > 0 and dimension not in dimension_scores:
            raise ValueError(f"Dimension « {dimension} » pondérée mais sans scores.")
    territories: dict[str, None] = {}
    for scores in dimension_scores.values():
        territories.update(dict.fromkeys(scores))
    active = [(d, float(w)) for d, w in weights.items() if w > 0]
    result: dict[str, float | None] = {}
    for territory in territories:
        terms = []
        for dimension, w in active:
            score = dimension_scores[dimension].get(territory)
            if _is_missing(score):
                terms = None
                break
            terms.append(w * score)
        result[territory] = None if terms is None else math.fsum(terms)
    return result


def ranks(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Rank territories by score, 1 = best (highest score).

    Ties (exactly equal scores) share the lowest rank and the next rank is skipped ("1, 1, 3"
    competition ranking). Territories without a score keep ``None`` and are not counted.
    """
    observed = sorted((s for s in scores.values() if not _is_missing(s)), reverse=True)
    first_position: dict[float, int] = {}
    for position, s in enumerate(observed, start=1):
        first_position.setdefault(s, position)
    return {t: None if _is_missing(s) else first_position[s] for t, s in scores.items()}


def draw_simplex_weights(dimensions: Sequence[str], rng: random.Random) -> dict[str, float]:
    """One weight vector drawn uniformly on the simplex (Dirichlet(1, …, 1)), summing to 1.

    Uses the standard construction: independent Exp(1) draws divided by their sum.
    """
    if not dimensions:
        raise ValueError("Aucune dimension à pondérer.")
    draws = [rng.expovariate(1.0) for _ in dimensions]
    total = math.fsum(draws)
    return {d: x / total for d, x in zip(dimensions, draws, strict=True)}


class RankRange(NamedTuple):
    """Spread of a territory's rank over random weightings (see :func:`rank_sensitivity`)."""

    min_rank: int
    median_rank: float
    max_rank: int


def rank_sensitivity(
    dimension_scores: Mapping[str, Mapping[str, float | None]],
    n_draws: int,
    seed: int,
) -> dict[str, RankRange | None]:
    """How much each territory's rank depends on the weights given to the dimensions.

    Draws ``n_draws`` weight vectors uniformly on the simplex (Dirichlet(1, …, 1), with
    ``random.Random(seed)``: deterministic for a given seed), computes the composite scores and
    ranks for each, and summarises every territory's ranks.

    Returns:
        ``territory -> RankRange(min_rank, median_rank, max_rank)``; ``median_rank`` may end in .5
        for an even number of draws. ``None`` for a territory missing a dimension score (all drawn
        weights are positive, so it never gets a composite).

    Raises:
        ValueError: ``n_draws`` < 1 or no dimension.
    """
    if n_draws < 1:
        raise ValueError(f"Le nombre de tirages doit être au moins 1 (reçu : {n_draws}).")
    dims = list(dimension_scores)
    territories: dict[str, None] = {}
    for scores in dimension_scores.values():
        territories.update(dict.fromkeys(scores))
    # Decided once, not per draw: a territory missing a dimension is left out of every ranking
    # (even in the vanishingly rare draw where that dimension's weight underflows to 0).
    complete = [t for t in territories if all(not _is_missing(dimension_scores[d].get(t)) for d in dims)]
    complete_scores = {d: {t: dimension_scores[d][t] for t in complete} for d in dims}
    rng = random.Random(seed)
    collected: dict[str, list[int]] = {t: [] for t in complete}
    for _ in range(n_draws):
        weights = draw_simplex_weights(dims, rng)
        for territory, rank in ranks(composite_scores(complete_scores, weights)).items():
            collected[territory].append(rank)
    return {
        t: (
            RankRange(min(collected[t]), statistics.median(collected[t]), max(collected[t]))
            if t in collected
            else None
        )
        for t in territories
    }
