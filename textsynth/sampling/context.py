"""What sampling needs per worker (corpus, fonts, templates, photos) and what it hands the renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from textsynth.config import RenderConfig
from textsynth.sampling.balance import CharBalance
from textsynth.scene import Scene
from textsynth.sources.corpus import Corpus
from textsynth.sources.fonts import FontLibrary
from textsynth.sources.glyphs import SizedFace, get_face
from textsynth.sources.photos import Photo
from textsynth.templates import Template


@dataclass
class RenderContext:
    """What every sample needs, built once per worker process."""

    config: RenderConfig
    corpus: Corpus
    fonts: FontLibrary
    templates: list[Template]
    template_weights: np.ndarray
    photos: list[Photo] = field(default_factory=list)  # background photos: the shipped set and --backgrounds
    image_files: list[str] = field(
        default_factory=list
    )  # ids of --backgrounds photos, for image_patch decorations
    blocked: frozenset[str] = frozenset()  # terms no sample text may contain (config.blocklist)
    balance: CharBalance | None = None  # config.char_balance, worked out for this corpus and templates

    def load_font(self, face_id: str, size_px: int) -> SizedFace:
        return get_face(self.fonts.face(face_id), size_px)


@dataclass
class SampledScene:
    scene: Scene
    base: np.ndarray | None  # background + decorations, reused by the renderer
    skipped_words: list[str] = field(default_factory=list)  # primary words no font could set
    blocked_texts: int = 0  # drawn texts redrawn because they held a blocklisted term
