"""Layouts of the comparison and context extracts: references EPCI / département / région / France,
diploma shares, DPE of the BDNB, young people neither in work nor in education, Agence ORE consumption
by département, heat-network deliveries by IRIS, and the OR2S health figures quoted by the press.

Each layout is recognised by its header, as in ``layouts.py``; each parser keeps only what has the same
definition as the barometer's indicator (or gives it its own indicator with its own definition). The
caveats are those of each extract's PROVENANCE.md; the comments below say which one a rule follows.
"""

from __future__ import annotations

import re
from dataclasses import replace

from barometre.sources.csvread import SECRET, IngestError, RawRow, RawTable
from barometre.sources.layouts import (
    STATUT_CITE,
    Layout,
    ParseContext,
    Valeur,
    _commune_rows,
    _number,
    _sum_counts,
    _valeur,
    _year,
)

FRANCE_CODE = "FRM"  # the France row of these extracts is metropolitan France (territoires.FRANCE_CODE)
PTOD_FRANCE = "00FR"


def _niveau_code(niveau: str, code: str, ctx: ParseContext) -> tuple[str, str] | None:
    """The barometer's (niveau, code) of a comparison row, or None for a territory that is not followed."""
    code = code.strip()
    if niveau == "epci" and code == ctx.epci:
        return "epci", code
    if niveau == "departement" and code.zfill(2) == ctx.departement:
        return "departement", ctx.departement
    if niveau == "region" and code == ctx.region:
        return "region", code
    if niveau == "france" and code in (PTOD_FRANCE, FRANCE_CODE):
        return "france", FRANCE_CODE
    return None


# ---------------------------------------------------------------- references EPCI / dép. / région / France
# (column pattern, indicator, levels where it is loaded). Only what has the barometer's definition:
# - population (P22_POP): département and région (the EPCI's is the exact sum of its communes; the France
#   cell is a median of départements in the source, and empty in the extract);
# - vacancy and 75+ shares: same formulas as ours (P22_LOGVAC / P22_LOG; (POP7589 + POP90P) / POP),
#   not for the EPCI, whose exact value is computed from its communes' counts (the file rounds to 0.01);
# - Filosofi median and poverty rate: INSEE's own published values, every level (they cannot be computed
#   from communes);
# - indicators with another definition get their own id and definition (unemployment over C22_ACT1564,
#   single-parent share of households, ageing index): never put beside a commune value of ours.
# Population is loaded for the census vintage of the file's shares only: P23_POP is not loaded, the release
# it comes from is not stated (PROVENANCE).
REFERENCE_PATTERNS: list[tuple[str, str, frozenset[str]]] = [
    (r"^P(\d\d)_POP$", "population", frozenset({"departement", "region"})),
    (r"^log_vac_pct_(\d\d)$", "part_logements_vacants", frozenset({"departement", "region", "france"})),
    (r"^dmv_75p_pct_(\d\d)$", "part_75_ans_et_plus", frozenset({"departement", "region", "france"})),
    (r"^rev_med_(\d\d)$", "revenu_median_uc", frozenset({"epci", "departement", "region", "france"})),
    (r"^rev_txpauv_(\d\d)$", "taux_pauvrete", frozenset({"epci", "departement", "region", "france"})),
    (r"^soc_txchom_1564_(\d\d)$", "taux_chomage_15_64_c_act",
     frozenset({"epci", "departement", "region", "france"})),
    (r"^men_mono_pct_(\d\d)$", "part_menages_monoparentaux", frozenset({"epci", "departement", "region", "france"})),
    (r"^dmv_iv_ind_(\d\d)$", "indice_vieillissement", frozenset({"epci", "departement", "region", "france"})),
]
SOURCE_REFERENCES = "ptod_references"
# Sources computed by a third party: where a producer's own file gives the same value (same indicator,
# territory, year, breakdown), `barometre build` keeps the producer's (Nord's Filosofi 2021 from INSEE
# Statistiques locales, equal in the two files).
SOURCES_SECONDAIRES = frozenset({SOURCE_REFERENCES})


def parse_references(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    matched = [(col, ind, levels, _year(m.group(1)))
               for col in table.header for pat, ind, levels in REFERENCE_PATTERNS if (m := re.match(pat, col))]
    census = {year for _, ind, _, year in matched if ind == "part_logements_vacants"}
    matched = [m for m in matched if m[1] != "population" or m[3] in census]
    values: list[Valeur] = []
    for row in table.rows:
        level = _niveau_code(row.cells["niveau"], row.cells["code"], ctx)
        if level is None:
            continue
        niveau, code = level
        for col, ind, levels, year in matched:
            if niveau not in levels:
                continue
            raw = _number(table, row, col)
            if raw is None:  # e.g. France's population, left empty: no value, not a zero
                continue
            values.append(_valeur(ind, niveau, code, year, raw, SOURCE_REFERENCES, ligne=row.line, colonne=col))
    return values


# ---------------------------------------------------------------- diploma shares (RP 2022, shares only)
# Four files of one extract: communes not split into IRIS (TYP_IRIS = Z: the row is the commune; IRIS rows
# are not territories of the barometer and are skipped), the communes of 5,000+ (split into IRIS), the
# EPCI, and Nord / région / France. Only 2022: the 2011 and 2016 categories are not comparable (PROVENANCE).
DIPLOMES_PATTERNS = {
    "dsp_dipl_infbac_pct_22": "part_sans_bac_15_plus",
    "dsp_dipl_supbac2_pct_22": "part_diplomes_sup_bac2_15_plus",
}
SOURCE_DIPLOMES = "ptod_diplomes_rp2022"
INFBAC = "dsp_dipl_infbac_pct_22"
AU_MOINS_BAC = "part_au_moins_bac_15_plus"  # 100 − the share below the bac (both rounded to 0.01)
DIPLOMES_YEAR = 2022


def parse_diplomes_parts(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    columns = [c for c in DIPLOMES_PATTERNS if c in table.header]
    rows: list[tuple[str, str, RawRow]] = []
    if "TYP_IRIS" in table.header:
        z_rows = [r for r in table.rows if r.cells["TYP_IRIS"].strip() == "Z"]
        kept = _commune_rows(replace(table, rows=z_rows), ctx, "COM")
        rows = [("commune", code, row) for code, row in kept]
    elif "source_file" in table.header:
        for row in table.rows:
            niveau = "departement" if "dep" in row.cells["source_file"] else "region"
            code = row.cells["code"].strip()
            level = _niveau_code("france" if code == PTOD_FRANCE else niveau, code, ctx)
            if level is not None:
                rows.append((*level, row))
    elif "n_communes" in table.header:
        rows = [("epci", ctx.epci, r) for r in table.rows if r.cells["code"].strip() == ctx.epci]
    else:
        rows = [("commune", code, row) for code, row in _commune_rows(table, ctx, "code")]
    values = []
    for niveau, code, row in rows:
        for col in columns:
            raw = _number(table, row, col)
            values.append(_valeur(DIPLOMES_PATTERNS[col], niveau, code, DIPLOMES_YEAR, raw, SOURCE_DIPLOMES,
                                  ligne=row.line, colonne=col))
            if col == INFBAC:  # its complement: at least the bac (the IDH-4 education variant)
                complement = raw if raw is None or raw is SECRET else round(100 - raw, 2)
                values.append(_valeur(AU_MOINS_BAC, niveau, code, DIPLOMES_YEAR, complement, SOURCE_DIPLOMES,
                                      ligne=row.line, colonne=col))
    return values


# ---------------------------------------------------------------- DPE of dwellings in the BDNB (2024)
# The file gives the number of dwellings with a DPE and two shares rounded to 0.01 %: the counts of class
# A–C and F–G are rebuilt exactly as round(share × total / 100) (a rounding error of 0.005 % moves the count
# by less than 0.5 below 10,000 dwellings; checked), so communes split into IRIS and every group of
# communes are sums of counts, never means of shares.
SOURCE_DPE_BDNB = "bdnb_dpe"
DPE_BDNB_YEAR = 2024
DPE_EXACT_LIMIT = 10_000


def _count_from_share(table: RawTable, row: RawRow, share_col: str, total) -> float | None | object:
    share = _number(table, row, share_col)
    if share is None or total is None:
        return None
    if share is SECRET or total is SECRET:
        return SECRET
    if total >= DPE_EXACT_LIMIT:
        raise IngestError(table.path.name, row.line, share_col,
                          f"trop de logements ({total:g}) pour retrouver le nombre exact depuis une part arrondie",
                          "chargez le fichier des DPE par logement (ADEME) pour ce territoire.")
    return float(round(share * total / 100))


def parse_dpe_bdnb(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    sums: dict[str, dict[str, list]] = {}
    lines: dict[str, int] = {}
    for code, row in _commune_rows(table, ctx, "COM"):
        total = _number(table, row, "logd_dpe_total_24")
        parts = sums.setdefault(code, {"dpe_bdnb_logements": [], "dpe_bdnb_logements_abc": [],
                                       "dpe_bdnb_logements_fg": []})
        lines.setdefault(code, row.line)
        if total is None and row.cells["TYP_IRIS"].strip() == "H":
            # An IRIS left empty by the source (Raismes "Lagrange et Forêt"): the commune is counted over its
            # other IRIS, as the indicator's method says; a commune row left empty stays missing.
            continue
        parts["dpe_bdnb_logements"].append(total)
        parts["dpe_bdnb_logements_abc"].append(_count_from_share(table, row, "logd_dpe_abc_pct_24", total))
        parts["dpe_bdnb_logements_fg"].append(_count_from_share(table, row, "logd_dpe_fg_pct_24", total))
    values = []
    for code, by_ind in sums.items():
        for ind, parts in by_ind.items():
            values.append(_valeur(ind, "commune", code, DPE_BDNB_YEAR, _sum_counts(parts) if parts else None,
                                  SOURCE_DPE_BDNB, ligne=lines[code]))
    return values


# ---------------------------------------------------------------- young people not in work or education
SOURCE_NEET = "anct_jeunes_non_inseres"


def parse_neet(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    commune_rows = [r for r in table.rows if r.cells["niveau"].strip() == "commune"]
    communes = ({code for code, _ in _commune_rows(replace(table, rows=commune_rows), ctx, "codgeo",
                                                   unknown_only_in_departement=True)}
                if commune_rows else set())
    for row in table.rows:
        niveau = row.cells["niveau"].strip()
        code = row.cells["codgeo"].strip()
        if niveau == "commune":
            code = code.zfill(5)
            if code not in communes:
                continue
            level = ("commune", code)
        else:
            level = _niveau_code(niveau, code, ctx)
            if level is None:
                continue
        year = int(row.cells["an"])
        values.append(_valeur("part_jeunes_non_inseres", *level, year, _number(table, row, "part_non_inseres"),
                              SOURCE_NEET, ligne=row.line, colonne="part_non_inseres"))
    return values


# ---------------------------------------------------------------- Agence ORE, consumption by département
SOURCE_ORE_DEP = "agenceore_conso_dep"
ORE_SECTEURS = {"a": "Agriculture", "i": "Industrie", "t": "Tertiaire", "r": "Résidentiel",
                "na": "Secteur non affecté"}
ORE_FILIERES = {"Electricité": "Électricité", "Gaz": "Gaz"}
# In 2011 the Nord has no RTE row (electricity 12.6 TWh against about 22 TWh from 2012): 2011 electricity
# is not comparable with later years and is not loaded (PROVENANCE).
ORE_ELEC_FIRST_YEAR = 2012


def parse_ore_departement(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    sums: dict[tuple[str, str, int, str], list] = {}
    for row in table.rows:
        dep = row.cells["code_departement"].strip().zfill(2)
        reg = row.cells["code_region"].strip()
        filiere = ORE_FILIERES.get(row.cells["filiere"].strip())
        if filiere is None:
            raise IngestError(table.path.name, row.line, "filiere", f"filière inconnue « {row.cells['filiere']} »",
                              "la filière doit être « Electricité » ou « Gaz ».")
        year = int(row.cells["annee"])
        if filiere == "Électricité" and year < ORE_ELEC_FIRST_YEAR:
            continue
        targets = [("departement", ctx.departement)] if dep == ctx.departement else []
        if reg == ctx.region:
            targets.append(("region", ctx.region))
        for niveau, code in targets:
            for key, secteur in ORE_SECTEURS.items():
                sums.setdefault((niveau, code, year, f"{filiere} – {secteur}"), []).append(
                    _number(table, row, f"conso{key}"))
    return [_valeur("consommation_elec_gaz_ore", niveau, code, year, _sum_counts(parts), SOURCE_ORE_DEP,
                    ventilation=vent)
            for (niveau, code, year, vent), parts in sorted(sums.items())]


# ---------------------------------------------------------------- SDES heat networks by IRIS
SOURCE_CHALEUR = "sdes_reseaux_chaleur"


def parse_chaleur_iris(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    sums: dict[tuple[str, int], list] = {}
    lines: dict[tuple[str, int], int] = {}
    for row in table.rows:
        iris = row.cells["IRIS"].strip()
        code = iris[:5]
        if code not in ctx.communes or row.cells["FILIERE"].strip() != "C":
            continue
        key = (code, int(row.cells["ANNEE"]))
        sums.setdefault(key, []).append(_number(table, row, "CONSO"))
        lines.setdefault(key, row.line)
    # One IRIS under secrecy makes the commune's total secret (never the sum of the visible IRIS).
    return [_valeur("livraisons_reseaux_chaleur", "commune", code, year, _sum_counts(parts), SOURCE_CHALEUR,
                    ligne=lines[(code, year)])
            for (code, year), parts in sorted(sums.items())]


# ---------------------------------------------------------------- OR2S health figures quoted by the press
SOURCE_OR2S = "or2s_sante_presse"
# (start of the indicator text, indicator, breakdown)
OR2S_ROWS: list[tuple[str, str, str]] = [
    ("Life expectancy at birth, men: gap with France", "ecart_esperance_vie_france_or2s", "Hommes"),
    ("Life expectancy at birth, women: gap with France", "ecart_esperance_vie_france_or2s", "Femmes"),
    ("Tobacco-related excess mortality vs France", "surmortalite_france_or2s", "Tabac"),
    ("Alcohol-related excess mortality vs France, women", "surmortalite_france_or2s", "Alcool, femmes"),
    ("Alcohol-related excess mortality vs France, men", "surmortalite_france_or2s", "Alcool, hommes"),
    ("Mortality from cancers and cardiovascular diseases", "surmortalite_france_or2s",
     "Cancers et maladies cardiovasculaires"),
    ("RSA recipients vs national average", "ecart_social_france_or2s", "Allocataires du RSA"),
    ("Unemployment vs national average", "ecart_social_france_or2s", "Chômage"),
]
OR2S_REPORT_YEAR = 2022  # report presented in January 2022; the period is given only for life expectancy


def parse_or2s(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        label = row.cells["indicator"].strip()
        match = next(((ind, vent) for text, ind, vent in OR2S_ROWS if label.startswith(text)), None)
        if match is None:
            continue  # a qualitative quotation ("un homme sur trois") is not a number: not loaded
        ind, vent = match
        years = re.findall(r"\d{4}", row.cells["year"])
        periode = (f"{years[0]}-{years[-1]}" if "not stated" not in row.cells["year"] and len(years) > 1
                   else "rapport présenté en janvier 2022, période non précisée")
        year = int(years[-1]) if "not stated" not in row.cells["year"] and years else OR2S_REPORT_YEAR
        v = _valeur(ind, "epci", ctx.epci, year, _number(table, row, "value"), SOURCE_OR2S, ventilation=vent,
                    periode=periode, ligne=row.line, colonne="value")
        values.append(Valeur(**{**v.__dict__, "statut": STATUT_CITE}))
    return values


# ---------------------------------------------------------------- IDH-4 inputs and published IDH-4
# No sample of these two files is in the stored sources: the layouts below are documented ones (README,
# "Charger l'IDH-4"): an agent puts the producer's columns under these names.
# ICM all causes by canton (OR2S): code_canton, icm_toutes_causes, periode ("2011-2017") or annee.
SOURCE_ICM = "or2s_icm"
# The Région's communal IDH-4 (GéoTerritoires, record idh.idh4): code_commune, annee, idh4 and, when given,
# the three sub-indices idh4_sante, idh4_education, idh4_revenu (values between 0 and 1).
SOURCE_IDH4_REGION = "region_idh4"
IDH4_COLONNES = ("idh4", "idh4_sante", "idh4_education", "idh4_revenu")


def _year_period(table: RawTable, row: RawRow) -> tuple[int, str]:
    text = (row.cells.get("periode") or row.cells.get("annee") or "").strip()
    years = re.findall(r"\d{4}", text)
    if not years:
        raise IngestError(table.path.name, row.line, "periode" if "periode" in table.header else "annee",
                          f"année ou période illisible « {text} »",
                          "indiquez l'année (AAAA) ou la période (AAAA-AAAA) des données.")
    return int(years[-1]), (f"{years[0]}-{years[-1]}" if len(years) > 1 else "")


def parse_icm_canton(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    values = []
    for row in table.rows:
        code = row.cells["code_canton"].strip()
        if not code.startswith(ctx.departement):  # cantons of other départements are not followed
            continue
        year, periode = _year_period(table, row)
        values.append(_valeur("icm_toutes_causes", "canton", code, year, _number(table, row, "icm_toutes_causes"),
                              SOURCE_ICM, periode=periode, ligne=row.line, colonne="icm_toutes_causes"))
    return values


def parse_idh4_region(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    columns = [c for c in IDH4_COLONNES if c in table.header]
    values = []
    for code, row in _commune_rows(table, ctx, "code_commune", unknown_only_in_departement=True):
        year, periode = _year_period(table, row)
        for col in columns:
            raw = _number(table, row, col)
            if isinstance(raw, float) and not 0 <= raw <= 1:
                raise IngestError(table.path.name, row.line, col, f"indice hors de [0, 1] ({raw:g})",
                                  "l'IDH-4 et ses sous-indices sont compris entre 0 et 1 : vérifiez la colonne.")
            values.append(_valeur(col, "commune", code, year, raw, SOURCE_IDH4_REGION, periode=periode,
                                  ligne=row.line, colonne=col))
    return values


REFS_LAYOUTS: list[Layout] = [
    Layout(SOURCE_ICM, "OR2S – indice comparatif de mortalité toutes causes par canton (mise en page documentée)",
           ("code_canton", "icm_toutes_causes"), parse_icm_canton, False),
    Layout(SOURCE_IDH4_REGION, "Région Hauts-de-France – IDH-4 communal (mise en page documentée)",
           ("code_commune", "annee", "idh4"), parse_idh4_region),
    Layout(SOURCE_REFERENCES, "INSEE (RP, Filosofi) – valeurs de comparaison EPCI, département, région, France",
           ("niveau", "code", "libelle", r"^rev_med_\d\d$", r"^log_vac_pct_\d\d$"), parse_references, False),
    Layout(SOURCE_DIPLOMES, "INSEE RP – diplômes des 15 ans ou plus non scolarisés (communes et IRIS)",
           ("code", "COM", "TYP_IRIS", r"^dsp_dipl_infbac_pct_\d\d$"), parse_diplomes_parts),
    Layout(SOURCE_DIPLOMES, "INSEE RP – diplômes des 15 ans ou plus non scolarisés (communes de 5 000 habitants ou "
           "plus)", ("code", "libelle", "EPCI", "dsp_dipl_infbac_pct_22"), parse_diplomes_parts),
    Layout(SOURCE_DIPLOMES, "INSEE RP – diplômes des 15 ans ou plus non scolarisés (EPCI)",
           ("code", "libelle", "n_communes", "dsp_dipl_infbac_pct_22"), parse_diplomes_parts, False),
    Layout(SOURCE_DIPLOMES, "INSEE RP – diplômes des 15 ans ou plus non scolarisés (département, région, France)",
           ("source_file", "code", "libelle", "dsp_dipl_infbac_pct_22"), parse_diplomes_parts, False),
    Layout(SOURCE_DPE_BDNB, "BDNB – logements ayant un DPE, classes A à C et F à G (communes et IRIS)",
           ("code", "COM", "TYP_IRIS", "logd_dpe_total_24", "logd_dpe_abc_pct_24", "logd_dpe_fg_pct_24"),
           parse_dpe_bdnb),
    Layout(SOURCE_NEET, "Observatoire des territoires – part des jeunes non insérés",
           ("niveau", "codgeo", "an", "part_non_inseres"), parse_neet),
    Layout(SOURCE_ORE_DEP, "Agence ORE – consommation d'électricité et de gaz par secteur (département)",
           ("operateur", "annee", "filiere", "consoa", "consor", "code_departement", "code_region"),
           parse_ore_departement, False),
    Layout(SOURCE_CHALEUR, "SDES – livraisons des réseaux de chaleur et de froid par IRIS",
           ("ID", "OPERATEUR", "ANNEE", "IRIS", "FILIERE", "CONSO"), parse_chaleur_iris),
    Layout(SOURCE_OR2S, "OR2S – diagnostic santé du territoire cité par la presse",
           ("indicator", "value", "unit", "year", "territory_as_quoted", "source_url"), parse_or2s, False),
]
