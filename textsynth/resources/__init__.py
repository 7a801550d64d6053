"""The data textsynth ships: built-in templates, corpora, the font and photo manifests.

They live at the top of the repository, where users look for them; the links in this
folder put them inside the package, so a wheel carries them and `importlib.resources`
finds them the same way in a checkout, an editable install and a plain `pip install`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(name: str) -> Path:
    """A shipped file or folder as a filesystem path (wheels install unzipped)."""
    return Path(str(files(__name__).joinpath(name)))


CORPORA_DIR = resource_path("corpora")
TEMPLATES_DIR = resource_path("templates")
FONTS_MANIFEST = resource_path("fonts_manifest.yaml")
PHOTOS_MANIFEST = resource_path("photos_manifest.yaml")
