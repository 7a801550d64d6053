"""Sample.encode: the fast JPEG paths write exactly the bytes Pillow writes from Image.fromarray."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from textsynth import pipeline
from textsynth.pipeline import jpeg_bytes, jpeg_image, make_sample


def _fromarray_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_rendered_samples_encode_to_fromarrays_jpeg(ctx):
    for index in range(6):
        sample = make_sample(ctx, index)
        assert sample.encode("jpg") == _fromarray_jpeg(sample.image, sample.scene.jpeg_quality)


@settings(max_examples=25)
@given(st.integers(1, 70), st.integers(1, 70), st.integers(30, 100), st.booleans(), st.integers(0, 2**32 - 1))
def test_any_rgb_array_encodes_as_fromarray_does(height, width, quality, strided, seed):
    """Odd sizes, views that are not contiguous (a crop of a larger image): the RGBX buffer Pillow reads
    in place gives fromarray's bytes at every quality."""
    pixels = np.random.default_rng(seed).integers(
        0, 256, (height, width * (2 if strided else 1), 3), np.uint8
    )
    if strided:
        pixels = pixels[:, ::2]
    buffer = io.BytesIO()
    jpeg_image(pixels).save(buffer, format="JPEG", quality=quality)
    assert buffer.getvalue() == _fromarray_jpeg(pixels, quality)


def test_opencv_writes_pillows_jpeg_in_this_install():
    """The probe that lets cv2.imencode stand in for Pillow passes here (else every JPEG takes Pillow's
    slower path: same bytes, but the speed is lost without a word)."""
    assert pipeline._opencv_writes_pillows_jpeg()


@settings(max_examples=40)
@given(
    st.integers(1, 90), st.integers(1, 90), st.integers(1, 100), st.booleans(), st.integers(0, 2**32 - 1),
    st.sampled_from(["noise", "flat", "smooth"]),
)  # fmt: skip
def test_jpeg_bytes_are_fromarrays_at_every_quality_either_way(height, width, quality, strided, seed, kind):
    """OpenCV's encoder and, where the probe fails, Pillow's own give fromarray's bytes: odd sizes, crops of
    larger images, noise, flat colour and smooth gradients, qualities 1-100."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (height, width * (2 if strided else 1), 3), np.uint8)
    if kind == "flat":
        pixels[:] = rng.integers(0, 256, 3, np.uint8)
    elif kind == "smooth":
        pixels = np.cumsum(pixels // 16, axis=1, dtype=np.uint16).astype(np.uint8)
    if strided:
        pixels = pixels[:, ::2]
    expected = _fromarray_jpeg(pixels, quality)
    assert jpeg_bytes(pixels, quality) == expected
    cached = pipeline._opencv_writes_pillows_jpeg
    pipeline._opencv_writes_pillows_jpeg = lambda: False
    try:
        assert jpeg_bytes(pixels, quality) == expected
    finally:
        pipeline._opencv_writes_pillows_jpeg = cached


@settings(max_examples=60)
@given(
    st.integers(0, 2**63 - 1),
    st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=1, max_size=60).filter(lambda w: sum(w) > 0),
)
def test_template_index_is_generator_choices_draw(seed, raw_weights):
    """The template each sample gets, and every draw after it, are what rng.choice(p=weights) gave."""
    from textsynth.pipeline import template_index

    weights = np.array(raw_weights) / np.sum(raw_weights)
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(5):
        assert template_index(ours, weights) == int(numpys.choice(len(weights), p=weights))
    assert ours.random() == numpys.random()
