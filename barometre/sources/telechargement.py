"""``barometre telecharger [SOURCE]``: fetch an official file from its producer's published address, check it,
and hand it to the same reviewed load as ``barometre ingest`` (preview, plausibility rules, record, undo).

The addresses are in ``data/catalogue/telechargements.toml`` (one ``[[fichier]]`` per source: the export
address of the producer's open-data portal, where ``{epci}``, ``{departement}`` and ``{region}`` stand for the
followed territory's codes, so that the portal sends the territory's rows only). Checks before the load: the
answer is a file (HTTP 200, not an HTML page), its size is at most ``taille_max_mo`` and equals the announced
``Content-Length``, and, when the entry records a ``sha256``, the file's SHA-256 equals it; the SHA-256 and
the size are recorded with the load either way. Without a network the command says so in French and tells
how to load the file by hand; nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError, field_validator

from barometre.settings import Settings, load_territoire
from barometre.sources.csvread import IngestError

FICHIER_CATALOGUE = "telechargements.toml"
ENV_CATALOGUE = "BAROMETRE_TELECHARGEMENTS"  # another catalogue of addresses (tests: a local server)
DELAI_S = 60
BLOC = 1 << 20


class ErreurTelechargement(Exception):
    """The file could not be fetched or failed a check; ``str()`` is a French sentence."""


#: A downloaded file's name: one plain name in the download folder (no path, no leading dot, no control
#: character), whatever the catalogue says.
NOM_SUR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
HOTES_LOCAUX = {"127.0.0.1", "localhost", "::1"}  # a test server or a local mirror: plain http allowed


def adresse_sure(url: str) -> bool:
    """``https://`` to a named host; plain ``http://`` only to this machine. Never ``file:``, ``ftp:``…"""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in HOTES_LOCAUX)


class Fichier(BaseModel):
    source: str
    nom: str
    url: str
    page: str = ""
    taille_max_mo: int = 500
    sha256: str = ""
    remplit: str = ""  # what the file fills, in French (shown where the data is missing)
    verifie_le: str = ""  # date the address was last fetched with a network; empty: never

    @field_validator("nom")
    @classmethod
    def _nom_simple(cls, nom: str) -> str:
        if not NOM_SUR.fullmatch(nom) or ".." in nom:
            raise ValueError(f"nom de fichier « {nom[:80]} » refusé : un nom simple (lettres, chiffres, . _ -), "
                             "sans dossier")
        return nom

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        if not adresse_sure(url.replace("{", "").replace("}", "")):
            raise ValueError(f"adresse « {url[:120]} » refusée : https:// vers le site du producteur")
        return url


def catalogue_path(settings: Settings) -> Path:
    return Path(os.environ.get(ENV_CATALOGUE) or settings.catalogue_dir / FICHIER_CATALOGUE)


def fichiers(settings: Settings) -> list[Fichier]:
    path = catalogue_path(settings)
    if not path.exists():
        raise IngestError(str(path), None, None, "catalogue des adresses de téléchargement absent",
                          f"créez {FICHIER_CATALOGUE} dans data/catalogue/ (voir celui du projet).")
    with path.open("rb") as f:
        entrees = tomllib.load(f).get("fichier", [])
    out = []
    for i, x in enumerate(entrees, start=1):
        try:
            out.append(Fichier.model_validate(x))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise IngestError(path.name, None, str(err["loc"][0]) if err["loc"] else None,
                              f"entrée [[fichier]] n° {i} : {err['msg'].removeprefix('Value error, ')}",
                              "corrigez cette entrée du catalogue des téléchargements.") from exc
    return out


def adresse(fichier: Fichier, settings: Settings) -> str:
    t = load_territoire(settings)
    return fichier.url.format(epci=t.epci.code, departement=t.departement.code, region=t.region.code)


@dataclass
class Telecharge:
    fichier: Fichier
    path: Path
    taille: int
    sha256: str
    url: str


def telecharger(fichier: Fichier, settings: Settings, dossier: Path) -> Telecharge:
    """Fetch ``fichier`` into ``dossier`` by blocks, with the checks of the module docstring."""
    url = adresse(fichier, settings)
    if not adresse_sure(url):  # after the territory's codes are put in
        raise ErreurTelechargement(f"Adresse refusée : {url} (seul https:// vers le site du producteur est admis).")
    cible = dossier / fichier.nom
    limite = fichier.taille_max_mo * 1024 * 1024
    h = hashlib.sha256()
    taille = 0
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "barometre"}),
                                    timeout=DELAI_S) as rep:
            type_ = rep.headers.get("Content-Type", "")
            if "html" in type_.lower():
                page = fichier.page or "le site du producteur"
                raise ErreurTelechargement(f"{url} a renvoyé une page web ({type_}), pas un fichier de données : "
                                           f"l'adresse a peut-être changé ; voyez {page}.")
            annonce = rep.headers.get("Content-Length")
            with cible.open("wb") as out:
                for bloc in iter(lambda: rep.read(BLOC), b""):
                    taille += len(bloc)
                    if taille > limite:
                        raise ErreurTelechargement(f"{fichier.nom} dépasse {fichier.taille_max_mo} Mo : téléchargement "
                                                   "arrêté (vérifiez l'adresse ou relevez taille_max_mo).")
                    h.update(bloc)
                    out.write(bloc)
    except urllib.error.HTTPError as exc:
        raise ErreurTelechargement(f"le serveur du producteur a répondu {exc.code} pour {url} : l'adresse a peut-être "
                                   f"changé ; voyez {fichier.page or 'le site du producteur'}.") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        if isinstance(exc, ErreurTelechargement):
            raise
        raison = getattr(exc, "reason", exc)
        raise ErreurTelechargement(
            f"impossible de joindre {url} ({raison}) : pas de réseau, ou le site du producteur ne répond pas. "
            f"Téléchargez le fichier à la main ({fichier.page or url}) puis chargez-le avec "
            "`barometre ingest FICHIER --apercu`.") from exc
    if annonce is not None and annonce.isdigit() and int(annonce) != taille:
        raise ErreurTelechargement(f"{fichier.nom} est incomplet : {taille} octets reçus sur {annonce} annoncés "
                                   "(connexion coupée ?) ; relancez la commande.")
    if taille == 0:
        raise ErreurTelechargement(f"{fichier.nom} est vide : le producteur n'a rien renvoyé pour ce territoire.")
    empreinte = h.hexdigest()
    if fichier.sha256 and fichier.sha256.lower() != empreinte:
        raise ErreurTelechargement(f"{fichier.nom} : SHA-256 {empreinte} différent de celui enregistré "
                                   f"({fichier.sha256}) : fichier modifié ou altéré, rien n'est chargé.")
    return Telecharge(fichier, cible, taille, empreinte, url)


def choisir(settings: Settings, source: str | None) -> list[Fichier]:
    tous = fichiers(settings)
    if source is None:
        return tous
    choisis = [f for f in tous if f.source == source]
    if not choisis:
        connus = ", ".join(sorted({f.source for f in tous}))
        raise IngestError(catalogue_path(settings).name, None, None, f"source « {source} » sans adresse de "
                          "téléchargement", f"sources téléchargeables : {connus}.")
    return choisis
