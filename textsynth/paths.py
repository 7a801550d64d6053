"""Where the data that ships with the project lives (corpora, templates, font manifest)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
CORPORA_DIR = PROJECT_DIR / "corpora"
TEMPLATES_DIR = PROJECT_DIR / "templates"
FONTS_MANIFEST = PROJECT_DIR / "fonts_manifest.yaml"
