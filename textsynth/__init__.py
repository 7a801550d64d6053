"""textsynth: synthetic Chinese-text images with captions, as WebDataset shards.

The public API is what this module exports; names load on first use so the
command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "TextsynthError": "textsynth.errors",
    "RenderConfig": "textsynth.config",
    "Scene": "textsynth.scene",
    "TextItem": "textsynth.scene",
    "TextStyle": "textsynth.scene",
    "Fill": "textsynth.scene",
    "Layer": "textsynth.scene",
    "Decoration": "textsynth.scene",
    "Template": "textsynth.templates",
    "Slot": "textsynth.templates",
    "load_template": "textsynth.templates",
    "register_template": "textsynth.templates",
    "available_templates": "textsynth.templates",
    "Corpus": "textsynth.sources.corpus",
    "filler": "textsynth.sources.fillers",
    "register_filler": "textsynth.sources.fillers",
    "FontLibrary": "textsynth.sources.fonts",
    "register_background": "textsynth.components.backgrounds",
    "register_effect": "textsynth.components.effects",
    "register_decoration": "textsynth.components.decorations",
    "register_geometry": "textsynth.components.geometry",
    "render_scene": "textsynth.render.compose",
    "make_captions": "textsynth.captions",
    "Sample": "textsynth.pipeline",
    "build_context": "textsynth.pipeline",
    "make_sample": "textsynth.pipeline",
    "render_sample": "textsynth.pipeline",
    "rerender": "textsynth.pipeline",
    "run_render": "textsynth.run.runner",
    "hf_features": "textsynth.io.hf",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'textsynth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
