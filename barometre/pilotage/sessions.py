"""Sessions that survive a reload: a signed, expiring, HttpOnly + SameSite cookie set by two HTTP routes of
the server, and a server-side session record revoked at sign-out.

Why not Streamlit's session state: it lives as long as the browser tab's websocket, so a reload or an
opened link signed people out. Why not ``st.login`` alone: it needs an identity provider, and local
accounts have none. So the server started by ``streamlit run app.py`` (``st.App``, see app.py) adds:

- ``POST /_barometre/connexion`` (fields ``identifiant``, ``mot_de_passe``, ``retour``): checks the password
  with :func:`barometre.pilotage.auth.authentifier` (throttling per account and address, cap on concurrent
  checks), opens a session in the store and sets the cookie :data:`COOKIE` = ``<token>.<HMAC-SHA256>``,
  ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (sent when following a link to the site, never on
  another site's form or request), ``Secure`` behind https, ``Max-Age`` = :data:`DUREE`; then 303 back.
- ``POST /_barometre/deconnexion``: revokes **every** open session of that account in the store (signed out
  everywhere), clears the cookie, 303 back.

Both refuse a request whose ``Origin`` (or ``Referer``) is another site (CSRF). The store keeps only the
SHA-256 of the token; the HMAC key is ``BAROMETRE_CLE_SESSION`` or a random key created once in
``data/edits/cle_session`` (mode 600). Each page run reads the cookie (``st.context.cookies``, see
:mod:`barometre.ui.pilotage`) and asks the store whether the session is still open and the account active.
No Streamlit here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from barometre.pilotage import auth
from barometre.pilotage.store import ErreurStore, Store, Utilisateur, url_base
from barometre.settings import get_settings

COOKIE = "barometre_session"
DUREE = timedelta(hours=8)  # a working day; after that, sign in again
ENV_CLE = "BAROMETRE_CLE_SESSION"
CHEMIN_CONNEXION = "/_barometre/connexion"
CHEMIN_DECONNEXION = "/_barometre/deconnexion"
#: Outcome of a sign-in, passed back to the page in ``?connexion=`` (only these codes are shown).
MESSAGES = {
    "echec": "Identifiant ou mot de passe incorrect (ou compte désactivé).",
    "attente": "Trop d'essais infructueux pour ce compte ou depuis cette adresse : réessayez dans quelques "
               "minutes.",
    "occupe": "Le serveur vérifie déjà plusieurs connexions : réessayez dans quelques secondes.",
    "refus": "Demande refusée : connectez-vous depuis le formulaire du baromètre.",
    "fin": "Vous êtes déconnecté·e, sur tous vos appareils.",
}
#: Set by :func:`routes` when the server carries the routes above (``streamlit run app.py``); the pages
#: then offer the HTTP sign-in form instead of the in-tab one.
ROUTES_ACTIVES = False


@cache
def _cle() -> bytes:
    env = os.environ.get(ENV_CLE, "").strip()
    if env:
        return env.encode("utf-8")
    path = get_settings().data_dir / "edits" / "cle_session"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return Path(path).read_bytes()


def _signature(token: str) -> str:
    return hmac.new(_cle(), token.encode("ascii"), hashlib.sha256).hexdigest()


def empreinte(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def emettre(store: Store, login: str, maintenant: datetime | None = None) -> str:
    """Open a session for ``login``; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    store.ouvrir_session(login, empreinte(token), (maintenant or datetime.now(UTC)) + DUREE)
    return f"{token}.{_signature(token)}"


def _token(valeur: object) -> str | None:
    if not isinstance(valeur, str) or len(valeur) > 200 or valeur.count(".") != 1:
        return None
    token, signature = valeur.split(".")
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,100}", token) or not hmac.compare_digest(signature, _signature(token)):
        return None
    return token


def empreinte_cookie(valeur: object) -> str | None:
    """The store's hash of a cookie's session token (None unless the signature holds): the session to keep
    when its holder changes their password."""
    token = _token(valeur)
    return empreinte(token) if token else None


def lire(store: Store, valeur: object) -> Utilisateur | None:
    """The user of a cookie value: None unless the signature holds, the session is open (not expired nor
    revoked) and the account is still active (with its current role)."""
    token = _token(valeur)
    if token is None:
        return None
    session = store.session(empreinte(token))
    if session is None:
        return None
    return auth.rafraichir(store, Utilisateur(session["login"], ""))


def revoquer(store: Store, valeur: object) -> str | None:
    """Sign-out: revoke every session of the cookie's account; returns the login (None: no valid cookie)."""
    token = _token(valeur)
    session = store.session(empreinte(token)) if token else None
    if session is None:
        return None
    store.revoquer_sessions(session["login"])
    return session["login"]


def retour_sur(valeur: object) -> str:
    """Where to send the browser back: a path of this site only (never another host)."""
    text = str(valeur or "/")
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith("//") or "\\" in text:
        return "/"
    if any(ord(c) < 32 for c in text) or len(text) > 2000:
        return "/"
    return text


def _avec(retour: str, **params: str) -> str:
    """``retour`` with ``params`` set in its query (any previous ``connexion=`` dropped)."""
    parts = urlsplit(retour)
    kept = [p for p in parts.query.split("&") if p and not p.startswith("connexion=")]
    query = "&".join([*kept, urlencode(params)] if params else kept)
    return parts.path + ("?" + query if query else "")


# ---------------------------------------------------------------- HTTP routes (Starlette)
@cache
def _store(url: str) -> Store:
    return Store(url)


def _meme_site(request) -> bool:
    """CSRF: the form must come from this very site (Origin, else Referer, must name our host)."""
    hote = request.headers.get("host", "")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == hote


def _https(request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _poser_cookie(response, request, valeur: str | None) -> None:
    if valeur is None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_https(request))
        return
    response.set_cookie(COOKIE, valeur, max_age=int(DUREE.total_seconds()), path="/", httponly=True,
                        samesite="lax", secure=_https(request))


async def _connexion(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    form = await request.form()
    retour = retour_sur(form.get("retour"))
    if not _meme_site(request):
        return RedirectResponse(_avec(retour, connexion="refus"), status_code=303)
    store = _store(url_base())
    adresse = request.client.host if request.client else None
    try:
        user = await run_in_threadpool(auth.authentifier, store, str(form.get("identifiant") or ""),
                                       str(form.get("mot_de_passe") or ""), adresse)
        valeur = await run_in_threadpool(emettre, store, user.login)
    except auth.ErreurConnexion as exc:
        code = "attente" if "Trop d'essais" in str(exc) else "occupe" if "plusieurs" in str(exc) else "echec"
        return RedirectResponse(_avec(retour, connexion=code), status_code=303)
    except ErreurStore:
        return RedirectResponse(_avec(retour, connexion="echec"), status_code=303)
    response = RedirectResponse(_avec(retour), status_code=303)
    _poser_cookie(response, request, valeur)
    return response


async def _deconnexion(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    form = await request.form()
    retour = retour_sur(form.get("retour"))
    if not _meme_site(request):
        return RedirectResponse(_avec(retour, connexion="refus"), status_code=303)
    await run_in_threadpool(revoquer, _store(url_base()), request.cookies.get(COOKIE))
    response = RedirectResponse(_avec(retour, connexion="fin"), status_code=303)
    _poser_cookie(response, request, None)
    return response


ENV_CADRES = "BAROMETRE_CADRES_AUTORISES"


class EntetesSecurite:
    """ASGI middleware (``st.App(..., middleware=[Middleware(EntetesSecurite)])``, see app.py): security
    headers on every HTTP response.

    - ``Content-Security-Policy: frame-ancestors 'self'`` — no other site frames the dashboard (clickjacking of
      the sign-in form, the vote, the edit forms) — except an embedded view (``?embed=true``, the feature
      that puts one chart in another site's page): there the sites listed in ``BAROMETRE_CADRES_AUTORISES``
      (space-separated origins), or any site when it is unset;
    - ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin`` (an address with a vote link or a
      code never leaves in a Referer to an outside site)."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI callables
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1").lower()
        embarque = any(p in ("embed=true", "embed=1") for p in query.split("&"))
        cadres = (re.sub(r"[;,\s]+", " ", os.environ.get(ENV_CADRES, "")).strip() or "*") if embarque else "'self'"
        entetes = [(b"content-security-policy", f"frame-ancestors {cadres}".encode("latin-1")),
                   (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]

        async def envoyer(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                noms = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                   *((k, v) for k, v in entetes if k not in noms)]}
            await send(message)

        await self.app(scope, receive, envoyer)


def middleware() -> list:
    """The middleware for ``st.App(..., middleware=middleware())`` (see app.py)."""
    from starlette.middleware import Middleware

    return [Middleware(EntetesSecurite)]


def routes() -> list:
    """The two routes for ``st.App(..., routes=routes())`` (see app.py)."""
    from starlette.routing import Route

    global ROUTES_ACTIVES
    ROUTES_ACTIVES = True
    return [Route(CHEMIN_CONNEXION, _connexion, methods=["POST"]),
            Route(CHEMIN_DECONNEXION, _deconnexion, methods=["POST"])]
