"""The data textsynth ships (templates, corpora, font and photo manifests), and where local data lives.

They live at the top of the repository, where users look for them; the links in this
folder put them inside the package, so a wheel carries them and `importlib.resources`
finds them the same way in a checkout, an editable install and a plain `pip install`.
"""

from __future__ import annotations

import hashlib
import os
from importlib.resources import files
from pathlib import Path


def resource_path(name: str) -> Path:
    """A shipped file or folder as a filesystem path (wheels install unzipped)."""
    return Path(str(files(__name__).joinpath(name)))


CORPORA_DIR = resource_path("corpora")
TEMPLATES_DIR = resource_path("templates")
FONTS_MANIFEST = resource_path("fonts_manifest.yaml")
PHOTOS_MANIFEST = resource_path("photos_manifest.yaml")


def cache_dir() -> Path:
    """Caches rebuilt on demand (cmap tables, decoded photos, font packages):
    $TEXTSYNTH_CACHE_DIR, else $XDG_CACHE_HOME/textsynth or ~/.cache/textsynth."""
    env = os.environ.get("TEXTSYNTH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "textsynth"


def font_dir() -> Path:
    """Where fetched faces live: $TEXTSYNTH_FONT_DIR, else $XDG_DATA_HOME/textsynth/fonts."""
    env = os.environ.get("TEXTSYNTH_FONT_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "textsynth" / "fonts"


def file_sha256(file: str | Path) -> str:
    """sha256 of a file read in 1 MiB blocks (manifests record one per font and photo)."""
    digest = hashlib.sha256()
    with open(file, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
