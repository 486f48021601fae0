"""« Ce qui a bougé » since a date (or the previous séance): new vintages with their change and verdict,
producer revisions, targets changed, milestones reached or late.

Inputs are plain rows, read by the caller from the lake (``chargements``: the loads recorded with the
values), from the store (``historique`` of the table ``objectifs``, ``jalons``) and from the data (the
verdicts of :mod:`barometre.calculs.bilan`). Load records written by other versions of the barometer may
lack fields (file SHA-256, revisions): absent fields are tolerated and simply not reported. Pure functions;
the output is sorted (kind, date, title), so the same inputs give the same digest (the meeting pack relies
on it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

Genre = Literal["millesime", "revision", "objectif", "jalon_atteint", "jalon_en_retard"]
ORDRE: dict[str, int] = {"millesime": 0, "revision": 1, "objectif": 2, "jalon_atteint": 3, "jalon_en_retard": 4}
TITRES_GENRES: dict[str, str] = {
    "millesime": "Nouveaux millésimes",
    "revision": "Révisions des producteurs",
    "objectif": "Objectifs modifiés",
    "jalon_atteint": "Jalons atteints",
    "jalon_en_retard": "Jalons en retard",
}
STATUTS_CLOS = ("atteint", "abandonne")


@dataclass(frozen=True)
class Mouvement:
    genre: Genre
    date: str  # ISO YYYY-MM-DD
    titre: str
    detail: str = ""
    indicateur: str = ""


def _jour(value: Any) -> date | None:
    """An ISO date or UTC timestamp (store format) → its date; None when empty or unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text).date() if "T" in text or " " in text else date.fromisoformat(text[:10])
    except ValueError:
        return None


def _annees(value: Any) -> list[int]:
    if isinstance(value, (list, tuple)):
        return sorted(int(v) for v in value)
    return sorted(int(p) for p in str(value or "").replace(";", ",").split(",") if p.strip().isdigit())


def millesimes(chargements: Iterable[Mapping], depuis: date, indicateurs_par_source: Mapping[str, Sequence[str]],
               libelles: Mapping[str, str], lectures: Mapping[str, Any] | None = None,
               aujourd_hui: date = date.max) -> list[Mouvement]:
    """One line per indicator of a source loaded since ``depuis`` (load records), with its latest verdict
    (``lectures``: indicator → :class:`barometre.calculs.bilan.Lecture`) when given."""
    out: dict[str, Mouvement] = {}
    for ch in chargements:
        quand = _jour(ch.get("modifie_le") or ch.get("date"))
        if quand is None or quand < depuis or quand > aujourd_hui or ch.get("annule"):
            continue
        annees = _annees(ch.get("annees"))
        sha = ch.get("sha256") or ch.get("empreinte") or ""
        for ind in indicateurs_par_source.get(ch.get("source", ""), ()):
            lec = (lectures or {}).get(ind)
            parts = [f"millésime{'s' if len(annees) > 1 else ''} {', '.join(map(str, annees))}" if annees else ""]
            if lec is not None:
                verdict = lec.verdicts()[0]
                parts.append(f"{verdict.libelle}" + (f" ({verdict.detail})" if verdict.detail else ""))
            parts.append(f"fichier {ch.get('fichier', '')}" + (f", SHA-256 {sha[:12]}…" if sha else ""))
            m = Mouvement("millesime", quand.isoformat(), libelles.get(ind, ind),
                          " ; ".join(p for p in parts if p), ind)
            if ind not in out or out[ind].date < m.date:
                out[ind] = m
    return list(out.values())


def revisions(chargements: Iterable[Mapping], depuis: date, aujourd_hui: date = date.max) -> list[Mouvement]:
    """Producer revisions reported by the load records (field ``revisions``: a count, or a list of
    ``{indicateur, niveau, code, annee, avant, apres}``); records without the field report none."""
    out = []
    for ch in chargements:
        quand = _jour(ch.get("modifie_le") or ch.get("date"))
        rev = ch.get("revisions")
        if quand is None or quand < depuis or quand > aujourd_hui or not rev:
            continue
        if isinstance(rev, str):
            try:
                rev = json.loads(rev)
            except ValueError:
                continue
        # a count, or a list: one row per value, or per indicator and year with its count ``n`` (the lake's
        # load records, barometre.sources.revue.Apercu.revisions)
        n = rev if isinstance(rev, int) else (sum(int(r.get("n", 1)) if isinstance(r, Mapping) else 1 for r in rev)
                                             if isinstance(rev, list) else 0)
        if n:
            out.append(Mouvement("revision", quand.isoformat(), f"{ch.get('source', '')} : {n} valeur"
                                 f"{'s' if n > 1 else ''} révisée{'s' if n > 1 else ''} par le producteur",
                                 f"fichier {ch.get('fichier', '')}"))
    return out


NATURES_FR = {"creation": "ajouté ou modifié", "modification": "modifié", "suppression": "supprimé"}


def objectifs_modifies(historique: Iterable[Mapping], depuis: date, aujourd_hui: date = date.max) -> list[Mouvement]:
    """One line per target changed since ``depuis`` (journal rows of the table ``objectifs``)."""
    per_target: dict[str, dict] = {}
    for h in historique:
        if h.get("table_nom", "objectifs") != "objectifs":
            continue
        quand = _jour(h.get("horodatage"))
        if quand is None or quand < depuis or quand > aujourd_hui:
            continue
        cur = per_target.setdefault(h["ligne"], {"date": quand, "champs": set(), "nature": h.get("nature", "")})
        cur["date"] = max(cur["date"], quand)
        cur["champs"].add(h.get("champ", ""))
        if h.get("champ") == "retire" and h.get("apres") == "true":
            cur["nature"] = "retire"
    out = []
    for ident, cur in per_target.items():
        nature = "retiré" if cur["nature"] == "retire" else NATURES_FR.get(cur["nature"], "modifié")
        champs = sorted(c for c in cur["champs"] if c and c not in ("version", "modifie_par", "modifie_le"))
        detail = "" if cur["nature"] == "creation" else "champs : " + ", ".join(champs)
        out.append(Mouvement("objectif", cur["date"].isoformat(), f"Objectif « {ident} » {nature}", detail))
    return out


def jalons_bouges(jalons: Iterable[Mapping], depuis: date, aujourd_hui: date) -> list[Mouvement]:
    """Milestones reached since ``depuis``, and milestones late today (due date past, not closed)."""
    out = []
    for j in jalons:
        atteint, prevu = _jour(j.get("date_atteinte")), _jour(j.get("date_prevue"))
        if atteint is not None and depuis <= atteint <= aujourd_hui:
            out.append(Mouvement("jalon_atteint", atteint.isoformat(), str(j.get("libelle", "")),
                                 f"prévu le {prevu.isoformat()}" if prevu else ""))
        elif (atteint is None and prevu is not None and prevu < aujourd_hui
              and j.get("statut") not in STATUTS_CLOS):
            retard = (aujourd_hui - prevu).days
            out.append(Mouvement("jalon_en_retard", prevu.isoformat(), str(j.get("libelle", "")),
                                 f"échéance dépassée de {retard} jour{'s' if retard > 1 else ''}"))
    return out


def ce_qui_a_bouge(depuis: date, aujourd_hui: date, *, chargements: Sequence[Mapping] = (),
                   historique_objectifs: Sequence[Mapping] = (), jalons: Sequence[Mapping] = (),
                   indicateurs_par_source: Mapping[str, Sequence[str]] | None = None,
                   libelles: Mapping[str, str] | None = None,
                   lectures: Mapping[str, Any] | None = None) -> list[Mouvement]:
    """The digest, sorted by kind, date, title (deterministic)."""
    found = [*millesimes(chargements, depuis, indicateurs_par_source or {}, libelles or {}, lectures, aujourd_hui),
             *revisions(chargements, depuis, aujourd_hui),
             *objectifs_modifies(historique_objectifs, depuis, aujourd_hui),
             *jalons_bouges(jalons, depuis, aujourd_hui)]
    return sorted(found, key=lambda m: (ORDRE[m.genre], m.date, m.titre, m.detail))


def seance_precedente(seances: Iterable[Mapping], avant: date) -> date | None:
    """The date of the latest séance held before ``avant`` (rows with ``date_seance``)."""
    dates = [d for d in (_jour(s.get("date_seance")) for s in seances) if d is not None and d < avant]
    return max(dates) if dates else None


def depuis_le_store(store: Any, catalogue: Any, depuis: date, aujourd_hui: date,
                    lectures: Mapping[str, Any] | None = None,
                    chargements: Sequence[Mapping] | None = None) -> list[Mouvement]:
    """The digest read from a :class:`barometre.pilotage.store.Store` (targets' journal, milestones) and the
    catalogue (which indicators each source feeds). ``chargements``: the load records — the lake's, read by
    :func:`barometre.pilotage.synthese.chargements_enregistres` (none when not given)."""
    par_source: dict[str, list[str]] = {}
    for ind in catalogue.indicateurs:
        par_source.setdefault(ind.source, []).append(ind.id)
    return ce_qui_a_bouge(
        depuis, aujourd_hui,
        chargements=list(chargements or ()),
        historique_objectifs=store.historique(["objectifs"], limite=5000).to_dicts(),
        jalons=store.jalons().to_dicts(),
        indicateurs_par_source=par_source,
        libelles={i.id: i.libelle for i in catalogue.indicateurs},
        lectures=lectures,
    )
