"""Configuration in one place: where the data lives and which territory the barometer follows.

Every path the application reads comes from here. Environment variables override the defaults:
- ``BAROMETRE_DATA_DIR``: the built data (parquet files and the human-edited catalogue);
- ``BAROMETRE_RAW_DIR``: the official source files that ``barometre build`` reads.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BAROMETRE_")

    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    raw_dir: Path = Field(default=PROJECT_ROOT / "data" / "raw")

    @property
    def catalogue_dir(self) -> Path:
        return self.data_dir / "catalogue"

    @property
    def valeurs_dir(self) -> Path:
        return self.data_dir / "valeurs"

    @property
    def zonages_dir(self) -> Path:
        return self.data_dir / "zonages"


class Zone(BaseModel):
    code: str
    nom: str
    nom_court: str = ""  # the short name shown in the title bar and the sidebar


class Zonage(BaseModel):
    id: str
    libelle: str
    libelle_zone: str
    colonne: str | None = None
    source: str
    illustratif: bool = False


class Documents(BaseModel):
    """The territory's own documents the pages name (``[documents]`` of territoire.toml); empty when the
    territory has none, and the pages then say so generically."""

    label: str = ""  # the name of the projet de territoire's label (« Porte du Hainaut 2044 »)
    pcaet_adopte_le: str = ""  # the date the council adopted its PCAET, as written (« 3 juillet 2023 »)
    pcaet_source: str = ""  # where that date is read


class Territoire(BaseModel):
    """The EPCI the barometer follows and its comparison levels (data/catalogue/territoire.toml)."""

    epci: Zone
    departement: Zone
    region: Zone
    zonages: list[Zonage]
    documents: Documents = Documents()


def get_settings() -> Settings:
    return Settings()


@lru_cache(maxsize=8)
def _load_territoire(path: Path, mtime: float) -> Territoire:
    with path.open("rb") as f:
        return Territoire.model_validate(tomllib.load(f))


def load_territoire(settings: Settings | None = None) -> Territoire:
    settings = settings or get_settings()
    path = settings.catalogue_dir / "territoire.toml"
    return _load_territoire(path, path.stat().st_mtime)
