"""One registry type for backgrounds, decorations, geometry and effects (textsynth/components/registry.py)."""

from __future__ import annotations

import numpy as np
import pytest

import textsynth
from tests.conftest import registrations_undone
from textsynth.components.backgrounds import BACKGROUNDS
from textsynth.components.decorations import DECORATIONS, draw_decorations, sample_decoration
from textsynth.components.effects import EFFECTS
from textsynth.components.geometry import GEOMETRY
from textsynth.errors import TextsynthError
from textsynth.pipeline import make_sample

REGISTRIES = {"background": BACKGROUNDS, "decoration": DECORATIONS, "geometry": GEOMETRY, "effect": EFFECTS}


@pytest.mark.parametrize("kind", sorted(REGISTRIES))
def test_every_kind_registers_alike_and_refuses_a_taken_name(kind):
    registry = REGISTRIES[kind]
    register = getattr(textsynth, f"register_{kind}")
    taken = registry.names[0]
    with pytest.raises(TextsynthError, match=f"{kind} {taken!r} is already registered"):
        register(taken, lambda rng, w, h, **_: {}, lambda target, params, *_: target)
    with pytest.raises(TextsynthError, match=f"{kind} kind must be one of {taken}, "):
        registry.get("no_such_kind")
    assert taken in registry.builtin and set(registry.builtin) <= set(registry.names)


def test_registering_kinds_changes_no_existing_run(ctx):
    before = make_sample(ctx, 3)
    with registrations_undone():
        textsynth.register_decoration(
            "dot", lambda rng, w, h, **_: {"r": float(rng.random())}, lambda m, p, b: None
        )
        textsynth.register_geometry(
            "flip", lambda rng, w, h: {"k": float(rng.random())}, lambda im, p: np.eye(3)
        )
        textsynth.register_effect("fade", lambda rng, w, h: {"k": float(rng.random())}, lambda im, p: im)
        after = make_sample(ctx, 3)
    assert np.array_equal(before.image, after.image) and before.record() == after.record()


def test_a_registered_decoration_draws_its_mask_in_its_colour():
    def apply_bar(mask, params, box):
        x0, y0, _, y1 = (round(v) for v in box)
        mask[y0:y1, x0 : x0 + params["width"]] = 255

    with registrations_undone():
        textsynth.register_decoration("bar", lambda rng, w, h, **_: {"width": 2}, apply_bar)
        deco = sample_decoration(np.random.default_rng(0), "bar", (4, 4, 12, 12), ["#ff0000"])
        out = draw_decorations(np.zeros((16, 16, 3), np.uint8), [deco])
    assert deco.color == "#ff0000" and deco.params == {"width": 2}
    assert (out[4:12, 4:6] == [255, 0, 0]).all() and out[:, 6:].sum() == 0 and out[:4].sum() == 0


def test_describe_puts_plugin_effects_in_captions_and_built_ins_keep_their_words():
    assert EFFECTS.describe_both("vignette", {}) == ("四周带暗角", "with a dark vignette")
    assert EFFECTS.describe("directional_light", {"angle": 90.0}, "en") == "lit from the bottom"
    assert GEOMETRY.describe_both("rotation", {}) == ("略微旋转", "slightly rotated")
    assert DECORATIONS.describe_both("badge", {}) is None  # decorations are not mentioned
