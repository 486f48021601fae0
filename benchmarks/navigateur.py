"""What a person waits for, measured in a real browser: ``barometre bench --browser``.

Two ``streamlit run`` servers are started the same way on loopback ports: the real app, and Streamlit's
floor (``benchmarks/plancher/app.py``: one select box, one metric, one 47-bar Altair chart per page, the
same url paths). Headless Debian Chromium (Playwright, ``/usr/bin/chromium``) opens every page of both, in
a new browser context each time (a new Streamlit session, as a person following a link), and reports:

- ``premier_contenu_ms``: from the navigation's start to the first chart, map, table or figure card drawn
  in the main area; on a page that shows none of them once idle (Évaluation, Label, Administration on the
  shipped data: a message, a form, tabs of text), to the first block of its body below the title and the
  lead caption (a message, a form, a tab's content, a table, a subheading or a paragraph), which is then
  what a person sees as the page's content; ``premier_contenu_nature`` says which (« figure » / « texte »);
- ``ouverture_ms``: from the navigation's start to the app idle (connected, script run over, no skeleton
  nor stale element, and still so ``CALME_MS`` later);
- ``changement_ms``: from the click on another option of the page's first select box (the sidebar's
  « Échelle » when the page has none) to the app idle again;
- ``fleche_ms`` (séance only): from the → key to the next view drawn and the app idle.

Each figure is the median of ``runs`` passes (pages visited in turn, floor and app alternately), with
the ratio to the floor's same figure for the same page and the difference in ms. Times are read in the
page (``performance.now()``, sampled at every animation frame), not from Python's side of the pipe.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PLANCHER = Path(__file__).resolve().parent / "plancher"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
VIEWPORT = {"width": 1280, "height": 720}
CALME_MS = 500  # idle that long = the run is over (Streamlit may rerun once right after a first run)
DELAI_MS = 90_000  # one step, bounded
# An interaction (option chosen, arrow key) starts a run within this, even on a loaded machine; past it the input
# was lost (a click landing while the widget was redrawn), reported as a miss instead of waiting out DELAI_MS (seen
# once in the test suite: the quick pass then idled 90 s).
REPRISE_MS = 20_000
DEMARRAGE_S = 90
SEANCE = "seance"
PAGES_RAPIDES = ["qualite_de_vie", SEANCE]  # --quick: one pass over two pages (a smoke test, minutes)

# Sampled at each animation frame from the page's start: first content, and the current idle period.
_MONITEUR_JS = """(() => {
  const w = window;
  w.__bm = {premier: null, premierTexte: null, calmeDepuis: null, occupeA: null};
  const contenu = '[data-testid="stMain"] :is(.vega-embed canvas, .vega-embed svg, '
    + '[data-testid="stDataFrame"] canvas, '
    + '[data-testid="stDataFrameResizable"], [data-testid="stMetric"], [role="group"][aria-label])';
  // a page without figures: the first block of its body (not the title, not a caption, not a control)
  const texte = '[data-testid="stMain"] :is([data-testid="stAlert"], [data-testid="stForm"], '
    + '[data-testid="stTabPanel"] [data-testid="stElementContainer"], [data-testid="stExpander"], '
    + '[data-testid="stTable"], [data-testid="stHeading"] :is(h2, h3), '
    + '[data-testid="stMarkdown"]:not(:has([data-testid="stCaptionContainer"])) :is(p, li, h2, h3))';
  const tick = () => {
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    if (w.__bm.premier === null && document.querySelector(contenu)) w.__bm.premier = now;
    if (w.__bm.premierTexte === null && document.querySelector(texte)) w.__bm.premierTexte = now;
    const calme = app !== null
      && app.getAttribute('data-test-connection-state') === 'CONNECTED'
      && ['notRunning', 'compilationError'].includes(app.getAttribute('data-test-script-state'))
      && document.querySelector('[data-testid="stSkeleton"]') === null
      && document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') === null
      && document.querySelector('[data-stale="true"]') === null;
    if (calme) { if (w.__bm.calmeDepuis === null) w.__bm.calmeDepuis = now; }
    else { w.__bm.calmeDepuis = null; w.__bm.occupeA = now; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""
_CALME_JS = """([depuis, calmeMs]) => {
  const b = window.__bm;
  return b && b.calmeDepuis !== null && b.occupeA !== null && b.occupeA > depuis
    && performance.now() - b.calmeDepuis >= calmeMs;
}"""


@dataclass(frozen=True)
class PageApp:
    url_path: str
    title: str
    default: bool

    @property
    def chemin(self) -> str:
        return "/" if self.default else f"/{self.url_path}"


def pages_de(app_py: Path) -> list[PageApp]:
    """The pages of app.py's navigation (``st.Page(…, url_path=…)``), in order, read with ``ast``."""
    import ast

    out = []
    for node in ast.walk(ast.parse(app_py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            target = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "page"
            out.append(PageApp(kw.get("url_path", Path(target).stem), kw.get("title", ""), bool(kw.get("default"))))
    return out


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serveur(app_dir: Path, script: str = "app.py", env: dict[str, str] | None = None):
    """``streamlit run`` on a free loopback port, in its own process group, stopped at the end."""
    port = _port_libre()
    commande = [sys.executable, "-m", "streamlit", "run", script, "--server.headless=true",
                "--server.address=127.0.0.1", f"--server.port={port}", "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none"]
    log = tempfile.NamedTemporaryFile(prefix="bench-streamlit-", suffix=".log", delete=False)
    proc = subprocess.Popen(commande, cwd=app_dir, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        fin = time.monotonic() + DEMARRAGE_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > fin:
                raise RuntimeError(f"streamlit ({app_dir / script}) ne démarre pas :\n"
                                   + Path(log.name).read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
        Path(log.name).unlink(missing_ok=True)


from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402 - after the constants


def _attendre_calme(page, depuis: float) -> float:
    """Wait until the app has been busy after ``depuis`` then idle for CALME_MS; the idle's start (ms). After an
    interaction (``depuis`` > 0) the run must have started within REPRISE_MS (else ``RuntimeError``: input lost)."""
    if depuis > 0:
        try:
            page.wait_for_function("(depuis) => window.__bm && window.__bm.occupeA !== null "
                                   "&& window.__bm.occupeA > depuis", arg=depuis, timeout=REPRISE_MS, polling=50)
        except PlaywrightTimeout:
            raise RuntimeError(f"aucune exécution de la page dans les {REPRISE_MS // 1000} s après l'action "
                               "(action perdue)") from None
    page.wait_for_function(_CALME_JS, arg=[depuis, CALME_MS], timeout=DELAI_MS, polling=50)
    return page.evaluate("() => window.__bm.calmeDepuis")


def _premier_choix(page):
    """The page's first select box in the main area, else the sidebar's « Échelle »."""
    main = page.locator('[data-testid="stMain"] input[role="combobox"]:visible')
    return main.first if main.count() else page.locator('input[role="combobox"][aria-label="Échelle"]').first


def _changer(page) -> float | None:
    """Pick the option after the current one in the first select box; ms from the click to idle."""
    boite = _premier_choix(page)
    if not boite.count():
        return None
    courant = boite.input_value()
    options = page.locator('[role="listbox"] [role="option"]')
    for essai in range(4):  # a click that lands while the widget is redrawn opens nothing: once more
        boite.click()
        try:
            options.first.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:
            if essai == 3:
                raise
            page.keyboard.press("Escape")
    textes = options.all_inner_texts()
    if len(textes) < 2:
        page.keyboard.press("Escape")
        return None
    cible = textes[(textes.index(courant) + 1) % len(textes)] if courant in textes else textes[1]
    t0 = page.evaluate("() => performance.now()")
    page.locator('[role="listbox"]').get_by_role("option", name=cible, exact=True).first.click()
    return _attendre_calme(page, t0) - t0


def _fleche(page) -> float:
    """Séance: → key (the « Suivante » button's shortcut); ms to the next view drawn and idle."""
    titre = page.locator('[data-testid="stMain"] h2').first.inner_text()
    t0 = page.evaluate("() => performance.now()")
    page.keyboard.press("ArrowRight")
    calme = _attendre_calme(page, t0)
    nouveau = page.locator('[data-testid="stMain"] h2').first.inner_text()
    if nouveau == titre:
        raise RuntimeError("séance : la flèche → n'a pas changé de vue")
    return calme - t0


ERREURS: list[str] = []  # interactions that did not complete (the figure is then missing, never invented)


def _essayer(mesure, page, quoi: str) -> float | None:
    try:
        return mesure(page)
    except (PlaywrightTimeout, RuntimeError) as exc:
        ERREURS.append(f"{quoi} : {str(exc).splitlines()[0][:200]}")
        return None


def premier_contenu(bm: dict[str, Any]) -> tuple[float | None, str | None]:
    """The first content's time and nature from the page's monitor: the first figure (chart, map, table,
    figure card) when the page has one; else, on a page that shows no figure at all once idle, the first
    block of text content of its body; else (nothing but a title) none, reported as missing."""
    if bm.get("premier") is not None:
        return bm["premier"], "figure"
    if bm.get("premierTexte") is not None:
        return bm["premierTexte"], "texte"
    return None, None


def mesurer_page(browser, base: str, p: PageApp, fleche: bool, nom: str = "app") -> dict[str, Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
    context.add_init_script(_MONITEUR_JS)
    try:
        page = context.new_page()
        page.goto(base + p.chemin, wait_until="commit", timeout=DELAI_MS)
        ouverture = _attendre_calme(page, 0)
        premier, nature = premier_contenu(page.evaluate("() => window.__bm"))
        if premier is None:
            ERREURS.append(f"{nom} {p.url_path} : premier contenu jamais vu")
        out: dict[str, Any] = {"premier_contenu_ms": premier, "ouverture_ms": ouverture,
                               "premier_contenu_nature": nature}
        out["changement_ms"] = _essayer(_changer, page, f"{nom} {p.url_path} : changement")
        if fleche:
            page.goto(base + p.chemin, wait_until="commit", timeout=DELAI_MS)  # back to the first view
            _attendre_calme(page, 0)
            out["fleche_ms"] = _essayer(_fleche, page, f"{nom} {p.url_path} : flèche")
        return out
    finally:
        context.close()


def _mediane(valeurs: list[float | None]) -> float | None:
    vals = [v for v in valeurs if v is not None]
    return round(statistics.median(vals), 1) if vals else None


def mesurer(runs: int = 3, pages: list[str] | None = None, app_dir: Path = PROJECT_ROOT,
            log=lambda m: print(m, file=sys.stderr), echauffement: bool = True) -> dict[str, Any]:
    """Every page (or those named) of the app and of the floor, ``runs`` times; medians and ratios.

    ``echauffement``: visit each page once before measuring (the servers' first run — imports, caches — is not
    a visit). Off, the first pass measures cold servers: for a check of the report's shape, never for figures."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} introuvable : `apt-get install chromium` (fait par .ci/run)")
    ERREURS.clear()  # this pass's misses only
    toutes = pages_de(app_dir / "app.py")
    choisies = [p for p in toutes if pages is None or p.url_path in pages]
    brut: dict[str, dict[str, list[dict]]] = {"app": {p.url_path: [] for p in choisies},
                                             "plancher": {p.url_path: [] for p in choisies}}
    env_plancher = {"BAROMETRE_APP_PY": str(app_dir / "app.py")}
    with serveur(app_dir) as url_app, serveur(PLANCHER, env=env_plancher) as url_plancher, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            if echauffement:  # the servers' first run (imports, caches) is not a visit
                for p in choisies:
                    mesurer_page(browser, url_app, p, False)
                mesurer_page(browser, url_plancher, choisies[0], False)
            for run in range(runs):
                for p in choisies:
                    for nom, url in (("plancher", url_plancher), ("app", url_app)):
                        try:
                            m = mesurer_page(browser, url, p, fleche=(p.url_path == SEANCE and nom == "app"), nom=nom)
                        except PlaywrightTimeout as exc:  # the page did not settle: say so, go on
                            ERREURS.append(f"{nom} {p.url_path} : {str(exc).splitlines()[0][:200]}")
                            continue
                        brut[nom][p.url_path].append(m)
                        log(f"[bench navigateur] passe {run + 1}/{runs} {nom:8} {p.url_path:15} "
                            + " ".join(f"{k}={v:.0f}" if isinstance(v, float | int) else f"{k}={v}"
                                       for k, v in m.items() if v is not None))
        finally:
            browser.close()
    return resume(brut, runs)


CLES = ("premier_contenu_ms", "ouverture_ms", "changement_ms", "fleche_ms")


def resume(brut: dict[str, dict[str, list[dict]]], runs: int) -> dict[str, Any]:
    pages: dict[str, Any] = {}
    for url_path, mesures in brut["app"].items():
        plancher = brut["plancher"][url_path]
        ligne: dict[str, Any] = {}
        for cle in CLES:
            if not any(cle in m for m in mesures):
                continue  # not measured on this page (the arrow exists on the séance only)
            # None: the interaction never completed in any pass (named in ``erreurs``), never a made-up figure
            ours = _mediane([m.get(cle) for m in mesures])
            # the séance's arrow is compared with the floor's select change (one interaction, one rerun)
            ref = _mediane([m.get("changement_ms" if cle == "fleche_ms" else cle) for m in plancher])
            ligne[cle] = ours
            ligne[cle.replace("_ms", "_plancher_ms")] = ref
            if ours is not None and ref:
                ligne[cle.replace("_ms", "_ratio")] = round(ours / ref, 2)
                ligne[cle.replace("_ms", "_ecart_ms")] = round(ours - ref, 1)
        natures = sorted({m["premier_contenu_nature"] for m in mesures if m.get("premier_contenu_nature")})
        if natures:
            ligne["premier_contenu_nature"] = "/".join(natures)
        pages[url_path] = ligne
    return {"passes": runs, "calme_ms": CALME_MS, "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
            "pages": pages, "objectifs": objectifs(pages), "erreurs": list(ERREURS)}


def objectifs(pages: dict[str, Any]) -> dict[str, Any]:
    """The issue's aims per page: first content ≤ floor + 0.5 s, open → idle ≤ floor + 1 s, select change
    and séance arrow ≤ 1.5 × floor. True / False, or None when not measured."""
    def ok(ligne: dict, cle: str, test) -> bool | None:
        ecart, ratio = ligne.get(f"{cle}_ecart_ms"), ligne.get(f"{cle}_ratio")
        return None if ecart is None else bool(test(ecart, ratio))

    return {nom: {"premier_contenu": ok(lg, "premier_contenu", lambda e, r: e <= 500),
                  "ouverture": ok(lg, "ouverture", lambda e, r: e <= 1000),
                  "changement": ok(lg, "changement", lambda e, r: r <= 1.5),
                  **({"fleche": ok(lg, "fleche", lambda e, r: r <= 1.5)} if "fleche_ms" in lg else {})}
            for nom, lg in pages.items()}


def texte(res: dict[str, Any]) -> str:
    lignes = [f"Navigateur (Chromium headless, {res['viewport']}, médiane de {res['passes']} passes ; "
              "entre parenthèses : le plancher Streamlit, puis le rapport)",
              f"{'page':16} {'premier contenu':>24} {'ouverture → calme':>24} {'changement → calme':>24}"]

    def cell(lg: dict, cle: str) -> str:
        if cle + "_ms" not in lg:
            return f"{'–':>24}"
        ours, ref, ratio = lg[cle + "_ms"], lg.get(cle + "_plancher_ms"), lg.get(cle + "_ratio")
        if ours is None or ref is None:  # a missed interaction is said so, never shown as ×0.0
            return (f"{'non mesuré' if ours is None else f'{ours:.0f}':>7} "
                    f"({'non mesuré' if ref is None else f'{ref:.0f}'})")
        return f"{ours:>7.0f} ({ref:>5.0f}, ×{ratio:.1f})"

    if any(lg.get("premier_contenu_nature") == "texte" for lg in res["pages"].values()):
        lignes.append("(texte) : page sans graphique, carte, tableau ni chiffre ; premier contenu = premier bloc "
                      "du corps de la page (message, formulaire, onglet, titre de section ou paragraphe)")
    for erreur in res.get("erreurs", []):
        lignes.append(f"(non mesuré : {erreur})")
    for nom, lg in res["pages"].items():
        marque = " (texte)" if lg.get("premier_contenu_nature") == "texte" else ""
        lignes.append(f"{nom:16} {cell(lg, 'premier_contenu'):>24} {cell(lg, 'ouverture'):>24} "
                      f"{cell(lg, 'changement'):>24}{marque}")
        if "fleche_ms" in lg:
            lignes.append(f"{'  séance →':16} {cell(lg, 'fleche'):>24}")
    return "\n".join(lignes)
