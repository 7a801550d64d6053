"""Homographies that move pixels and polygons together.

Every geometric step is a 3x3 matrix: the same matrix warps the image (OpenCV) and
maps word and character polygons, so annotations cannot drift from the ink.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from textsynth.components.registry import DescribeFn, Registry
from textsynth.scene import Layer

_IDENTITY = np.eye(3)
_IDENTITY.flags.writeable = False


def translation(dx: float, dy: float) -> np.ndarray:
    # a copy of the identity with two entries set: half the time of np.array from nested lists, and
    # a sample builds ~15 of these
    m = _IDENTITY.copy()
    m[0, 2] = dx
    m[1, 2] = dy
    return m


def rotation_about(angle_deg: float, cx: float, cy: float) -> np.ndarray:
    """Counter-clockwise (as seen on screen) rotation about (cx, cy)."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    return translation(cx, cy) @ rot @ translation(-cx, -cy)


def map_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a homography to an (N, 2) array of points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = np.asarray(matrix, dtype=np.float64)
    homog = pts @ m[:, :2].T + m[:, 2]  # no (N, 3) homogeneous copy: this runs ~25 times a sample
    return homog[:, :2] / homog[:, 2:3]


def quad_homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    return cv2.getPerspectiveTransform(np.float32(src), np.float32(dst)).astype(np.float64)


def tilt_matrix(width: float, height: float, yaw: float, pitch: float, fov: float = 50.0) -> np.ndarray:
    """A plane of size width x height turned by yaw/pitch (degrees) and seen by a pinhole camera.

    Returned about the plane's centre (maps centred coordinates to centred coordinates),
    so it composes with rotation and placement without moving the block's middle.
    """
    f = 0.5 * max(width, height) / math.tan(math.radians(fov) / 2)
    y, p = math.radians(yaw), math.radians(pitch)
    cy, sy, cp, sp = math.cos(y), math.sin(y), math.cos(p), math.sin(p)
    hw, hh = width / 2, height / 2
    corners = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
    # Each corner (x, y, 0) turned by rot_x(pitch) @ rot_y(yaw), pushed f in front of the camera and
    # projected; written out in floats (the matrices' zero terms dropped), a third of the numpy version's
    # time, and the same homography (the corners go to OpenCV as float32)
    projected = []
    for x, yy in corners:
        pz = -cp * sy * x + sp * yy + f
        projected.append((f * (cy * x) / pz, f * (sp * sy * x + cp * yy) / pz))
    return quad_homography(np.array(corners), np.array(projected))


def bounding_box(points: np.ndarray) -> tuple[float, float, float, float]:
    pts = np.asarray(points).reshape(-1, 2)
    return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def min_area_quad(points: np.ndarray) -> np.ndarray:
    """Tightest rotated rectangle around points, as 4 corners clockwise from top-left."""
    rect = cv2.minAreaRect(np.float32(np.asarray(points).reshape(-1, 2)))
    box = cv2.boxPoints(rect).astype(np.float64)
    start = int(np.argmin(box[:, 0] + box[:, 1]))
    return np.roll(box, -start, axis=0)


# --- Global geometry: the whole poster seen at an angle -------------------------------------------

GEOMETRY = Registry("geometry")
GEOMETRY_KINDS: list[str] = GEOMETRY.names  # live: grows with register_geometry


def register_geometry(
    name: str,
    sample_fn: Callable[..., dict],
    matrix_fn: Callable[[np.ndarray, dict], np.ndarray],
    describe_fn: DescribeFn | None = None,
) -> None:
    """Add a global geometry step (a warp of the whole image) that templates and configs turn on by name.

    It fires only where a template or the config gives it a probability (`geometry: {name: p}`).
    Contract: `sample_fn(rng, width, height) -> dict` makes every random choice (put `surround`,
    "#rrggbb", in the params for the colour uncovered by the warp); `matrix_fn(image, params)` returns
    the 3x3 homography for an image of that size, which moves the pixels and every polygon alike;
    `describe_fn(params, lang) -> str | None` gives its caption phrase.
    """
    GEOMETRY.register(name, sample_fn, matrix_fn, describe_fn)


def sample_geometry(
    rng: np.random.Generator, width: int, height: int, probs: dict[str, float]
) -> list[Layer]:
    """Decide each geometry step with its probability, in name order, and sample those that fire.

    Built-in steps always draw their uniform (stable streams); registered ones only when enabled.
    """
    layers = []
    for name in sorted(GEOMETRY_KINDS):
        if name not in GEOMETRY.builtin and probs.get(name, 0.0) <= 0.0:
            continue
        if rng.random() < probs.get(name, 0.0):
            layers.append(Layer(name, GEOMETRY.get(name).sample(rng, width, height)))
    return layers


def geometry_matrix(layer: Layer, width: int, height: int) -> np.ndarray:
    """The homography of one sampled geometry step on a width x height image."""
    return GEOMETRY.get(layer.name).apply(np.empty((height, width, 0), np.uint8), layer.params)


def sample_perspective(rng: np.random.Generator, width: int, height: int, strength: float = 0.12) -> dict:
    """The poster as a quad inside the frame: corners pulled in by up to `strength` of the size."""
    dx = rng.uniform(0.0, strength, size=4) * width
    dy = rng.uniform(0.0, strength, size=4) * height
    dst = [[dx[0], dy[0]], [width - dx[1], dy[1]], [width - dx[2], height - dy[2]], [dx[3], height - dy[3]]]
    shade = int(rng.integers(20, 235))
    surround = f"#{shade:02x}{shade:02x}{shade:02x}"
    return {"corners": [[round(x, 2), round(y, 2)] for x, y in dst], "surround": surround}


def _perspective_matrix(image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    height, width = image.shape[:2]
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    return quad_homography(src, np.array(params["corners"], dtype=np.float64))


def sample_rotation(rng: np.random.Generator, width: int, height: int, max_deg: float = 8.0) -> dict:
    """A slightly rotated poster, scaled so its corners stay inside the frame."""
    angle = float(rng.uniform(-max_deg, max_deg))
    a = math.radians(abs(angle))
    scale = min(
        width / (width * math.cos(a) + height * math.sin(a)),
        height / (width * math.sin(a) + height * math.cos(a)),
    )
    shade = int(rng.integers(20, 235))
    return {
        "angle": round(angle, 3),
        "scale": round(scale, 5),
        "surround": f"#{shade:02x}{shade:02x}{shade:02x}",
    }


def _rotation_matrix(image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    height, width = image.shape[:2]
    cx, cy = width / 2, height / 2
    scale = np.diag([params["scale"], params["scale"], 1.0])
    return rotation_about(params["angle"], cx, cy) @ translation(cx, cy) @ scale @ translation(-cx, -cy)


def _phrase(zh: str, en: str) -> DescribeFn:
    return lambda params, lang: zh if lang == "zh" else en


register_geometry(
    "perspective", sample_perspective, _perspective_matrix, _phrase("以透视角度拍摄", "viewed at an angle")
)
register_geometry("rotation", sample_rotation, _rotation_matrix, _phrase("略微旋转", "slightly rotated"))
GEOMETRY.seal_builtins()


def warp_image(image: np.ndarray, matrix: np.ndarray, surround: tuple[int, int, int]) -> np.ndarray:
    """Warp an RGB image through `matrix`, filling what it uncovers with `surround`.

    OpenCV's warp has SIMD paths for 1 and 4 channels but not 3: going through RGBA is 2x faster
    at 1024² (a padding channel and back cost 0.3 ms) and gives the same bytes.
    """
    height, width = image.shape[:2]
    if image.ndim != 3 or image.shape[2] != 3:
        return cv2.warpPerspective(
            image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
            borderValue=surround,
        )  # fmt: skip
    rgba = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
    warped = cv2.warpPerspective(
        rgba, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
        borderValue=(*surround, 255),
    )  # fmt: skip
    return cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB)
