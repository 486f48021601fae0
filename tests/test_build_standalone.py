"""`barometre build` works from the project alone: the official extracts it reads are shipped in
``data/raw/`` (each with its PROVENANCE.md), so a fresh clone with no ``../shared`` beside it rebuilds
exactly the shipped ``data/``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from barometre.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


def test_every_raw_source_is_shipped_with_its_provenance():
    folders = [p for p in (DATA / "raw").iterdir() if p.is_dir()]
    assert len(folders) >= 20
    for folder in folders:
        assert (folder / "PROVENANCE.md").is_file(), folder.name
        assert any(p.suffix in (".csv", ".tsv") for p in folder.iterdir()), folder.name  # as published
    assert (DATA / "raw" / "INDEX.md").is_file()


@pytest.fixture(scope="module")
def lone_clone(tmp_path_factory):
    """A copy of the project's code and data in a folder with no ``shared/`` beside it."""
    root = tmp_path_factory.mktemp("clone") / "projet"
    assert not (root.parent / "shared").exists()
    for name in ("barometre", "sql"):
        shutil.copytree(PROJECT_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "data").mkdir()
    for name in ("catalogue", "raw"):
        shutil.copytree(DATA / name, root / "data" / name)
    return root


def test_build_from_a_clone_without_shared_rebuilds_the_shipped_data(lone_clone):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAROMETRE_")}
    env["PYTHONPATH"] = str(lone_clone)
    proc = subprocess.run([sys.executable, "-c", "import sys; from barometre.cli import main; sys.exit(main())",
                           "build"], cwd=lone_clone, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    built = sorted(p.relative_to(lone_clone / "data") for p in (lone_clone / "data").rglob("*.parquet"))
    shipped = sorted(p.relative_to(DATA) for p in DATA.rglob("*.parquet"))
    assert built == shipped
    for rel in shipped:
        assert_frame_equal(pl.read_parquet(lone_clone / "data" / rel), pl.read_parquet(DATA / rel),
                           check_row_order=False)
