"""One entry point (issue 24): `streamlit run app.py` serves everything — the session routes, the error
policy and the pages. Streamlit decides how to run a file by reading it (``discover_asgi_app``); the server
imports it as the module ``app``; each browser session runs it as the script."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from streamlit.web.server.app_discovery import discover_asgi_app

from barometre.pilotage import sessions

ROOT = Path(__file__).resolve().parents[1]

_IMPORT = """
import json, app
from streamlit import config
print(json.dumps({"type": type(app.app).__name__,
                  "routes": sorted(getattr(r, "path", "") for r in app.app._user_routes),
                  "details": config.get_option("client.showErrorDetails")}))
"""


def _import_as_server(details: str) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "BAROMETRE_ERREURS_DETAILLEES": details}
    out = subprocess.run([sys.executable, "-c", _IMPORT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_streamlit_run_app_py_serves_the_asgi_app():
    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"
    assert not (ROOT / "serveur.py").exists(), "une seule porte d'entrée : app.py"


def test_the_server_carries_the_session_routes_and_hides_error_details_from_visitors():
    served = _import_as_server("0")
    assert served["type"] == "App"
    assert {sessions.CHEMIN_CONNEXION, sessions.CHEMIN_DECONNEXION} <= set(served["routes"])
    assert served["details"] == "none"
    # developers and tests ask for the traceback explicitly
    assert _import_as_server("1")["details"] == "full"


def test_config_hides_error_details_even_outside_app_py():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
