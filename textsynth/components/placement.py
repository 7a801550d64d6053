"""Placement: the whole design seen smaller, somewhere in the frame, as a sign or product in a photo is.

A geometry step (registered like any plug-in, so it draws numbers only where a template turns it on):
the design is scaled to 0.6-0.9 of the canvas, optionally turned a little on a plane (yaw/pitch), and
its centre put anywhere it fits. Its primary text moves with it, which fixed-layout genres (couplets,
road signs, menus) otherwise never do. What it uncovers shows the scene's backdrop (render/backdrop.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textsynth.components.geometry import GEOMETRY, map_points, register_geometry, tilt_matrix, translation
from textsynth.scene import Layer, TextItem

SCALE = (0.45, 0.85)  # of the canvas; the sampler raises it where a text would fall under MIN_TEXT_PX
MIN_TEXT_PX = (
    12  # smallest text size after placement: the sampler's own floor (legibility wants 10 after all geometry)
)
TILT_P = 0.5  # share of placements seen at a slight angle
MAX_YAW, MAX_PITCH = 18.0, 10.0  # degrees: a slight angle, the text stays frontal enough to read
ANCHOR_BETA = (0.45, 0.45)
MARGIN = 0.02  # of each side kept clear, so the design's edge and its shadow stay in the frame


def _shape(width: int, height: int, scale: float, yaw: float, pitch: float) -> np.ndarray:
    """The design about its own centre: canvas pixels -> offsets from the placed centre."""
    tilt = tilt_matrix(width, height, yaw, pitch)
    return np.diag([scale, scale, 1.0]) @ tilt @ translation(-width / 2, -height / 2)


def sample_placement(rng: np.random.Generator, width: int, height: int) -> dict[str, Any]:
    """Scale, optional tilt, and where in the room left over the design sits (0..1 each way)."""
    scale = float(rng.uniform(*SCALE))
    tilted = rng.random() < TILT_P
    yaw = float(rng.uniform(-MAX_YAW, MAX_YAW)) if tilted else 0.0
    pitch = float(rng.uniform(-MAX_PITCH, MAX_PITCH)) if tilted else 0.0
    # beta(0.45, 0.45) leans to the sides: a sign is as often near a photo's edge as in its middle
    anchor = (float(rng.beta(*ANCHOR_BETA)), float(rng.beta(*ANCHOR_BETA)))
    shade = int(rng.integers(20, 235))
    return placement_params(width, height, scale, yaw, pitch, anchor, f"#{shade:02x}{shade:02x}{shade:02x}")


def placement_params(
    width: int,
    height: int,
    scale: float,
    yaw: float,
    pitch: float,
    anchor: tuple[float, float],
    surround: str,
) -> dict[str, Any]:
    """The params of a placement, its centre worked out so the whole (tilted) design fits the frame.

    Deterministic, so the sampler can raise `scale` afterwards (at_least) without new random numbers.
    """
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    quad = map_points(corners, _shape(width, height, 1.0, yaw, pitch))
    # a tilted plane's near edge grows: shrink until the quad fits inside the margins
    room = 1 - 2 * MARGIN
    scale = min(scale, room * width / np.ptp(quad[:, 0]), room * height / np.ptp(quad[:, 1]))
    quad = quad * scale
    lo_x, hi_x = MARGIN * width - quad[:, 0].min(), (1 - MARGIN) * width - quad[:, 0].max()
    lo_y, hi_y = MARGIN * height - quad[:, 1].min(), (1 - MARGIN) * height - quad[:, 1].max()
    u, v = anchor
    return {
        "scale": round(float(scale), 4),
        "center": [
            round(float(lo_x + u * max(0.0, hi_x - lo_x)), 2),
            round(float(lo_y + v * max(0.0, hi_y - lo_y)), 2),
        ],
        "yaw": round(yaw, 2),
        "pitch": round(pitch, 2),
        "anchor": [round(u, 4), round(v, 4)],
        "surround": surround,
    }


def at_least(params: dict[str, Any], width: int, height: int, scale: float) -> dict[str, Any]:
    """The same placement with its scale raised to `scale` (where it fits): text stays readable."""
    if params["scale"] >= scale:
        return params
    anchor = (params["anchor"][0], params["anchor"][1])
    return placement_params(width, height, scale, params["yaw"], params["pitch"], anchor, params["surround"])


def keep_text_readable(geometry: list[Layer], texts: list[TextItem], width: int, height: int) -> None:
    """Raise each placement's scale, in place, so the smallest text stays at least MIN_TEXT_PX."""
    if not texts:
        return
    smallest = min(item.size_px for item in texts)
    for layer in geometry:
        if layer.name == "placement":
            layer.params = at_least(layer.params, width, height, MIN_TEXT_PX / smallest)


def _placement_matrix(image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    height, width = image.shape[:2]
    shape = _shape(width, height, params["scale"], params["yaw"], params["pitch"])
    return translation(*params["center"]) @ shape


def _describe_placement(params: dict[str, Any], lang: str) -> str | None:
    # only the angle is a fact worth saying; the backdrop describes itself (captions.py)
    if not params["yaw"] and not params["pitch"]:
        return None
    # not perspective's words: a caption report reading "透视" would look for that step
    return "从斜侧方拍摄" if lang == "zh" else "photographed from one side"


if "placement" not in GEOMETRY:
    register_geometry("placement", sample_placement, _placement_matrix, _describe_placement)
