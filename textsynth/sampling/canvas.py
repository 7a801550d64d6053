"""The canvas of one sample: its width and height, from the template's aspects or the run's `aspects`.

A template names the aspects its design suits (`canvas.aspects`); the render size is the pixel budget,
so every aspect keeps about its area. A run may override: `aspects: fixed` renders every template at
exactly the configured size, and a list of aspects re-shapes the templates whose layout adapts
(`layout: auto`); templates with hand-placed regions keep the aspects they were drawn for.
"""

from __future__ import annotations

import math

import numpy as np

from textsynth.config import RenderConfig, read_aspects
from textsynth.templates.schema import Template
from textsynth.validation import FieldReader

SIDE_STEP = 64  # sides are multiples of this, as image models' latent grids want


def template_aspects(template: Template, config: RenderConfig) -> list[float]:
    """The width / height ratios this template's samples draw from under `config`; empty = the fixed size."""
    run = config.aspects
    if not (run in ("template", "fixed") or (isinstance(run, list) and all(type(a) is float for a in run))):
        run = read_aspects(FieldReader("config"), run, ("aspects",))  # a config built in Python, unchecked
    if run == "fixed":
        return []
    if isinstance(run, list) and template.layout.auto is not None:
        return list(run)
    return list(template.aspects)


def canvas_size(template: Template, config: RenderConfig, rng: np.random.Generator) -> tuple[int, int]:
    """(width, height): one of the template's aspects at about the config's area, or the config's size."""
    aspects = template_aspects(template, config)
    if not aspects:
        return config.width, config.height
    aspect = aspects[int(rng.integers(len(aspects)))]
    area = config.width * config.height
    width = max(SIDE_STEP, round(math.sqrt(area * aspect) / SIDE_STEP) * SIDE_STEP)
    height = max(SIDE_STEP, round(math.sqrt(area / aspect) / SIDE_STEP) * SIDE_STEP)
    return width, height
