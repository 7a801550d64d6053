"""The world behind a warped design: a photo where a geometry step uncovers canvas, with a drop shadow.

Without it a rotated, tilted or placed design sits on a flat grey `surround`, which reads as a
sticker on nothing. The backdrop is a crop of a shipped (or --backgrounds) photo, sampled into plain
params kept in the Scene (`scene.backdrop`), so rerender draws the same pixels. The design is warped
once through RGBA (its alpha is where it covers the frame) and laid over the photo after a soft
shadow under its edge is darkened into it, all in uint8 at canvas size.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from textsynth.scene import Layer
from textsynth.sources.photos import Photo, render_photo_crop, sample_photo_crop

# subjects a sign, poster, menu or package is seen against; the rest (sky, water, nature, and indoor
# close-ups: cups from above, a wall clock, fruit in a bowl) only when the photo set has none of these
FITTING_SUBJECTS = ("wall", "building", "city", "texture")
# the shadow is soft, so it is blurred on a canvas shrunk this much, with at least a pixel of blur there
SHADOW_SHRINKS = (8, 4)


def sample_backdrop(
    rng: np.random.Generator, photos: Sequence[Photo], width: int, height: int
) -> Layer | None:
    """A photo crop and a shadow for the uncovered canvas, or None (flat surround) without photos."""
    if not photos:
        return None
    fitting = [p for p in photos if p.subject in FITTING_SUBJECTS] or list(photos)
    params = sample_photo_crop(rng, fitting[int(rng.integers(len(fitting)))], width, height)
    diagonal = float(np.hypot(width, height))
    angle = float(rng.uniform(45, 135))  # light from above: the shadow falls down, a little to one side
    distance = float(rng.uniform(0.004, 0.014)) * diagonal
    params["shadow"] = {
        "dx": round(distance * float(np.cos(np.radians(angle))), 2),
        "dy": round(distance * float(np.sin(np.radians(angle))), 2),
        "blur": round(float(rng.uniform(0.006, 0.02)) * diagonal, 2),
        "opacity": round(float(rng.uniform(0.35, 0.65)), 3),
    }
    # a shallow depth of field on half of them puts the design in front of the scene, not on it: the
    # photo drawn this many times smaller and enlarged (a blur that costs less than a sharp crop)
    params["defocus"] = round(float(rng.uniform(1.5, 3.0)), 2) if rng.random() < 0.5 else 0.0
    return Layer(name="photo", params=params)


def place_on_backdrop(design: np.ndarray, matrix: np.ndarray, backdrop: Layer) -> np.ndarray:
    """The design warped through `matrix` (every geometry step composed) and laid over the backdrop."""
    height, width = design.shape[:2]
    # transparent black outside: the warped colour comes out premultiplied by its coverage
    rgba = cv2.warpPerspective(
        cv2.cvtColor(design, cv2.COLOR_RGB2RGBA), matrix, (width, height), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0),
    )  # fmt: skip
    rgb, alpha = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB), np.ascontiguousarray(rgba[..., 3])
    back = _photo(backdrop.params, width, height)
    # the photo's share of each pixel: lit by the shadow, where the design does not cover it
    share = cv2.multiply(
        _shadow_gain(alpha, backdrop.params["shadow"]), cv2.bitwise_not(alpha), scale=1.0 / 255.0
    )
    out = cv2.multiply(back, cv2.merge([share, share, share]), scale=1.0 / 255.0)
    return cv2.add(out, rgb)


def _photo(params: dict, width: int, height: int) -> np.ndarray:
    """The backdrop crop at canvas size, drawn smaller and enlarged when it is out of focus."""
    defocus = params.get("defocus", 0.0)
    if not defocus:
        return render_photo_crop(params, width, height)
    small = render_photo_crop(params, max(1, round(width / defocus)), max(1, round(height / defocus)))
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def _shadow_gain(alpha: np.ndarray, shadow: dict) -> np.ndarray:
    """255 where the photo is fully lit, darker under the design's blurred, offset silhouette."""
    height, width = alpha.shape
    # an eighth of the canvas once the blur spans a pixel there: a 4x smaller map with a kernel half as
    # wide, ~1 ms less a backdrop at 1024² (a quarter for the sharpest shadows, which need the detail)
    k = next((k for k in SHADOW_SHRINKS if shadow["blur"] >= k), SHADOW_SHRINKS[-1])
    small_size = (max(1, width // k), max(1, height // k))
    small = cv2.resize(alpha, small_size, interpolation=cv2.INTER_AREA)
    shift = np.float32([[1, 0, shadow["dx"] / k], [0, 1, shadow["dy"] / k]])
    small = cv2.warpAffine(small, shift, small_size, flags=cv2.INTER_LINEAR, borderValue=0)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, shadow["blur"] / k))
    shade = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.convertScaleAbs(shade, alpha=-shadow["opacity"], beta=255)  # 255 - opacity * shade
