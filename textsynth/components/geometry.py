"""Homographies that move pixels and polygons together.

Every geometric step is a 3x3 matrix: the same matrix warps the image (OpenCV) and
maps word and character polygons, so annotations cannot drift from the ink.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from textsynth.scene import Layer


def translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def rotation_about(angle_deg: float, cx: float, cy: float) -> np.ndarray:
    """Counter-clockwise (as seen on screen) rotation about (cx, cy)."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    return translation(cx, cy) @ rot @ translation(-cx, -cy)


def map_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a homography to an (N, 2) array of points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    homog = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(matrix, dtype=np.float64).T
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
    rot_y = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rot_x = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rot = rot_x @ rot_y
    corners = np.array(
        [
            [-width / 2, -height / 2],
            [width / 2, -height / 2],
            [width / 2, height / 2],
            [-width / 2, height / 2],
        ]
    )
    projected = []
    for x, yy in corners:
        px, py, pz = rot @ np.array([x, yy, 0.0]) + np.array([0.0, 0.0, f])
        projected.append([f * px / pz, f * py / pz])
    return quad_homography(corners, np.array(projected))


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


def sample_perspective(rng: np.random.Generator, width: int, height: int, strength: float = 0.12) -> Layer:
    """The poster as a quad inside the frame: corners pulled in by up to `strength` of the size."""
    dx = rng.uniform(0.0, strength, size=4) * width
    dy = rng.uniform(0.0, strength, size=4) * height
    dst = [[dx[0], dy[0]], [width - dx[1], dy[1]], [width - dx[2], height - dy[2]], [dx[3], height - dy[3]]]
    shade = int(rng.integers(20, 235))
    surround = f"#{shade:02x}{shade:02x}{shade:02x}"
    return Layer(
        "perspective", {"corners": [[round(x, 2), round(y, 2)] for x, y in dst], "surround": surround}
    )


def sample_rotation(rng: np.random.Generator, width: int, height: int, max_deg: float = 8.0) -> Layer:
    """A slightly rotated poster, scaled so its corners stay inside the frame."""
    angle = float(rng.uniform(-max_deg, max_deg))
    a = math.radians(abs(angle))
    scale = min(
        width / (width * math.cos(a) + height * math.sin(a)),
        height / (width * math.sin(a) + height * math.cos(a)),
    )
    shade = int(rng.integers(20, 235))
    return Layer(
        "rotation",
        {
            "angle": round(angle, 3),
            "scale": round(scale, 5),
            "surround": f"#{shade:02x}{shade:02x}{shade:02x}",
        },
    )


def geometry_matrix(layer: Layer, width: int, height: int) -> np.ndarray:
    params: dict[str, Any] = layer.params
    if layer.name == "perspective":
        src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
        return quad_homography(src, np.array(params["corners"], dtype=np.float64))
    if layer.name == "rotation":
        cx, cy = width / 2, height / 2
        scale = np.diag([params["scale"], params["scale"], 1.0])
        return rotation_about(params["angle"], cx, cy) @ translation(cx, cy) @ scale @ translation(-cx, -cy)
    raise ValueError(f"unknown geometry {layer.name!r}")


GEOMETRY_SAMPLERS = {"perspective": sample_perspective, "rotation": sample_rotation}


def warp_image(image: np.ndarray, matrix: np.ndarray, surround: tuple[int, int, int]) -> np.ndarray:
    height, width = image.shape[:2]
    return cv2.warpPerspective(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=surround,
    )
