"""Energy, air and land importers: official open files in their published layouts, for ``barometre ingest``.

Longer than ~600 lines because of the list below: which column names of each dataset were verified and
how, kept beside the code that reads them.

Each layout is recognised by its header (see ``barometre.sources.detection.detect_layout``), keeps only the rows of the
configured territory (national files work), refuses what it cannot read with a French message naming the
file, the line and the column, and converts units exactly (named constants below, exact rational factors).
A withheld value stays secret and an empty cell stays missing: neither ever becomes 0.

These layouts are read by ``barometre ingest`` only (``barometre build`` does not know them): each writes its
own values file ``data/valeurs/<source>.parquet``, never one that ``build`` rewrites.

Energy autonomy (``autonomie_energetique`` = cae_3.a ÷ cae_2.a, computed in SQL from the summed commune
values) becomes computable as soon as a per-commune consumption file (agence ORE) and a per-commune
production file (Enedis) of the same year are loaded: the first writes commune ``cae_2.a`` (GWh, every
energy and sector of the file), the second commune ``cae_3.a`` (MWh, renewable filières). The per-EPCI
inventory (Atmo) writes EPCI values, and the autonomy itself when its file gives both for a year.

Datasets, and how far their column names could be checked (no internet access: public code and pages that
read these files were searched; "verified" = the exact names were seen in such code):

- **Agence ORE / SDES – consommation annuelle d'électricité et de gaz par commune (par secteur, code NAF)**
  (opendata.agenceore.fr, ``conso-elec-gaz-annuelle-par-naf-agregee-commune``; also on data.gouv.fr).
  Field names VERIFIED: ``operateur, annee, filiere, code_categorie_consommation,
  libelle_categorie_consommation, code_grand_secteur, libelle_grand_secteur, code_naf, libelle_secteur_naf2,
  conso, pdl, indqual, nombre_mailles_secretisees`` (region variant) and ``code_commune, libelle_commune,
  code_epci, libelle_epci, code_departement, libelle_departement`` (IRIS variant). The exact commune file
  was not seen whole: the NAF column may be ``code_naf`` or ``code_secteur_naf2`` (not read here). The
  portal's "labels" export is also accepted: ``Année, Filière, Code Grand Secteur, Libellé Grand Secteur,
  Consommation (MWh), Code Commune`` VERIFIED (capitalisation of "Code Commune" unverified; headers are
  compared case-insensitively). Filière values ``Electricité`` / ``Gaz`` VERIFIED. Grand-secteur codes and
  labels NOT verified: the label (else the code) is used as the breakdown as written. ``conso`` is in MWh.
  An IRIS-level file of the same family is accepted too (its rows are summed per commune).
- **Enedis – production électrique annuelle par filière à la maille commune**
  (``production-electrique-par-filiere-a-la-maille-commune``). Columns ``annee, code_commune,
  domaine_de_tension, nb_sites_<filière>_enedis, energie_produite_annuelle_<filière>_enedis_mwh`` VERIFIED
  (same family as the département file of ../shared/data/raw; ``code_commune`` seen in code reading the
  commune and IRIS files). Rows (voltage domains, or IRIS) are summed per commune. Whether the commune
  series is still updated on Enedis' new portal could not be checked (a 2026 note found the IRIS one
  ending in 2016); every vintage in this layout is readable.
- **ODRÉ – registre national des installations de production et de stockage d'électricité** (agrégé).
  Columns VERIFIED both as API names (``codeinseecommune, filiere, puismaxinstallee, nbinstallations,
  energieannuelleglissanteinjectee, regime, datemiseenservice``) and as export labels (``codeEPCI,
  puisMaxInstallee, nbInstallations, energieAnnuelleGlissanteInjectee, codeFiliere, dateMiseEnService``;
  the exact capitalisation of ``codeINSEECommune`` is unverified, compared case-insensitively). Units:
  power in kW, rolling 12-month energy in kWh (VERIFIED by code converting them, and by a published row:
  87.54 kW, 63 459 kWh). Installations under 36 kW are aggregated per commune (``nbInstallations``).
- **Cerema – consommation d'espaces naturels, agricoles et forestiers (fichiers fonciers)**, per commune.
  Columns VERIFIED: ``idcom, idcomtxt, …, naf09art10, art09act10, art09hab10, art09mix10, art09rou10,
  art09fer10, art09inc10, …`` (upper case in older vintages), values in m² (summed ÷ 10 000 in code
  reading them). ``nafAAartBB`` is the flow from 1 January 20AA to 1 January 20BB, by destination. The
  file is recognised by ``idcom``, ``idcomtxt`` and flow columns, whatever the vintage's years.
- **ADEME – DPE logements existants (depuis juillet 2021)**: one row per diagnostic, counted here per
  commune × year × label. Columns VERIFIED: ``numero_dpe, date_etablissement_dpe, etiquette_dpe,
  code_insee_ban`` (dataset ``dpe03existant``) and the older labels ``N°DPE, Date_établissement_DPE,
  Etiquette_DPE, Code_INSEE_(BAN)`` (dataset ``dpe-v2-logements-existants``).
- **Atmo Hauts-de-France / Observatoire Climat – inventaire par EPCI**: NO published column layout could
  be found (the TRACE platform and bilanterritorial.atmo-hdf.fr pages were not readable offline). The
  layout below is DOCUMENTED HERE, not the producer's: one row per EPCI × year × quantity × sector,
  ``annee;code_epci;nom_epci;indicateur;secteur;valeur;unite`` (see ``parse_atmo_epci``). An agent copies
  the figures of the inventory export into it; the unit column makes every conversion explicit.

Catalogue: besides existing ids (cae_1.a, cae_2.a, cae_3.a, cae_4.a–f, autonomie_energetique,
consommation_enaf, production_electricite_enedis), these layouts write cae_2.d, cae_2.n, cae_11,
puissance_installee_enr, installations_enr, production_electrique_enr_registre, dpe_logements and
dpe_logements_total, and use six new source ids: the entries to add to data/catalogue/ are in
tests/fixtures/energie/indicateurs_a_ajouter.toml and sources_a_ajouter.toml. Until they are added,
``barometre ingest`` refuses the files that need them, naming the missing indicator.

Choices worth knowing:

- Unknown commune codes: a code that is not in the official list is refused when it belongs to the
  territory's département (it may be a mistyped code of ours), as in ``layouts.py``; in other
  départements it is ignored, because national files follow their own COG vintage (ORE: 1 January 2021)
  and a commune merged since elsewhere in France must not block the import.
- Sums: exact (``math.fsum``), then converted once; a sum with a withheld part is withheld, a sum with a
  missing part is missing (``statut = non_diffuse``).
- Renewable filières: Enedis photovoltaïque, éolien, hydraulique, bio-énergies (cogénération and "autres
  filières", mostly fossil, are left out of cae_3.a); ODRÉ Solaire, Eolien, Hydraulique, Bioénergies,
  Energies marines, Géothermie. Bio-energies count whole (waste incineration included).
- The Enedis and agence ORE values cover only the networked energies / the Enedis grid: cae_2.a from ORE
  is electricity + gas (+ any other filière of the file), not fuel oil, wood or transport fuels; cae_3.a
  from Enedis leaves out renewable heat and plants connected to RTE. The catalogue notes must say so.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from barometre.sources.csvread import SECRET, IngestError, RawRow, RawTable, parse_number
from barometre.sources.layouts import ENEDIS_FILIERES, STATUT_NON_DIFFUSE, Layout, ParseContext, Valeur, _commune_rows

# ---------------------------------------------------------------- exact unit conversions
MWH_TO_GWH = Fraction(1, 1000)
KWH_TO_MWH = Fraction(1, 1000)
KWH_TO_GWH = Fraction(1, 1_000_000)
GWH_TO_MWH = Fraction(1000)
KW_TO_MW = Fraction(1, 1000)
M2_TO_HA = Fraction(1, 10_000)
KG_TO_T = Fraction(1, 1000)
KT_TO_T = Fraction(1000)
T_TO_KT = Fraction(1, 1000)
KG_TO_KT = Fraction(1, 1_000_000)
TEP_TO_GWH = Fraction(1163, 100_000)  # 1 tep = 11,63 MWh (convention of the energy statistics)
KTEP_TO_GWH = Fraction(1163, 100)
AUTONOMIE_FACTEUR = Fraction(1, 10)  # MWh ÷ GWh × 0,1 = % (as `facteur` of autonomie_energetique)
POURCENT_MAX = 100

# Cerema: the "unknown destination" flow is balanced by difference and carries rounding residues of −1 or
# −2 m²; they are read as 0. A larger negative value is refused.
ENAF_RESIDU_ARRONDI_M2 = 10

STATUT_DEFINITIF = "definitif"


# ---------------------------------------------------------------- helpers
def _cle(text: str) -> str:
    """Comparison key: no accents, case-folded, alphanumerics (``Électricité`` → ``electricite``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def _colonne(table: RawTable, name: str) -> str:
    """The header name matching ``name`` case-insensitively; an IngestError listing the header otherwise."""
    return table.column(name)


def _colonne_optionnelle(table: RawTable, name: str) -> str | None:
    wanted = _cle(name)
    return next((c for c in table.header if _cle(c) == wanted), None)


def _nombre(table: RawTable, row: RawRow, column: str):
    return parse_number(row.cells[column], fichier=table.path.name, ligne=row.line, colonne=column)


def _annee(table: RawTable, row: RawRow, column: str) -> int:
    text = row.cells[column].strip()
    match = re.fullmatch(r"(\d{4})(?:[.,]0+)?", text)
    if match is None or not 1990 <= int(match.group(1)) <= 2100:
        raise IngestError(fichier=table.path.name, ligne=row.line, colonne=column,
                          message=f"année illisible « {text} »",
                          conseil="indiquez l'année sur quatre chiffres (ex. 2023).")
    return int(match.group(1))


def _somme(parts: Iterable) -> float | None | object:
    """Exact sum; SECRET if a part is withheld, None if a part is missing, never a partial sum."""
    parts = list(parts)
    if any(p is SECRET for p in parts):
        return SECRET
    if any(p is None for p in parts):
        return None
    return math.fsum(parts)


def _convertir(raw, facteur: Fraction):
    """``raw`` × ``facteur``, correctly rounded; SECRET and None pass through."""
    if raw is None or raw is SECRET:
        return raw
    return float(Fraction(raw) * facteur)


def _valeur(indicateur: str, niveau: str, code: str, annee: int, raw, source: str, *, ventilation: str = "",
            periode: str = "", ligne: int | None = None, colonne: str | None = None) -> Valeur:
    """A value already in the indicator's unit: withheld → secret, missing → not published."""
    if raw is SECRET:
        return Valeur(indicateur, niveau, code, annee, None, source, ventilation, periode, True,
                      ligne=ligne, colonne=colonne)
    if raw is None:
        return Valeur(indicateur, niveau, code, annee, None, source, ventilation, periode,
                      statut=STATUT_NON_DIFFUSE, ligne=ligne, colonne=colonne)
    return Valeur(indicateur, niveau, code, annee, float(raw), source, ventilation, periode, ligne=ligne,
                  colonne=colonne)


def _lignes_du_territoire(table: RawTable, ctx: ParseContext, column: str, *,
                          sans_code: str = "refuser") -> list[tuple[str, RawRow]]:
    """Rows of the territory's communes with normalised codes (see the module docstring for unknown codes).

    ``sans_code="ignorer"`` skips rows whose code cell is empty (ODRÉ, DPE: installations or diagnostics
    that the producer could not locate); by default an empty code is an error.
    """
    return _commune_rows(table, ctx, column, skip_empty=sans_code == "ignorer", unknown_only_in_departement=True)


# ---------------------------------------------------------------- agence ORE / SDES: consumption per commune
SOURCE_ORE = "ore_conso_commune"
ORE_FILIERES = {"electricite": "cae_2.d", "gaz": "cae_2.n"}  # other filières count only in cae_2.a
ORE_SECTEUR_INCONNU = "Secteur inconnu"


@dataclass(frozen=True)
class ColonnesOre:
    annee: str
    filiere: str
    code_secteur: str
    libelle_secteur: str
    conso: str  # MWh
    commune: str


ORE_CHAMPS = ColonnesOre("annee", "filiere", "code_grand_secteur", "libelle_grand_secteur", "conso",
                         "code_commune")
ORE_LIBELLES = ColonnesOre("Année", "Filière", "Code Grand Secteur", "Libellé Grand Secteur",
                           "Consommation (MWh)", "Code Commune")


# The five « grands secteurs » of the agence ORE, whatever form names them: the aggregated file's column
# groups (labels « Agriculture » … « Secteur Inconnu » / field suffixes a, i, t, r, na) and the detailed file's
# code or label. Both forms give the same breakdown labels; a label not listed is refused at load (a label
# reaches every visitor's page: it is one of these, never the cell as written).
ORE_SECTEURS = {"agriculture": "Agriculture", "a": "Agriculture", "industrie": "Industrie", "i": "Industrie",
                "tertiaire": "Tertiaire", "t": "Tertiaire", "residentiel": "Résidentiel", "r": "Résidentiel",
                "secteurinconnu": ORE_SECTEUR_INCONNU, "inconnu": ORE_SECTEUR_INCONNU, "na": ORE_SECTEUR_INCONNU,
                "nonaffecte": ORE_SECTEUR_INCONNU, "secteurnonaffecte": ORE_SECTEUR_INCONNU,
                "autre": ORE_SECTEUR_INCONNU, "x": ORE_SECTEUR_INCONNU}
ORE_FILIERE_LIBELLE = {"cae_2.d": "Électricité", "cae_2.n": "Gaz"}


def _secteur(table: RawTable, row: RawRow, code_col: str | None, libelle_col: str | None) -> str:
    for col in (libelle_col, code_col):
        if col is not None and row.cells[col].strip():
            secteur = ORE_SECTEURS.get(_cle(row.cells[col]))
            if secteur is None:
                raise IngestError(fichier=table.path.name, ligne=row.line, colonne=col,
                                  message=f"grand secteur « {row.cells[col].strip()[:60]} » inconnu",
                                  conseil="valeurs attendues : " + ", ".join(sorted(set(ORE_SECTEURS.values())))
                                          + " (le fichier publié par l'Agence ORE, sans retouche).")
            return secteur
    return ORE_SECTEUR_INCONNU


INDICE_QUALITE = "ore_indice_qualite"
MAILLES_SECRETISEES = "ore_mailles_secretisees"


class _Cumul:
    """What the agence ORE files give, gathered per commune (or EPCI) × year before any value is written:
    consumption parts (MWh, or SECRET / None), secrecy counts and measured shares, by energy and sector."""

    def __init__(self, niveau: str) -> None:
        self.niveau = niveau
        self.totaux: dict[tuple[str, int], list] = defaultdict(list)
        self.par_energie: dict[tuple[str, int, str, str], list] = defaultdict(list)
        self.secrets: dict[tuple[str, int, str], list] = defaultdict(list)
        # (code, year, breakdown) → [(measured share, MWh)] for the exact combined share.
        self.qualite: dict[tuple[str, int, str], list[tuple[float, float]]] = defaultdict(list)
        self.ligne: dict[tuple[str, int], int] = {}
        self.colonne: str | None = None

    def secteur(self, code: str, annee: int, indicateur: str | None, secteur: str, raw, n_secret, indqual,
                ligne: int) -> None:
        """One sector of one row: ``raw`` the consumption (MWh), ``n_secret`` the producer's count of
        withheld meshes, ``indqual`` its measured share (0–1). A sector reported as 0 MWh with withheld
        meshes is secret, never 0."""
        self.ligne.setdefault((code, annee), ligne)
        if isinstance(n_secret, float) and n_secret > 0 and raw == 0:
            raw = SECRET
        if indicateur is None:
            return
        ventilation = f"{ORE_FILIERE_LIBELLE[indicateur]} – {secteur}"
        self.par_energie[(code, annee, indicateur, "")].append(raw)
        self.par_energie[(code, annee, indicateur, secteur)].append(raw)
        if n_secret is not None:
            self.secrets[(code, annee, ventilation)].append(n_secret)
        if isinstance(indqual, float) and isinstance(raw, float) and raw > 0:
            self.qualite[(code, annee, ventilation)].append((indqual, raw))

    def valeurs(self, colonne: str) -> list[Valeur]:
        values = [
            _valeur("cae_2.a", self.niveau, code, annee, _convertir(_somme(parts), MWH_TO_GWH), SOURCE_ORE,
                    ligne=self.ligne[(code, annee)], colonne=colonne)
            for (code, annee), parts in sorted(self.totaux.items())
        ]
        values += [
            _valeur(ind, self.niveau, code, annee, _convertir(_somme(parts), MWH_TO_GWH), SOURCE_ORE,
                    ventilation=secteur, ligne=self.ligne[(code, annee)], colonne=colonne)
            for (code, annee, ind, secteur), parts in sorted(self.par_energie.items())
        ]
        values += [
            _valeur(MAILLES_SECRETISEES, self.niveau, code, annee, _somme(parts), SOURCE_ORE, ventilation=vent,
                    ligne=self.ligne[(code, annee)])
            for (code, annee, vent), parts in sorted(self.secrets.items())
            if not any(p is SECRET for p in parts)
        ]
        for (code, annee, vent), parts in sorted(self.qualite.items()):
            conso = math.fsum(c for _, c in parts)
            part = math.fsum(q * c for q, c in parts) / conso  # the measured share of the summed consumption
            values.append(_valeur(INDICE_QUALITE, self.niveau, code, annee, round(part, 6), SOURCE_ORE,
                                  ventilation=vent, ligne=self.ligne[(code, annee)]))
        return values


def _nombre_optionnel(table: RawTable, row: RawRow, column: str | None):
    return None if column is None else _nombre(table, row, column)


def parse_ore(colonnes: ColonnesOre) -> Callable[[RawTable, ParseContext], list[Valeur]]:
    """The detailed (long) file, one row per operator × energy × sector or NAF code: commune cae_2.a (all
    rows of the file, GWh); cae_2.d / cae_2.n (electricity / gas, GWh) in total and by grand secteur; the
    secrecy counts and measured shares (quality index) by energy × sector."""

    def parse(table: RawTable, ctx: ParseContext) -> list[Valeur]:
        commune_col = _colonne(table, colonnes.commune)
        annee_col = _colonne(table, colonnes.annee)
        filiere_col = _colonne(table, colonnes.filiere)
        conso_col = _colonne(table, colonnes.conso)
        code_sect = _colonne_optionnelle(table, colonnes.code_secteur)
        lib_sect = _colonne_optionnelle(table, colonnes.libelle_secteur)
        secret_col = next((c for c in (_colonne_optionnelle(table, n) for n in ORE_LONG_SECRET) if c), None)
        qualite_col = next((c for c in (_colonne_optionnelle(table, n) for n in ORE_LONG_QUALITE) if c), None)
        cumul = _Cumul("commune")
        for code, row in _lignes_du_territoire(table, ctx, commune_col):
            annee = _annee(table, row, annee_col)
            raw = _nombre(table, row, conso_col)
            n_secret = _nombre_optionnel(table, row, secret_col)
            if isinstance(n_secret, float) and n_secret > 0 and raw == 0:
                raw = SECRET
            cumul.totaux[(code, annee)].append(raw)
            cumul.secteur(code, annee, ORE_FILIERES.get(_cle(row.cells[filiere_col])),
                          _secteur(table, row, code_sect, lib_sect), raw, n_secret,
                          _nombre_optionnel(table, row, qualite_col), row.line)
        return cumul.valeurs(conso_col)

    return parse


ORE_LONG_SECRET = ("nombre_mailles_secretisees", "Nombre de mailles secretisées")
ORE_LONG_QUALITE = ("indqual", "Indice qualité")


# ---------------------------------------------------------------- agence ORE: aggregated (wide) file
@dataclass(frozen=True)
class SecteurOre:
    """One column group of the aggregated file: the accepted names of each of its columns (labels as the
    portal writes them, own spellings included, then field names)."""

    libelle: str
    conso: tuple[str, ...]
    secret: tuple[str, ...]
    qualite: tuple[str, ...]


def _groupe(libelle: str, mot: str, mot_secret: str, suffixe: str, mot_qualite: str) -> SecteurOre:
    return SecteurOre(
        libelle,
        (f"Consommation {mot} (MWh)", f"conso{suffixe}"),
        (f"Nombre de mailles secretisées ({mot_secret})", f"nombre_maille_secretisees_{suffixe}",
         f"nombre_mailles_secretisees_{suffixe}"),
        (f"Indice qualité {mot_qualite}", f"Indique qualité {mot_qualite}", f"indqual{suffixe}"),
    )


ORE_GROUPES = (
    _groupe("Agriculture", "Agriculture", "agriculture", "a", "Agriculture"),
    _groupe("Industrie", "Industrie", "industrie", "i", "Industrie"),
    _groupe("Tertiaire", "Tertiaire", "tertiaire", "t", "Tertiaire"),
    _groupe("Résidentiel", "Résidentiel", "résidentiel", "r", "Résidentiel"),
    _groupe(ORE_SECTEUR_INCONNU, "Secteur Inconnu", "secteur inconnu", "na", "Non Affecté"),
)
ORE_AGREGE_TOTAL = ("Consommation totale (MWh)", "consototale")
# Signatures: more columns than the département file's (layouts_refs), which the commune file also matches.
ORE_AGREGE_LIBELLES = ("Opérateur", "Année", "Filière", "Consommation Agriculture (MWh)",
                       "Consommation Résidentiel (MWh)", "Consommation totale (MWh)", "Code Commune",
                       "Libellé Commune", "Code EPCI")
ORE_AGREGE_CHAMPS = ("operateur", "annee", "filiere", "consoa", "consor", "consototale", "code_commune",
                     "libelle_commune", "code_epci")


def _premiere(table: RawTable, names: tuple[str, ...], *, requise: bool = True) -> str | None:
    for name in names:
        if (col := _colonne_optionnelle(table, name)) is not None:
            return col
    if requise:
        return _colonne(table, names[0])  # raises, listing the header
    return None


def parse_ore_agrege() -> Callable[[RawTable, ParseContext], list[Valeur]]:
    """The aggregated (wide) file, one row per operator × year × energy × commune, one column
    group per sector, as labels (« Consommation Agriculture (MWh) », « Nombre de mailles secretisées
    (agriculture) », « Indique qualité Agriculture » …) or field names (consoa, nombre_maille_secretisees_a,
    indquala …): cae_2.a = the published « Consommation totale » summed over operators and energies; cae_2.d /
    cae_2.n in total and by sector; secrecy counts and quality indices by energy × sector."""

    def parse(table: RawTable, ctx: ParseContext) -> list[Valeur]:
        annee_col = _premiere(table, ("Année", "annee"))
        filiere_col = _premiere(table, ("Filière", "filiere"))
        total_col = _premiere(table, ORE_AGREGE_TOTAL)
        groupes = [(g.libelle, _premiere(table, g.conso), _premiere(table, g.secret, requise=False),
                    _premiere(table, g.qualite, requise=False)) for g in ORE_GROUPES]
        cumul = _Cumul("commune")
        lignes = _lignes_du_territoire(table, ctx, _premiere(table, ("Code Commune", "code_commune")))
        for code, row in lignes:
            annee = _annee(table, row, annee_col)
            indicateur = ORE_FILIERES.get(_cle(row.cells[filiere_col]))
            for libelle, conso_col, secret_col, qualite_col in groupes:
                raw = _nombre(table, row, conso_col)
                n_secret = _nombre_optionnel(table, row, secret_col)
                if isinstance(n_secret, float) and n_secret > 0 and raw == 0:
                    raw = SECRET
                cumul.secteur(code, annee, indicateur, libelle, raw, n_secret,
                              _nombre_optionnel(table, row, qualite_col), row.line)
            # The published total, as published: the consumption of withheld meshes is not in it (their
            # count is kept, ore_mailles_secretisees, and shown beside the total).
            cumul.totaux[(code, annee)].append(_nombre(table, row, total_col))
        return cumul.valeurs(total_col)

    return parse


# ---------------------------------------------------------------- Enedis: production per commune
SOURCE_ENEDIS_COMMUNE = "enedis_production_commune"
ENEDIS_FILIERES_RENOUVELABLES = ("photovoltaique", "eolien", "hydraulique", "bio_energie")


def _colonne_enedis(filiere: str) -> str:
    return f"energie_produite_annuelle_{filiere}_enedis_mwh"


# The portal's « labels » export of the same file (VERIFIED on public code reading the commune, EPCI and
# region files: « Année », « Code commune », « Domaine de tension », « Energie produite annuelle
# Photovoltaïque Enedis (MWh) » …).
ENEDIS_LIBELLES_FILIERES = {"photovoltaique": "Photovoltaïque", "eolien": "Eolien", "hydraulique": "Hydraulique",
                            "bio_energie": "Bio Energie", "cogeneration": "Cogénération",
                            "autres_filieres": "Autres filières"}


def _libelle_enedis(filiere: str) -> str:
    return f"Energie produite annuelle {ENEDIS_LIBELLES_FILIERES[filiere]} Enedis (MWh)"


def parse_enedis_production_commune(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    """Commune production by filière (``production_electricite_enedis``, MWh) and renewable total
    (cae_3.a, MWh), each summed over voltage domains (and IRIS, for the IRIS file). Field names or labels."""
    libelles = "code_commune" not in [h.strip().lower() for h in table.header]
    commune_col = _colonne(table, "Code commune" if libelles else "code_commune")
    annee_col = _colonne(table, "Année" if libelles else "annee")
    energie_cols = {f: _colonne(table, _libelle_enedis(f) if libelles else _colonne_enedis(f))
                    for f in ENEDIS_FILIERES}
    parts: dict[tuple[str, int, str], list] = defaultdict(list)
    premiere_ligne: dict[tuple[str, int], int] = {}
    for code, row in _lignes_du_territoire(table, ctx, commune_col):
        annee = _annee(table, row, annee_col)
        premiere_ligne.setdefault((code, annee), row.line)
        for filiere, col in energie_cols.items():
            parts[(code, annee, filiere)].append(_nombre(table, row, col))
    values: list[Valeur] = []
    for code, annee in sorted(premiere_ligne):
        ligne = premiere_ligne[(code, annee)]
        for filiere, label in ENEDIS_FILIERES.items():
            values.append(_valeur("production_electricite_enedis", "commune", code, annee,
                                  _somme(parts[(code, annee, filiere)]), SOURCE_ENEDIS_COMMUNE,
                                  ventilation=label, ligne=ligne, colonne=energie_cols[filiere]))
        renouvelable = _somme(p for f in ENEDIS_FILIERES_RENOUVELABLES for p in parts[(code, annee, f)])
        values.append(_valeur("cae_3.a", "commune", code, annee, renouvelable, SOURCE_ENEDIS_COMMUNE,
                              ligne=ligne))
    return values


# ---------------------------------------------------------------- ODRÉ: national register of installations
SOURCE_ODRE = "odre_registre_installations"
ODRE_FILIERES_RENOUVELABLES = {
    "solaire": "Solaire", "eolien": "Éolien", "hydraulique": "Hydraulique", "bioenergies": "Bioénergies",
    "energiesmarines": "Énergies marines", "geothermie": "Géothermie",
}
ODRE_EN_SERVICE = "enservice"
# ODRÉ names its yearly snapshots "...-agrege-311224" (state at 31 December 2024).
ODRE_FICHIER_ANNEE = re.compile(r"3112(\d{2}|\d{4})(?!\d)")


def _annee_odre(table: RawTable) -> tuple[int, str]:
    """The year of the snapshot and its label: from the file name, else from the latest commissioning."""
    match = ODRE_FICHIER_ANNEE.search(table.path.stem)
    if match:
        digits = match.group(1)
        annee = 2000 + int(digits) if len(digits) == 2 else int(digits)
        return annee, f"parc au 31/12/{annee}"
    dates: list[date] = []
    for col in (c for c in table.header if _cle(c).startswith("datemiseenservice")):
        dates += [d for row in table.rows if (d := _date(row.cells[col])) is not None]
    if not dates:
        raise IngestError(
            fichier=table.path.name, ligne=None, colonne=None,
            message="date du registre introuvable (ni dans le nom du fichier, ni dans les dates de mise en "
            "service)",
            conseil="gardez le nom du fichier publié par ODRÉ (ex. …-agrege-311224.csv pour le parc au "
            "31/12/2024).",
        )
    latest = max(dates)
    return latest.year, f"parc au {latest:%d/%m/%Y} (dernière mise en service du fichier)"


def parse_odre_registre(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    """Renewable installations per commune: count (``installations_enr``), power (``puissance_installee_enr``,
    MW) and rolling 12-month injected energy (``production_electrique_enr_registre``, MWh), in total and by
    filière. Installations not "En service" (when the file says so) are left out."""
    commune_col = _colonne(table, "codeINSEECommune")
    filiere_col = _colonne(table, "filiere")
    puissance_col = _colonne(table, "puisMaxInstallee")
    nombre_col = _colonne(table, "nbInstallations")
    energie_col = _colonne_optionnelle(table, "energieAnnuelleGlissanteInjectee")
    regime_col = _colonne_optionnelle(table, "regime")
    annee, periode = _annee_odre(table)
    puissance: dict[tuple[str, str], list] = defaultdict(list)
    nombre: dict[tuple[str, str], list] = defaultdict(list)
    energie: dict[tuple[str, str], list] = defaultdict(list)
    premiere_ligne: dict[str, int] = {}
    for code, row in _lignes_du_territoire(table, ctx, commune_col, sans_code="ignorer"):
        regime = _cle(row.cells[regime_col]) if regime_col is not None else ""
        if regime and regime != ODRE_EN_SERVICE:
            continue
        label = ODRE_FILIERES_RENOUVELABLES.get(_cle(row.cells[filiere_col]))
        if label is None:
            continue
        premiere_ligne.setdefault(code, row.line)
        for key in ((code, ""), (code, label)):
            puissance[key].append(_nombre(table, row, puissance_col))
            nombre[key].append(_nombre(table, row, nombre_col))
            if energie_col is not None:
                energie[key].append(_nombre(table, row, energie_col))
    values: list[Valeur] = []
    periode_energie = f"12 mois glissants, {periode}"
    for code, ventilation in sorted(puissance):
        ligne = premiere_ligne[code]
        key = (code, ventilation)
        values.append(_valeur("installations_enr", "commune", code, annee, _somme(nombre[key]), SOURCE_ODRE,
                              ventilation=ventilation, periode=periode, ligne=ligne, colonne=nombre_col))
        values.append(_valeur("puissance_installee_enr", "commune", code, annee,
                              _convertir(_somme(puissance[key]), KW_TO_MW), SOURCE_ODRE,
                              ventilation=ventilation, periode=periode, ligne=ligne, colonne=puissance_col))
        if energie_col is not None:
            values.append(_valeur("production_electrique_enr_registre", "commune", code, annee,
                                  _convertir(_somme(energie[key]), KWH_TO_MWH), SOURCE_ODRE,
                                  ventilation=ventilation, periode=periode_energie, ligne=ligne,
                                  colonne=energie_col))
    if not values:
        raise IngestError(fichier=table.path.name, ligne=None, colonne=filiere_col,
                          message="aucune installation renouvelable en service dans les communes de "
                          "l'agglomération",
                          conseil="vérifiez qu'il s'agit bien du registre national des installations (ODRÉ).")
    return values


# ---------------------------------------------------------------- Cerema: land consumption (ENAF)
SOURCE_CEREMA = "cerema_enaf"
ENAF_DESTINATIONS = {
    "act": "Activités économiques", "hab": "Habitat", "mix": "Mixte", "rou": "Infrastructures routières",
    "fer": "Infrastructures ferroviaires", "inc": "Destination inconnue",
}
ENAF_TOTAL = re.compile(r"^naf(\d\d)art(\d\d)$", re.IGNORECASE)
ENAF_DESTINATION = re.compile(r"^art(\d\d)(act|hab|mix|rou|fer|inc)(\d\d)$", re.IGNORECASE)
# ZAN periods: the reference decade, then the period running from 2021.
ENAF_DECENNIE = (2011, 2020)
ENAF_DEBUT_PERIODE_ZAN = 2021


def _flux_annuels(header: list[str]) -> dict[tuple[int, str], str]:
    """(year, breakdown) → column, for the one-year flows only (``naf21art22``, ``art21hab22``)."""
    columns: dict[tuple[int, str], str] = {}
    for col in header:
        if (m := ENAF_TOTAL.match(col)) and int(m.group(2)) == int(m.group(1)) + 1:
            columns[(2000 + int(m.group(1)), "")] = col
        elif (m := ENAF_DESTINATION.match(col)) and int(m.group(3)) == int(m.group(1)) + 1:
            columns[(2000 + int(m.group(1)), ENAF_DESTINATIONS[m.group(2).lower()])] = col
    return columns


def _surface_m2(table: RawTable, row: RawRow, column: str):
    raw = _nombre(table, row, column)
    if isinstance(raw, float) and raw < 0:
        if raw < -ENAF_RESIDU_ARRONDI_M2:
            raise IngestError(fichier=table.path.name, ligne=row.line, colonne=column,
                              message=f"surface négative impossible ({raw:g} m²)",
                              conseil="une consommation d'espace ne peut pas être négative : vérifiez la "
                              "cellule.")
        return 0.0  # rounding residue of the source (see ENAF_RESIDU_ARRONDI_M2)
    return raw


def parse_cerema_enaf(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    """Annual flows (``cae_11``, ha/an, by destination) and ZAN-period totals (``consommation_enaf``, ha:
    2011-2020 when the ten years are in the file, and 2021 to the file's last year)."""
    commune_col = _colonne(table, "idcom")
    columns = _flux_annuels(table.header)
    if not columns:
        raise IngestError(fichier=table.path.name, ligne=table.header_line, colonne=None,
                          message="aucune colonne de flux annuel (nafAAartBB) dans l'en-tête",
                          conseil="utilisez le fichier communal du Cerema « consommation d'espaces NAF ».")
    annees = sorted({a for a, _ in columns})
    ventilations = sorted({v for _, v in columns})
    periodes: list[tuple[int, int]] = []
    if all((a, "") in columns for a in range(ENAF_DECENNIE[0], ENAF_DECENNIE[1] + 1)):
        periodes.append(ENAF_DECENNIE)
    if annees[-1] >= ENAF_DEBUT_PERIODE_ZAN and all((a, "") in columns
                                                    for a in range(ENAF_DEBUT_PERIODE_ZAN, annees[-1] + 1)):
        periodes.append((ENAF_DEBUT_PERIODE_ZAN, annees[-1]))
    values: list[Valeur] = []
    for code, row in _lignes_du_territoire(table, ctx, commune_col):
        flux = {key: _surface_m2(table, row, col) for key, col in columns.items()}
        for (annee, ventilation), raw in sorted(flux.items()):
            values.append(_valeur("cae_11", "commune", code, annee, _convertir(raw, M2_TO_HA), SOURCE_CEREMA,
                                  ventilation=ventilation, ligne=row.line,
                                  colonne=columns[(annee, ventilation)]))
        for debut, fin in periodes:
            for ventilation in ventilations:
                keys = [(a, ventilation) for a in range(debut, fin + 1)]
                if not all(k in flux for k in keys):
                    continue
                total = _convertir(_somme(flux[k] for k in keys), M2_TO_HA)
                values.append(_valeur("consommation_enaf", "commune", code, fin, total, SOURCE_CEREMA,
                                      ventilation=ventilation, periode=f"{debut}-{fin}", ligne=row.line))
    return values


# ---------------------------------------------------------------- ADEME: DPE of existing dwellings
SOURCE_DPE = "ademe_dpe_logements"
DPE_ETIQUETTES = ("A", "B", "C", "D", "E", "F", "G")
DPE_PASSOIRES = ("F", "G")
DPE_VENTILATION_PASSOIRES = "F ou G"


@dataclass(frozen=True)
class ColonnesDpe:
    numero: str
    date: str
    etiquette: str
    commune: str


DPE_CHAMPS = ColonnesDpe("numero_dpe", "date_etablissement_dpe", "etiquette_dpe", "code_insee_ban")
DPE_LIBELLES = ColonnesDpe("N°DPE", "Date_établissement_DPE", "Etiquette_DPE", "Code_INSEE_(BAN)")


def _date(text: str) -> date | None:
    text = text.strip()
    if m := re.match(r"^(\d{4})-(\d{2})-(\d{2})", text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := re.match(r"^(\d{2})/(\d{2})/(\d{4})", text):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _periode_couverte(annee: int, debut: date, fin: date) -> str:
    """Empty for a whole year of the file; the dates covered otherwise (first or last year of an extract)."""
    start, end = max(date(annee, 1, 1), debut), min(date(annee, 12, 31), fin)
    if start == date(annee, 1, 1) and end == date(annee, 12, 31):
        return ""
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def parse_dpe(colonnes: ColonnesDpe) -> Callable[[RawTable, ParseContext], list[Valeur]]:
    """Counts of diagnostics per commune × year of establishment: ``dpe_logements`` by label (A…G and
    "F ou G") and ``dpe_logements_total`` (a diagnostic without label counts only in the total)."""

    def parse(table: RawTable, ctx: ParseContext) -> list[Valeur]:
        commune_col = _colonne(table, colonnes.commune)
        date_col = _colonne(table, colonnes.date)
        etiquette_col = _colonne(table, colonnes.etiquette)
        # The file's first and last dates tell which years it covers in full (all its rows count).
        dates = [d for row in table.rows if (d := _date(row.cells[date_col])) is not None]
        comptes: dict[tuple[str, int], dict[str, int]] = {}
        premiere_ligne: dict[tuple[str, int], int] = {}
        for code, row in _lignes_du_territoire(table, ctx, commune_col, sans_code="ignorer"):
            etabli = _date(row.cells[date_col])
            if etabli is None:
                raise IngestError(fichier=table.path.name, ligne=row.line, colonne=date_col,
                                  message=f"date illisible « {row.cells[date_col].strip()} »",
                                  conseil="la date d'établissement du DPE s'écrit AAAA-MM-JJ "
                                  "(ex. 2023-05-12).")
            key = (code, etabli.year)
            compte = comptes.setdefault(key, dict.fromkeys((*DPE_ETIQUETTES, ""), 0))
            premiere_ligne.setdefault(key, row.line)
            etiquette = row.cells[etiquette_col].strip().upper()
            if etiquette and etiquette not in DPE_ETIQUETTES:
                raise IngestError(fichier=table.path.name, ligne=row.line, colonne=etiquette_col,
                                  message=f"étiquette DPE « {row.cells[etiquette_col].strip()} » inconnue",
                                  conseil="l'étiquette est une lettre de A à G (ou une cellule vide).")
            compte[""] += 1
            if etiquette:
                compte[etiquette] += 1
        debut, fin = min(dates), max(dates)
        values: list[Valeur] = []
        for (code, annee), compte in sorted(comptes.items()):
            periode = _periode_couverte(annee, debut, fin)
            ligne = premiere_ligne[(code, annee)]
            values.append(_valeur("dpe_logements_total", "commune", code, annee, compte[""], SOURCE_DPE,
                                  periode=periode, ligne=ligne))
            for etiquette in DPE_ETIQUETTES:
                values.append(_valeur("dpe_logements", "commune", code, annee, compte[etiquette], SOURCE_DPE,
                                      ventilation=etiquette, periode=periode, ligne=ligne))
            values.append(_valeur("dpe_logements", "commune", code, annee,
                                  sum(compte[e] for e in DPE_PASSOIRES), SOURCE_DPE,
                                  ventilation=DPE_VENTILATION_PASSOIRES, periode=periode, ligne=ligne))
        return values

    return parse


# ---------------------------------------------------------------- Atmo HdF / Observatoire Climat (per EPCI)
SOURCE_ATMO = "atmo_hdf_inventaire_epci"
ATMO_TOTAL = {"", "total", "totalhorsutcatf", "tous", "toussecteurs", "ensemble"}

UNITES_POLLUANT = {"kg": KG_TO_T, "t": Fraction(1), "tonne": Fraction(1), "tonnes": Fraction(1),
                   "kt": KT_TO_T}
UNITES_GES = {"kgeqco2": KG_TO_KT, "kgco2e": KG_TO_KT, "teqco2": T_TO_KT, "tco2e": T_TO_KT, "tco2eq": T_TO_KT,
              "kteqco2": Fraction(1), "ktco2e": Fraction(1), "ktco2eq": Fraction(1)}
UNITES_CONSOMMATION = {"kwh": KWH_TO_GWH, "mwh": MWH_TO_GWH, "gwh": Fraction(1), "tep": TEP_TO_GWH,
                       "ktep": KTEP_TO_GWH}
UNITES_PRODUCTION = {"kwh": KWH_TO_MWH, "mwh": Fraction(1), "gwh": GWH_TO_MWH}

# `indicateur` column (compared without accents, case or punctuation) → (catalogue id, accepted units).
ATMO_INDICATEURS: dict[str, tuple[str, dict[str, Fraction]]] = {
    "nox": ("cae_4.a", UNITES_POLLUANT),
    "pm10": ("cae_4.b", UNITES_POLLUANT),
    "pm25": ("cae_4.c", UNITES_POLLUANT),
    "covnm": ("cae_4.d", UNITES_POLLUANT),
    "cov": ("cae_4.d", UNITES_POLLUANT),
    "so2": ("cae_4.e", UNITES_POLLUANT),
    "nh3": ("cae_4.f", UNITES_POLLUANT),
    "ges": ("cae_1.a", UNITES_GES),
    "consommationdenergiefinale": ("cae_2.a", UNITES_CONSOMMATION),
    "consommationenergiefinale": ("cae_2.a", UNITES_CONSOMMATION),
    "productiondenergierenouvelable": ("cae_3.a", UNITES_PRODUCTION),
    "productionenr": ("cae_3.a", UNITES_PRODUCTION),
}


def _unite(text: str) -> str:
    return _cle(text.replace("₂", "2").replace("éq", "eq"))


def parse_atmo_epci(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    """EPCI values of the inventory (documented layout, see the module docstring).

    ``indicateur``: NOx, PM10, PM2.5, COVNM, SO2, NH3, GES, « Consommation d'énergie finale », « Production
    d'énergie renouvelable » (other quantities of an export are ignored). ``secteur``: « Total » (or empty)
    for the territory total, any other label is kept as the breakdown. ``unite``: kg, t, kt (pollutants);
    kg/t/kt éq. CO2 (GES → kteq CO2); kWh, MWh, GWh, tep, ktep (consumption → GWh); kWh, MWh, GWh
    (production → MWh). When a year gives both total consumption and total production, the autonomy
    (production ÷ consumption) is written too, unless it exceeds 100 %.
    """
    epci_col, annee_col = _colonne(table, "code_epci"), _colonne(table, "annee")
    ind_col, secteur_col = _colonne(table, "indicateur"), _colonne(table, "secteur")
    valeur_col, unite_col = _colonne(table, "valeur"), _colonne(table, "unite")
    values: list[Valeur] = []
    for row in table.rows:
        if row.cells[epci_col].strip() != ctx.epci:
            continue
        known = ATMO_INDICATEURS.get(_cle(row.cells[ind_col]))
        if known is None:
            continue
        indicateur, unites = known
        unite = row.cells[unite_col].strip()
        facteur = unites.get(_unite(unite))
        if facteur is None:
            raise IngestError(fichier=table.path.name, ligne=row.line, colonne=unite_col,
                              message=f"unité « {unite} » inattendue pour « {row.cells[ind_col].strip()} »",
                              conseil="unités acceptées : " + ", ".join(sorted(unites)) + ".")
        secteur = row.cells[secteur_col].strip()
        ventilation = "" if _cle(secteur) in ATMO_TOTAL else secteur
        raw = _convertir(_nombre(table, row, valeur_col), facteur)
        values.append(_valeur(indicateur, "epci", ctx.epci, _annee(table, row, annee_col), raw, SOURCE_ATMO,
                              ventilation=ventilation, ligne=row.line, colonne=valeur_col))
    if not values:
        raise IngestError(fichier=table.path.name, ligne=None, colonne=epci_col,
                          message=f"aucune ligne de l'EPCI {ctx.epci} dans ce fichier",
                          conseil="vérifiez le code SIREN de l'EPCI (9 chiffres) dans la colonne code_epci.")
    return values + _autonomie_epci(values, ctx)


def _autonomie_epci(values: list[Valeur], ctx: ParseContext) -> list[Valeur]:
    totals = {(v.indicateur, v.annee): v for v in values if v.ventilation == "" and v.valeur is not None}
    extra = []
    for (indicateur, annee), production in sorted(totals.items()):
        consommation = totals.get(("cae_2.a", annee))
        if indicateur != "cae_3.a" or consommation is None or consommation.valeur == 0:
            continue
        ratio = float(Fraction(production.valeur) / Fraction(consommation.valeur) * AUTONOMIE_FACTEUR)
        if ratio <= POURCENT_MAX:
            extra.append(replace(production, indicateur="autonomie_energetique", valeur=ratio, colonne=None))
    return extra


# ---------------------------------------------------------------- layouts
ENERGY_LAYOUTS: list[Layout] = [
    Layout(SOURCE_ORE, "Agence ORE – consommation annuelle d'électricité et de gaz par commune",
           ("operateur", "annee", "filiere", "conso", "pdl", "code_commune"), parse_ore(ORE_CHAMPS)),
    Layout(SOURCE_ORE,
           "Agence ORE – consommation annuelle d'électricité et de gaz par commune (en-têtes libellés)",
           ("Année", "Filière", "Consommation (MWh)", "Code Commune"), parse_ore(ORE_LIBELLES)),
    Layout(SOURCE_ORE, "Agence ORE – consommation annuelle d'électricité et gaz par commune et par secteur "
           "d'activité (agrégée, en-têtes libellés)", ORE_AGREGE_LIBELLES,
           parse_ore_agrege()),
    Layout(SOURCE_ORE, "Agence ORE – consommation annuelle d'électricité et gaz par commune et par secteur "
           "d'activité (agrégée, noms de champs)", ORE_AGREGE_CHAMPS,
           parse_ore_agrege()),
    Layout(SOURCE_ENEDIS_COMMUNE, "Enedis – production électrique annuelle par filière (commune)",
           ("annee", "code_commune", "domaine_de_tension", _colonne_enedis("photovoltaique"),
            _colonne_enedis("bio_energie")), parse_enedis_production_commune),
    Layout(SOURCE_ENEDIS_COMMUNE, "Enedis – production électrique annuelle par filière (commune, en-têtes libellés)",
           ("Année", "Code commune", "Domaine de tension", _libelle_enedis("photovoltaique"),
            _libelle_enedis("bio_energie")), parse_enedis_production_commune),
    Layout(SOURCE_ODRE, "ODRÉ – registre national des installations de production d'électricité",
           ("codeINSEECommune", "filiere", "puisMaxInstallee", "nbInstallations"), parse_odre_registre),
    Layout(SOURCE_CEREMA, "Cerema – consommation d'espaces naturels, agricoles et forestiers (commune)",
           ("idcom", "idcomtxt", r"^naf\d\dart\d\d$", r"^art\d\dhab\d\d$"), parse_cerema_enaf),
    Layout(SOURCE_DPE, "ADEME – DPE des logements existants",
           (DPE_CHAMPS.numero, DPE_CHAMPS.date, DPE_CHAMPS.etiquette, DPE_CHAMPS.commune), parse_dpe(DPE_CHAMPS)),
    Layout(SOURCE_DPE, "ADEME – DPE des logements existants (ancien format)",
           (DPE_LIBELLES.numero, DPE_LIBELLES.date, DPE_LIBELLES.etiquette, DPE_LIBELLES.commune),
           parse_dpe(DPE_LIBELLES)),
    Layout(SOURCE_ATMO,
           "Atmo Hauts-de-France / Observatoire Climat – inventaire par EPCI (mise en page documentée)",
           ("annee", "code_epci", "indicateur", "secteur", "valeur", "unite"), parse_atmo_epci, False),
]
