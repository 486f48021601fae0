"""Carbon budget of the territory: what the target path allows from 2024 to 2050, what has been used,
what remains, and the year it runs out at the current pace.

Method (``METHODE_FR`` is shown verbatim on the environment volet and in the report):

- **allowed** = the sum, year by year from ``debut`` (2024) to ``fin`` (2050) included, of the emissions
  the target path allows that year (the path of the neutrality target, in t CO2e);
- **consumed** = the sum of the emissions of the years from ``debut`` to the last complete year before
  the year of reading: the observed value of the year when published, otherwise the **latest observed
  value before it** (the current pace), and those years are listed as estimated;
- **remaining** = allowed − consumed (negative: the budget is already overdrawn);
- **runs out** = from the year of reading on, the latest observed annual emissions are subtracted year
  after year from the remainder; the year in which the cumulated emissions reach the budget is the year
  it runs out (the year of the overdraft when already exhausted; none when emissions are nil).

Grain: one budget per territory and target path. Units: the unit of the series times ``facteur``
(1 000 to turn kteq CO2 into t CO2e). Pure functions, no Streamlit, no database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from barometre.calculs.targets import expected_value

DEBUT = 2024
FIN = 2050

METHODE_FR = (
    "Budget autorisé : somme, année par année de 2024 à 2050, des émissions que la trajectoire de "
    "l'objectif de neutralité carbone permet chaque année. Consommé : émissions des années écoulées depuis "
    "2024 (valeur observée quand elle est publiée, sinon la dernière valeur observée, au rythme actuel — ces "
    "années sont signalées comme estimées). Restant : autorisé moins consommé. Année d'épuisement : en "
    "retranchant chaque année, à partir de l'année en cours, les dernières émissions annuelles observées."
)


@dataclass(frozen=True)
class BudgetCarbone:
    debut: int
    fin: int
    autorise: float  # cumulated emissions the path allows, debut..fin
    consomme: float  # emitted debut..annee_courante-1 (observed or at the current pace)
    restant: float  # autorise − consomme
    rythme: float  # latest observed annual emissions
    annee_rythme: int  # its year
    annee_epuisement: int | None  # year the budget runs out at that pace (None: emissions nil)
    annees_estimees: tuple[int, ...]  # years of `consomme` taken at the current pace, not observed
    annee_courante: int


def _points(serie: Sequence[tuple[int, float | None]]) -> list[tuple[int, float]]:
    return sorted((int(y), float(v)) for y, v in serie if v is not None and math.isfinite(float(v)))


def budget_carbone(observations: Sequence[tuple[int, float | None]], trajectoire: Sequence[tuple[int, float]],
                   annee_courante: int, *, debut: int = DEBUT, fin: int = FIN,
                   facteur: float = 1.0) -> BudgetCarbone | None:
    """The budget (see the module's method); None without any observation or without a path covering
    ``debut``–``fin``."""
    obs = _points(observations)
    path = sorted(trajectoire)
    if not obs or not path or path[0][0] > debut:
        return None
    autorise = 0.0
    for year in range(debut, fin + 1):
        value = expected_value(path, year)
        if value is None:
            return None
        autorise += max(value, 0.0) * facteur
    by_year = dict(obs)
    consomme, estimees = 0.0, []
    for year in range(debut, min(annee_courante, fin + 1)):
        if year in by_year:
            consomme += by_year[year] * facteur
        else:
            before = [v for y, v in obs if y < year]
            if not before:
                continue  # nothing known yet: nothing counted (cannot happen when debut > first obs)
            consomme += before[-1] * facteur
            estimees.append(year)
    annee_rythme, rythme = obs[-1][0], obs[-1][1] * facteur
    restant = autorise - consomme
    epuisement: int | None = None
    if restant <= 0:
        cumul = 0.0
        for year in range(debut, annee_courante):
            cumul += (by_year.get(year) if year in by_year else
                      next((v for y, v in reversed(obs) if y < year), 0.0)) * facteur
            if cumul >= autorise:
                epuisement = year
                break
        epuisement = epuisement if epuisement is not None else annee_courante - 1
    elif rythme > 0:
        years_left = restant / rythme  # whole years of the current pace the remainder covers
        epuisement = annee_courante + math.ceil(years_left) - 1
    return BudgetCarbone(debut, fin, autorise, consomme, restant, rythme, annee_rythme, epuisement,
                         tuple(estimees), annee_courante)


INDICATEUR_GES = "cae_1.a"  # GHG emissions, kteq CO2 (ADEME / Territoires en Transitions id)
KTEQ_EN_T = 1000.0


def objectif_neutralite(rows: Sequence[dict], territoire: str) -> dict | None:
    """The neutrality target of a territory among the targets rows (``objectifs_rows``): GHG emissions,
    target value 0, with a path (reference known or provisional), the territory's own (not illustrative)
    first."""
    found = [r for r in rows if r["indicateur"] == INDICATEUR_GES and r["territoire"] == territoire
             and r.get("valeur_cible") == 0 and r.get("annee_reference") is not None
             and r.get("valeur_reference") is not None]
    return sorted(found, key=lambda r: (bool(r.get("illustratif")), r["annee_cible"], r["id"]))[0] if found else None


def budget_du_territoire(rows: Sequence[dict], observations: Sequence[tuple[int, float | None]],
                         territoire: str, annee_courante: int) -> tuple[BudgetCarbone | None, dict | None]:
    """The budget of ``territoire`` from its neutrality target's path and its GHG series (kteq CO2),
    in t CO2e; with the target row used (None, None when there is no such target)."""
    from barometre.calculs.targets import trajectory

    row = objectif_neutralite(rows, territoire)
    if row is None:
        return None, None
    path = trajectory(row["annee_reference"], row["valeur_reference"], row["annee_cible"], row["valeur_cible"],
                      row["forme"])
    return budget_carbone(observations, path, annee_courante, facteur=KTEQ_EN_T), row


# ------------------------------------------------------------------------------------------ the choices
# Three choices change the budget; the volet shows them and the range they give. « Net » keeps, in 2050,
# residual gross emissions that the territory's sequestration would offset: 20 % of the reference, the
# share the press's −80 % (CO2) leaves — an assumption « à confirmer » until the PCAET's own figures and
# the sequestration (cae_63.a) are loaded.
PERIMETRES_FR: dict[str, str] = {
    "brut": "neutralité posée sur les émissions brutes : 0 en 2050 (le plus exigeant)",
    "net": "neutralité nette : 20 % d'émissions brutes résiduelles en 2050, compensées par la séquestration "
           "(hypothèse tirée du −80 % cité par la presse, à confirmer)",
}
RESIDUEL_NET = 0.20
FORMES_BUDGET_FR: dict[str, str] = {"lineaire": "linéaire", "snbc": "profil SNBC (lent jusqu'en 2030, rapide ensuite)"}

CHOIX_FR = (
    "Trois choix changent le budget : l'année de référence d'où part la trajectoire (une année observée au "
    "plus tard en 2024 ; l'année du diagnostic du PCAET n'est pas connue), la forme de la trajectoire "
    "(linéaire ou profil SNBC) et le périmètre (émissions brutes nulles en 2050, ou neutralité nette avec des "
    "émissions résiduelles compensées par la séquestration). Le baromètre montre le budget de chaque "
    "combinaison et la fourchette qu'elles donnent."
)


@dataclass(frozen=True)
class Choix:
    annee_reference: int
    forme: str  # "lineaire" | "snbc"
    perimetre: str  # "brut" | "net"

    def texte(self) -> str:
        return (f"référence {self.annee_reference}, trajectoire {FORMES_BUDGET_FR[self.forme]}, "
                f"{'émissions brutes' if self.perimetre == 'brut' else 'neutralité nette'}")


def budget_choisi(observations: Sequence[tuple[int, float | None]], choix: Choix, annee_courante: int, *,
                  annee_cible: int = FIN, facteur: float = KTEQ_EN_T) -> BudgetCarbone | None:
    """The budget for one set of choices: the path from the observed value of ``choix.annee_reference`` to
    0 (``brut``) or to RESIDUEL_NET of it (``net``) in ``annee_cible``; None when that year is not observed."""
    from barometre.calculs.targets import trajectory

    ref = dict(_points(observations)).get(choix.annee_reference)
    if ref is None or annee_cible <= choix.annee_reference:
        return None
    cible = 0.0 if choix.perimetre == "brut" else ref * RESIDUEL_NET
    path = trajectory(choix.annee_reference, ref, annee_cible, cible, choix.forme)
    return budget_carbone(observations, path, annee_courante, facteur=facteur)


def variantes(observations: Sequence[tuple[int, float | None]], annee_courante: int, *,
              annee_cible: int = FIN, facteur: float = KTEQ_EN_T) -> list[tuple[Choix, BudgetCarbone]]:
    """The budget of every combination: each observed year up to ``DEBUT`` as reference, both shapes,
    both scopes (sorted by allowed budget)."""
    years = [y for y, _ in _points(observations) if y <= DEBUT]
    out = []
    for year in years:
        for forme in FORMES_BUDGET_FR:
            for perimetre in PERIMETRES_FR:
                choix = Choix(year, forme, perimetre)
                b = budget_choisi(observations, choix, annee_courante, annee_cible=annee_cible, facteur=facteur)
                if b is not None:
                    out.append((choix, b))
    return sorted(out, key=lambda cb: (cb[1].autorise, cb[0].annee_reference, cb[0].forme, cb[0].perimetre))


@dataclass(frozen=True)
class Fourchette:
    autorise_min: float
    autorise_max: float
    epuisement_min: int | None
    epuisement_max: int | None
    n: int


def fourchette(vs: Sequence[tuple[Choix, BudgetCarbone]]) -> Fourchette | None:
    """The range the choices give: smallest and largest allowed budget, earliest and latest exhaustion."""
    if not vs:
        return None
    years = [b.annee_epuisement for _, b in vs if b.annee_epuisement is not None]
    return Fourchette(min(b.autorise for _, b in vs), max(b.autorise for _, b in vs),
                      min(years) if years else None, max(years) if years else None, len(vs))
