"""Command line ``barometre``: build, validate, ingest, indicators, values, objectifs."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from barometre.formats import neutraliser
from barometre.settings import get_settings

VALUES_COLUMNS = ["indicateur", "niveau", "code", "nom", "annee", "periode", "ventilation", "valeur", "unite",
                  "source", "statut", "methode"]


def format_number(value: float | None) -> str:
    """Exact decimal text with a decimal point: integers without '.0', other values as stored."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _statut(row: dict) -> str:
    if row["secret"]:
        return "secret"
    if row["valeur"] is None:
        # a computed value that could not be computed says why (IDH-4: "non_calculable : …")
        return row["statut"] if (row["statut"] or "").startswith("non_calculable") else "manquant"
    return row["statut"]


def values_rows(indicateur: str, niveau: str | None, codes: list[str] | None, annee: int | None,
                all_years: bool = False, version: int | None = None) -> list[dict]:
    """Rows as the dashboard shows them: by default the latest year of each level (its current view)."""
    import polars as pl

    from barometre.donnees.db import connect
    from barometre.donnees.queries import valeurs

    # One query: the pages' materialised marts are not built for it (half the command's time), nor the views
    # it does not read (two thirds of the rest).
    df = valeurs(connect(version=version, views={"mart_valeurs"}), indicateur, niveau=niveau, codes=codes,
                 annee=annee)
    if annee is None and not all_years and not df.is_empty():
        shown = df.filter(pl.col("valeur").is_not_null() | pl.col("secret")
                          | pl.col("statut").str.starts_with("non_calculable"))
        latest = shown.group_by("niveau").agg(pl.col("annee").max())
        df = df.join(latest, on=["niveau", "annee"], how="semi")
    return [{**row, "statut": _statut(row)} for row in df.iter_rows(named=True)]


def _print_csv(rows: list[dict], columns: list[str], out) -> None:
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: format_number(v) if k == "valeur" else ("" if v is None else neutraliser(v))
                         for k, v in row.items() if k in columns})


def cmd_build(args) -> int:
    from barometre.sources.build import build
    from barometre.sources.csvread import IngestError

    settings = get_settings()
    if args.raw_dir:
        settings.raw_dir = Path(args.raw_dir)
    try:
        report = build(settings, progress=lambda msg: print(msg, file=sys.stderr))
    except IngestError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    _rebuild_idh4(settings)
    return 0


def _rebuild_idh4(settings) -> None:
    """The IDH-4 values follow their inputs: recomputed after every build (ingest does it itself)."""
    from barometre.calculs.idh4_valeurs import SOURCE_IDH4
    from barometre.sources.ingest import recalculer_idh4

    n = recalculer_idh4(settings)
    print(f"{'valeurs/' + SOURCE_IDH4:<40} {n:>6} lignes")


def cmd_validate(args) -> int:
    from barometre.donnees.validate import validate

    findings = validate(get_settings())
    for f in findings:
        print(f"- {f}")
    if findings:
        print(f"{len(findings)} problème(s) trouvé(s).", file=sys.stderr)
        return 1
    print("Catalogue et données valides.")
    return 0


def cmd_ingest(args) -> int:
    from barometre.sources.csvread import IngestError
    from barometre.sources.entrepot import ErreurEntrepot
    from barometre.sources.ingest import AlertesAConfirmer, ingest, text_progress

    progress = None if args.format == "json" else text_progress
    try:
        report = ingest(Path(args.file), get_settings(), progress=progress, apercu_seul=args.apercu,
                        confirmer=args.confirmer, remplacer=args.remplacer_millesime, auteur=args.auteur)
    except AlertesAConfirmer as exc:
        print("\n".join(exc.apercu.lignes()), file=sys.stderr)
        print(f"\nRefusé : {exc}\nAucune donnée n'a été modifiée.", file=sys.stderr)
        return 3
    except (IngestError, ErreurEntrepot) as exc:
        print(f"\nErreur : {exc}\nAucune donnée n'a été modifiée.", file=sys.stderr)
        return 2
    if args.format == "json":
        out = report.apercu.as_json() if report.apercu else {}
        print(json.dumps({**out, "chargement": report.chargement}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    return 0


def cmd_telecharger(args) -> int:
    import tempfile

    from barometre.sources.csvread import IngestError
    from barometre.sources.entrepot import ErreurEntrepot
    from barometre.sources.ingest import AlertesAConfirmer, ingest, text_progress
    from barometre.sources.telechargement import ErreurTelechargement, choisir, telecharger

    settings = get_settings()
    try:
        choisis = choisir(settings, args.source)
    except IngestError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    code = 0
    for fichier in choisis:
        with tempfile.TemporaryDirectory(prefix="barometre-telechargement-") as dossier:
            try:
                fait = telecharger(fichier, settings, Path(dossier))
            except ErreurTelechargement as exc:
                print(f"Erreur ({fichier.source}) : {exc}\nAucune donnée n'a été modifiée.", file=sys.stderr)
                code = max(code, 4)
                continue
            print(f"{fichier.source} : {fait.taille} octets reçus de {fait.url}, SHA-256 {fait.sha256}.")
            try:
                report = ingest(fait.path, settings, progress=text_progress, apercu_seul=args.apercu,
                                confirmer=args.confirmer, remplacer=args.remplacer_millesime, auteur=args.auteur)
            except AlertesAConfirmer as exc:
                print("\n".join(exc.apercu.lignes()), file=sys.stderr)
                print(f"\nRefusé : {exc}\nAucune donnée n'a été modifiée.", file=sys.stderr)
                code = max(code, 3)
                continue
            except (IngestError, ErreurEntrepot) as exc:
                print(f"\nErreur : {exc}\nAucune donnée n'a été modifiée.", file=sys.stderr)
                code = max(code, 2)
                continue
            print("\n".join(report.lines()))
    return code


def cmd_chargements(args) -> int:
    from barometre.sources.entrepot import Entrepot

    faits = [c.as_dict() for c in Entrepot(get_settings()).chargements()]
    if args.format == "json":
        print(json.dumps(faits, ensure_ascii=False, indent=2))
        return 0
    if not faits:
        print("Aucun chargement enregistré (les valeurs sont celles de `barometre build`).")
        return 0
    for c in faits:
        etat = f" — annulé par n° {c['annule_par']}" if c.get("annule_par") else ""
        if c["type"] == "annulation":
            quoi = f"annulation du chargement n° {c['annule']}"
        elif c["type"] == "initial":
            quoi = f"état initial ({c.get('valeurs', 0)} valeurs de data/valeurs)"
        else:
            quoi = (f"{c.get('fichier', '')} ({c.get('source', '')}) : {c.get('nouveaux', 0)} nouvelle(s), "
                    f"{c.get('modifies', 0)} modifiée(s), {c.get('supprimes', 0)} supprimée(s), années "
                    f"{', '.join(str(a) for a in c.get('annees', []))}")
            if c.get("revision"):
                quoi += " — révision du producteur"
            if c.get("alertes"):
                quoi += f" — {c['alertes']} alerte(s) confirmée(s)"
        print(f"n° {c['id']}  {c['le']}  {c['auteur']}  {quoi}{etat}")
    return 0


def cmd_annuler(args) -> int:
    from barometre.sources.entrepot import ErreurEntrepot
    from barometre.sources.ingest import annuler_chargement as annuler

    try:
        faite = annuler(get_settings(), args.id, args.auteur)
    except ErreurEntrepot as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    print(f"Chargement n° {args.id} annulé (version n° {faite}) : les valeurs sont revenues exactement à leur état "
          "d'avant ce chargement.")
    return 0


def cmd_indicators(args) -> int:
    from barometre.catalogue import load_catalogue

    catalogue = load_catalogue(get_settings().catalogue_dir)
    rows = [ind.model_dump() for ind in catalogue.indicateurs]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        columns = ["id", "libelle", "volet", "theme", "unite", "sens", "type", "agregation", "numerateur",
                   "denominateur", "facteur", "source", "millesime", "critere_grille", "engagement", "definition"]
        _print_csv(rows, columns, sys.stdout)
    return 0


def cmd_values(args) -> int:
    from barometre.catalogue import load_catalogue
    from barometre.sources.entrepot import ErreurEntrepot

    catalogue = load_catalogue(get_settings().catalogue_dir)
    try:
        catalogue.indicateur(args.indicator)
    except KeyError:
        print(f"Erreur : indicateur « {args.indicator} » inconnu. `barometre indicators` donne la liste.",
              file=sys.stderr)
        return 2
    try:
        rows = values_rows(args.indicator, args.level, args.territory or None, args.year, args.all_years,
                           args.version)
    except ErreurEntrepot as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([{k: r[k] for k in VALUES_COLUMNS} for r in rows], ensure_ascii=False, indent=2))
    else:
        _print_csv(rows, VALUES_COLUMNS, sys.stdout)
    return 0


def cmd_objectifs(args) -> int:
    from barometre.calculs.targets import objectifs_to_csv, objectifs_to_json
    from barometre.pilotage.objectifs import objectifs_rows

    rows = objectifs_rows(get_settings())
    print(objectifs_to_json(rows) if args.format == "json" else objectifs_to_csv(rows), end="")
    return 0


def cmd_rapport(args) -> int:
    from datetime import date

    from barometre.pilotage.rapport import RapportErreur, construire, ecrire

    try:
        le = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        print(f"Erreur : date « {args.date} » illisible : écrivez-la AAAA-MM-JJ, par exemple 2026-12-10.",
              file=sys.stderr)
        return 2
    try:
        rapport = construire(get_settings(), seance_id=args.seance, edition=args.edition, le=le)
        sortie = ecrire(rapport, args.format, Path(args.sortie))
    except RapportErreur as exc:
        print(f"Erreur : {exc}.", file=sys.stderr)
        return 2
    print(f"{sortie} écrit : {len(rapport.pages)} vue(s), {len(rapport.attendues)} donnée(s) attendue(s), "
          f"{len(rapport.digest)} changement(s) depuis le {rapport.digest_depuis}.")
    return 0


def cmd_bench(args) -> int:
    if args.browser:
        from benchmarks import navigateur

        pages = args.pages.split(",") if args.pages else (navigateur.PAGES_RAPIDES if args.quick else None)
        result = navigateur.mesurer(runs=1 if args.quick else args.runs, pages=pages)
        print(json.dumps(result, ensure_ascii=False) if args.json else navigateur.texte(result))
        return 0
    from benchmarks.bench import Reglages, run_bench, texte

    options = {"n_communes": args.communes, "apptest": not args.sans_apptest, "sql_dir": args.sql_dir}
    reglages = Reglages.rapide(**options) if args.quick else Reglages(**options)
    result = run_bench(reglages)
    print(json.dumps(result, ensure_ascii=False) if args.json else texte(result))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="barometre", description="Baromètre social & environnemental")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="reconstruire data/ depuis les sources officielles")
    b.add_argument("--raw-dir", help="dossier des fichiers sources (défaut : data/raw du projet)")
    b.set_defaults(func=cmd_build)
    sub.add_parser("validate", help="contrôler le catalogue et les données").set_defaults(func=cmd_validate)
    i = sub.add_parser("ingest", help="charger un fichier officiel")
    i.add_argument("file")
    i.add_argument("--apercu", action="store_true", help="montrer ce qui changerait, sans rien enregistrer")
    i.add_argument("--format", choices=["texte", "json"], default="texte")
    i.add_argument("--confirmer", action="store_true", help="charger malgré les alertes de plausibilité (vérifiées)")
    i.add_argument("--remplacer-millesime", action="store_true",
                   help="supprimer les valeurs des millésimes couverts que le fichier ne donne plus")
    i.add_argument("--auteur", help="qui charge (défaut : l'utilisateur du système)")
    i.set_defaults(func=cmd_ingest)
    t = sub.add_parser("telecharger", help="télécharger les fichiers officiels chez leurs producteurs et les charger")
    t.add_argument("source", nargs="?", help="une source (défaut : toutes, data/catalogue/telechargements.toml)")
    t.add_argument("--apercu", action="store_true", help="montrer ce qui changerait, sans rien enregistrer")
    t.add_argument("--confirmer", action="store_true", help="charger malgré les alertes de plausibilité (vérifiées)")
    t.add_argument("--remplacer-millesime", action="store_true",
                   help="supprimer les valeurs des millésimes couverts que le fichier ne donne plus")
    t.add_argument("--auteur", help="qui charge (défaut : l'utilisateur du système)")
    t.set_defaults(func=cmd_telecharger)
    ch = sub.add_parser("chargements", help="lister les chargements (versions des valeurs)")
    ch.add_argument("--format", choices=["texte", "json"], default="texte")
    ch.set_defaults(func=cmd_chargements)
    an = sub.add_parser("annuler", help="annuler un chargement (les valeurs reviennent à leur état d'avant)")
    an.add_argument("id", type=int)
    an.add_argument("--auteur", help="qui annule (défaut : l'utilisateur du système)")
    an.set_defaults(func=cmd_annuler)
    ind = sub.add_parser("indicators", help="lister le catalogue des indicateurs")
    ind.add_argument("--format", choices=["csv", "json"], default="csv")
    ind.set_defaults(func=cmd_indicators)
    v = sub.add_parser("values", help="valeurs d'un indicateur, comme le tableau de bord les montre")
    v.add_argument("indicator")
    v.add_argument("--level", help="commune, epci, bv2022, canton, ze2020, departement, region, france…")
    v.add_argument("--territory", action="append", help="code du territoire (répétable)")
    v.add_argument("--year", type=int, help="une année (défaut : la dernière année de chaque niveau)")
    v.add_argument("--all-years", action="store_true", help="toutes les années (séries)")
    v.add_argument("--version", type=int, help="les valeurs telles qu'elles étaient à cette version (`chargements`)")
    v.add_argument("--format", choices=["csv", "json"], default="csv")
    v.set_defaults(func=cmd_values)
    o = sub.add_parser("objectifs", help="objectifs et statut de leur trajectoire")
    o.add_argument("--format", choices=["csv", "json"], default="csv")
    o.set_defaults(func=cmd_objectifs)
    r = sub.add_parser("rapport", help="dossier de séance ou baromètre annuel (PDF A4 ou PowerPoint 16:9)")
    quoi = r.add_mutually_exclusive_group(required=True)
    quoi.add_argument("--seance", type=int, help="numéro d'une séance enregistrée (lien ?seance=… de la page Séance)")
    quoi.add_argument("--edition", type=int, help="année du baromètre annuel (tous les volets)")
    r.add_argument("--format", choices=["pdf", "pptx"], default="pdf")
    r.add_argument("--sortie", required=True, help="fichier à écrire")
    r.add_argument("--date", help="date de lecture AAAA-MM-JJ (défaut : jour de la séance, 31/12 de l'édition)")
    r.set_defaults(func=cmd_rapport)
    bench = sub.add_parser("bench", help="mesurer la latence des requêtes des pages (données livrées et nationales)")
    bench.add_argument("--quick", action="store_true", help="moins de répétitions (quelques minutes sur 2 cœurs)")
    bench.add_argument("--json", action="store_true", help="un seul objet JSON au lieu du tableau")
    bench.add_argument("--communes", type=int, help="jeu national limité à N communes (défaut : toutes)")
    bench.add_argument("--sql-dir", help="mesurer une réécriture proposée des vues (copie de sql/ modifiée)")
    bench.add_argument("--sans-apptest", action="store_true", help="sans le passage des pages par AppTest")
    bench.add_argument("--browser", action="store_true",
                       help="temps ressentis dans Chromium (ouverture, changement, séance) face au plancher Streamlit")
    bench.add_argument("--runs", type=int, default=3, help="--browser : nombre de passes (médiane ; défaut 3)")
    bench.add_argument("--pages", help="--browser : pages à mesurer (url_path séparés par des virgules)")
    bench.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `barometre values … | head`: the reader stopped early, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
