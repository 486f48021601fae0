"""Official file layouts the barometer reads, and how each becomes tidy values.

Longer than ~600 lines because it holds one parser per published layout (INSEE, DREES, Enedis, ODEMA…), each
beside the column names it was verified against; the energy layouts are in ``layouts_energie``, the
references' in ``layouts_refs``, the turnout files' in ``layouts_elections``.

A layout is recognised by its header (``signature``: columns that must all be present), so that
``barometre ingest FILE`` accepts next year's file without a developer: INSEE's column codes carry the
vintage in their name (``P22_POP`` → population 2022, ``MED21`` → Filosofi 2021), and the patterns
below read the year from the code. National files are accepted too: only the rows of the configured
territory are kept.

Each parser returns ``Valeur`` records; one record = one indicator × territory × year × breakdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from barometre.sources.csvread import SECRET, IngestError, RawRow, RawTable, normalise_commune_code, parse_number

STATUT_DEFINITIF = "definitif"
STATUT_NON_DIFFUSE = "non_diffuse"
STATUT_CITE = "cite_presse"


@dataclass(frozen=True)
class Valeur:
    indicateur: str
    niveau: str
    code: str
    annee: int
    valeur: float | None
    source: str
    ventilation: str = ""
    periode: str = ""
    secret: bool = False
    statut: str = STATUT_DEFINITIF
    ligne: int | None = None  # line of the source file, for error messages
    colonne: str | None = None  # column of the source file, for error messages

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (self.indicateur, self.niveau, self.code, self.annee, self.ventilation)


@dataclass(frozen=True)
class ParseContext:
    """The territory a file is read for: rows of other communes are ignored."""

    communes: frozenset[str]
    epci: str
    departement: str
    region: str
    communes_france: frozenset[str] = field(default_factory=frozenset)  # every valid code, when known


@dataclass(frozen=True)
class Layout:
    """An official file layout. ``signature``: header names that must all be present; an entry starting
    with ``^`` is a regular expression (INSEE codes carry the vintage: ``^P\\d\\d_POP$`` matches P22_POP and
    next year's P23_POP)."""

    source: str
    libelle: str
    signature: tuple[str, ...]
    parse: Callable[[RawTable, ParseContext], list[Valeur]]
    # Indicators a load of this layout replaces (by year): re-ingesting a vintage replaces it.
    niveau_commune: bool = True

    def matches(self, header: list[str]) -> bool:
        names = [" ".join(h.split()).lower() for h in header]  # « Consommation Tertiaire  (MWh) » as published
        for wanted in self.signature:
            if wanted.startswith("^"):
                pattern = re.compile(wanted, re.IGNORECASE)
                if not any(pattern.match(h.strip()) for h in header):
                    return False
            elif " ".join(wanted.split()).lower() not in names:
                return False
        return True


def _number(table: RawTable, row: RawRow, column: str):
    return parse_number(row.cells[column], fichier=table.path.name, ligne=row.line, colonne=column)


def _commune_rows(table: RawTable, ctx: ParseContext, column: str, *, skip_empty: bool = False,
                  unknown_only_in_departement: bool = False) -> list[tuple[str, RawRow]]:
    """Rows of the territory's communes, with normalised codes; unknown codes are refused.

    ``skip_empty``: rows whose code cell is empty are skipped (items the producer could not locate) rather
    than refused. ``unknown_only_in_departement``: an unknown code is refused only in the territory's
    département (national files built on an older commune list elsewhere still load)."""
    kept: list[tuple[str, RawRow]] = []
    for row in table.rows:
        cell = row.cells[column]
        if skip_empty and not cell.strip():
            continue
        code = normalise_commune_code(cell, fichier=table.path.name, ligne=row.line, colonne=column)
        checked = not unknown_only_in_departement or code.startswith(ctx.departement)
        if ctx.communes_france and code not in ctx.communes_france and code not in ctx.communes and checked:
            raise IngestError(
                fichier=table.path.name, ligne=row.line, colonne=column,
                message=f"code commune « {code} » inconnu du code officiel géographique",
                conseil="vérifiez le code INSEE de la commune (5 caractères, ex. 59350) ; un code postal n'est pas "
                "un code commune.",
            )
        if code in ctx.communes:
            kept.append((code, row))
    if not kept:
        raise IngestError(
            fichier=table.path.name, ligne=None, colonne=column,
            message="aucune commune de l'agglomération dans ce fichier",
            conseil="vérifiez que le fichier couvre le département et que la colonne des codes communes est "
            "bien la bonne.",
        )
    return kept


def _valeur(indicateur: str, niveau: str, code: str, annee: int, raw, source: str, *, scale: float = 1.0,
            divisor: float = 1.0, ventilation: str = "", periode: str = "", ligne: int | None = None,
            colonne: str | None = None) -> Valeur:
    """One value; unit conversions multiply by ``scale`` or divide by ``divisor`` (t → kt divides by 1 000:
    multiplying by 0.001 would change the last digit of some values)."""
    if raw is SECRET:
        return Valeur(indicateur, niveau, code, annee, None, source, ventilation, periode, True, ligne=ligne,
                      colonne=colonne)
    value = None if raw is None else raw * scale / divisor
    return Valeur(indicateur, niveau, code, annee, value, source, ventilation, periode, ligne=ligne,
                  colonne=colonne)


def _sum_counts(parts: list) -> float | None | object:
    """Exact sum of counts; secret if any part is secret, missing if any is missing."""
    if any(p is SECRET for p in parts):
        return SECRET
    if any(p is None for p in parts):
        return None
    return float(sum(parts))


# ---------------------------------------------------------------- INSEE comparateur de territoires
# (pattern on the INSEE column code, indicator, breakdown, how the 2-digit year is read)
COMPARATEUR_PATTERNS: list[tuple[str, str, str]] = [
    (r"^P(\d\d)_POP$", "population", ""),
    (r"^P(\d\d)_MEN$", "menages", ""),
    (r"^P(\d\d)_LOG$", "logements", ""),
    (r"^P(\d\d)_RP$", "residences_principales", ""),
    (r"^P(\d\d)_LOGVAC$", "logements_vacants", ""),
    (r"^P(\d\d)_RP_PROP$", "residences_principales_proprietaires", ""),
    (r"^NBMENFISC(\d\d)$", "menages_fiscaux", ""),
    (r"^PIMP(\d\d)$", "part_menages_imposes", ""),
    (r"^MED(\d\d)$", "revenu_median_uc", ""),
    (r"^TP60(\d\d)$", "taux_pauvrete", ""),
    (r"^P(\d\d)_EMPLT$", "emplois", ""),
    (r"^P(\d\d)_EMPLT_SAL$", "emplois_salaries", ""),
    (r"^P(\d\d)_POP1564$", "population_15_64", ""),
    (r"^P(\d\d)_CHOM1564$", "chomeurs_15_64", ""),
    (r"^P(\d\d)_ACT1564$", "actifs_15_64", ""),
    (r"^ETTOT(\d\d)$", "etablissements", ""),
    (r"^ETAZ(\d\d)$", "etablissements_secteur", "Agriculture, sylviculture, pêche"),
    (r"^ETBE(\d\d)$", "etablissements_secteur", "Industrie"),
    (r"^ETFZ(\d\d)$", "etablissements_secteur", "Construction"),
    (r"^ETGU(\d\d)$", "etablissements_secteur", "Commerce, transports, services divers"),
    (r"^ETOQ(\d\d)$", "etablissements_secteur", "Administration, enseignement, santé, action sociale"),
    (r"^ETTEF1(\d\d)$", "etablissements_taille", "1 à 9 salariés"),
    (r"^ETTEFP10(\d\d)$", "etablissements_taille", "10 salariés ou plus"),
]


def _year(two_digits: str) -> int:
    return 2000 + int(two_digits)


def _pattern_values(table: RawTable, ctx: ParseContext, source: str,
                    patterns: list[tuple[str, str, str]], code_column: str = "CODGEO") -> list[Valeur]:
    matched = [(col, ind, vent, _year(m.group(1)))
               for col in table.header for pat, ind, vent in patterns if (m := re.match(pat, col))]
    values: list[Valeur] = []
    for code, row in _commune_rows(table, ctx, code_column):
        for col, ind, vent, year in matched:
            values.append(_valeur(ind, "commune", code, year, _number(table, row, col), source,
                                  ventilation=vent, ligne=row.line, colonne=col))
    return values


def parse_comparateur(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = _pattern_values(table, ctx, "insee_comparateur", COMPARATEUR_PATTERNS)
    census_years = [_year(m.group(1)) for c in table.header if (m := re.match(r"^P(\d\d)_POP$", c))]
    if "SUPERF" in table.header and census_years:
        # The area has no vintage in its code: it is given with the latest census of the file.
        for code, row in _commune_rows(table, ctx, "CODGEO"):
            values.append(_valeur("superficie", "commune", code, max(census_years),
                                  _number(table, row, "SUPERF"), "insee_comparateur", ligne=row.line))
    return values


# ---------------------------------------------------------------- INSEE dossier complet
AGE_GROUPS = {"0014": "0-14 ans", "1529": "15-29 ans", "3044": "30-44 ans", "4559": "45-59 ans",
              "6074": "60-74 ans", "7589": "75-89 ans", "90P": "90 ans ou plus"}
ACTIVITY_AGES = {"1524": "15-24 ans", "2554": "25-54 ans", "5564": "55-64 ans"}
# BPE equipment codes of the extract. Labels of B105/B201 are to be checked in the BPE 2024 nomenclature.
BPE_LABELS = {"B105": "B105 – supermarché (libellé à vérifier)", "B201": "B201 – supérette (libellé à vérifier)",
              "C201": "C201 – collège", "C301": "C301 – lycée général et/ou technologique",
              "D307": "D307 – pharmacie"}

DOSSIER_PATTERNS: list[tuple[str, str, str]] = (
    [(rf"^P(\d\d)_POP{k}$", "population_age", v) for k, v in AGE_GROUPS.items()]
    + [(r"^P(1[0-1])_POP$", "population", "")]  # 2011 census: the comparateur gives 2016 and later
    + [(r"^C(\d\d)_MENPSEUL$", "menages_une_personne", ""), (r"^C(\d\d)_FAMMONO$", "familles_monoparentales", "")]
    + [(rf"^P(\d\d)_ACT{k}$", "actifs_age", v) for k, v in ACTIVITY_AGES.items()]
    + [(rf"^P(\d\d)_CHOM{k}$", "chomeurs_age", v) for k, v in ACTIVITY_AGES.items()]
    + [(r"^ENCTOT(\d\d)$", "creations_entreprises", "")]
)


def parse_dossier_complet(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    source = "insee_dossier_complet"
    values = _pattern_values(table, ctx, source, DOSSIER_PATTERNS)
    years75 = {m.group(1) for c in table.header if (m := re.match(r"^P(\d\d)_POP7589$", c))}
    years_fam = {m.group(1) for c in table.header if (m := re.match(r"^C(\d\d)_FAMMONO$", c))}
    bpe = [(c, m.group(1), m.group(2)) for c in table.header if (m := re.match(r"^BPE_(\d{4})_(\w+)$", c))]
    for code, row in _commune_rows(table, ctx, "CODGEO"):
        for yy in sorted(years75):
            parts = [_number(table, row, f"P{yy}_POP7589"), _number(table, row, f"P{yy}_POP90P")]
            values.append(_valeur("population_75_ans_et_plus", "commune", code, _year(yy), _sum_counts(parts),
                                  source, ligne=row.line))
        for yy in sorted(years_fam):
            cols = [f"C{yy}_COUPAENF", f"C{yy}_COUPSENF", f"C{yy}_FAMMONO"]
            if all(c in table.header for c in cols):
                parts = [_number(table, row, c) for c in cols]
                values.append(_valeur("familles", "commune", code, _year(yy), _sum_counts(parts), source,
                                      ligne=row.line))
        for col, year, equip in bpe:
            values.append(_valeur("equipements", "commune", code, int(year), _number(table, row, col), source,
                                  ventilation=BPE_LABELS.get(equip, equip), ligne=row.line))
    return values


# ---------------------------------------------------------------- DREES APL
APL_COLUMNS = {
    "APL aux médecins généralistes": "apl_medecins_generalistes",
    "APL aux médecins généralistes de moins de 65 ans": "apl_medecins_generalistes_65",
    "Population standardisée pour la médecine générale": "population_standardisee_mg",
}


def parse_apl(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values: list[Valeur] = []
    for code, row in _commune_rows(table, ctx, "Code commune INSEE"):
        year = _number(table, row, "millesime")
        if not isinstance(year, float):
            raise IngestError(fichier=table.path.name, ligne=row.line, colonne="millesime",
                              message="millésime manquant", conseil="indiquez l'année de l'APL (ex. 2023).")
        for col, ind in APL_COLUMNS.items():
            values.append(_valeur(ind, "commune", code, int(year), _number(table, row, col), "drees_apl",
                                  ligne=row.line, colonne=col))
    return values


# ---------------------------------------------------------------- ADEME IGT (t CO2e → kt CO2e)
T_PER_KT = 1000  # the IGT is in tonnes, the ADEME ids in kilotonnes: divide (exact) rather than × 0.001
IGT_SECTORS = {
    "Résidentiel": "cae_1.c", "Tertiaire": "cae_1.d", "Routier": "cae_1.e", "Autres transports": "cae_1.f",
    "Agriculture": "cae_1.g", "Déchets": "cae_1.h", "Industrie hors-énergie": "cae_1.i", "Energie": "cae_1.j",
    "Autres transports international": "ges_transport_international",
    "CO2 biomasse hors-total": "co2_biomasse_hors_total",
}
IGT_YEAR = 2016  # the file carries no year column; its vintage is 2016 (see the source's PROVENANCE)


def _opt(x) -> float:
    return x if isinstance(x, float) else 0.0


def parse_igt(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    source = "ademe_igt_2016"
    values: list[Valeur] = []
    for code, row in _commune_rows(table, ctx, "INSEE commune"):
        kt = {}
        for col, ind in IGT_SECTORS.items():
            raw = _number(table, row, col)
            kt[ind] = raw / T_PER_KT if isinstance(raw, float) else None
            values.append(_valeur(ind, "commune", code, IGT_YEAR, raw, source, divisor=T_PER_KT, ligne=row.line,
                                  colonne=col))
        # ADEME formulas: cae_1.k = val(1.e) + opt_val(1.f); cae_1.a = val(1.c)+val(1.d)+val(1.g)
        # + opt_val(1.h) + opt_val(1.i) + opt_val(1.j) + val(1.k); cae_1.l = opt_val(1.i) + opt_val(1.j).
        k = kt["cae_1.e"] + _opt(kt["cae_1.f"]) if kt["cae_1.e"] is not None else None
        required = [kt["cae_1.c"], kt["cae_1.d"], kt["cae_1.g"], k]
        total = (sum(required) + _opt(kt["cae_1.h"]) + _opt(kt["cae_1.i"]) + _opt(kt["cae_1.j"])
                 if all(v is not None for v in required) else None)
        industry = (_opt(kt["cae_1.i"]) + _opt(kt["cae_1.j"])
                    if kt["cae_1.i"] is not None or kt["cae_1.j"] is not None else None)
        for ind, v in (("cae_1.k", k), ("cae_1.a", total), ("cae_1.l", industry)):
            values.append(Valeur(ind, "commune", code, IGT_YEAR, v, source, ligne=row.line))
    return values


# ---------------------------------------------------------------- ANCT QPV 2024
def parse_qpv(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    counts = dict.fromkeys(ctx.communes, 0)
    for row in table.rows:
        code = normalise_commune_code(row.cells["insee_com"], fichier=table.path.name, ligne=row.line,
                                      colonne="insee_com")
        if code in counts:
            counts[code] += 1
    # The list is complete for single-commune QPVs: a commune absent from it has none of them.
    return [Valeur("qpv_dans_la_commune", "commune", code, 2024, float(n), "anct_qpv2024")
            for code, n in sorted(counts.items())]


# ---------------------------------------------------------------- INSEE Statistiques locales (labels)
# Label prefix (before the trailing year) → (indicator, breakdown).
STATLOCALES_LABELS: dict[str, tuple[str, str]] = {
    "Taux de pauvreté": ("taux_pauvrete", ""),
    "Médiane du niveau de vie": ("revenu_median_uc", ""),
    "Espérance de vie des femmes à la naissance": ("esperance_vie_naissance", "Femmes"),
    "Espérance de vie des hommes à la naissance": ("esperance_vie_naissance", "Hommes"),
    "Espérance de vie des femmes à 60 ans": ("esperance_vie_60_ans", "Femmes"),
    "Espérance de vie des hommes à 60 ans": ("esperance_vie_60_ans", "Hommes"),
    "Taux de mortalité standardisé des 0 à 64 ans": ("mortalite_prematuree", ""),
    "Taux de mortalité standardisé des 65 ans ou +": ("mortalite_65_ans_et_plus", ""),
    "Taux brut de mortalité": ("taux_brut_mortalite", ""),
    "Médecin généraliste (en nombre)": ("medecins_generalistes", ""),
    "Densité de population (historique depuis 1876)": ("densite_population", ""),
    "Part des non ou peu diplômés dans la pop. non scolarisée de 15 ans ou +": ("part_non_peu_diplomes", ""),
    "Part des diplômés d'un BAC+5 ou plus dans la pop. non scolarisée de 15 ans ou +": ("part_diplomes_bac5", ""),
    "Part des diplômés d'un BAC+2 dans la pop. non scolarisée de 15 ans ou +": ("part_diplomes_bac2", ""),
    "Part des pers., dont le diplôme le plus élevé est un CAP ou un BEP, dans la pop. non scolarisée de 15 ans "
    "ou +": ("part_diplomes_cap_bep", ""),
    "Part des actifs occ 15 ans ou plus vélo pour travailler": ("part_domicile_travail_velo", ""),
    "Part des actifs occ 15 ans ou plus voiture pour travailler": ("part_domicile_travail_voiture", ""),
    "Part des actifs occupés de 15 ans ou plus  les transports en commun": ("part_domicile_travail_tc", ""),
    "Part des pers. âgées de 75 ans ou +": ("part_75_ans_et_plus", ""),
    "Part des familles monoparentales": ("part_familles_monoparentales", ""),
    "APL Médecins généralistes": ("apl_medecins_generalistes", ""),
    "Densité de généralistes lib.": ("densite_generalistes_liberaux", ""),
    "Part des bénéf. en ALD dans la pop": ("part_beneficiaires_ald", ""),
}


def _labelled_columns(header: list[str]) -> list[tuple[str, str, str, int]]:
    found = []
    for col in header:
        m = re.match(r"^(.*\S)\s+(\d{4})$", col)
        if m and m.group(1) in STATLOCALES_LABELS:
            ind, vent = STATLOCALES_LABELS[m.group(1)]
            found.append((col, ind, vent, int(m.group(2))))
    return found


def _parse_statlocales(table: RawTable, niveau_of: Callable[[RawRow], tuple[str, str] | None],
                       source: str) -> list[Valeur]:
    values: list[Valeur] = []
    columns = _labelled_columns(table.header)
    for row in table.rows:
        level = niveau_of(row)
        if level is None:
            continue
        niveau, code = level
        for col, ind, vent, year in columns:
            values.append(_valeur(ind, niveau, code, year, _number(table, row, col), source, ventilation=vent,
                                  ligne=row.line, colonne=col))
    return values


def parse_statlocales_dep(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    def level(row: RawRow):
        code = row.cells["Code"].strip().zfill(2)
        return ("departement", code) if code == ctx.departement else None
    return _parse_statlocales(table, level, "insee_statlocales_dep")


def parse_statlocales_ev(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    def level(row: RawRow):
        niveau, code = row.cells["niveau_geo"].strip(), row.cells["Code"].strip()
        if (niveau, code) in (("departement", ctx.departement), ("region", ctx.region)):
            return niveau, code
        return None
    return _parse_statlocales(table, level, "insee_statlocales_ev2023")


def parse_statlocales_bv(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    def level(row: RawRow):
        return "bv2022_insee", row.cells["Code"].strip()
    return _parse_statlocales(table, level, "statlocales_bv")


# ---------------------------------------------------------------- INSEE chiffres détaillés EPCI (emploi)
#: The ``sexe`` values of the INSEE detailed figures: the breakdown label is checked against them (a label
#: read from a file reaches every visitor's page).
SEXES_INSEE = ("Ensemble", "Femmes", "Hommes")


def parse_emploi_epci(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        geo = row.cells["geo"].strip()
        if geo != f"EPCI-{ctx.epci}" or row.cells["table"].strip() != "ACT G1":
            continue
        year = int(row.cells["millesime"])
        sexe = row.cells["sexe"].strip()
        if sexe not in SEXES_INSEE:
            raise IngestError(fichier=table.path.name, ligne=row.line, colonne="sexe",
                              message=f"valeur « {sexe[:60]} » inattendue pour le sexe",
                              conseil=f"valeurs attendues : {', '.join(SEXES_INSEE)} (le fichier publié par "
                                      "l'INSEE, sans retouche).")
        values.append(_valeur("part_temps_partiel_salaries", "epci", ctx.epci, year,
                              _number(table, row, "dont_pct_temps_partiel"), "insee_emploi_epci_2018",
                              ventilation=sexe, ligne=row.line))
    return values


# ---------------------------------------------------------------- PCAET headlines and regional context
KT_TO_T = 1000
MT_TO_KT = 1000
T_TO_KT_DIVISOR = -1000  # marker: divide by 1 000 (t → kt) instead of multiplying
HEADLINES: list[tuple[str, str, str, str, float, str, str]] = [
    # (indicator text in the file, indicator, niveau, source, scale (negative: divisor), breakdown, period)
    # EPCI rows: the text after the territory's name ("<EPCI> – CO2 emissions…"), whatever the EPCI.
    ("CO2 emissions of the territory, 'today' (as quoted at the PCAET presentation)",
     "pcaet_emissions_co2_citees", "epci", "caph_pcaet_presse",
     T_TO_KT_DIVISOR, "", "cité en décembre 2023, année d'inventaire non précisée"),
    ("PCAET action plan: number of actions", "pcaet_actions", "epci", "caph_pcaet_presse", 1, "", ""),
    ("Hauts-de-France – GHG emissions", "cae_1.a", "region", "observatoire_climat_hdf", MT_TO_KT, "", ""),
    ("Hauts-de-France – NOx emissions", "cae_4.a", "region", "atmo_hdf", KT_TO_T, "", ""),
    ("Hauts-de-France – PM10 emissions", "cae_4.b", "region", "atmo_hdf", KT_TO_T, "", ""),
    ("Hauts-de-France – PM2.5 emissions", "cae_4.c", "region", "atmo_hdf", KT_TO_T, "", ""),
    ("Hauts-de-France – NH3 emissions", "cae_4.f", "region", "atmo_hdf", KT_TO_T, "", ""),
    ("Hauts-de-France – ENAF consumed (natural, agricultural, forest land)", "consommation_enaf", "region",
     "dreal_enaf", 1, "", ""),
    ("Hauts-de-France – ENAF consumed", "consommation_enaf", "region", "dreal_enaf", 1, "", ""),
    ("Hauts-de-France – ENAF consumed by housing", "consommation_enaf", "region", "dreal_enaf", 1, "Habitat", ""),
    ("Hauts-de-France – ENAF consumed by economic activities", "consommation_enaf", "region", "dreal_enaf", 1,
     "Activités économiques", ""),
]


def _period_end(text: str) -> tuple[int, str] | None:
    years = re.findall(r"(\d{4})", text)
    if not years:
        return None
    if len(years) == 1:
        return int(years[0]), ""
    return int(years[-1]), f"{years[0]}-{years[-1]}"


def parse_headlines(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        label = row.cells["indicator"].strip()
        for text, ind, niveau, source, scale, vent, periode in HEADLINES:
            if label != text and not (niveau == "epci" and label.endswith(f" – {text}")):
                continue
            code = ctx.epci if niveau == "epci" else ctx.region
            year_text = row.cells["year"]
            # "not stated (quoted 2023-12)": the year of the quotation stands in, and the period says so.
            parsed = _period_end(year_text)
            if parsed is not None and "not stated" in year_text:
                parsed = (parsed[0], "")
            if parsed is None:
                raise IngestError(fichier=table.path.name, ligne=row.line, colonne="year",
                                  message=f"année illisible « {year_text} »", conseil="indiquez une année (AAAA).")
            year, period = parsed
            statut = STATUT_CITE if source == "caph_pcaet_presse" else STATUT_DEFINITIF
            raw = _number(table, row, "value")
            factors = {"divisor": -scale} if scale < 0 else {"scale": scale}
            v = _valeur(ind, niveau, code, year, raw, source, **factors, ventilation=vent,
                        periode=periode or period, ligne=row.line)
            values.append(Valeur(**{**v.__dict__, "statut": statut}))
    return values


# ---------------------------------------------------------------- Enedis (département, région)
ENEDIS_FILIERES = {"photovoltaique": "Photovoltaïque", "eolien": "Éolien", "hydraulique": "Hydraulique",
                   "bio_energie": "Bioénergies", "cogeneration": "Cogénération",
                   "autres_filieres": "Autres filières"}


def _parse_enedis_production(table: RawTable, niveau: str, code_column: str, wanted: str) -> list[Valeur]:
    sums: dict[tuple[int, str], list] = {}
    for row in table.rows:
        code = row.cells[code_column].strip()
        if code.zfill(2) != wanted:
            continue
        year = int(row.cells["annee"])
        for key, label in ENEDIS_FILIERES.items():
            col = f"energie_produite_annuelle_{key}_enedis_mwh"
            sums.setdefault((year, label), []).append(_number(table, row, col))
    values = []
    for (year, label), parts in sorted(sums.items()):
        total = None if any(p is None or p is SECRET for p in parts) else float(sum(parts))
        statut = STATUT_DEFINITIF if total is not None else STATUT_NON_DIFFUSE
        values.append(Valeur("production_electricite_enedis", niveau, wanted, year, total, "enedis_production",
                             ventilation=label, statut=statut))
    return values


def parse_enedis_production_dep(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    return _parse_enedis_production(table, "departement", "code_departement", ctx.departement)


def parse_enedis_production_reg(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    return _parse_enedis_production(table, "region", "code_region", ctx.region)


ENEDIS_SECTEURS = ["Résidentiel", "Professionnel", "Agriculture", "Industrie", "Tertiaire", "Secteur non affecté"]


def parse_enedis_conso(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        if row.cells["Code département"].strip().zfill(2) != ctx.departement:
            continue
        year = int(row.cells["Année"])
        for secteur in ENEDIS_SECTEURS:
            values.append(_valeur("consommation_electricite_enedis", "departement", ctx.departement, year,
                                  _number(table, row, f"Conso totale {secteur} (MWh)"), "enedis_consommation",
                                  ventilation=secteur, ligne=row.line))
    return values


# ---------------------------------------------------------------- ODEMA (région)
ODEMA_EXCLUDED_YEARS = {2022}  # the source repeats 2020 there and disagrees with the sum of sites


def parse_odema(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        if row.cells["territoire"].strip() != f"REG{ctx.region}":
            continue
        year = int(float(row.cells["date"]))
        if year in ODEMA_EXCLUDED_YEARS:
            continue
        values.append(_valeur("dechets_enfouis_isdnd", "region", ctx.region, year,
                              _number(table, row, "value"), "odema", ligne=row.line))
    return values


# ---------------------------------------------------------------- INSEE base Diplômes – Formation (RP)
def parse_diplomes(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    """People aged 15+ out of school, and those of them holding a diploma above the brevet (IDH-4 input).

    INSEE's P22_NSCOL15P_DIPLMIN counts those with no diploma or at most the CEP (since the 2017 census;
    the BEPC / brevet is P22_NSCOL15P_BEPC); the diploma holders are NSCOL15P − DIPLMIN (exact difference
    of two census counts)."""
    source = "insee_rp_diplomes"
    years = sorted({m.group(1) for c in table.header if (m := re.match(r"^P(\d\d)_NSCOL15P$", c))})
    values: list[Valeur] = []
    for code, row in _commune_rows(table, ctx, "CODGEO"):
        for yy in years:
            total = _number(table, row, f"P{yy}_NSCOL15P")
            peu = _number(table, row, f"P{yy}_NSCOL15P_DIPLMIN")
            values.append(_valeur("non_scolarises_15_plus", "commune", code, _year(yy), total, source,
                                  ligne=row.line, colonne=f"P{yy}_NSCOL15P"))
            if total is SECRET or peu is SECRET:
                diplomes = SECRET
            elif total is None or peu is None:
                diplomes = None
            else:
                diplomes = total - peu
            values.append(_valeur("non_scolarises_15_plus_diplomes", "commune", code, _year(yy), diplomes, source,
                                  ligne=row.line, colonne=f"P{yy}_NSCOL15P_DIPLMIN"))
    return values


LAYOUTS: list[Layout] = [
    Layout("insee_comparateur", "INSEE – comparateur de territoires", ("CODGEO", r"^P\d\d_POP$", r"^MED\d\d$"),
           parse_comparateur),
    Layout("insee_dossier_complet", "INSEE – dossier complet", ("CODGEO", r"^C\d\d_FAMMONO$"),
           parse_dossier_complet),
    Layout("drees_apl", "DREES – APL aux médecins généralistes",
           ("Code commune INSEE", "APL aux médecins généralistes", "millesime"),
           parse_apl),
    Layout("ademe_igt_2016", "ADEME – inventaire GES territorialisé", ("INSEE commune", "Routier", "Résidentiel"),
           parse_igt),
    Layout("anct_qpv2024", "ANCT – liste des QPV 2024", ("code_qp", "insee_com"),
           parse_qpv),
    Layout("insee_statlocales_dep", "INSEE Statistiques locales – départements",
           ("Code", "Libellé", r"^Taux de pauvreté \d{4}$"),
           parse_statlocales_dep, False),
    Layout("insee_statlocales_ev2023", "INSEE Statistiques locales – espérance de vie",
           ("niveau_geo", "Code", r"^Espérance de vie des femmes à la naissance \d{4}$"),
           parse_statlocales_ev, False),
    Layout("statlocales_bv", "INSEE Statistiques locales – bassins de vie (social)",
           ("Code", "Libellé", r"^Médiane du niveau de vie \d{4}$", r"^Part des familles monoparentales \d{4}$"),
           parse_statlocales_bv,
           False),
    Layout("statlocales_bv", "CartoSanté – bassins de vie (santé)",
           ("Code", "Libellé", r"^APL Médecins généralistes \d{4}$"),
           parse_statlocales_bv, False),
    Layout("insee_emploi_epci_2018", "INSEE – caractéristiques de l'emploi (EPCI)",
           ("table", "geo", "millesime", "dont_pct_temps_partiel"),
           parse_emploi_epci,
           False),
    Layout("caph_pcaet_presse", "Chiffres clés du PCAET et contexte régional",
           ("indicator", "value", "unit", "year", "source_url"),
           parse_headlines, False),
    Layout("enedis_production", "Enedis – production par filière (département)",
           ("annee", "code_departement", "domaine_de_tension", "energie_produite_annuelle_photovoltaique_enedis_mwh"),
           parse_enedis_production_dep, False),
    Layout("enedis_production", "Enedis – production par filière (région)",
           ("annee", "code_region", "domaine_de_tension", "energie_produite_annuelle_photovoltaique_enedis_mwh"),
           parse_enedis_production_reg, False),
    Layout("enedis_consommation", "Enedis – consommation par secteur (département)",
           ("Année", "Code département", "Conso totale Résidentiel (MWh)"),
           parse_enedis_conso, False),
    Layout("insee_rp_diplomes", "INSEE – base Diplômes – Formation du recensement",
           ("CODGEO", r"^P\d\d_NSCOL15P$", r"^P\d\d_NSCOL15P_DIPLMIN$"), parse_diplomes),
    Layout("odema", "ODEMA – déchets enfouis en ISDND (région)",
           ("cible", "indicateur", "date", "value", "territoire"),
           parse_odema, False),
]
