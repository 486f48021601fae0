"""Verdicts on screen (Streamlit): the cached reading of a territory and the lines cards show."""

from __future__ import annotations

import html

import streamlit as st

from barometre.calculs import bilan
from barometre.calculs import verdicts as v
from barometre.donnees import queries
from barometre.pilotage.objectifs import objectifs_rows
from barometre.settings import get_settings
from barometre.sources.csvread import IngestError
from barometre.sources.ipc import lire_ipc
from barometre.texte import Html
from barometre.ui import cache


def references() -> list[tuple[str, str]]:
    t = cache.territoire_config()
    return bilan.references(t.departement.code, t.region.code)


@st.cache_data(show_spinner=False, ttl=600)
def _objectifs() -> list[dict]:
    try:
        return objectifs_rows(get_settings(), cache.connection())
    except Exception:  # noqa: BLE001 - a broken targets file is reported on the volet; verdicts go without
        return []


def objectifs_en_vigueur() -> list[dict]:
    """The targets in force with their status and register description (cached)."""
    return _objectifs()


@st.cache_data(show_spinner=False, ttl=600)
def ipc() -> dict[int, float]:
    """INSEE's annual price index ({} without its file: money then stays in current euros, said so)."""
    try:
        return lire_ipc(get_settings().raw_dir)
    except IngestError:
        return {}


@st.cache_data(show_spinner=False, ttl=600)
def lectures(niveau: str, code: str) -> dict[str, bilan.Lecture]:
    """Every indicator's verdicts for one territory (one query for the series, cached)."""
    cat = cache.catalogue()
    series = queries.series_territoires(cache.connection(), [i.id for i in cat.indicateurs],
                                        [(niveau, code), *references()])
    return bilan.lectures(series, cat.indicateurs, niveau, code, _objectifs(), marges=bilan.marges(cat),
                          ipc=ipc())


def lecture(indicateur: str, niveau: str, code: str) -> bilan.Lecture | None:
    return lectures(niveau, code).get(indicateur)


def verdict_html(verdict: v.Verdict, small: bool = False) -> str:
    """One verdict as a coloured line (symbol + words: never colour alone), with its vintage and age."""
    size = ".85rem" if small else ".95rem"
    quand = v.age_texte(verdict.annee, verdict.age)
    return Html(f'<div class="verdict verdict-{verdict.tonalite}" style="color:{verdict.couleur};font-size:{size};'
            f'margin-top:.25rem" title="{html.escape(verdict.detail)}">'
            f'<span aria-hidden="true">{verdict.symbole}</span> '
            f'<strong>{verdict.nature.capitalize()} : {html.escape(verdict.libelle)}</strong>'
            + (f' <span style="color:#444">({html.escape(quand)})</span>' if quand else "")
            # no verdict: the reason is said on the card, not only in the tooltip
            + (f' <span style="color:#444">— {html.escape(verdict.detail)}</span>'
               if verdict.code == "non_juge" and verdict.detail else "") + "</div>")


def lignes(indicateur: str, niveau: str, code: str) -> list[str]:
    """The HTML lines of a card: target (or direction) verdict, then situation."""
    lec = lecture(indicateur, niveau, code)
    if lec is None:
        return []
    out = [verdict_html(x, small=True) for x in lec.verdicts()]
    if len(lec.situations) > 1:  # the situation against each reference level, not only the first
        each = " · ".join(f"{html.escape(nom)} : {html.escape(x.libelle)}" for nom, x in lec.situations)
        out.append(Html(f'<div style="font-size:.8rem;color:#444">Face à chaque repère '
                        f"({lec.situations[0][1].annee}) : {each}</div>"))
    if lec.objectif is not None and lec.objectif_libelle:
        out.insert(1, Html(f'<div style="font-size:.8rem;color:#444">Objectif : '
                           f'{html.escape(lec.objectif_libelle)}</div>'))
    return out


def textes(indicateur: str, niveau: str, code: str) -> list[str]:
    """Plain-text verdicts (séance captions, alt texts)."""
    lec = lecture(indicateur, niveau, code)
    return [f"{x.texte()} — {x.detail}" if x.detail else x.texte() for x in lec.verdicts()] if lec else []
