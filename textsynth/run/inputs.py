"""Digests of the files a run reads, so a resume refuses a run whose inputs changed since its first shards.

The config fingerprint covers the settings, but not what its paths point at: edit a template or swap a
photo between a crash and the rerun and the shards would mix two runs. Hashing stays cheap: small files by
content, large ones (photos, fonts in extra folders) by name, size and modification time; the font
manifest lists each face's sha256, so hashing the manifest covers the fonts it names. textsynth's own files
and the versions of the libraries it draws with count as inputs too: a run started before an upgrade that
changes pixels is not finished by the new code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

from textsynth.config import RenderConfig

SMALL = 1 << 20  # files up to this size are hashed by content


def input_digests(config: RenderConfig) -> dict[str, str]:
    """A short digest per template file, and per kind of other input: plugins, backgrounds, corpus, fonts,
    and textsynth's own code and the libraries it draws with."""
    from textsynth.resources import CORPORA_DIR, FONTS_MANIFEST, TEMPLATES_DIR

    template_files = []
    for name in config.templates or {}:
        path = Path(name)
        if name.endswith((".yaml", ".yml")) or path.is_file():
            template_files.append(path)
        elif (TEMPLATES_DIR / f"{name}.yaml").is_file():
            template_files.append(TEMPLATES_DIR / f"{name}.yaml")
    if not config.templates:
        template_files = sorted(TEMPLATES_DIR.glob("*.yaml"))
    pictures = _patch_folders(template_files)
    photos = _tree(Path(config.backgrounds)) if config.backgrounds else []
    corpus = [Path(config.corpus)] if config.corpus else sorted(CORPORA_DIR.glob("*"))
    fonts = [Path(config.fonts_manifest) if config.fonts_manifest else FONTS_MANIFEST]
    for folder in config.fonts_dirs:
        fonts += _tree(Path(folder))
    return {
        **{f"template {path}": _digest([path]) for path in template_files},
        "template pictures": _digest(pictures),
        "plugins": _digest([_plugin_file(name) for name in config.plugins]),
        "backgrounds": _digest(photos),
        "corpus": _digest(corpus),
        "fonts": _digest(fonts),
        "textsynth code": package_digest(),
        "libraries": _libraries_digest(),
    }


def package_digest(root: Path | None = None) -> str:
    """The textsynth package's own files (code, templates, manifests), by content: any change to how a
    sample is drawn changes the bytes, so a run is finished by the code that started it (~1.6 MB, ~3 ms)."""
    root = root or Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for file in _tree(root):
        if "__pycache__" in file.parts:
            continue
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _libraries_digest() -> str:
    """The libraries that draw the pixels and the random numbers (numpy's Generator streams may change
    between its versions), as the manifest's `versions` records them."""
    from textsynth.io.shards import library_versions

    return hashlib.sha256(json.dumps(library_versions(), sort_keys=True).encode()).hexdigest()[:16]


def changed_inputs(old: dict[str, str], new: dict[str, str]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _patch_folders(templates: list[Path]) -> list[Path]:
    """Pictures next to a template (image_patch folders live inside the template's folder)."""
    found: list[Path] = []
    for template in templates:
        if template.is_file() and "image_patch" in template.read_text(encoding="utf-8", errors="replace"):
            found += [p for p in _tree(template.parent) if p.suffix.lower() != ".yaml"]
    return found


def _plugin_file(name: str) -> Path | None:
    if name.endswith(".py") or "/" in name:
        return Path(name).expanduser()
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin else None


def _tree(root: Path) -> list[Path]:
    if not root.is_dir():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file())


def _digest(files: list[Path | None]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(str(getattr(file, "name", file)).encode() + b"\0")  # not the folder: installs differ
        if file is None:
            continue
        try:
            stat = os.stat(file)
        except OSError:
            digest.update(b"absent\0")
            continue
        if stat.st_size <= SMALL:
            try:
                digest.update(Path(file).read_bytes())
            except OSError:
                digest.update(b"unreadable\0")
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]
