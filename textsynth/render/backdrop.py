"""The world behind a warped design: a photo where a geometry step uncovers canvas, with a drop shadow.

Without it a rotated, tilted or placed design sits on a flat grey `surround`, which reads as a
sticker on nothing. The backdrop is a crop of a shipped (or --backgrounds) photo, sampled into plain
params kept in the Scene (`scene.backdrop`), so rerender draws the same pixels. The design is warped
once through RGBA (its alpha is where it covers the frame) and laid over the photo after a soft
shadow under its edge is darkened into it, all in uint8, and only inside the boxes the design and
its shadow reach: outside them the photo shows as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from textsynth.scene import Layer
from textsynth.sources.photos import Box, Photo, boxes_around, render_photo_crop, sample_photo_crop

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
    photo = fitting[int(rng.integers(len(fitting)))]
    # a shallow depth of field on half of them puts the design in front of the scene, not on it: the
    # photo drawn this many times smaller and enlarged (a blur that costs less than a sharp crop); the
    # crop frames the photo as for the canvas, and is a window of a stored level at the drawn size
    defocus = round(float(rng.uniform(1.5, 3.0)), 2) if rng.random() < 0.5 else 0.0
    params = sample_photo_crop(rng, photo, width, height, _drawn_size(width, height, defocus))
    diagonal = float(np.hypot(width, height))
    angle = float(rng.uniform(45, 135))  # light from above: the shadow falls down, a little to one side
    distance = float(rng.uniform(0.004, 0.014)) * diagonal
    params["shadow"] = {
        "dx": round(distance * float(np.cos(np.radians(angle))), 2),
        "dy": round(distance * float(np.sin(np.radians(angle))), 2),
        "blur": round(float(rng.uniform(0.006, 0.02)) * diagonal, 2),
        "opacity": round(float(rng.uniform(0.35, 0.65)), 3),
    }
    params["defocus"] = defocus
    return Layer(name="photo", params=params)


def place_on_backdrop(design: np.ndarray, matrix: np.ndarray, backdrop: Layer) -> np.ndarray:
    """The design warped through `matrix` (every geometry step composed) and laid over the backdrop.

    Only the boxes the design and its shadow reach are touched: elsewhere the photo shows as it is.
    Where the design wholly covers the frame (`_covered`) its colour is written as it is: the photo's
    share there is nought, so those pixels skip the shadow's and the photo's passes (same bytes).
    """
    height, width = design.shape[:2]
    shadow = backdrop.params["shadow"]
    k = _shadow_shrink(shadow)
    x0, y0, x1, y1 = _reach(matrix, width, height, k)
    if x0 >= x1 or y0 >= y1:  # the design is wholly outside the frame
        return _photo(backdrop.params, width, height)
    # transparent black outside: the warped colour comes out premultiplied by its coverage
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ matrix
    rgba = _warp(cv2.cvtColor(design, cv2.COLOR_RGB2RGBA), shift, (x1 - x0, y1 - y0))
    inside = _covered(matrix, width, height, rgba[..., 3], (x0, y0))
    # the design's coverage is read only outside the whole shadow blocks inside that box (255 there)
    solid = _whole_blocks(inside, k) if inside and not (width % k or height % k) else None
    alphas = [
        ((px0, py0, px1, py1), cv2.extractChannel(rgba[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0], 3))
        for py0, py1, px0, px1 in boxes_around(solid or (0, 0, 0, 0), (x0, y0, x1, y1))
    ]
    out = _photo(backdrop.params, width, height, inside)
    small, (sx0, sy0, sx1, sy1) = _shadow_gain(alphas, solid, shadow, k, width, height)
    sx0, sy0, sx1, sy1 = min(sx0, x0), min(sy0, y0), max(sx1, x1), max(sy1, y1)
    # the photo's share of each pixel: lit by the shadow, where the design does not cover it (the
    # covered box is never read, so the solid blocks inside it are left as they are)
    share = _enlarged(small, (sx0, sy0, sx1, sy1), width, height)
    for (px0, py0, px1, py1), alpha in alphas:
        under = share[py0 - sy0 : py1 - sy0, px0 - sx0 : px1 - sx0]
        cv2.multiply(under, cv2.bitwise_not(alpha), dst=under, scale=1.0 / 255.0)
    for py0, py1, px0, px1 in boxes_around(inside or (0, 0, 0, 0), (sx0, sy0, sx1, sy1)):
        lit = out[py0:py1, px0:px1]
        part = share[py0 - sy0 : py1 - sy0, px0 - sx0 : px1 - sx0]
        cv2.multiply(lit, cv2.cvtColor(part, cv2.COLOR_GRAY2RGB), dst=lit, scale=1.0 / 255.0)
        cy0, cy1, cx0, cx1 = max(py0, y0), min(py1, y1), max(px0, x0), min(px1, x1)
        if cy0 < cy1 and cx0 < cx1:  # this part meets the design's box: add its (premultiplied) colour
            covered = out[cy0:cy1, cx0:cx1]
            colour = rgba[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
            cv2.add(covered, cv2.cvtColor(colour, cv2.COLOR_RGBA2RGB), dst=covered)
    if inside:
        ix0, iy0, ix1, iy1 = inside
        cv2.cvtColor(
            rgba[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0], cv2.COLOR_RGBA2RGB, dst=out[iy0:iy1, ix0:ix1]
        )
    return out


def _covered(
    matrix: np.ndarray, width: int, height: int, alpha: np.ndarray, at: tuple[int, int]
) -> Box | None:
    """A box (x0, y0, x1, y1) of the frame the warped design covers wholly (`alpha`, its coverage in
    the box at `at`, is 255 there), or None.

    A frame pixel is covered when the design point it samples has all four bilinear neighbours in the
    design: inside the image of [0, W-1] x [0, H-1], a convex quad. Its second-smallest and
    second-largest corner coordinates bound a box inside it while each side is within 45 degrees of
    the frame's (a pixel's margin for the warp's rounding); `alpha` (the box at `at`) must be 255 all
    round that box's edge, which for a convex quad means inside it too, or there is none.
    """
    corners = np.array([[[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]], np.float64)
    quad = cv2.perspectiveTransform(corners, matrix)[0]
    xs, ys = np.sort(quad[:, 0]), np.sort(quad[:, 1])
    ax, ay = at
    box_h, box_w = alpha.shape
    x0, x1 = max(ax, math.ceil(xs[1]) + 1), min(ax + box_w, math.floor(xs[2]))
    y0, y1 = max(ay, math.ceil(ys[1]) + 1), min(ay + box_h, math.floor(ys[2]))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    edge = alpha[y0 - ay : y1 - ay, x0 - ax : x1 - ax]
    if min(edge[0].min(), edge[-1].min(), edge[:, 0].min(), edge[:, -1].min()) < 255:
        return None
    return x0, y0, x1, y1


def _whole_blocks(box: Box | None, k: int) -> Box | None:
    """The k x k blocks (on the frame's grid) wholly inside `box`, as a box; None if there are none."""
    if box is None:
        return None
    x0, y0, x1, y1 = -(-box[0] // k) * k, -(-box[1] // k) * k, box[2] // k * k, box[3] // k * k
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _warp(rgba: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """warpPerspective, or warpAffine when the matrix has no perspective (placements and rotations
    without a tilt): the same bytes without a division per pixel, ~7% less."""
    options = dict(flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    if matrix[2, 0] == 0 and matrix[2, 1] == 0 and matrix[2, 2] == 1:
        return cv2.warpAffine(rgba, matrix[:2], size, **options)
    return cv2.warpPerspective(rgba, matrix, size, **options)


def _shadow_shrink(shadow: dict) -> int:
    """How many times smaller the shadow is blurred: an eighth of the canvas once the blur spans a pixel
    there (a 4x smaller map with a kernel half as wide, ~1 ms less a backdrop at 1024²), a quarter for
    the sharpest shadows, which need the detail."""
    return next((k for k in SHADOW_SHRINKS if shadow["blur"] >= k), SHADOW_SHRINKS[-1])


def _reach(matrix: np.ndarray, width: int, height: int, k: int = 1) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) of the frame that the warped design can reach, clipped to it: the
    image of the design's pixels with their bilinear footprint, and a pixel to spare for rounding.
    Its sides fall on multiples of `k` (where the frame's do), so the shadow's k x k blocks are whole."""
    corners = np.array([[[-1, -1], [width, -1], [width, height], [-1, height]]], np.float64)
    reach = cv2.perspectiveTransform(corners, matrix)[0]
    (lo_x, lo_y), (hi_x, hi_y) = reach.min(axis=0), reach.max(axis=0)
    return (
        max(0, (math.floor(lo_x) - 1) // k * k),
        max(0, (math.floor(lo_y) - 1) // k * k),
        min(width, -(-(math.ceil(hi_x) + 2) // k) * k),
        min(height, -(-(math.ceil(hi_y) + 2) // k) * k),
    )


def _photo(params: dict, width: int, height: int, hidden: Box | None = None) -> np.ndarray:
    """The backdrop crop at canvas size, drawn smaller and enlarged when it is out of focus; pixels
    in the box `hidden` (the design covers them) may be left unfinished."""
    defocus = params.get("defocus", 0.0)
    if not defocus:
        return render_photo_crop(params, width, height, hidden)
    small = render_photo_crop(params, *_drawn_size(width, height, defocus))
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def _drawn_size(width: int, height: int, defocus: float) -> tuple[int, int]:
    """The size a backdrop's photo is drawn at: the canvas, or `defocus` times smaller (then enlarged)."""
    if not defocus:
        return width, height
    return max(1, round(width / defocus)), max(1, round(height / defocus))


def _shadow_gain(
    alphas: list[tuple[Box, np.ndarray]], solid: Box | None, shadow: dict, k: int, width: int, height: int
) -> tuple[np.ndarray, Box]:
    """255 where the photo is fully lit, darker under the design's blurred, offset silhouette, on the
    small map (`_enlarged` brings a box of it to frame size); and the frame's box (x0, y0, x1, y1)
    outside which it is all 255. `alphas` are the design's coverage in boxes of the frame (nothing
    covers it outside them), `solid` a box of whole k x k blocks it covers wholly; blurred on a k
    times smaller map."""
    small_size = (max(1, width // k), max(1, height // k))
    if width % k or height % k:  # blocks at the frame's edge are partial: area-average the whole frame
        full = np.zeros((height, width), np.uint8)
        for (x0, y0, x1, y1), alpha in alphas:
            full[y0:y1, x0:x1] = alpha
        small = cv2.resize(full, small_size, interpolation=cv2.INTER_AREA)
    else:  # the boxes' sides are on the blocks' (see _reach, _whole_blocks): average just their blocks
        small = np.zeros(small_size[::-1], np.uint8)
        for (x0, y0, x1, y1), alpha in alphas:
            small[y0 // k : y1 // k, x0 // k : x1 // k] = cv2.resize(
                alpha, ((x1 - x0) // k, (y1 - y0) // k), interpolation=cv2.INTER_AREA
            )
        if solid:
            small[solid[1] // k : solid[3] // k, solid[0] // k : solid[2] // k] = 255
    shift = np.float32([[1, 0, shadow["dx"] / k], [0, 1, shadow["dy"] / k]])
    small = cv2.warpAffine(small, shift, small_size, flags=cv2.INTER_LINEAR, borderValue=0)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, shadow["blur"] / k))
    # 255 - opacity * shade, on the small map: the enlarging is linear, so it commutes (to rounding)
    gain = cv2.convertScaleAbs(small, alpha=-shadow["opacity"], beta=255)
    x, y, w, h = cv2.boundingRect(small)  # of its nonzero pixels
    if not w:
        return gain, (width, height, 0, 0)
    # a small pixel is blended into the full pixels whose centres lie within one small pixel of its own
    scale_x, scale_y = width / small_size[0], height / small_size[1]
    return gain, (
        max(0, math.floor((x - 1) * scale_x)),
        max(0, math.floor((y - 1) * scale_y)),
        min(width, math.ceil((x + w + 1) * scale_x) + 1),
        min(height, math.ceil((y + h + 1) * scale_y) + 1),
    )


def _enlarged(small: np.ndarray, box: tuple[int, int, int, int], width: int, height: int) -> np.ndarray:
    """The box (x0, y0, x1, y1) of `small` enlarged to the frame, as its own array: the very bytes of
    the whole map's enlarging, without its other pixels (~0.08 ms less a backdrop at 1024²).

    With a whole factor k, frame pixel x samples the small map at (x + 0.5) / k - 0.5 whatever the
    window, so the window of small pixels the box reads (one more on each side, for the bilinear
    neighbours) enlarged k times and cut to the box is the same; other factors enlarge the whole map.
    """
    x0, y0, x1, y1 = box
    small_h, small_w = small.shape
    kx, ky = width // small_w, height // small_h
    if kx * small_w != width or ky * small_h != height:
        return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)[y0:y1, x0:x1].copy()
    wx0, wy0 = max(0, x0 // kx - 1), max(0, y0 // ky - 1)
    wx1, wy1 = min(small_w, -(-x1 // kx) + 1), min(small_h, -(-y1 // ky) + 1)
    window = small[wy0:wy1, wx0:wx1]
    big = cv2.resize(window, ((wx1 - wx0) * kx, (wy1 - wy0) * ky), interpolation=cv2.INTER_LINEAR)
    return big[y0 - wy0 * ky : y1 - wy0 * ky, x0 - wx0 * kx : x1 - wx0 * kx]
