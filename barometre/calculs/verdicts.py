"""Verdicts people can act on: is the figure going the right way, how sure are we, how old is it?

Two separate readings, as Eurostat's SDG monitoring report does:

- **progression** — the territory against its own past (and its target when it has one);
- **situation** — the territory against the Nord, the région and France at the same vintage.

Progression rule with a target (Open SDG / Statistics Canada progress measure): the observed compound
annual growth rate from the base observation to the latest one is divided by the rate that would reach
the target on time from the same base::

    CAGR_obs = (y_i / y_0) ** (1 / (t_i − t_0)) − 1
    CAGR_req = (y_T / y_0) ** (1 / (t_T − t_0)) − 1
    R = d × CAGR_obs / |CAGR_req|        (d = +1 when a rise is wanted, −1 when a fall is wanted)

R ≥ 0,95 « sur la trajectoire », 0,6 ≤ R < 0,95 « à accélérer », 0 ≤ R < 0,6 « progrès insuffisant »,
R < 0 « s'éloigne de l'objectif »; a latest value already at or beyond the target: « objectif atteint ».
Compound rates need positive values: when the target or a value is 0 or negative (carbon neutrality:
0 t in 2050) the same ratio is taken on linear annual changes (units per year), stated in the verdict.

Without a target: the direction of the change between the last two comparable vintages (same
definition, no break of series), judged by the indicator's ``sens`` (« s'améliore », « se dégrade »;
« en hausse » / « en baisse » for a context indicator without favourable direction).

Margins (:class:`barometre.catalogue.Marge`, one per indicator in the catalogue: the producer's where
published, else a documented rule by kind of source): a change between the last two vintages within the
margin is « stable »; a gap with a reference within the margin is « comparable »; a change since the base
of a target within the margin is « trop tôt pour conclure », as is a series of fewer than 2 comparable
points. :func:`dans_la_marge` is the one test, also used by the synthesis (what moved). Every verdict
carries its vintage (the latest observation's year) and the data's age in years at the date of reading.

Pure functions: no Streamlit, no database. ``RULE_FR`` is the text the Méthodologie page shows verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from barometre.catalogue import Marge

# Open SDG thresholds on the ratio R (observed over required growth).
SEUIL_TRAJECTOIRE = 0.95
SEUIL_ACCELERER = 0.6
SEUIL_INSUFFISANT = 0.0

Code = Literal["objectif_atteint", "sur_la_trajectoire", "a_accelerer", "progres_insuffisant", "s_eloigne",
               "s_ameliore", "se_degrade", "stable", "en_hausse", "en_baisse", "trop_tot", "non_juge",
               "plus_favorable", "moins_favorable", "comparable", "au_dessus", "en_dessous"]
Nature = Literal["progression", "situation"]
Tonalite = Literal["favorable", "defavorable", "a_surveiller", "neutre", "incertain"]

LIBELLES: dict[str, str] = {
    "objectif_atteint": "objectif atteint",
    "sur_la_trajectoire": "sur la trajectoire",
    "a_accelerer": "à accélérer",
    "progres_insuffisant": "progrès insuffisant",
    "s_eloigne": "s'éloigne de l'objectif",
    "s_ameliore": "s'améliore",
    "se_degrade": "se dégrade",
    "stable": "stable",
    "en_hausse": "en hausse",
    "en_baisse": "en baisse",
    "trop_tot": "trop tôt pour conclure",
    "non_juge": "non jugé",
    "plus_favorable": "plus favorable",
    "moins_favorable": "moins favorable",
    "comparable": "comparable",
    "au_dessus": "au-dessus",
    "en_dessous": "en dessous",
}
TONALITES: dict[str, Tonalite] = {
    "objectif_atteint": "favorable", "sur_la_trajectoire": "favorable", "a_accelerer": "a_surveiller",
    "progres_insuffisant": "defavorable", "s_eloigne": "defavorable", "s_ameliore": "favorable",
    "se_degrade": "defavorable", "stable": "neutre", "en_hausse": "neutre", "en_baisse": "neutre",
    "trop_tot": "incertain", "non_juge": "incertain", "plus_favorable": "favorable", "moins_favorable": "defavorable",
    "comparable": "neutre", "au_dessus": "neutre", "en_dessous": "neutre",
}
COULEURS: dict[str, str] = {  # text colours with at least 4.5:1 contrast on white
    "favorable": "#1a7f37", "defavorable": "#b42318", "a_surveiller": "#8a5a00", "neutre": "#444444",
    "incertain": "#555555",
}
# ▲ ▼ are kept for the direction of a figure (« ▲ +0,5 pt depuis 2019 »): a verdict never uses an arrow.
# « incertain » (trop tôt, non jugé, non suivi: a verdict still awaited) is a quarter-filled circle, of the
# same family as ● ○ and in common fonts (DejaVu, Segoe UI Symbol); « ? » read as a glyph error and ⏳ has
# no glyph without an emoji font. The symbol only repeats the words written after it (aria-hidden on cards).
SYMBOLES: dict[str, str] = {"favorable": "●", "defavorable": "✖", "a_surveiller": "◆", "neutre": "○",
                            "incertain": "◔"}

RULE_FR = (
    "Deux lectures distinctes. **Progression** (le territoire face à son propre passé) : avec un objectif "
    "chiffré, règle de l'outil Open SDG (Statistique Canada, inspirée d'Eurostat) — le taux de croissance "
    "annuel moyen observé depuis l'observation de base est rapporté au taux qu'il faudrait pour atteindre "
    "la cible à l'échéance, dans le sens souhaité : rapport ≥ 0,95 « sur la trajectoire », de 0,6 à 0,95 "
    "« à accélérer », de 0 à 0,6 « progrès insuffisant », négatif « s'éloigne de l'objectif » ; cible déjà "
    "atteinte : « objectif atteint ». Quand la cible ou une valeur vaut zéro (neutralité carbone), le même "
    "rapport est pris sur les variations annuelles en unités, ce que le verdict indique. Sans objectif : le "
    "sens de la variation entre les deux derniers millésimes comparables (« s'améliore », « se dégrade » ; "
    "« en hausse » ou « en baisse » pour un indicateur de contexte) ; une variation dans la marge de "
    "l'indicateur est « stable ». **« Trop tôt pour conclure »** quand moins de deux millésimes comparables "
    "existent ou que la variation depuis l'année de base d'un objectif reste dans la marge. Un montant en "
    "euros est jugé en euros constants du dernier millésime (indice annuel des prix de l'INSEE) ; quand "
    "l'indice ne couvre pas l'une des deux années, il est **« non jugé »**, la raison écrite. **Situation** "
    "(le territoire face au Nord, à la région et à la France métropolitaine, chacun au même millésime, "
    "jamais d'un millésime à l'autre) : « plus favorable », « moins favorable » ou « comparable » quand "
    "l'écart reste dans la marge. **La marge** de chaque indicateur est la marge d'erreur publiée par le "
    "producteur quand il en publie une ; sinon une règle écrite dans le catalogue selon le type de source "
    "(taux du recensement, Filosofi, comptages administratifs, inventaires modélisés…), montrée avec chaque "
    "indicateur dans le tableau ci-dessous. Chaque verdict indique son millésime et l'âge de la donnée."
)


@dataclass(frozen=True)
class Verdict:
    """One verdict: what it says (``code``/``libelle``), about what (``nature``), from which vintage."""

    code: Code
    nature: Nature
    annee: int | None  # vintage of the latest observation used
    age: int | None  # years between that vintage and the year of reading
    detail: str = ""  # one French sentence: the figures behind the verdict
    ratio: float | None = None  # R of the Open SDG rule, when a target was used
    methode: Literal["taux_compose", "lineaire", "variation", "ecart", ""] = ""

    @property
    def libelle(self) -> str:
        return LIBELLES[self.code]

    @property
    def tonalite(self) -> Tonalite:
        return TONALITES[self.code]

    @property
    def couleur(self) -> str:
        return COULEURS[self.tonalite]

    @property
    def symbole(self) -> str:
        return SYMBOLES[self.tonalite]

    def texte(self) -> str:
        """``Progression : s'améliore (millésime 2022, donnée de 4 ans)`` — for cards, slides, footnotes."""
        quand = age_texte(self.annee, self.age)
        return f"{self.nature.capitalize()} : {self.libelle}" + (f" ({quand})" if quand else "")


def age_texte(annee: int | None, age: int | None) -> str:
    if annee is None:
        return ""
    if age is None:
        return f"millésime {annee}"
    quand = "de l'année" if age <= 0 else ("d'un an" if age == 1 else f"de {age} ans")
    return f"millésime {annee}, donnée {quand}"


def _age(annee: int | None, annee_courante: int | None) -> int | None:
    return None if annee is None or annee_courante is None else max(annee_courante - annee, 0)


def _points(serie: Iterable[tuple[int, float | None]]) -> list[tuple[int, float]]:
    out: dict[int, float] = {}
    for year, value in serie:
        if value is not None and math.isfinite(float(value)):
            out[int(year)] = float(value)
    return sorted(out.items())


MargeLike = Marge | float | None


def _marge(marge: MargeLike) -> Marge | None:
    if marge is None or isinstance(marge, Marge):
        return marge
    return Marge(absolue=float(marge))


def seuil_marge(marge: MargeLike, reference: float | None = None) -> float:
    """The largest change or gap still inside ``marge`` around ``reference`` (0 without a margin)."""
    m = _marge(marge)
    return 0.0 if m is None else m.seuil(reference)


def dans_la_marge(ecart: float | None, marge: MargeLike, reference: float | None = None) -> bool:
    """Whether a change or a gap ``ecart`` (indicator's unit) is inside the indicator's margin: below its
    absolute part, or below its relative part taken on ``reference`` (the earlier value of a change, the
    reference territory's value of a gap). Without a margin only an exact zero is inside. Rounding noise
    of the float subtraction (1e-9 of the values) never turns an equality into a change."""
    if ecart is None or not math.isfinite(ecart):
        return False
    tolerance = 1e-9 * max(abs(reference or 0.0), 1.0)
    return abs(ecart) <= seuil_marge(marge, reference) + tolerance


def _within_margin(change: float, marge: MargeLike, reference: float | None = None) -> bool:
    return dans_la_marge(change, marge, reference)


def duree_periode(periode: str | None) -> int | None:
    """Years covered by a « 2011-2020 » period (10); None for a single year or a free text."""
    text = (periode or "").strip()
    if len(text) == 9 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return int(text[5:]) - int(text[:4]) + 1
    return None


def euros_constants(valeur: float, annee: int, annee_cible: int, ipc: dict[int, float]) -> float | None:
    """An amount of ``annee`` in euros of ``annee_cible``: valeur × IPC(annee_cible) ÷ IPC(annee), with
    INSEE's annual consumer price index; None when either year's index is missing (never a guess)."""
    if annee not in ipc or annee_cible not in ipc or ipc[annee] <= 0:
        return None
    return valeur * ipc[annee_cible] / ipc[annee]


def est_monnaie(unite: str | None) -> bool:
    """An amount of money: its unit holds the euro sign (« € », « k€ », « €/hab. »). The one test of the
    barometer: money over time is judged in constant euros only (:func:`montants_constants`)."""
    return "€" in (unite or "")


def montants_constants(serie: Sequence[tuple[int, float | None]],
                       ipc: Mapping[int, float] | None) -> tuple[list[tuple[int, float]] | None, str]:
    """Money's one rule over time: the last two vintages, the earlier one in euros of the latest (INSEE's
    annual price index, ``ipc``), and ``""``; or None and the French reason it is not judged when the index
    of either year is missing — never a verdict in current euros. Fewer than two vintages: the points as
    they are (nothing to deflate; the verdict says « trop tôt »)."""
    pts = _points(serie)
    if len(pts) < 2:
        return pts, ""
    (a0, x0), (a1, x1) = pts[-2], pts[-1]
    index = dict(ipc or {})
    manquants = [a for a in (a0, a1) if a not in index or index[a] <= 0]
    if manquants:
        annees = " et ".join(str(a) for a in manquants)
        return None, f"l'indice des prix de l'INSEE ne couvre pas {annees} : inflation non déductible"
    return [(a0, float(euros_constants(x0, a0, a1, index))), (a1, x1)], ""  # both indices checked above


def verdict_progression(serie: Sequence[tuple[int, float | None]], sens: str, unite: str, *,
                        ipc: Mapping[int, float] | None = None, marge: MargeLike = None,
                        annee_courante: int | None = None, decimales: int = 2) -> Verdict:
    """Progression without a target of any indicator: :func:`verdict_tendance`, money in constant euros
    of its latest vintage (:func:`montants_constants`), « non jugé » with the reason without the index.
    What the cards (:mod:`barometre.calculs.bilan`) and the synthesis both use."""
    if not est_monnaie(unite):
        return verdict_tendance(serie, sens, marge=marge, annee_courante=annee_courante, decimales=decimales,
                                unite=unite)
    reel, raison = montants_constants(serie, ipc)
    if reel is None:
        annee = _points(serie)[-1][0]
        return Verdict("non_juge", "progression", annee, _age(annee, annee_courante), raison)
    out = verdict_tendance(reel, sens, marge=marge, annee_courante=annee_courante, decimales=decimales,
                           unite=unite)
    if len(reel) < 2:
        return out
    return replace(out, detail=f"{out.detail} en euros constants de {reel[-1][0]} (indice des prix INSEE)")


def cagr(v0: float, v1: float, years: float) -> float | None:
    """Compound annual growth rate from v0 to v1 over ``years``; None when undefined (values ≤ 0)."""
    if years <= 0 or v0 <= 0 or v1 < 0:
        return None
    return (v1 / v0) ** (1 / years) - 1


def ratio_progres(base: tuple[int, float], dernier: tuple[int, float], cible: tuple[int, float],
                  hausse_favorable: bool) -> tuple[float | None, str]:
    """R of the Open SDG rule and the method used (``taux_compose`` or ``lineaire``); None when the
    required change is nil (base already equal to the target) or the years are degenerate."""
    (t0, y0), (ti, yi), (tt, yt) = base, dernier, cible
    if ti <= t0 or tt <= t0:
        return None, ""
    d = 1 if hausse_favorable else -1
    obs, req = cagr(y0, yi, ti - t0), cagr(y0, yt, tt - t0)
    if obs is not None and req is not None and yt > 0 and yi > 0:
        methode = "taux_compose"
    else:  # zero or negative values: linear annual changes (units per year)
        obs, req, methode = (yi - y0) / (ti - t0), (yt - y0) / (tt - t0), "lineaire"
    if req == 0:
        return None, methode
    return d * obs / abs(req), methode


def code_depuis_ratio(r: float) -> Code:
    """The Open SDG category of a ratio R (thresholds included at their lower bound)."""
    if r >= SEUIL_TRAJECTOIRE:
        return "sur_la_trajectoire"
    if r >= SEUIL_ACCELERER:
        return "a_accelerer"
    if r >= SEUIL_INSUFFISANT:
        return "progres_insuffisant"
    return "s_eloigne"


def verdict_objectif(serie: Sequence[tuple[int, float | None]], annee_cible: int, valeur_cible: float,
                     hausse_favorable: bool, *, base: tuple[int, float] | None = None,
                     marge: MargeLike = None, annee_courante: int | None = None) -> Verdict:
    """Progression against a target: Open SDG ratio from ``base`` (default: the first observation of
    the series) to the latest observation. ``marge``: the producer's margin of error (unit of the
    indicator) — a change within it is « trop tôt pour conclure »."""
    pts = _points(serie)
    dernier = pts[-1] if pts else None
    annee = dernier[0] if dernier else None
    age = _age(annee, annee_courante)
    if dernier is None:
        return Verdict("trop_tot", "progression", None, None, "aucune observation")
    base = base or pts[0]
    atteint = dernier[1] >= valeur_cible if hausse_favorable else dernier[1] <= valeur_cible
    if atteint and dernier[0] >= base[0]:
        return Verdict("objectif_atteint", "progression", annee, age,
                       f"dernière valeur {_n(dernier[1])} pour une cible de {_n(valeur_cible)}")
    if dernier[0] <= base[0]:  # nothing observed after the base: no change to measure
        return Verdict("trop_tot", "progression", annee, age,
                       "une seule observation depuis l'année de base : aucune évolution mesurable")
    if _within_margin(dernier[1] - base[1], marge, base[1]):
        return Verdict("trop_tot", "progression", annee, age,
                       f"variation depuis {base[0]} dans la marge de l'indicateur (±{_n(seuil_marge(marge, base[1]))})")
    r, methode = ratio_progres(base, dernier, (annee_cible, valeur_cible), hausse_favorable)
    if r is None:
        return Verdict("trop_tot", "progression", annee, age, "trajectoire requise indéterminée")
    how = "taux annuels moyens" if methode == "taux_compose" else "variations annuelles en unités"
    return Verdict(code_depuis_ratio(r), "progression", annee, age,
                   f"rythme observé {base[0]}–{dernier[0]} = {_n(r * 100, 0)} % du rythme requis pour "
                   f"{annee_cible} ({how})", ratio=r, methode=methode)  # type: ignore[arg-type]


def verdict_tendance(serie: Sequence[tuple[int, float | None]], sens: str, *, marge: MargeLike = None,
                     annee_courante: int | None = None, decimales: int = 2, unite: str = "") -> Verdict:
    """Progression without a target: the direction of the change between the last two comparable
    vintages (the series given must hold comparable points only: same definition, no break)."""
    pts = _points(serie)
    if len(pts) < 2:
        annee = pts[-1][0] if pts else None
        return Verdict("trop_tot", "progression", annee, _age(annee, annee_courante),
                       "un seul millésime disponible" if pts else "aucune observation")
    (a0, v0), (a1, v1) = pts[-2], pts[-1]
    change = v1 - v0
    age = _age(a1, annee_courante)
    detail = f"{_signe(change, decimales, unite)} entre {a0} et {a1}"
    if _within_margin(change, marge, v0):
        seuil = seuil_marge(marge, v0)
        within = f", dans la marge de l'indicateur (±{_signe(seuil, decimales, unite)[1:]})" if seuil else ""
        return Verdict("stable", "progression", a1, age, detail + within, methode="variation")
    if sens == "neutre":
        return Verdict("en_hausse" if change > 0 else "en_baisse", "progression", a1, age, detail,
                       methode="variation")
    good = (change > 0) == (sens == "hausse_favorable")
    return Verdict("s_ameliore" if good else "se_degrade", "progression", a1, age, detail, methode="variation")


@dataclass(frozen=True)
class Repere:
    """A reference value for the situation: name (Nord, Hauts-de-France, France), year, value."""

    nom: str
    annee: int
    valeur: float


def verdict_situation(annee: int, valeur: float, reperes: Sequence[Repere], sens: str, *,
                      marge: MargeLike = None, annee_courante: int | None = None, decimales: int = 2,
                      unite: str = "") -> Verdict | None:
    """Situation against the references of the same vintage (the first of ``reperes`` in order, usually
    the Nord, then the région, then France). None when no reference of the same year exists: a situation
    is never read across vintages."""
    same = [r for r in reperes if r.annee == annee and r.valeur is not None]
    if not same:
        return None
    return _situation(annee, valeur, same[0], sens, marge, annee_courante, decimales, unite)


def verdicts_situation(annee: int, valeur: float, reperes: Sequence[Repere], sens: str, *,
                       marge: MargeLike = None, annee_courante: int | None = None, decimales: int = 2,
                       unite: str = "") -> list[tuple[Repere, Verdict]]:
    """The situation against each reference of the same vintage, in the order given (Nord, région,
    France): what the synthesis counts (« plus favorable que le Nord », « comparable à la France »)."""
    return [(r, _situation(annee, valeur, r, sens, marge, annee_courante, decimales, unite))
            for r in reperes if r.annee == annee and r.valeur is not None]


def _situation(annee: int, valeur: float, ref: Repere, sens: str, marge: MargeLike, annee_courante: int | None,
               decimales: int, unite: str) -> Verdict:
    diff = valeur - ref.valeur
    age = _age(annee, annee_courante)
    detail = f"écart de {_signe(diff, decimales, unite)} avec {ref.nom} ({annee})"
    if _within_margin(diff, marge, ref.valeur):
        seuil = seuil_marge(marge, ref.valeur)
        within = f", dans la marge de l'indicateur (±{_signe(seuil, decimales, unite)[1:]})" if seuil else ""
        return Verdict("comparable", "situation", annee, age, detail + within, methode="ecart")
    if sens == "neutre":
        return Verdict("au_dessus" if diff > 0 else "en_dessous", "situation", annee, age, detail,
                       methode="ecart")
    good = (diff > 0) == (sens == "hausse_favorable")
    return Verdict("plus_favorable" if good else "moins_favorable", "situation", annee, age, detail,
                   methode="ecart")


def _n(value: float, decimales: int = 1) -> str:
    text = f"{round(value, decimales) + 0.0:,.{decimales}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _signe(value: float, decimales: int = 2, unite: str = "") -> str:
    """A signed change in the indicator's unit; points for percentages (``+1,2 pt``)."""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    unit = "pt" if unite == "%" else unite
    return f"{sign}{_n(abs(value), decimales)}" + (f"\u202f{unit}" if unit else "")
