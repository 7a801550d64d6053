"""Homographies: each matrix moves points where its docstring says (pixels and polygons share them)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components.geometry import map_points, rotation_about, tilt_matrix, translation


@settings(max_examples=80, deadline=None)
@given(st.floats(-500, 500), st.floats(-500, 500), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_translation_moves_points_by_its_offset(dx, dy, x, y):
    m = translation(dx, dy)
    assert np.allclose(map_points(np.array([[x, y]]), m), [[x + dx, y + dy]])
    assert np.array_equal(translation(0, 0), np.eye(3))  # the shared identity is never written


def test_rotation_about_keeps_its_centre_and_turns_counter_clockwise_on_screen():
    m = rotation_about(90.0, 100.0, 50.0)
    assert np.allclose(map_points(np.array([[100.0, 50.0]]), m), [[100.0, 50.0]])
    # y grows downwards: a point right of the centre goes up (smaller y) when turned counter-clockwise
    assert np.allclose(map_points(np.array([[110.0, 50.0]]), m), [[100.0, 40.0]])


def _pinhole(width, height, yaw, pitch, fov=50.0):
    """The corners of a centred width x height plane turned by yaw then pitch, seen by a pinhole camera."""
    f = 0.5 * max(width, height) / math.tan(math.radians(fov) / 2)
    y, p = math.radians(yaw), math.radians(pitch)
    rot_y = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rot_x = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [width / 2, height / 2]
    cam = np.c_[corners, np.zeros(4)] @ (rot_x @ rot_y).T + [0, 0, f]
    return corners, f * cam[:, :2] / cam[:, 2:]


@settings(max_examples=80, deadline=None)
@given(st.floats(8, 1500), st.floats(8, 1500), st.floats(-45, 45), st.floats(-45, 45))
def test_tilt_matrix_is_the_pinhole_view_of_the_turned_plane(width, height, yaw, pitch):
    corners, seen = _pinhole(width, height, yaw, pitch)
    m = tilt_matrix(width, height, yaw, pitch)
    scale = max(width, height)
    assert np.abs(map_points(corners, m) - seen).max() < 1e-4 * scale  # OpenCV solves it in float32
    assert np.allclose(map_points(np.zeros((1, 2)), m), 0, atol=1e-4 * scale)  # the middle stays put
    if yaw == 0 and pitch == 0:
        assert np.allclose(m, np.eye(3), atol=1e-6)
