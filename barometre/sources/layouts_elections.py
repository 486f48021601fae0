"""Electoral participation by commune (Ministère de l'Intérieur, official results).

The file (``city, code, ins, abs``: commune name, INSEE code, registered voters, abstentions) is
recognised by its header. Its header does not say which election it is: every election's file has the
same four columns. The election is read from an ``election`` column when the file has one, else from the
file name as the producer's archive names it (``turnout-eur-2024.tsv``, ``turnout-pre-2022-r1.tsv``);
a file with neither is refused with a French message saying how to name it.

Values: registered voters (``inscrits_listes_electorales``) and voters (``votants`` = ins − abs) per
commune, with the election as breakdown (ventilation), so that turnout (``taux_participation`` = voters ÷
registered × 100, a ratio of the catalogue) is computed from summed counts for every bassin and the
agglomeration, and is never put in one series with another election. The Nord's figures are the sums of
the file's communes of the département, given only when the file holds every commune of the département
(codes of communes merged since the election are summed with the rest: same area).

Municipal second rounds are not loaded: they took place only where no list won in the first round, so
they compare neither across communes nor with any group (PROVENANCE).
"""

from __future__ import annotations

import re

from barometre.sources.csvread import IngestError, RawTable, normalise_commune_code
from barometre.sources.layouts import Layout, ParseContext, Valeur, _number, _valeur

SOURCE_ELECTIONS = "interieur_elections"
INSCRITS = "inscrits_listes_electorales"
VOTANTS = "votants"

SCRUTINS = {"eur": "Européennes", "pre": "Présidentielle", "mun": "Municipales", "leg": "Législatives",
            "reg": "Régionales", "dep": "Départementales"}
TOURS = {"1": "1er tour", "2": "2d tour"}
NOM_FICHIER = re.compile(r"(eur|pre|mun|leg|reg|dep)\w*?[-_ ](\d{4})(?:[-_ ]r(\d))?", re.IGNORECASE)
LIBELLE = re.compile(r"^(Européennes|Présidentielle|Municipales|Législatives|Régionales|Départementales) "
                     r"(\d{4})(?:, (1er|2d) tour)?$")
CONSEIL_ELECTION = ("nommez le fichier comme l'archive du ministère (ex. turnout-eur-2024.tsv, "
                    "turnout-pre-2022-r1.tsv) ou ajoutez une colonne « election » (ex. « Européennes 2024 », "
                    "« Présidentielle 2022, 1er tour »).")


def election_du_fichier(table: RawTable) -> tuple[str, int] | None:
    """(breakdown label, year) of the file's election, or None for a municipal second round (not loaded)."""
    if "election" in table.header:
        labels = {row.cells["election"].strip() for row in table.rows}
        if len(labels) != 1:
            raise IngestError(table.path.name, None, "election",
                              f"plusieurs élections dans un même fichier ({len(labels)})",
                              "un fichier par élection et par tour : la participation ne se compare qu'au sein "
                              "d'une même élection.")
        label = labels.pop()
        m = LIBELLE.match(label)
        if m is None:
            raise IngestError(table.path.name, table.rows[0].line, "election", f"élection illisible « {label} »",
                              CONSEIL_ELECTION)
        if m.group(1) == "Municipales" and m.group(3) == "2d":
            return None
        return label, int(m.group(2))
    m = NOM_FICHIER.search(table.path.stem)
    if m is None:
        raise IngestError(table.path.name, None, None, "le fichier ne dit pas de quelle élection il s'agit",
                          CONSEIL_ELECTION)
    scrutin, annee, tour = m.group(1).lower(), int(m.group(2)), m.group(3)
    if tour is not None and tour not in TOURS:
        raise IngestError(table.path.name, None, None, f"tour de scrutin illisible « r{tour} »", CONSEIL_ELECTION)
    if scrutin == "mun" and tour == "2":
        return None
    label = f"{SCRUTINS[scrutin]} {annee}" + (f", {TOURS[tour]}" if scrutin != "eur" and tour else "")
    if scrutin == "pre" and tour is None:
        raise IngestError(table.path.name, None, None, "le tour de l'élection présidentielle n'est pas indiqué",
                          CONSEIL_ELECTION)
    return label, annee


def parse_participation(table: RawTable, ctx: ParseContext) -> list[Valeur]:
    election = election_du_fichier(table)
    if election is None:
        return []
    ventilation, annee = election
    values: list[Valeur] = []
    seen: dict[str, int] = {}
    nord = [0.0, 0.0]  # registered, voters of the département's communes
    for row in table.rows:
        code = normalise_commune_code(row.cells["code"], fichier=table.path.name, ligne=row.line, colonne="code")
        if code in seen:
            raise IngestError(table.path.name, row.line, "code", f"commune « {code} » en double (déjà ligne "
                              f"{seen[code]})", "une ligne par commune : supprimez le doublon.")
        seen[code] = row.line
        ins = _number(table, row, "ins")
        abst = _number(table, row, "abs")
        for col, raw in (("ins", ins), ("abs", abst)):
            if not isinstance(raw, float) or raw < 0 or raw != int(raw):
                raise IngestError(table.path.name, row.line, col, f"effectif illisible « {row.cells[col]} »",
                                  "les inscrits (ins) et les abstentions (abs) sont des nombres entiers positifs.")
        if abst > ins or ins == 0:
            raise IngestError(table.path.name, row.line, "abs",
                              f"abstentions ({abst:g}) supérieures aux inscrits ({ins:g}) ou aucun inscrit",
                              "vérifiez que les colonnes ins et abs ne sont pas inversées.")
        if code.startswith(ctx.departement) and len(ctx.departement) == 2:
            nord[0] += ins
            nord[1] += ins - abst
        if code in ctx.communes:
            values.append(_valeur(INSCRITS, "commune", code, annee, ins, SOURCE_ELECTIONS, ventilation=ventilation,
                                  ligne=row.line, colonne="ins"))
            values.append(_valeur(VOTANTS, "commune", code, annee, ins - abst, SOURCE_ELECTIONS,
                                  ventilation=ventilation, ligne=row.line, colonne="abs"))
    if not values:
        raise IngestError(table.path.name, None, "code", "aucune commune de l'agglomération dans ce fichier",
                          "vérifiez que le fichier couvre le département et que la colonne code est le code INSEE.")
    departement = {c for c in ctx.communes_france if c.startswith(ctx.departement)}
    if departement and departement <= seen.keys():
        # every commune of the département (current geography) is in the file: its sums are the Nord's
        dep = ctx.departement
        values += [
            _valeur(INSCRITS, "departement", dep, annee, nord[0], SOURCE_ELECTIONS, ventilation=ventilation),
            _valeur(VOTANTS, "departement", dep, annee, nord[1], SOURCE_ELECTIONS, ventilation=ventilation),
        ]
    return values


ELECTIONS_LAYOUTS: list[Layout] = [
    Layout(SOURCE_ELECTIONS, "Ministère de l'Intérieur – participation électorale par commune (inscrits, abstentions)",
           ("city", "code", "ins", "abs"), parse_participation),
]
