"""The meeting pack: ``barometre rapport --seance ID | --edition ANNEE --format pdf|pptx --sortie F``.

Longer than ~600 lines because the pack's content (``construire``) and its two renderings (PDF through Typst,
PPTX) must say the same thing and are read together; the next split is the PPTX writer into its own module.

A title page, « Où en est le territoire ? » (barometre.calculs.synthese: the project's targets, the counts
of verdicts, what moved — the statements the home page and the séance's first view show), the « ce qui a
bougé » digest (loads, targets, milestones, and each indicator's latest two vintages), one page (PDF, A4)
or slide (PPTX, 16:9) per view with its chart (vector: SVG from vl-convert in the PDF, native PowerPoint
charts in the PPTX), its figure, its verdicts and a footnote naming producer, dataset, vintage and the load
it came from (file SHA-256 from the load records when available); the « données attendues » and a sources
annex.

Same inputs → same bytes: the reading date is fixed (the séance's date, the edition's 31 December, or
``--date``), content is sorted, the PDF is compiled by Typst with a fixed timestamp, the PPTX is re-zipped
with fixed entry times. Text typed by people (a séance's title) reaches Typst as JSON data, never as
markup. No Streamlit here.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from barometre import formats
from barometre.calculs import bilan, mouvements
from barometre.calculs.plan_seance import (
    LIBELLES_GENRES,
    classement,
    genre_de_vue,
    sans_identifiant,
    source_lisible,
    titre_actif,
)
from barometre.calculs.synthese import TITRE as TITRE_SYNTHESE
from barometre.catalogue import Catalogue, Indicateur, load_catalogue
from barometre.charts import indicateurs as charts
from barometre.donnees import queries
from barometre.donnees.db import connect
from barometre.pilotage.objectifs import objectifs_rows, store_des_saisies
from barometre.pilotage.synthese import JOURS_PAR_DEFAUT, chargements_enregistres, synthese_du_territoire
from barometre.pilotage.synthese import digest as digest_mouvements
from barometre.settings import Settings, get_settings, load_territoire
from barometre.sources.ipc import lire_ipc

FORMATS = ("pdf", "pptx")
VOLETS_EDITION = ("environnement", "qualite_de_vie")
EXTREMES = 8
HAUTEUR_PAGE = 400  # a page's chart height at its 620-pixel width: about half an A4 page
CHART_FONT = "DejaVu Sans"  # the font Typst renders the SVG text with (installed by .ci/run)
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


class RapportErreur(ValueError):
    """A French message for the command line (unknown séance, no store, …)."""


@dataclass(frozen=True)
class PageVue:
    indicateur: str
    titre: str
    genre: str
    genre_libelle: str
    chiffre: str
    unite: str
    annee: str
    verdicts: list[str]
    objectif: str
    note: str
    remarque: str
    libelles: list[str]
    valeurs: list[float | None]
    decimales: int
    svg: str = ""
    sous_titre: str = ""  # the indicator's name under the active title
    surligne: int = -1  # the category of the territory itself (highlighted in the slides' charts)


@dataclass(frozen=True)
class Rapport:
    titre: str
    sous_titre: str
    date_iso: str
    date_texte: str
    territoire: str
    digest: list[dict]
    digest_depuis: str
    pages: list[PageVue]
    attendues: list[str]
    sources: list[str]
    methode: str
    pied: str = ""
    extras: dict = field(default_factory=dict)
    # « Où en est le territoire ? » (barometre.calculs.synthese): [{"titre": …, "lignes": [...]}], first page
    synthese: list[dict] = field(default_factory=list)
    synthese_titre: str = ""


# ------------------------------------------------------------------------------------------------ content
def _store(settings: Settings):
    """The store of the configured database when it exists (a fresh copy has none: no séances)."""
    return store_des_saisies(settings)


def _nom(con: duckdb.DuckDBPyConnection, niveau: str, code: str) -> str:
    terr = queries.territoires(con, niveau).filter(pl.col("code") == code)
    return terr["nom"][0] if terr.height else code


def _chargement(chargements: list[dict], source: str) -> str:
    """The latest load record of a source, as the footnote names it."""
    rows = sorted((c for c in chargements if c.get("source") == source and not c.get("annule")),
                  key=lambda c: (str(c.get("modifie_le") or ""), c.get("id") or 0), reverse=True)
    if not rows:  # a file shipped with the barometer: nothing more to say than its producer and vintage
        return ""
    c = rows[0]
    sha = c.get("sha256") or c.get("empreinte") or ""
    quand = formats.date_longue(str(c.get("modifie_le") or "")[:10])
    return f"fichier chargé le {quand}" + (f" (empreinte SHA-256 {sha})" if sha else "")


def _page(con: duckdb.DuckDBPyConnection, cat: Catalogue, ind: Indicateur, niveau: str, code: str,
          lecture: bilan.Lecture | None, chargements: list[dict]) -> PageVue | None:
    comp = queries.comparaison(con, ind.id, niveau, code, "").sort("ordre")
    serie = queries.valeurs(con, ind.id, niveau=niveau, codes=[code]).filter(pl.col("ventilation") == "")
    communes = pl.DataFrame(schema={"code": pl.String, "nom": pl.String, "valeur": pl.Float64})
    years = queries.annees(con, ind.id, "commune")
    if years and niveau == "epci":
        communes = queries.valeurs_communes(con, ind.id, years[-1], "epci", "").with_columns(
            pl.lit(years[-1]).alias("annee"))
    genre = genre_de_vue(ind, niveau, code, comp, serie, communes)
    if genre is None:
        return None
    remarque, surligne = "", -1
    if genre == "comparaison":
        rows = comp.filter(pl.col("valeur").is_not_null())
        labels = [f"{r['nom']} ({r['annee']})" for r in rows.iter_rows(named=True)]
        valeurs = rows["valeur"].to_list()
        surligne = next((i for i, r in enumerate(rows.iter_rows(named=True))
                         if (r["niveau"], r["code"]) == (niveau, code)), -1)
        chart = charts.comparison_chart(rows, ind.unite, ind.decimales, font_size=11, height=HAUTEUR_PAGE)
    elif genre == "serie":
        rows = serie.filter(pl.col("valeur").is_not_null()).sort("annee")
        labels = [str(a) for a in rows["annee"]]
        valeurs = rows["valeur"].to_list()
        chart = charts.series_chart(rows, ind.unite, ind.decimales, font_size=11, etiquettes=True,
                                    height=HAUTEUR_PAGE)
    else:
        haut, bas, autres = classement(communes, EXTREMES)
        rows = haut if bas is None else pl.concat([haut, bas], how="diagonal_relaxed")
        annee_c = int(rows["annee"].drop_nulls()[0]) if rows["annee"].drop_nulls().len() else None
        ref = None
        own_c = comp.filter((pl.col("niveau") == niveau) & (pl.col("code") == code) & pl.col("valeur").is_not_null()
                            & (pl.col("annee") == annee_c))
        if ind.grandeur != "total" and own_c.height:
            ref = ("Agglomération" if niveau == "epci" else _nom(con, niveau, code), float(own_c["valeur"][0]))
        if bas is not None:
            remarque = (f"Les {EXTREMES} communes les plus élevées et les {EXTREMES} plus faibles sur "
                        f"{communes.height} communes ; le classement complet est sur la page Territoires.")
        chart = charts.classement_chart(haut, bas, ind.unite, ind.decimales, autres, ref, ind.nom_court,
                                        font_size=11, height=HAUTEUR_PAGE)
        # the slide's list: the same rows, the break, and the agglomeration at its rank (highlighted)
        items = [(r["nom"], r["valeur"]) for r in haut.iter_rows(named=True)]
        if bas is not None:
            items += [(f"… {autres} autres communes …", None)]
            items += [(r["nom"], r["valeur"]) for r in bas.iter_rows(named=True)]
        if ref is not None:
            pos = next((i for i, (_, v) in enumerate(items) if v is not None and v < ref[1]), len(items))
            items.insert(pos, ref)
            surligne = pos
        labels, valeurs = [x for x, _ in items], [v for _, v in items]
    known = communes.filter(pl.col("valeur").is_not_null())
    own = serie.filter(pl.col("valeur").is_not_null()).sort("annee")
    if own.height:
        chiffre, annee = formats.nombre(own["valeur"][-1], ind.decimales), str(own["annee"][-1])
    elif genre == "communes":
        chiffre = f"{formats.nombre(known['valeur'].min(), ind.decimales)} à " \
                  f"{formats.nombre(known['valeur'].max(), ind.decimales)}"
        annee = f"{rows['annee'][0]}, écart entre communes"
    else:
        chiffre, annee = "–", ""
    try:
        src = cat.source(ind.source)
        origine = [(src.producteur, src.jeu_de_donnees)]
    except KeyError:
        origine = [(ind.source, "")]
    annees = sorted({int(a) for a in rows["annee"].drop_nulls().to_list()}) if "annee" in rows.columns else []
    note = source_lisible(origine, annees) + "."
    spec = chart.to_dict()
    spec["width"] = 620
    spec.setdefault("config", {})["font"] = CHART_FONT
    spec["padding"] = 8
    verdicts = [f"{x.texte()} — {x.detail}" if x.detail else x.texte() for x in lecture.verdicts()] if lecture else []
    titre = titre_actif(ind, genre, niveau, code, comp, serie, communes)
    return PageVue(ind.id, titre, genre, LIBELLES_GENRES[genre], chiffre, ind.unite, annee, verdicts,
                   lecture.objectif_libelle if lecture else "", note, remarque, labels,
                   [None if v is None else float(v) for v in valeurs], ind.decimales,
                   json.dumps(spec, sort_keys=True), sous_titre=ind.libelle, surligne=surligne)


# Sub-totals of the sectors of the GHG page (transports = road + other transports; industry = industry +
# energy branch): the sector chart shows their parts.
SOUS_TOTAUX_GES = ("cae_1.k", "cae_1.l")


def edition_retenue(cat: Catalogue, ids: list[str]) -> list[str]:
    """The annual edition's indicators, curated: one chart for GHG by sector (the sectors and their sub-totals
    leave the list; :func:`_page_secteurs` draws them together), no second definition of the same measure
    (``repere_autre_definition``: the other unemployment rate, the other one-parent share), no « pour
    mémoire » item; the rate rather than its counts is :func:`sans_les_effectifs`, once the pages exist."""
    secteurs = set(cat.groupes.secteurs_ges)
    inds = [cat.indicateur(i) for i in ids]
    autres = {i.repere_autre_definition for i in inds if getattr(i, "repere_autre_definition", None)}
    memo = {i.id for i in inds if "pour mémoire" in i.libelle}  # outside the totals, by the producer's own word
    return [i for i in ids if i not in secteurs and i not in SOUS_TOTAUX_GES and i not in autres
            and i not in memo]


def sans_les_effectifs(pages: list[PageVue], cat: Catalogue, avec_objectif: set[str]) -> list[PageVue]:
    """The rate rather than its counts: a count that is the numerator or the denominator of a rate with its own
    page leaves the edition, unless it carries a target of the project (the GHG total and its PCAET target)."""
    counts = set()
    for p in pages:
        try:
            ind = cat.indicateur(p.indicateur)
        except KeyError:
            continue
        if ind.agregation == "ratio":
            counts |= {x for x in (getattr(ind, "numerateur", None), getattr(ind, "denominateur", None)) if x}
    return [p for p in pages if p.indicateur not in counts or p.indicateur in avec_objectif]


def _page_secteurs(con: duckdb.DuckDBPyConnection, cat: Catalogue, niveau: str, code: str) -> PageVue | None:
    """GHG by sector as one chart: the territory's latest inventory, one bar per sector."""
    rows, ids, annee = [], [], None
    for ind_id, secteur in cat.groupes.secteurs_ges.items():
        try:
            ind = cat.indicateur(ind_id)
        except KeyError:
            continue
        serie = queries.valeurs(con, ind_id, niveau=niveau, codes=[code]).filter(
            (pl.col("ventilation") == "") & pl.col("valeur").is_not_null()).sort("annee")
        if serie.height:
            rows.append({"nom": secteur, "valeur": float(serie["valeur"][-1]), "secret": False})
            ids.append(ind)
            annee = max(annee or 0, int(serie["annee"][-1]))
    if len(rows) < 2:
        return None
    ind = ids[0]
    df = pl.DataFrame(rows).sort(["valeur", "nom"], descending=[True, False])
    total = float(df["valeur"].sum())
    first = df.row(0, named=True)
    chart = charts.classement_chart(df, None, ind.unite, ind.decimales, titre="Émissions de GES", font_size=11)
    spec = chart.to_dict()
    spec["width"] = 620
    spec.setdefault("config", {})["font"] = CHART_FONT
    spec["padding"] = 8
    try:
        src = cat.source(ind.source)
        note = source_lisible([(src.producteur, src.jeu_de_donnees)], [annee] if annee else []) + "."
    except KeyError:
        note = ""
    part = round(100 * first["valeur"] / total) if total else 0
    titre = (f"Émissions de GES par secteur : {first['nom'].lower()} en tête, {part} % du total en {annee}")
    return PageVue("ges_secteurs", titre, "secteurs", "répartition par secteur",
                   formats.nombre(total, ind.decimales), ind.unite, f"{annee}, somme des {len(rows)} secteurs", [], "",
                   note, "", df["nom"].to_list(), df["valeur"].to_list(), ind.decimales,
                   json.dumps(spec, sort_keys=True), sous_titre="Émissions de gaz à effet de serre par secteur")


def ordre_edition(pages: list[PageVue], inds: list[Indicateur], lectures: dict,
                  secteurs: PageVue | None) -> list[PageVue]:
    """The edition's narrative: the indicators with a target of the project first, then the environmental
    volet (GHG by sector after the GHG pages), then quality of life — each in the catalogue's order."""
    volet = {i.id: i.volet for i in inds}
    cible = [p for p in pages if lectures.get(p.indicateur) is not None and lectures[p.indicateur].objectif is not None]
    reste = [p for p in pages if p not in cible]
    env = [p for p in reste if volet.get(p.indicateur) == "environnement"]
    qdv = [p for p in reste if p not in env]
    if secteurs is not None:
        at = max((k + 1 for k, p in enumerate(env) if p.indicateur.startswith("cae_1.")), default=0)
        env.insert(at, secteurs)
    return cible + env + qdv


def construire(settings: Settings | None = None, *, seance_id: int | None = None, edition: int | None = None,
               composition: dict | None = None, le: date | None = None, store=None) -> Rapport:
    """The content of the pack: a saved séance (``seance_id``), the annual edition (``edition``) or a séance
    composed on the page and not saved (``composition``: titre, niveau, code, vues); ``le``: the reading
    date."""
    settings = settings or get_settings()
    if sum(x is not None for x in (seance_id, edition, composition)) != 1:
        raise RapportErreur("indiquez soit --seance ID, soit --edition ANNEE")
    cat = load_catalogue(settings.catalogue_dir)
    terr = load_territoire(settings)
    con = connect(settings, cat)
    store = store if store is not None else _store(settings)
    chargements = chargements_enregistres(settings)
    seances = store.seances().to_dicts() if store is not None else []
    if composition is not None:
        seance_id = -1
    if seance_id is not None:
        row = (dict(composition, vues=",".join(composition["vues"]), date_seance=None) if composition is not None
               else store.seance(seance_id) if store is not None else None)
        if row is None:
            raise RapportErreur(f"séance {seance_id} introuvable : vérifiez le numéro (lien « ?seance=… » de la "
                                "page Séance) et la base configurée (BAROMETRE_DATABASE_URL)")
        ids = [i for i in row["vues"].split(",") if i in {x.id for x in cat.indicateurs}]
        niveau, code = row["niveau"], row["code"]
        le = le or (date.fromisoformat(row["date_seance"]) if row["date_seance"] else None)
        if le is None:
            raise RapportErreur("cette séance n'a pas de date : indiquez --date AAAA-MM-JJ (la date de lecture "
                                "fixe le contenu, pour que deux exports soient identiques)")
        titre = row["titre"]
        depuis = mouvements.seance_precedente(seances, le) or le - timedelta(days=JOURS_PAR_DEFAUT)
    else:
        ids = [i.id for i in sorted((i for i in cat.indicateurs if i.volet in VOLETS_EDITION),
                                    key=lambda i: (VOLETS_EDITION.index(i.volet), i.theme, i.id))]
        niveau, code = "epci", terr.epci.code
        le = le or min(date.today(), date(edition, 12, 31))  # printed today (--date fixes it)
        titre = f"Baromètre social & environnemental — édition {edition}"
        depuis = date(edition, 1, 1)
    inds = [cat.indicateur(i) for i in ids]
    refs = bilan.references(terr.departement.code, terr.region.code)
    try:
        objectifs = objectifs_rows(settings, con, store)
    except Exception:  # noqa: BLE001 - a broken targets file is reported by `barometre objectifs`
        objectifs = []
    if edition is not None:
        ids = edition_retenue(cat, ids)
        inds = [cat.indicateur(i) for i in ids]
    series = queries.series_territoires(con, [i.id for i in inds], [(niveau, code), *refs])
    lectures = bilan.lectures(series, inds, niveau, code, objectifs, annee_courante=le.year,
                              marges=bilan.marges(cat), ipc=lire_ipc(settings.raw_dir))
    pages, attendues = [], []
    for ind in inds:
        page = _page(con, cat, ind, niveau, code, lectures.get(ind.id), chargements)
        if page is None:
            try:
                src = cat.source(ind.source)
                attendues.append(f"{ind.libelle} — {src.producteur}, {sans_identifiant(src.jeu_de_donnees)}")
            except KeyError:
                attendues.append(ind.libelle)
        else:
            pages.append(page)
    if edition is not None:
        pages = sans_les_effectifs(pages, cat, {str(o.get("indicateur")) for o in objectifs})
        secteurs = _page_secteurs(con, cat, niveau, code)
        pages = ordre_edition(pages, inds, lectures, secteurs)
    digest = []
    for m in digest_mouvements(settings, cat, store, depuis, le, lectures):
        digest.append({"genre": mouvements.TITRES_GENRES[m.genre], "date": formats.date_longue(m.date),
                       "titre": m.titre, "detail": m.detail})
    synth = synthese_du_territoire(settings, con, niveau=niveau, code=code, le=le, depuis=depuis, store=store,
                                   objectifs=objectifs, catalogue=cat)
    # what the data itself says moved: each indicator's latest two vintages (never an empty « ce qui a bougé »)
    for e in synth.evolutions_montrees():
        digest.append({"genre": "Évolution entre les deux derniers millésimes", "date": f"{e.annee0}–{e.annee1}",
                       "titre": e.libelle, "detail": e.detail()})
    if store is not None:  # the panel's recommendations made or answered in the period (issue 16)
        from barometre.calculs.panel import faits_recommandations
        from barometre.pilotage.panel import Panel

        for f in faits_recommandations(Panel(store).suivi(le), depuis, le):
            digest.append({**f, "date": formats.date_longue(f["date"])})
    used = sorted({i.source for i in inds})
    sources = []
    for sid in used:
        try:
            s = cat.source(sid)
            charge = _chargement(chargements, sid)
            sources.append(f"{s.producteur}, {sans_identifiant(s.jeu_de_donnees)} ({s.millesime}) — licence "
                           f"{s.licence} — {s.url}" + (f" — {charge}" if charge else ""))
        except KeyError:
            sources.append(sid)
    nom = _nom(con, niveau, code)
    from barometre.calculs.verdicts import RULE_FR

    evaluation = []  # the edition's section « Évaluation du projet de territoire » (issue 23)
    if edition is not None and store is not None:
        from barometre.pilotage.evaluation import section_pack

        evaluation.append(section_pack(store, {i: (x.objectif or x.progression) for i, x in lectures.items()}, le))

    vintages = sorted({int(a[:4]) for p in pages for a in [p.annee] if a[:4].isdigit()})
    loads = sorted(str(c.get("modifie_le") or "")[:10] for c in chargements if c.get("modifie_le"))
    loads = [d for d in loads if d <= le.isoformat()]
    donnees = (f"Données : millésimes {vintages[0]} à {vintages[-1]}" if len(vintages) > 1 else
               f"Données : millésime {vintages[0]}" if vintages else "Données")
    donnees += (f", dernier chargement le {formats.date_longue(loads[-1])}" if loads else
                ", fichiers officiels livrés avec le baromètre")
    return Rapport(titre=titre, sous_titre=nom, date_iso=le.isoformat(),
                   date_texte=(f"Édition imprimée le {formats.date_longue(le)}. {donnees}." if edition is not None
                               else formats.date_longue(le)),
                   territoire=nom, digest=digest, digest_depuis=formats.date_longue(depuis), pages=pages,
                   attendues=attendues, sources=sources, methode=RULE_FR.replace("**", ""),
                   pied=f"{titre} — {formats.date_longue(le)}",
                   synthese=[{"titre": t, "lignes": lignes} for t, lignes in synth.sections()] + evaluation,
                   synthese_titre=TITRE_SYNTHESE)


# ------------------------------------------------------------------------------------------------ PDF
TEMPLATE = Path(__file__).with_name("rapport.typ")


def rapport_pdf(r: Rapport) -> bytes:
    """A4 PDF compiled by Typst from ``rapport.typ`` and the content as JSON (text is data, not markup)."""
    import typst
    import vl_convert as vlc

    with tempfile.TemporaryDirectory(prefix="barometre-rapport-") as tmp:
        root = Path(tmp)
        data = asdict(r)
        for i, page in enumerate(r.pages):
            name = f"graphique-{i:03d}.svg"
            (root / name).write_text(vlc.vegalite_to_svg(json.loads(page.svg)), encoding="utf-8")
            data["pages"][i]["svg"] = name
        (root / "rapport.json").write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        (root / "rapport.typ").write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        stamp = int(datetime.combine(date.fromisoformat(r.date_iso), datetime.min.time(), UTC).timestamp())
        return typst.compile(str(root / "rapport.typ"), root=str(root), format="pdf", timestamp=stamp)


# ------------------------------------------------------------------------------------------------ PPTX
def _texte(frame, lignes: list[tuple[str, int, bool]], couleur=None) -> None:
    from pptx.enum.lang import MSO_LANGUAGE_ID
    from pptx.util import Pt

    frame.word_wrap = True
    for i, (text, size, bold) in enumerate(lignes):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(size), bold
        run.font.language_id = MSO_LANGUAGE_ID.FRENCH  # spelling and reading in French
        if couleur is not None:
            run.font.color.rgb = couleur


def _par_diapo(items: list[str], size: int) -> list[list[str]]:
    """A list cut into slides: each item's wrapped lines counted on the 12,1-inch box (an average glyph is
    half its size wide), at most 80 % of the 5,6-inch box's height per slide."""
    per_line = int(12.1 * 72 / (0.5 * size))
    room = int(0.8 * 5.6 * 72 / (1.2 * size))
    parts: list[list[str]] = []
    used = room
    for item in items:
        lines = max(1, -(-len(item) // per_line))
        if used + lines > room:
            parts.append([])
            used = 0
        parts[-1].append(item)
        used += lines
    return parts
# PowerPoint number formats are written in its neutral syntax; [$-40C] shows them with French separators
# (« 1 234,5 ») whatever the presenter's computer is set to.
FORMAT_FR = "[$-40C]"


def _format_nombre(decimales: int) -> str:
    return FORMAT_FR + "#,##0" + ("." + "0" * decimales if decimales > 0 else "")


def _taille_titre(titre: str) -> int:
    """A title on at most two lines of the 12,5-inch title box."""
    return 26 if len(titre) <= 60 else 22 if len(titre) <= 95 else 18


def rapport_pptx(r: Rapport) -> bytes:
    """16:9 slides with native (vector, editable) PowerPoint charts; re-zipped with fixed entry times."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    grey = RGBColor(0x33, 0x33, 0x33)
    vermillon, bleu = RGBColor.from_string(charts.HIGHLIGHT[1:]), RGBColor.from_string(charts.NEUTRAL[1:])

    def slide(title: str, sous_titre: str = ""):
        s = prs.slides.add_slide(blank)
        lignes = [(title, _taille_titre(title), True)] + ([(sous_titre, 14, False)] if sous_titre else [])
        _texte(s.shapes.add_textbox(Inches(0.4), Inches(0.2), Inches(12.5), Inches(1.3)).text_frame, lignes)
        return s

    def liste(title: str, items: list[str], size: int) -> None:
        """A list over as many slides as it needs (« (suite) » on the next ones)."""
        parts = _par_diapo(items, size) or [[]]
        for k, part in enumerate(parts):
            t = title + (f" ({k + 1}/{len(parts)})" if len(parts) > 1 else "")
            s = slide(t)
            _texte(s.shapes.add_textbox(Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.8)).text_frame,
                   [(x, size, False) for x in part])

    s = prs.slides.add_slide(blank)
    _texte(s.shapes.add_textbox(Inches(1), Inches(2.3), Inches(11.3), Inches(3)).text_frame,
           [(r.titre, 40, True), (r.sous_titre, 26, False), (r.date_texte, 20, False)])
    suite = False
    for section in r.synthese:  # « Où en est le territoire ? »: the first slides, each part cut to fit
        for part in _par_diapo(section["lignes"], 14) or [[]]:
            s = slide(f"{r.synthese_titre} (suite)" if suite else r.synthese_titre)
            suite = True
            _texte(s.shapes.add_textbox(Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.8)).text_frame,
                   [(section["titre"], 18, True)] + [(ligne, 14, False) for ligne in part])
    digest = [f"{d['genre']} — {d['titre']}" + (f" : {d['detail']}" if d["detail"] else "") for d in r.digest]
    liste(f"Ce qui a bougé depuis le {r.digest_depuis}",
          digest or ["Rien de nouveau dans les données, les objectifs et les jalons."], 16)
    for p in r.pages:
        s = slide(p.titre, p.sous_titre)
        left = [(p.chiffre, 36, True), (p.unite, 18, False), (p.annee, 16, False)]
        left += [(v, 14, False) for v in p.verdicts]
        if p.objectif:
            left.append((f"Objectif : {p.objectif}", 13, False))
        _texte(s.shapes.add_textbox(Inches(0.5), Inches(1.6), Inches(3.8), Inches(4.8)).text_frame, left)
        data = CategoryChartData(number_format=_format_nombre(p.decimales))
        data.categories = p.libelles
        data.add_series(p.unite, p.valeurs)
        kind = XL_CHART_TYPE.LINE_MARKERS if p.genre == "serie" else XL_CHART_TYPE.BAR_CLUSTERED
        chart = s.shapes.add_chart(kind, Inches(4.5), Inches(1.6), Inches(8.4), Inches(4.8), data).chart
        chart.has_legend = False
        chart.has_title = False
        chart.font.size = Pt(11)  # one readable label per category (17 rows at most)
        chart.plots[0].has_data_labels = True
        chart.plots[0].data_labels.number_format = data.number_format
        chart.plots[0].data_labels.number_format_is_linked = False
        chart.value_axis.tick_labels.number_format = data.number_format
        chart.value_axis.tick_labels.number_format_is_linked = False
        serie = chart.plots[0].series[0]
        if p.genre == "serie":  # the territory's own line, in its colour
            serie.format.line.color.rgb = vermillon
        else:
            chart.category_axis.reverse_order = True  # first territory / highest commune on top
            serie.format.fill.solid()
            serie.format.fill.fore_color.rgb = bleu
            if 0 <= p.surligne < len(p.libelles):  # the agglomeration highlighted among the others
                point = serie.points[p.surligne]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = vermillon
        chart.value_axis.minimum_scale = 0 if p.genre != "serie" or charts.counts_from_zero(p.unite, p.decimales) \
            else None
        foot = [(p.note, 11, False)] + ([(p.remarque, 11, False)] if p.remarque else [])
        _texte(s.shapes.add_textbox(Inches(0.5), Inches(6.5), Inches(12.3), Inches(0.9)).text_frame, foot, grey)
    if r.attendues:
        liste("Données attendues", r.attendues, 16)
    liste("Sources", r.sources, 12)
    fixed = datetime.combine(date.fromisoformat(r.date_iso), datetime.min.time())
    cp = prs.core_properties
    cp.title, cp.author, cp.last_modified_by = r.titre[:250], "Baromètre social & environnemental", ""
    cp.created = cp.modified = fixed
    cp.language = "fr-FR"
    cp.revision = 1
    raw = io.BytesIO()
    prs.save(raw)
    return _zip_fige(raw.getvalue())


def _zip_fige(data: bytes, classeur: bool = False) -> bytes:
    """The same zip with every entry at a fixed time (python-pptx stamps the current time), and the same
    for the workbooks embedded behind the charts (``classeur``: their creation date is fixed too)."""
    import re

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            blob = src.read(info.filename)
            if info.filename.endswith(".xml"):  # the masters and layouts python-pptx ships are declared en-US
                blob = blob.replace(b'lang="en-US"', b'lang="fr-FR"')
            if info.filename.endswith(".xlsx"):
                blob = _zip_fige(blob, classeur=True)
            elif classeur and info.filename == "docProps/core.xml":
                blob = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<2>", blob)
            dst.writestr(entry, blob)
    return out.getvalue()


def ecrire(r: Rapport, fmt: str, sortie: Path) -> Path:
    """Write the pack to ``sortie`` through a temporary file and a rename (nothing half-written). The
    temporary file has an unpredictable name, is created exclusively (``O_EXCL``: never through a link someone
    placed there) and the rename replaces ``sortie`` itself, never the target of a link at that name."""
    if fmt not in FORMATS:
        raise RapportErreur(f"format « {fmt} » inconnu (attendu : pdf ou pptx)")
    data = rapport_pdf(r) if fmt == "pdf" else rapport_pptx(r)
    sortie = Path(sortie)
    sortie.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=sortie.parent, prefix=f".{sortie.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # a pack is a public document: readable like any file written here
        os.replace(tmp, sortie)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sortie
