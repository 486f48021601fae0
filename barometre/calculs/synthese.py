"""« Où en est le territoire ? » — the synthesis the home page, the séance's first view and the meeting
pack's first page all show, computed once here.

Three parts, from plain inputs (no database, no Streamlit):

- **the project's targets** (the register's entries of the agglomeration that are not illustrative
  transpositions): each one's status on its trajectory, the year of its latest observation, the year it
  must be reached by, its origin and confidence — or « non suivi — donnée attendue » naming the dataset;
- **the counts of verdicts** of the territory's indicators: progression (improving / stable / worsening /
  too early) and situation against the Nord and against France, each read separately at the same vintage;
- **what moved**: each indicator's change between its latest two vintages (a change within its margin is
  « stable »), and the loads recorded since the previous edition (new vintages, producer revisions).

Progress rule (``REGLE_PROGRES_FR`` is shown verbatim on Méthodologie):

- a target with a figure: the Open SDG progress measure of :func:`barometre.calculs.verdicts.verdict_objectif`
  (observed annual growth ÷ the growth needed to reach the target on time: ≥ 0,95 on track, 0,6–0,95 to
  accelerate, 0–0,6 limited progress, < 0 moving away), from the reference observation to the latest;
- an aim without a figure (« orientation »): Open SDG's bands without a target on the compound annual
  growth rate over the last five years (Eurostat's short-term window) in the wanted direction: more than
  +1,5 %/an « progrès net », +0,5 to +1,5 %/an « progrès modéré », within ±0,5 %/an « stable », below
  −0,5 %/an « recul »; values at or below zero are read on linear changes relative to the first value;
- at least two observations, always: one observation is « trop tôt pour conclure »;
- at the current pace (mean annual change of the window, Germany's projection), the year the target
  value would be reached, or « pas à ce rythme » when the pace goes the wrong way.

``Synthese.phrases()`` is the one text of the synthesis: the three places print these very statements.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from barometre import formats
from barometre.calculs import verdicts as v

TITRE = "Où en est le territoire ?"
FENETRE_COURTE = 5  # Eurostat's short-term window (years)
FENETRE_LONGUE = 15  # Eurostat's long-term window (years), for the record on Méthodologie
BANDE_NETTE = 0.015  # Open SDG, without a target: ±1,5 % a year
BANDE_MODEREE = 0.005  # Open SDG, without a target: ±0,5 % a year
ORIGINES_PROJET = ("PCAET", "projet_de_territoire")

NON_SUIVI = "non_suivi"
LIBELLES_ETATS: dict[str, str] = {
    **{code: libelle for code, libelle in v.LIBELLES.items()},
    NON_SUIVI: "non suivi — donnée attendue",
    "progres_net": "progrès net",
    "progres_modere": "progrès modéré",
    "recul": "recul",
}
TONALITES_ETATS: dict[str, str] = {
    **{code: ton for code, ton in v.TONALITES.items()},
    NON_SUIVI: "incertain", "progres_net": "favorable", "progres_modere": "a_surveiller", "recul": "defavorable",
}

REGLE_PROGRES_FR = (
    "Cible chiffrée : mesure de progrès d'Open SDG — le rythme annuel observé depuis l'observation de "
    "référence est rapporté au rythme qu'il faudrait pour atteindre la cible à l'échéance : 95 % ou plus "
    "« sur la trajectoire », de 60 à 95 % « à accélérer », de 0 à 60 % « progrès insuffisant », négatif "
    "« s'éloigne de l'objectif ». Orientation sans cible chiffrée : taux de croissance annuel moyen sur les "
    "cinq dernières années (fenêtre courte d'Eurostat ; la fenêtre longue est de quinze ans), dans le sens "
    "souhaité : plus de +1,5 % par an « progrès net », de +0,5 à +1,5 % « progrès modéré », entre −0,5 et "
    "+0,5 % « stable », moins de −0,5 % « recul ». Deux observations au moins : avec une seule, « trop tôt "
    "pour conclure ». Au rythme observé (moyenne des variations annuelles, comme la projection allemande), "
    "l'année où la cible serait atteinte est indiquée. Une cible sans aucune observation est « non suivie — "
    "donnée attendue », avec le jeu de données qui la renseignerait : la part de ces cibles est elle-même "
    "un chiffre du baromètre."
)


# ------------------------------------------------------------------------------------------ the targets
@dataclass(frozen=True)
class EtatObjectif:
    """Where one target of the project stands."""

    id: str
    intitule: str
    nature: str  # "cible" | "orientation"
    indicateur: str
    libelle_indicateur: str
    code: str  # a verdict code, "progres_net"/"progres_modere"/"recul", or NON_SUIVI
    annee_observation: int | None
    annee_cible: int | None
    annee_au_rythme: int | None  # year the target value is reached at the observed pace
    au_rythme_jamais: bool  # the observed pace goes away from the target
    origine: str
    confiance: str  # "adopté" | "à confirmer"
    perimetre: str = ""
    donnee_attendue: str = ""
    detail: str = ""

    @property
    def libelle(self) -> str:
        return LIBELLES_ETATS[self.code]

    @property
    def tonalite(self) -> str:
        return TONALITES_ETATS[self.code]

    def tete(self) -> str:
        """The first part of the statement: the target, its status and its years (``phrase`` starts so)."""
        return self._parts()[0]

    def phrase(self) -> str:
        """One statement: what, where it stands, when observed, by when, from where, how sure."""
        return " — ".join(self._parts()) + "."

    def _parts(self) -> list[str]:
        parts = [f"{self.intitule} : {self.libelle}"]
        quand = []
        if self.annee_observation is not None:
            quand.append(f"dernière observation {self.annee_observation}")
        if self.annee_cible is not None:
            quand.append(f"à atteindre en {self.annee_cible}")
        if self.annee_au_rythme is not None:
            quand.append(f"au rythme observé, atteinte en {self.annee_au_rythme}")
        elif self.au_rythme_jamais:
            quand.append("au rythme observé, jamais atteinte")
        if quand:
            parts[0] += f" ({', '.join(quand)})"
        if self.code == NON_SUIVI and self.donnee_attendue:
            parts.append(f"donnée attendue : {self.donnee_attendue}")
        parts.append(f"origine : {self.origine}")
        parts.append(self.confiance)
        return parts


def _points(serie: Sequence[tuple[int, float | None]]) -> list[tuple[int, float]]:
    out: dict[int, float] = {}
    for year, value in serie:
        if value is not None and math.isfinite(float(value)):
            out[int(year)] = float(value)
    return sorted(out.items())


def _fenetre(pts: list[tuple[int, float]], annees: int = FENETRE_COURTE) -> list[tuple[int, float]]:
    """The points of the last ``annees`` years before the latest one (at least the two latest points)."""
    if len(pts) < 2:
        return pts
    last = pts[-1][0]
    inside = [p for p in pts if p[0] >= last - annees]
    return inside if len(inside) >= 2 else pts[-2:]


def rythme_annuel(pts: list[tuple[int, float]]) -> float | None:
    """Mean annual change (unit per year) between the first and last points of the window."""
    w = _fenetre(pts)
    if len(w) < 2 or w[-1][0] == w[0][0]:
        return None
    return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0])


def annee_au_rythme(pts: list[tuple[int, float]], valeur_cible: float, hausse: bool) -> tuple[int | None, bool]:
    """(year the target value is reached at the observed pace, True when the pace goes away from it)."""
    pace = rythme_annuel(pts)
    if pace is None:
        return None, False
    year, value = pts[-1]
    if (hausse and value >= valeur_cible) or (not hausse and value <= valeur_cible):
        return year, False  # already reached
    gap = valeur_cible - value
    if pace == 0 or (pace > 0) != (gap > 0):
        return None, True
    return year + math.ceil(gap / pace), False


def verdict_orientation(pts: list[tuple[int, float]], hausse: bool) -> tuple[str, str]:
    """(code, detail) of an aim without a figure: Open SDG bands on the annual growth of the window."""
    w = _fenetre(pts)
    if len(w) < 2:
        return "trop_tot", "une seule observation : aucune évolution mesurable" if w else "aucune observation"
    (t0, y0), (t1, y1) = w[0], w[-1]
    if y0 > 0 and y1 > 0:
        taux = (y1 / y0) ** (1 / (t1 - t0)) - 1
    else:
        taux = (y1 - y0) / abs(y0) / (t1 - t0) if y0 != 0 else 0.0
    signe = taux if hausse else -taux
    if signe > BANDE_NETTE:
        code = "progres_net"
    elif signe >= BANDE_MODEREE:
        code = "progres_modere"
    elif signe >= -BANDE_MODEREE:
        code = "stable"
    else:
        code = "recul"
    return code, f"{formats.nombre(taux * 100, 1)} % par an entre {t0} et {t1}"


def _origine(row: Mapping[str, Any]) -> str:
    bits = [b for b in (row.get("document"), row.get("date_document"), row.get("localisation")) if b]
    return ", ".join(bits) if bits else str(row.get("source") or "origine non renseignée")


def _confiance(row: Mapping[str, Any]) -> str:
    text = "adopté" if row.get("confiance") == "adopte" else "à confirmer"
    if row.get("confiance") == "adopte" and row.get("a_confirmer"):
        text += " (année ou valeur de référence à confirmer)"
    return text


def etat_objectif(row: Mapping[str, Any], serie: Sequence[tuple[int, float | None]], sens: str,
                  libelle_indicateur: str, annee_courante: int, marge: v.MargeLike = None) -> EtatObjectif:
    """The status of one register entry (a targets row with its description, or an aim's row with keys
    id, intitule, nature, indicateur, annee_cible, donnee_attendue…) from its indicator's observed series."""
    pts = _points(serie)
    nature = row.get("nature") or "cible"
    common = dict(id=row["id"], intitule=row.get("intitule") or row["id"], nature=nature,
                  indicateur=row.get("indicateur") or "", libelle_indicateur=libelle_indicateur,
                  annee_cible=row.get("annee_cible"), origine=_origine(row), confiance=_confiance(row),
                  perimetre=row.get("perimetre") or "", donnee_attendue=row.get("donnee_attendue") or "")
    if not pts:
        return EtatObjectif(code=NON_SUIVI, annee_observation=None, annee_au_rythme=None, au_rythme_jamais=False,
                            detail="aucune observation chargée", **common)
    last_year = pts[-1][0]
    hausse = {"hausse_favorable": True, "baisse_favorable": False}.get(sens)
    cible = row.get("valeur_cible")
    if hausse is None and cible is not None and row.get("valeur_reference") is not None:
        hausse = cible > row["valeur_reference"]
    if hausse is None:
        return EtatObjectif(code="trop_tot", annee_observation=last_year, annee_au_rythme=None,
                            au_rythme_jamais=False, detail="sens de l'indicateur non défini", **common)
    if nature == "orientation" or cible is None:
        code, detail = verdict_orientation(pts, hausse)
        if nature != "orientation":
            detail = "valeur cible inconnue (référence à confirmer) ; " + detail
        return EtatObjectif(code=code, annee_observation=last_year, annee_au_rythme=None, au_rythme_jamais=False,
                            detail=detail, **common)
    base = ((row["annee_reference"], row["valeur_reference"])
            if row.get("annee_reference") is not None and row.get("valeur_reference") is not None
            and row.get("reference_source") != "premiere_observation" else None)
    verdict = v.verdict_objectif(pts, row["annee_cible"], cible, hausse, base=base, marge=marge,
                                 annee_courante=annee_courante)
    year, jamais = (None, False) if len(pts) < 2 else annee_au_rythme(pts, cible, hausse)
    return EtatObjectif(code=verdict.code, annee_observation=last_year, annee_au_rythme=year,
                        au_rythme_jamais=jamais, detail=verdict.detail, **common)


def objectifs_du_projet(rows: Sequence[Mapping[str, Any]], territoire: str) -> list[Mapping[str, Any]]:
    """The register's entries that are the project's own targets for ``territoire``: PCAET and Projet de
    territoire, not illustrative; the headline ones first (file order kept otherwise)."""
    mine = [r for r in rows if r.get("territoire") == territoire and not r.get("illustratif")
            and r.get("origine") in ORIGINES_PROJET]
    return sorted(mine, key=lambda r: (not r.get("principal"), r.get("nature") == "orientation"))


# ------------------------------------------------------------------------------------------ the counts
PROGRESSION = ("s_ameliore", "stable", "se_degrade", "trop_tot", "non_juge")
SITUATION = ("plus_favorable", "comparable", "moins_favorable")
# (singular, plural)
LIBELLES_PROGRESSION = {"s_ameliore": ("s'améliore", "s'améliorent"), "stable": ("stable", "stables"),
                        "se_degrade": ("se dégrade", "se dégradent"),
                        "trop_tot": ("trop tôt pour conclure", "trop tôt pour conclure"),
                        "non_juge": ("non jugé (montant sans indice des prix)",
                                     "non jugés (montants sans indice des prix)")}
SI_PRESENT = ("non_juge",)  # counted in the sentence only when there is one
LIBELLES_SITUATION = {"plus_favorable": ("plus favorable", "plus favorables"),
                      "comparable": ("comparable", "comparables"),
                      "moins_favorable": ("moins favorable", "moins favorables")}


@dataclass(frozen=True)
class Comptes:
    progression: dict[str, int]
    nord: dict[str, int]
    france: dict[str, int]
    nom_nord: str = "au Nord"
    nom_france: str = "à la France"

    @property
    def n_progression(self) -> int:
        return sum(self.progression.values())


# ------------------------------------------------------------------------------------------ what moved
@dataclass(frozen=True)
class Evolution:
    """One indicator's change between its latest two vintages."""

    indicateur: str
    libelle: str
    annee0: int
    valeur0: float
    annee1: int
    valeur1: float
    code: str  # s_ameliore / se_degrade / en_hausse / en_baisse / stable
    unite: str
    decimales: int
    #: money only: the change in constant euros of ``annee1`` (INSEE's price index), None when the index of
    #: either year is missing — then the change is in current euros and is not judged
    variation_constante: float | None = None

    @property
    def variation(self) -> float:
        return self.valeur1 - self.valeur0

    @property
    def relative(self) -> float:
        return abs(self.variation) / abs(self.valeur0) if self.valeur0 else math.inf

    def detail(self) -> str:
        """The change without the indicator's name (a table row of the pack's « ce qui a bougé »)."""
        return self.phrase().split(" : ", 1)[1]

    def phrase(self) -> str:
        change = formats.ecart(self.variation, self.unite, self.decimales)
        if v.est_monnaie(self.unite):
            change = (f"{formats.ecart(self.variation_constante, self.unite, self.decimales)} en euros constants de "
                      f"{self.annee1} ({change} en euros courants)" if self.variation_constante is not None
                      else f"{change} (euros courants, inflation non déduite)")
        return (f"{self.libelle} : {change} entre {self.annee0} et {self.annee1}, de "
                f"{formats.valeur_unite(self.valeur0, self.unite, self.decimales)} à "
                f"{formats.valeur_unite(self.valeur1, self.unite, self.decimales)} ({v.LIBELLES[self.code]})")


def evolution(indicateur: str, libelle: str, serie: Sequence[tuple[int, float | None]], sens: str, unite: str,
              decimales: int, marge: v.MargeLike = None, ipc: Mapping[int, float] | None = None) -> Evolution | None:
    """The change between the latest two vintages; « stable » when it is within the indicator's margin
    (:func:`barometre.calculs.verdicts.dans_la_marge`: its absolute part, or its relative part of the
    earlier value). Money is judged in constant euros of the later vintage (``ipc``: INSEE's annual price
    index); without the index of both years it is only said to rise or fall, in current euros."""
    pts = _points(serie)
    if len(pts) < 2:
        return None
    (a0, v0), (a1, v1) = pts[-2], pts[-1]
    change = v1 - v0
    constante = None
    if v.est_monnaie(unite):
        reel, _ = v.montants_constants(pts, ipc)  # the cards' rule (verdicts.verdict_progression)
        if reel is None:  # a direction in current euros, said so, never a verdict
            code = "stable" if change == 0 else "en_hausse" if change > 0 else "en_baisse"
            return Evolution(indicateur, libelle, a0, v0, a1, v1, code, unite, decimales)
        v0_constant = reel[0][1]
        constante = v1 - v0_constant
        change, v0 = constante, v0_constant  # judged on the purchasing power, not the nominal amount
    if v.dans_la_marge(change, marge, v0):  # the verdicts' one test (nil change without a margin)
        code = "stable"
    elif sens == "neutre":
        code = "en_hausse" if change > 0 else "en_baisse"
    else:
        code = "s_ameliore" if (change > 0) == (sens == "hausse_favorable") else "se_degrade"
    return Evolution(indicateur, libelle, a0, pts[-2][1], a1, v1, code, unite, decimales, constante)


# ------------------------------------------------------------------------------------------ the whole
@dataclass(frozen=True)
class Synthese:
    territoire: str  # name of the territory the counts and changes are about
    nom_projet: str  # name of the territory of the project's targets (the agglomeration)
    annee_courante: int
    objectifs: list[EtatObjectif]
    comptes: Comptes
    evolutions: list[Evolution]
    chargements: list[str] = field(default_factory=list)  # what the loads recorded since ``depuis``
    depuis: str = ""  # French date the loads are counted from ("" when no date applies)
    max_evolutions: int = 8

    @property
    def non_renseignes(self) -> int:
        return sum(1 for o in self.objectifs if o.code == NON_SUIVI)

    def phrase_non_renseignes(self) -> str:
        n, total = self.non_renseignes, len(self.objectifs)
        return (f"Cibles du projet non renseignées : {n} sur {total}"
                + (f" ({formats.nombre(100 * n / total, 0)} %)." if total else "."))

    def phrases_comptes(self) -> list[str]:
        c = self.comptes

        def liste(d: dict[str, int], libelles: dict[str, tuple[str, str]]) -> str:
            return ", ".join(f"{d.get(k, 0)} {libelles[k][d.get(k, 0) > 1]}" for k in libelles
                             if k not in SI_PRESENT or d.get(k, 0))

        out = [f"Progression des {c.n_progression} indicateurs orientés ({self.territoire}, deux derniers "
               f"millésimes) : {liste(c.progression, LIBELLES_PROGRESSION)}."]
        if sum(c.nord.values()):
            out.append(f"Par rapport {c.nom_nord} (même millésime) : {liste(c.nord, LIBELLES_SITUATION)}.")
        else:
            out.append(f"Par rapport {c.nom_nord} : aucune comparaison au même millésime.")
        if sum(c.france.values()):
            out.append(f"Par rapport {c.nom_france} (même millésime) : {liste(c.france, LIBELLES_SITUATION)}.")
        else:
            out.append(f"Par rapport {c.nom_france} : aucune comparaison au même millésime.")
        return out

    def evolutions_montrees(self) -> list[Evolution]:
        """The changes shown: those beyond the margin first (largest relative change first), then stable."""
        moved = sorted((e for e in self.evolutions if e.code != "stable"), key=lambda e: (-e.relative, e.indicateur))
        still = sorted((e for e in self.evolutions if e.code == "stable"), key=lambda e: e.indicateur)
        return (moved + still)[: self.max_evolutions]

    def phrases_mouvements(self) -> list[str]:
        out = [e.phrase() + "." for e in self.evolutions_montrees()]
        rest = len(self.evolutions) - len(out)
        if rest > 0:
            out.append(f"… et {rest} autre{'s' if rest > 1 else ''} indicateur{'s' if rest > 1 else ''} à deux "
                       "millésimes ou plus.")
        if not self.evolutions:
            out.append(f"Aucun indicateur n'a encore deux millésimes ({self.territoire}).")
        if self.depuis:
            if self.chargements:
                out.extend(self.chargements)
            else:
                out.append(f"Aucun chargement de données enregistré depuis le {self.depuis}.")
        return out

    def sections(self) -> list[tuple[str, list[str]]]:
        """The statements by section, with their titles (the three places show these, in this order)."""
        return [
            (f"Les cibles du projet de territoire ({self.nom_projet})",
             [o.phrase() for o in self.objectifs] + [self.phrase_non_renseignes()]),
            (f"Les verdicts des indicateurs : {self.territoire}", self.phrases_comptes()),
            ("Ce qui a bougé" + (f" (chargements depuis le {self.depuis})" if self.depuis else ""),
             self.phrases_mouvements()),
        ]

    def phrases(self) -> list[str]:
        """Every statement of the synthesis, in the order all three places show them."""
        return [p for _, lignes in self.sections() for p in lignes]


def _serie(frame: pl.DataFrame, indicateur: str, niveau: str, code: str | None = None,
           ventilation: str = "") -> list[tuple[int, float]]:
    rows = frame.filter((pl.col("indicateur") == indicateur) & (pl.col("niveau") == niveau))
    if code is not None:
        rows = rows.filter(pl.col("code") == code)
    if "ventilation" in rows.columns:
        rows = rows.filter(pl.col("ventilation") == ventilation)
    return [(int(r["annee"]), float(r["valeur"])) for r in rows.iter_rows(named=True) if r["valeur"] is not None]


def synthese(indicateurs: Sequence[Any], valeurs: pl.DataFrame, niveau: str, code: str, nom: str,
             registre: Sequence[Mapping[str, Any]], valeurs_projet: pl.DataFrame, code_projet: str, nom_projet: str,
             annee_courante: int, *, marges: Mapping[str, v.MargeLike] | None = None,
             chargements: Sequence[str] = (), depuis: str = "", ipc: Mapping[int, float] | None = None) -> Synthese:
    """The synthesis of territory (``niveau``, ``code``, ``nom``).

    ``indicateurs``: catalogue indicators (id, libelle, sens, unite, decimales, agregation) whose verdicts
    are counted and whose changes are listed; ``valeurs``: rows (indicateur, niveau, code, annee, valeur)
    of the territory and of its references (niveau ``departement`` = the Nord, ``france``), no breakdown;
    ``registre``: the targets rows with their description and the aims (see :func:`objectifs_du_projet`);
    ``valeurs_projet``: the rows of the project's territory (``code_projet``, level ``epci``) for the
    targets' indicators; ``chargements``: the statements of the loads recorded since ``depuis``; ``ipc``:
    INSEE's annual price index, so that money is counted and said in constant euros."""
    marges = marges or {}
    by_id = {i.id: i for i in indicateurs}
    etats = []
    for row in objectifs_du_projet(registre, code_projet):
        ind = by_id.get(row.get("indicateur") or "")
        args = (ind.sens if ind else "neutre", ind.libelle if ind else "", annee_courante,
                marges.get(row.get("indicateur") or ""))
        serie = _serie(valeurs_projet, row["indicateur"], "epci", code_projet) if row.get("indicateur") else []
        etat = etat_objectif(row, serie, *args)
        if not serie and row.get("indicateur") and "ventilation" in valeurs_projet.columns:
            # only a breakdown is published (the OR2S gap by sex): one reading per part, one status if they agree
            parts = sorted({r["ventilation"] for r in valeurs_projet.filter(
                (pl.col("indicateur") == row["indicateur"]) & (pl.col("code") == code_projet)
                & (pl.col("ventilation") != "")).iter_rows(named=True)})
            lus = [(p, etat_objectif(row, _serie(valeurs_projet, row["indicateur"], "epci", code_projet, p), *args))
                   for p in parts]
            if lus:
                codes = {e.code for _, e in lus}
                detail = " ; ".join(f"{p} : {e.libelle}" + (f" ({e.detail})" if e.detail else "") for p, e in lus)
                etat = replace(lus[0][1], code=lus[0][1].code if len(codes) == 1 else "trop_tot",
                               annee_observation=max(e.annee_observation or 0 for _, e in lus), detail=detail)
        etats.append(etat)
    progression = dict.fromkeys(PROGRESSION, 0)
    nord = dict.fromkeys(SITUATION, 0)
    france = dict.fromkeys(SITUATION, 0)
    evolutions = []
    for ind in indicateurs:
        own = _serie(valeurs, ind.id, niveau, code)
        if not own:
            continue
        marge = marges.get(ind.id)
        ev = evolution(ind.id, ind.libelle, own, ind.sens, ind.unite, ind.decimales, marge, ipc)
        if ev is not None:
            evolutions.append(ev)
        if ind.sens == "neutre":
            continue
        # the cards' rule: money judged in constant euros, « non jugé » without the price index
        trend = v.verdict_progression(own, ind.sens, ind.unite, ipc=ipc, marge=marge, annee_courante=annee_courante)
        key = trend.code if trend.code in PROGRESSION else "trop_tot"
        if ev is not None and ev.code == "stable":
            key = "stable"
        progression[key] += 1
        if ind.agregation == "somme" or niveau in ("departement", "france"):
            continue  # a total is never set beside the Nord's or France's total
        year, value = own[-1]
        for niveau_ref, counts, nom_ref in (("departement", nord, "le Nord"), ("france", france, "la France")):
            if niveau == niveau_ref:
                continue
            refs = [v.Repere(nom_ref, a, x) for a, x in _serie(valeurs, ind.id, niveau_ref)]
            sit = v.verdict_situation(year, value, refs, ind.sens, marge=marge, annee_courante=annee_courante)
            if sit is not None and sit.code in counts:
                counts[sit.code] += 1
    return Synthese(nom, nom_projet, annee_courante, etats, Comptes(progression, nord, france), evolutions,
                    list(chargements), depuis)
