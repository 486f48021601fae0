"""What the person has chosen, in one place: the frozen :class:`Selection` of a run, the widgets that own
their URL parameter (territory, zoning, indicator, year, breakdown, theme), the projection mode.

This is the only module that touches ``st.session_state`` and ``st.query_params`` (tests/test_architecture.py
checks it): other UI modules keep their few private values through :func:`lire` / :func:`ecrire` /
:func:`retirer` and the URL through :func:`url` / :func:`vers_url`, so that how state is kept is decided here.

The territory is chosen once per run by app.py (:func:`territory_picker`), which keeps the
:class:`Selection`; pages read it with :func:`selection` and pass it on as a value (``sel.avec(…)`` adds
what the page picks itself: indicator, zoning, year, breakdown).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import streamlit as st

from barometre.catalogue import Indicateur
from barometre.ui import cache

NIVEAU_COMMUNE = "commune"
NIVEAU_EPCI = "epci"
_SELECTION = "_selection"  # the Selection of the current run, set by territory_picker


@dataclass(frozen=True)
class Selection:
    """Everything a view depends on, as a value: the territory, the mode, and what the page picked."""

    niveau: str
    code: str
    nom: str
    epci: str  # the agglomeration's code (the reference of every comparison)
    projection: bool = False
    indicateur: str | None = None
    annee: int | None = None
    zonage: str | None = None
    ventilation: str = ""

    def avec(self, **changes: Any) -> Selection:
        return dataclasses.replace(self, **changes)

    @property
    def commune(self) -> str | None:
        """The chosen commune's code, when a commune is chosen (highlighted in rankings and maps)."""
        return self.code if self.niveau == NIVEAU_COMMUNE else None


def _selection_par_defaut(niveau: str | None = None, code: str | None = None) -> Selection:
    epci = cache.territoire_config().epci.code
    niveau = niveau or NIVEAU_EPCI
    code = code or epci
    return Selection(niveau, code, cache.nom_territoire(niveau, code), epci, projection_mode())


def selection() -> Selection:
    """The run's selection (app.py's territory picker builds it before the page runs)."""
    sel = st.session_state.get(_SELECTION)
    if sel is None:  # a page run without app.py (ensure_entrypoint reruns through it): the URL's territory
        return _selection_par_defaut(st.query_params.get("niveau"), st.query_params.get("code"))
    return sel.avec(projection=projection_mode())


# ---------------------------------------------------------------- state kept for other UI modules
def lire(key: str, default: Any = None) -> Any:
    return st.session_state.get(key, default)


def ecrire(key: str, value: Any) -> None:
    st.session_state[key] = value


def retirer(key: str, default: Any = None) -> Any:
    return st.session_state.pop(key, default)


def present(key: str) -> bool:
    return key in st.session_state


def url(key: str, default: str | None = None) -> str | None:
    return st.query_params.get(key, default)


def url_liste(key: str) -> list[str]:
    return st.query_params.get_all(key)


def vers_url(key: str, value: str | list[str] | None, default: str | None = None) -> None:
    """Keep a value in the page's link; the default (or None) leaves the link clean."""
    if value is None or value == default:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = value


def init_depuis_url(key: str, default: str, options: list[str] | None = None) -> None:
    """First run of a widget: take its value from the URL when valid, else the default."""
    if key in st.session_state:
        return
    value = st.query_params.get(key, default)
    if options is not None and value not in options:
        value = default
    st.session_state[key] = value


def choix_valide(key: str, options: list[str], default: str) -> None:
    """A widget's value from the URL, reset to the default when no longer on offer."""
    if key not in st.session_state:
        wanted = st.query_params.get(key, default)
        st.session_state[key] = wanted if wanted in options else default
    elif st.session_state[key] not in options:
        st.session_state[key] = default


# ---------------------------------------------------------------- entry point and projection mode
def ensure_entrypoint() -> None:
    """Make sure the page runs through app.py.

    Streamlit starts every server in its legacy multipage mode when a ``pages/`` folder sits beside the
    entry point, until the first ``st.navigation`` call: the very first visit after a restart, if it lands
    on a deep link (``/territoires?…``), would run the page alone, without app.py's shared picker. Each page
    calls this first: it switches the server to ``st.navigation`` mode and reruns through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def projection_mode() -> bool:
    return st.query_params.get("mode") == "projection"


def projection(active: bool) -> None:
    """Enter or leave projection mode (it lives in the link: ``&mode=projection``)."""
    if active:
        st.query_params["mode"] = "projection"
    elif "mode" in st.query_params:
        del st.query_params["mode"]
    st.rerun()


# ---------------------------------------------------------------- pickers (each owns its URL parameter)
def territory_picker(container=None) -> Selection:
    """The shared territory picker (level, then territory); owns ``niveau`` and ``code`` in the URL and
    keeps the run's :class:`Selection`."""
    box = container or st.sidebar
    options = cache.niveaux_options()
    init_depuis_url("niveau", NIVEAU_EPCI, list(options))
    niveau = box.selectbox("Échelle", list(options), format_func=options.get, key="niveau", placeholder="Choisir…")
    terr = cache.territoires(niveau)
    codes = terr["code"].to_list()
    names = dict(zip(codes, terr["nom"].to_list(), strict=True))
    default = codes[0] if codes else ""
    if st.session_state.get("code") not in codes:
        st.session_state.pop("code", None)
    init_depuis_url("code", default, codes)
    if len(codes) == 1:  # one territory at this level (the EPCI): say it, a disabled field is hard to read
        st.session_state["code"] = codes[0]
        box.markdown(f"**Territoire** : {names[codes[0]]}")
        code = codes[0]
    else:
        code = box.selectbox("Territoire", codes, format_func=lambda c: names.get(c, c), key="code",
                             placeholder="Choisir…")
    vers_url("niveau", niveau, NIVEAU_EPCI)
    vers_url("code", code, None if niveau != NIVEAU_EPCI else default)
    sel = _selection_par_defaut(niveau, code)
    st.session_state[_SELECTION] = sel
    return sel


def aller_au_territoire(niveau: str, code: str) -> None:
    """Choose another territory (a click on a map) and rerun: the picker takes it from the URL."""
    st.query_params["niveau"] = niveau
    st.query_params["code"] = code
    st.session_state.pop("niveau", None)
    st.session_state.pop("code", None)
    st.rerun()


def selection_nouvelle(cle: str, valeur: str | None) -> bool:
    """Whether a chart's selection ``valeur`` is new since the last run that saw it. A map keeps its clicked
    commune across reruns: acting on it at every run would send a user who then picks another territory in the
    sidebar straight back to the commune clicked before."""
    memo = f"_selection_vue_{cle}"
    if st.session_state.get(memo) == valeur:
        return False
    st.session_state[memo] = valeur
    return valeur is not None


def zonage_picker(container=None, key: str = "zonage") -> str:
    """Which zoning groups the communes (maps' outlines, equity between zones)."""
    box = container or st
    options = cache.zonages_options()
    first = next(iter(options))
    init_depuis_url(key, first, list(options))
    value = box.selectbox("Découpage", list(options), format_func=options.get, key=key, placeholder="Choisir…")
    vers_url(key, value, first)
    return value


def choice_picker(label: str, options: list[str], key: str, container=None, format_func=str) -> str:
    """A select box over plain options that keeps its value in the URL (first option = clean link)."""
    box = container or st
    init_depuis_url(key, options[0], options)
    value = box.selectbox(label, options, key=key, format_func=format_func, placeholder="Choisir…")
    vers_url(key, value, options[0])
    return value


def indicator_picker(indicateurs: list[Indicateur], key: str = "indicateur", label: str = "Indicateur",
                     container=None) -> Indicateur:
    ids = [i.id for i in indicateurs]
    labels = {i.id: f"{i.libelle} ({i.unite})" for i in indicateurs}
    chosen = choice_picker(label, ids, key, container, labels.get)
    return next(i for i in indicateurs if i.id == chosen)


def year_picker(years: list[int], key: str = "annee", container=None) -> int | None:
    if not years:
        return None
    box = container or st
    options = [str(y) for y in years]
    init_depuis_url(key, options[-1], options)
    if len(options) == 1:
        st.session_state[key] = options[0]
        box.caption(f"Millésime : {options[0]}")
        return years[0]
    chosen = box.select_slider("Année", options, key=key)
    vers_url(key, chosen, options[-1])
    return int(chosen)


def ventilation_picker(ind: Indicateur, key: str = "ventilation", container=None) -> str:
    options = cache.ventilations(ind.id)
    if len(options) <= 1:
        return options[0] if options else ""
    return choice_picker("Détail", options, key, container, lambda v: v or "Ensemble")


def section_picker(sections: dict[str, str], key: str, label: str = "Rubrique", container=None) -> str:
    """Which part of a page is shown (id → label), kept in the URL. Only the chosen part is then drawn:
    ``st.tabs`` would run and send every tab's charts, maps and tables on each rerun."""
    box = container or st
    ids = list(sections)
    init_depuis_url(key, ids[0], ids)
    value = box.radio(label, ids, format_func=sections.get, key=key, horizontal=True, label_visibility="collapsed")
    vers_url(key, value, ids[0])
    return value


def territories_picker(keys: list[str], default: list[str], names: dict[str, str], key: str,
                       param: str = "t") -> list[str]:
    """Several territories (``niveau:code``), kept in the URL as repeated ``t=`` parameters."""
    if key not in st.session_state:
        from_url = [k for k in st.query_params.get_all(param) if k in keys]
        st.session_state[key] = from_url or default
    chosen = st.multiselect("Territoires", keys, format_func=names.get, key=key, placeholder="Choisir des territoires",
        select_all=False)
    st.query_params[param] = chosen
    return chosen


def etape(param: str, n: int) -> int:
    """A 1-based step kept in the URL (``etape=3``), kept within 1…n."""
    try:
        step = min(max(int(st.query_params.get(param, "1")), 1), max(n, 1))
    except ValueError:
        step = 1
    return step


def _aller(param: str, step: int) -> None:
    st.query_params[param] = str(step)


def step_buttons(param: str, step: int, n: int, key: str,
                 labels: tuple[str, str] = ("◀ Précédente", "Suivante ▶"), middle: int = 3):
    """Previous / next buttons (← → keys) that move the step kept in the URL; returns the middle column.

    The step is written by the buttons' callback, before the rerun that the click starts: inside an
    ``st.fragment`` that rerun is the fragment's alone (the séance's next view, not the app's frame)."""
    prev_col, mid_col, next_col = st.columns([1, middle, 1])
    prev_col.button(labels[0], shortcut="Left", disabled=step <= 1, key=f"{key}_prev", on_click=_aller,
                    args=(param, step - 1))
    next_col.button(labels[1], shortcut="Right", disabled=step >= n, key=f"{key}_next", on_click=_aller,
                    args=(param, step + 1))
    return mid_col


def url_ecrire(values: dict[str, str]) -> None:
    """Write several URL parameters at once and rerun (a composed séance, a saved weighting)."""
    for k, v in values.items():
        st.query_params[k] = v
    st.rerun()

