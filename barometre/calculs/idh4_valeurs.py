"""IDH-4 sub-indices and composite as stored values (``idh4_sante``, ``idh4_education``, ``idh4_revenu``,
``idh4``) per commune and for the EPCI, computed by ``barometre build`` from the inputs loaded, with their
goalposts stored beside them (``data/idh4_bornes.parquet``, written by
:func:`barometre.sources.ingest.recalculer_idh4`) and shown on the IDH-4 page.

Inputs, the first that exists in the loaded values:
- health: ICM all causes (``icm_toutes_causes``) of the commune, or of its canton (published per canton);
- education: the share of 15+ out of school holding a diploma from INSEE's "Diplômes – Formation" counts
  (``non_scolarises_15_plus_diplomes`` / ``non_scolarises_15_plus``), else the documented variant: the
  share holding at least the baccalauréat, ``part_au_moins_bac_15_plus`` (not any diploma: a CAP / BEP
  holder counts as a diploma holder in the regional definition, not here);
- standard of living: the median disposable income per consumption unit (``revenu_median_uc``).
Goalposts: min/max observed among the followed communes (the regional definition takes the region's
communes, not in the loaded data; so the values are not comparable with the regional map). The composite
exists only where the three sub-indices do; otherwise each sub-index is stored, and every missing value
carries its reason in ``statut`` (``non_calculable : …``), never a substitute or a two-dimension mean.
When a published IDH-4 (the Région's communal file) is loaded under these ids, nothing is computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from barometre.calculs import bien_etre, indices
from barometre.sources.layouts import Valeur

SOURCE_IDH4 = "idh4_calcul"
IDS = {"icm": "idh4_sante", "diploma_share": "idh4_education", "median_income": "idh4_revenu"}
ID_COMPOSITE = "idh4"
STATUT_NON_CALCULABLE = "non_calculable"
VARIANTE_EDUCATION = bien_etre.IDH4_VARIANTES["diploma_share"][1]


@dataclass(frozen=True)
class Borne:
    entree: str
    indicateur: str  # the sub-index id
    variable: str  # what was normalised
    annee: int | None
    minimum: float | None
    maximum: float | None
    n_communes: int
    description: str


def _latest(values: Iterable[Valeur], indicateur: str, niveau: str) -> dict[str, Valeur]:
    """The latest vintage with at least one value, by territory code."""
    rows = [v for v in values if v.indicateur == indicateur and v.niveau == niveau and v.ventilation == ""]
    years = [v.annee for v in rows if v.valeur is not None]
    if not years:
        return {}
    year = max(years)
    return {v.code: v for v in rows if v.annee == year}


def _obs(v: Valeur | None, valeur: float | None = None, methode: str = "") -> bien_etre.Observation | None:
    if v is None:
        return None
    return bien_etre.Observation(v.valeur if valeur is None else valeur, v.secret, v.annee, v.source, methode)


def inputs(values: list[Valeur], communes: Iterable[str], epci: str,
           canton_of: Mapping[str, str]) -> tuple[dict[str, dict[str, bien_etre.Observation]], dict[str, str],
                                                  dict[str, str]]:
    """``entree -> code -> Observation`` for the communes and the EPCI, the variable of each input, and the
    reason for an input not loaded at all."""
    communes = sorted(communes)
    obs: dict[str, dict[str, bien_etre.Observation]] = {e: {} for e in indices.IDH4_INPUTS}
    variables: dict[str, str] = {}
    absent: dict[str, str] = {}

    icm = _latest(values, "icm_toutes_causes", "commune")
    cantons = _latest(values, "icm_toutes_causes", "canton")
    if icm:
        obs["icm"] = {c: o for c in communes if (o := _obs(icm.get(c))) is not None}
        variables["icm"] = "indice comparatif de mortalité (ICM) de la commune"
    elif cantons:
        obs["icm"] = {c: o for c in communes
                      if (o := _obs(cantons.get(canton_of.get(c, "")), methode=f"canton {canton_of.get(c)}"))}
        variables["icm"] = "indice comparatif de mortalité (ICM) du canton de la commune"
    else:
        absent["icm"] = ("ICM toutes causes par canton (OR2S) non chargé : aucune valeur de santé, donc pas "
                         "d'IDH-4 complet")

    total = _latest(values, "non_scolarises_15_plus", "commune")
    diplomes = _latest(values, "non_scolarises_15_plus_diplomes", "commune")
    au_moins_bac = dict(_latest(values, bien_etre.IDH4_VARIANTES["diploma_share"][0], "commune"))
    if (v_epci := _latest(values, bien_etre.IDH4_VARIANTES["diploma_share"][0], "epci").get(epci)) is not None:
        au_moins_bac[epci] = v_epci
    if total and diplomes:
        for c in communes:
            t, d = total.get(c), diplomes.get(c)
            if t is None or d is None:
                continue
            if t.secret or d.secret or t.valeur is None or d.valeur is None or t.valeur <= 0:
                obs["diploma_share"][c] = bien_etre.Observation(None, t.secret or d.secret, t.annee, t.source)
            else:
                obs["diploma_share"][c] = bien_etre.Observation(d.valeur / t.valeur * 100, False, t.annee, t.source)
        parts = [(total.get(c), diplomes.get(c)) for c in communes]
        if all(t is not None and d is not None and t.valeur and d.valeur is not None for t, d in parts):
            s_t = sum(t.valeur for t, _ in parts)
            s_d = sum(d.valeur for _, d in parts)
            obs["diploma_share"][epci] = bien_etre.Observation(s_d / s_t * 100, False, parts[0][0].annee,
                                                               parts[0][0].source)
        variables["diploma_share"] = ("part des 15 ans ou plus non scolarisés titulaires d'un diplôme (base "
                                      "Diplômes – Formation de l'INSEE)")
    elif au_moins_bac:
        for code, v in au_moins_bac.items():
            if code in communes or code == epci:
                obs["diploma_share"][code] = _obs(v)
        variables["diploma_share"] = VARIANTE_EDUCATION
    else:
        absent["diploma_share"] = "part des diplômés des 15 ans ou plus non chargée"

    revenu = _latest(values, "revenu_median_uc", "commune")
    revenu_epci = _latest(values, "revenu_median_uc", "epci")
    if revenu:
        obs["median_income"] = {c: o for c in communes if (o := _obs(revenu.get(c))) is not None}
        year = max(o.annee for o in obs["median_income"].values())
        if (v := revenu_epci.get(epci)) is not None and v.annee == year:
            obs["median_income"][epci] = _obs(v)
        variables["median_income"] = "revenu disponible médian par unité de consommation (Filosofi)"
    else:
        absent["median_income"] = "revenu médian par unité de consommation (Filosofi) non chargé"
    return obs, variables, absent


def compute(values: list[Valeur], communes: Iterable[str], epci: str, canton_of: Mapping[str, str] | None = None
            ) -> tuple[list[Valeur], list[Borne]]:
    """The IDH-4 values of the communes and the EPCI, and the goalposts used (see the module docstring)."""
    published = {v.indicateur for v in values if v.indicateur in (*IDS.values(), ID_COMPOSITE)}
    if published:
        return [], []
    communes = sorted(communes)
    obs, variables, absent = inputs(values, communes, epci, canton_of or {})
    commune_obs = {e: {c: o for c, o in obs[e].items() if c in communes} for e in indices.IDH4_INPUTS}
    bornes = bien_etre.bornes_idh4(commune_obs)
    out: list[Valeur] = []
    years = {e: max((o.annee for o in obs[e].values() if o.annee), default=None) for e in indices.IDH4_INPUTS}
    year_all = max((y for y in years.values() if y), default=None)
    if year_all is None:
        return [], []
    for niveau, codes in (("commune", communes), ("epci", [epci])):
        for code in codes:
            ligne = bien_etre.idh4_ligne(code, {e: obs[e].get(code) for e in indices.IDH4_INPUTS}, bornes, absent)
            for entree, ind in IDS.items():
                value = ligne.sous_indices.get(entree)
                reason = ligne.raisons.get(entree, "")
                if niveau == "epci" and entree == "icm" and entree not in absent and code not in obs["icm"]:
                    reason = "ICM publié par canton : pas de valeur pour l'agglomération"
                out.append(_valeur(ind, niveau, code, years[entree] or year_all, value, reason,
                                   obs[entree].get(code)))
            if ligne.index is not None:
                out.append(_valeur(ID_COMPOSITE, niveau, code, year_all, ligne.index, "", None))
            else:
                missing = [bien_etre.IDH4_LIBELLES[e].lower() for e in indices.IDH4_INPUTS if e in ligne.raisons]
                out.append(_valeur(ID_COMPOSITE, niveau, code, year_all, None,
                                   f"il manque le sous-indice {', '.join(missing)} (jamais d'indice à deux "
                                   "dimensions)", None))
    table = []
    for entree in indices.IDH4_INPUTS:
        b = bornes.get(entree)
        description = (b.description.replace("affichées", "de l'agglomération") + " : l'indice n'est pas "
                       "comparable à la carte régionale") if b else absent.get(entree, "bornes indisponibles")
        table.append(Borne(entree, IDS[entree], variables.get(entree, bien_etre.IDH4_VARIABLES[entree]),
                           years[entree], b.minimum if b else None, b.maximum if b else None,
                           b.n_communes if b else 0, description))
    return out, table


def _valeur(ind: str, niveau: str, code: str, annee: int, value: float | None, reason: str,
            obs: bien_etre.Observation | None) -> Valeur:
    secret = value is None and obs is not None and obs.secret
    statut = "definitif" if value is not None else f"{STATUT_NON_CALCULABLE} : {reason or 'entrée manquante'}"
    return Valeur(ind, niveau, code, annee, value, SOURCE_IDH4, secret=secret, statut=statut)


BORNES_FILE = "idh4_bornes.parquet"  # written by barometre.sources.ingest.recalculer_idh4
