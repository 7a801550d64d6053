"""Photo backgrounds: the shipped manifest, user folders, and crops that are in bounds and reproducible."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import hashlib
import io
import itertools
import json
import math
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from textsynth.errors import TextsynthError
from textsynth.sources import photo_levels as L
from textsynth.sources import photos as P

REPO = Path(__file__).resolve().parent.parent
NEUTRAL = {"flip": False, "brightness": 1.0, "contrast": 1.0, "saturation": 1.0, "hue": 0.0}


def _write_photo(path: Path, width: int = 320, height: int = 200) -> Path:
    """A small real photo when the Debian set is installed, else a colourful gradient."""
    source = "/usr/share/backgrounds/mate/nature/LadyBird.jpg"
    if os.path.isfile(source):
        with Image.open(source) as im:
            im = im.convert("RGB").resize((width, height), Image.LANCZOS)
    else:
        y, x = np.mgrid[0:height, 0:width]
        rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)], -1)
        im = Image.fromarray(rgb.astype(np.uint8))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    return path


def _photo(path: Path) -> P.Photo:
    width, height = P.read_photo_size(path)
    photo = P.Photo(id=f"test-{path.stem}", file=str(path), width=width, height=height)
    P.register_photos([photo])
    return photo


def _params(photo: P.Photo, **changes) -> dict:
    params = {"photo": photo.id, "photo_size": [photo.width, photo.height]}
    params.update(crop=[0, 0, photo.width, photo.height], **NEUTRAL)
    params.update(changes)
    return params


# --------------------------------------------------------------------------- manifest


def test_shipped_manifest_lists_real_photos_with_licence_and_captions():
    photos = P.load_manifest()
    assert len(photos) >= 40
    assert len({p.id for p in photos}) == len(photos)
    for photo in photos:
        assert photo.subject in P.SUBJECTS
        assert photo.license and photo.license != "unknown"
        assert photo.package and os.path.isabs(photo.file)
        assert photo.caption_zh and photo.caption_en
        assert len(photo.sha256) == 64
    assert {"city", "building", "indoor", "nature", "sky", "water"} <= {p.subject for p in photos}


def test_installed_photos_match_their_recorded_sha256_and_size():
    found = P.load_photos()
    if not found.photos:
        pytest.skip("no photo package is installed (scripts/setup_photos_snippet.sh)")
    assert P.verify_photos(found.photos) == {}
    for photo in found.photos[:5]:
        assert P.read_photo_size(photo.file) == (photo.width, photo.height)


def _manifest(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "photos.yaml"
    path.write_text("# test manifest\nphotos:\n" + entry, encoding="utf-8")
    return path


GOOD = """\
  - id: wall-one
    file: wall.jpg
    width: 320
    height: 200
    subject: wall
    license: CC0-1.0
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("subject: wall", "subject: street", ":7: photos.0.subject: must be one of city, building, wall"),
        ("width: 320", "width: wide", ":5: photos.0.width: must be the image's size in pixels"),
        (
            "license: CC0-1.0",
            "licence: CC0-1.0",
            ":8: photos.0.licence: unknown field; valid fields: id, file",
        ),
        ("    license: CC0-1.0\n", "", ":3: photos.0: field 'license' is missing"),
        ("id: wall-one", "id: Wall One", ":3: photos.0.id: must be a short lowercase name"),
        ("file: wall.jpg", "file: wall.gif", ":4: photos.0.file: must be the path of an image file"),
    ],
)
def test_malformed_entry_names_file_line_and_field(tmp_path, old, new, expected):
    path = _manifest(tmp_path, GOOD.replace(old, new))
    with pytest.raises(TextsynthError) as err:
        P.load_manifest(path)
    assert str(err.value).startswith(str(path) + expected)


def test_repeated_id_and_bad_yaml_are_reported(tmp_path):
    with pytest.raises(
        TextsynthError, match=r"photos.yaml:9: photos.1.id: must be unique, 'wall-one' repeats"
    ):
        P.load_manifest(_manifest(tmp_path, GOOD + GOOD))
    with pytest.raises(TextsynthError, match=r"photos.yaml:4: malformed YAML"):
        P.load_manifest(_manifest(tmp_path, "  - id: [unclosed\n"))


def test_missing_file_is_set_aside_with_the_apt_get_line(tmp_path):
    _write_photo(tmp_path / "wall.jpg")
    absent = GOOD.replace("wall-one", "gone").replace("wall.jpg", "/nonexistent/gone.jpg")
    path = _manifest(tmp_path, GOOD + absent + "    package: mate-backgrounds\n")
    found = P.load_photos(path)
    assert [p.id for p in found.photos] == ["wall-one"]
    assert found.photos[0].file == str(tmp_path / "wall.jpg")  # relative to the manifest
    (missing,) = found.missing
    assert missing.photo.id == "gone"
    assert "sudo apt-get install mate-backgrounds" in missing.reason


def test_a_file_whose_size_changed_is_set_aside(tmp_path):
    _write_photo(tmp_path / "wall.jpg", 300, 200)
    found = P.load_photos(_manifest(tmp_path, GOOD))
    assert not found.photos
    assert "is 300x200, the manifest says 320x200" in found.missing[0].reason


# --------------------------------------------------------------------------- user folders


def test_scan_finds_photos_recursively_with_their_sizes(tmp_path):
    _write_photo(tmp_path / "a.jpg", 64, 48)
    _write_photo(tmp_path / "sub" / "b.png", 40, 30)
    _write_photo(tmp_path / "sub" / "deeper" / "c.webp", 50, 20)
    (tmp_path / "notes.txt").write_text("not a photo")
    photos = P.scan_photo_folder(tmp_path)
    assert [(p.id, p.width, p.height) for p in photos] == [
        ("a", 64, 48),
        ("sub-b", 40, 30),
        ("sub-deeper-c", 50, 20),
    ]


def test_scan_reports_every_corrupt_file_by_name(tmp_path):
    _write_photo(tmp_path / "good.jpg", 64, 48)
    png = _write_photo(tmp_path / "cut.png", 64, 48).read_bytes()
    (tmp_path / "cut.png").write_bytes(png[: len(png) // 2])
    (tmp_path / "text.jpg").write_text("this is not a JPEG")
    with pytest.raises(TextsynthError) as err:
        P.scan_photo_folder(tmp_path)
    message = str(err.value)
    assert "2 of 3 images cannot be read" in message
    assert str(tmp_path / "cut.png") in message and str(tmp_path / "text.jpg") in message
    assert "good.jpg" not in message


def test_scan_of_an_empty_or_absent_folder_says_so(tmp_path):
    with pytest.raises(TextsynthError, match="has no images"):
        P.scan_photo_folder(tmp_path)
    with pytest.raises(TextsynthError, match="does not exist"):
        P.scan_photo_folder(tmp_path / "nope")


def test_exif_rotated_jpeg_reports_and_renders_upright(tmp_path):
    path = _write_photo(tmp_path / "src.jpg", 80, 40)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    with Image.open(path) as im:
        im.save(tmp_path / "turned.jpg", exif=exif)
    photo = _photo(tmp_path / "turned.jpg")
    assert (photo.width, photo.height) == (40, 80)
    assert P.render_photo_crop(_params(photo), 40, 80).shape == (80, 40, 3)


# --------------------------------------------------------------------------- crops


@settings(max_examples=300, deadline=None)
@given(
    photo_w=st.integers(1, 8000),
    photo_h=st.integers(1, 8000),
    width=st.integers(1, 2048),
    height=st.integers(1, 2048),
    seed=st.integers(0, 2**32 - 1),
    defocus=st.sampled_from([0.0, 1.5, 2.7]),
)
def test_crop_stays_inside_the_photo_and_is_plain_json(photo_w, photo_h, width, height, seed, defocus):
    photo = P.Photo(id="p", file="/x.jpg", width=photo_w, height=photo_h, license="CC0-1.0")
    drawn = (max(1, round(width / defocus)), max(1, round(height / defocus))) if defocus else None
    params = P.sample_photo_crop(np.random.default_rng(seed), photo, width, height, drawn)
    x0, y0, x1, y1 = params["crop"]
    assert 0 <= x0 < x1 <= photo_w and 0 <= y0 < y1 <= photo_h
    assert json.loads(json.dumps(params)) == params
    for name, (low, high) in (("brightness", P.BRIGHTNESS), ("saturation", P.SATURATION), ("hue", P.HUE)):
        assert low <= params[name] <= high
    if min(photo_w, photo_h) >= 100 and 0.5 <= width / height <= 2:
        assert abs((x1 - x0) / (y1 - y0) / (width / height) - 1) < 0.05  # no stretching


def test_crops_vary_in_scale_and_place():
    photo = P.Photo(id="p", file="/x.jpg", width=4000, height=3000)
    rng = np.random.default_rng(0)
    crops = np.array([P.sample_photo_crop(rng, photo, 256, 256)["crop"] for _ in range(500)])
    widths = crops[:, 2] - crops[:, 0]
    assert widths.min() < 0.3 * 3000 and widths.max() > 0.9 * 3000
    assert len({tuple(c) for c in crops}) == 500


def test_same_params_render_the_same_bytes_in_any_process_and_cache_state(tmp_path):
    photo = _photo(_write_photo(tmp_path / "p.jpg", 320, 200))
    params = P.sample_photo_crop(np.random.default_rng(3), photo, 96, 64)
    params = json.loads(json.dumps(params))
    first = P.render_photo_crop(params, 96, 64)
    L.clear_cache()
    again = P.render_photo_crop(params, 96, 64)
    assert first.shape == (64, 96, 3) and first.dtype == np.uint8
    assert first.tobytes() == again.tobytes()
    code = (
        "import hashlib, json, sys; from textsynth.sources import photos as P;"
        "P.register_photos([P.Photo(**json.loads(sys.argv[2]))]);"
        "print(hashlib.sha256(P.render_photo_crop(json.loads(sys.argv[1]), 96, 64).tobytes()).hexdigest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(params), json.dumps(photo.to_dict())],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == hashlib.sha256(first.tobytes()).hexdigest()


def test_flip_mirrors_and_jitter_moves_pixels_as_recorded(tmp_path):
    photo = _photo(_write_photo(tmp_path / "p.png", 120, 80))
    plain = P.render_photo_crop(_params(photo), 120, 80).astype(np.float64)
    flipped = P.render_photo_crop(_params(photo, flip=True), 120, 80).astype(np.float64)
    assert np.array_equal(flipped, plain[:, ::-1])

    darker = P.render_photo_crop(_params(photo, brightness=0.8), 120, 80).astype(np.float64)
    assert darker.mean() == pytest.approx(0.8 * plain.mean(), rel=0.01)

    flat = P.render_photo_crop(_params(photo, contrast=0.5), 120, 80).astype(np.float64)
    assert flat.std() == pytest.approx(0.5 * plain.std(), rel=0.05)

    gray = P.render_photo_crop(_params(photo, saturation=0.0), 120, 80).astype(np.int16)
    assert np.abs(gray[..., 0] - gray[..., 1]).max() <= 1 and np.abs(gray[..., 1] - gray[..., 2]).max() <= 1


def test_hue_turns_the_colour_wheel(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    photo = _photo(path)
    r, g, b = (int(v) for v in P.render_photo_crop(_params(photo, hue=120.0), 40, 30)[15, 20])
    assert g > 2 * max(r, b), "a third of the way round the wheel, red turns green"
    r, g, b = (int(v) for v in P.render_photo_crop(_params(photo, hue=240.0), 40, 30)[15, 20])
    assert b > 2 * max(r, g), "two thirds of the way round, red turns blue"


def test_sampled_jitter_is_what_the_pixels_show(tmp_path):
    photo = _photo(_write_photo(tmp_path / "p.jpg", 320, 200))
    params = P.sample_photo_crop(np.random.default_rng(11), photo, 64, 64)
    neutral = P.render_photo_crop({**params, **NEUTRAL, "flip": params["flip"]}, 64, 64).astype(np.float64)
    only_brightness = {**params, "contrast": 1.0, "saturation": 1.0, "hue": 0.0}
    shown = P.render_photo_crop(only_brightness, 64, 64).astype(np.float64)
    assert shown.mean() / neutral.mean() == pytest.approx(params["brightness"], rel=0.02)
    assert not np.array_equal(P.render_photo_crop(params, 64, 64), neutral.astype(np.uint8))


def test_downscaled_levels_look_like_the_full_photo(tmp_path):
    photo = _photo(_write_photo(tmp_path / "p.jpg", 960, 640))
    small = P.render_photo_crop(_params(photo), 120, 80)  # decoded at 1/8 scale
    with Image.open(photo.file) as im:
        reference = np.asarray(im.convert("RGB").resize((120, 80), Image.BOX))
    assert np.abs(small.astype(np.int16) - reference).mean() < 4


def _level_pixels(photo: P.Photo, size: tuple[int, int]) -> np.ndarray:
    """The whole stored level (ladder rung) of `size`, as crops read it."""
    pieces = L.level_box(photo.file, size, photo.width, photo.height, (0, 0, *size))
    return P._joined(pieces, *size).copy()


def _is_window(params: dict, width: int, height: int) -> bool:
    """Whether the crop is a canvas-sized window of its level (mapped as render_photo_crop maps it)."""
    (photo_w, photo_h), (level_w, level_h) = params["photo_size"], params["level"]
    x0, y0, x1, y1 = params["crop"]
    cols = round(x1 * level_w / photo_w) - round(x0 * level_w / photo_w)
    rows = round(y1 * level_h / photo_h) - round(y0 * level_h / photo_h)
    return (cols, rows) == (width, height)


@pytest.mark.parametrize("size", [(512, 512), (1024, 1024), (448, 576), (1152, 256), (183, 229)])
def test_most_crops_are_windows_of_a_ladder_rung(size):
    """Zooms that shrink the photo land on a rung of the ladder, so the crop is a copy of a stored
    level's window; zooms past the photo's own pixels (up to MAX_UPSCALE) are resized, and read from
    the photo itself. Every rung's pixels are square to 1%."""
    width, height = size
    rng = np.random.default_rng(5)
    windows = 0
    for _ in range(300):
        photo_w, photo_h = (
            int(v) for v in rng.choice([(2560, 1600), (1302, 953), (5312, 2988), (2056, 3088)])
        )
        photo = P.Photo(id="p", file="/x.jpg", width=photo_w, height=photo_h)
        params = P.sample_photo_crop(rng, photo, width, height)
        (level_w, level_h), (x0, y0, x1, y1) = params["level"], params["crop"]
        assert level_w <= photo_w and level_h <= photo_h and max(level_w, level_h) <= L._MAX_CACHED_SIDE
        if _is_window(params, width, height):
            windows += 1
            rung = round(L.RUNGS_PER_OCTAVE * math.log2(photo_w / level_w))
            assert (level_w, level_h) == L._rung_size(photo_w, photo_h, rung)
            assert abs(level_w * photo_h / (level_h * photo_w) - 1) <= 0.01
            # made from a larger stored level (area-averaged), never enlarged from a capped one
            source = L._source_level(photo_w, photo_h, (level_w, level_h))
            assert math.ceil(photo_w / source) >= level_w
        elif (x1 - x0) < width:  # an enlargement reads the largest stored level
            assert level_w == math.ceil(
                photo_w / L.level_for(photo_w, photo_h, x1 - x0, y1 - y0, width, height)
            )
    # at 1024² the small photo (1302x953) is mostly enlarged: 45% windows; 66-99% at the other sizes
    assert windows >= (0.4 if width * height >= 1024 * 1024 else 0.6) * 300


def test_a_window_is_the_level_pixels_copied_not_resized(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    photo = _photo(_write_photo(tmp_path / "p.png", 900, 600))
    rng = np.random.default_rng(2)
    checked = 0
    while checked < 5:
        params = {**P.sample_photo_crop(rng, photo, 160, 120), **NEUTRAL}
        if not _is_window(params, 160, 120):
            continue
        level = _level_pixels(photo, tuple(params["level"]))
        x, y = (
            round(params["crop"][0] * level.shape[1] / 900),
            round(params["crop"][1] * level.shape[0] / 600),
        )
        window = level[y : y + 120, x : x + 160]
        assert np.array_equal(P.render_photo_crop(params, 160, 120), window)
        assert np.array_equal(P.render_photo_crop({**params, "flip": True}, 160, 120), window[:, ::-1])
        checked += 1
    L.clear_cache()


def test_a_rung_is_the_photo_area_averaged(tmp_path, monkeypatch):
    """A rung between power-of-two levels is the level above it area-averaged: as sharp as the photo
    box-filtered to the rung's size, not a bilinear blur of it."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    photo = _photo(_write_photo(tmp_path / "p.png", 900, 600))
    with Image.open(photo.file) as im:
        full = im.convert("RGB")
        for rung in (1, 2, 4, 5):
            size = L._rung_size(900, 600, rung)
            level = _level_pixels(photo, size)
            reference = np.asarray(full.resize(size, Image.BOX))
            assert level.shape == (size[1], size[0], 3)
            assert np.abs(level.astype(np.int16) - reference).mean() < 2
    # a rung the size of a power-of-two level is that level: the same pixels records before the ladder read
    assert np.array_equal(_level_pixels(photo, L._rung_size(900, 600, 3)), L.decoded(photo.file, 2, 900, 600))
    L.clear_cache()


def test_an_enlarged_crop_is_jittered_before_it_is_enlarged_and_looks_the_same(tmp_path):
    """A zoom past the photo's pixels flips and jitters the smaller crop, then enlarges it: within
    rounding of the order records made before the ladder use (enlarge, then jitter)."""
    photo = _photo(_write_photo(tmp_path / "p.jpg", 320, 200))
    params = {
        **_params(photo, crop=[40, 30, 200, 130], flip=True),
        **dict(brightness=1.1, contrast=0.9, hue=5.0),
    }
    new = P.render_photo_crop({**params, "level": [320, 200]}, 256, 160).astype(np.int16)
    old = P.render_photo_crop(params, 256, 160).astype(np.int16)
    assert np.abs(new - old).mean() < 1.0 and np.abs(new - old).max() <= 8


def test_strips_of_any_width_give_the_same_pixels_and_keep_no_map(tmp_path, monkeypatch):
    """A level is stored as vertical strips read with one pread each: windows that span one strip or
    many, flipped or not, with or without a hidden box, are the same bytes whatever the strip width
    (the narrow one cuts every window into many pieces), and no crop keeps a memory map."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    photo = _photo(_write_photo(tmp_path / "p.png", 700, 500))
    rng = np.random.default_rng(9)
    cases = []
    for _ in range(12):
        width, height = int(rng.integers(20, 300)), int(rng.integers(20, 300))
        params = P.sample_photo_crop(rng, photo, width, height)
        x0, y0 = int(rng.integers(-20, width)), int(rng.integers(-20, height))
        hidden = (x0, y0, x0 + int(rng.integers(0, width)), y0 + int(rng.integers(0, height)))
        cases.append((params, width, height, hidden if rng.random() < 0.5 else None))
    drawn = {}
    for strip in (L.STRIP, 8):
        monkeypatch.setattr(L, "STRIP", strip)
        L.clear_cache()
        drawn[strip] = [P.render_photo_crop(params, w, h, hidden).tobytes() for params, w, h, hidden in cases]
        assert L.mapped_bytes() == 0 and L.cache_bytes() == 0
    assert drawn[8] == drawn[L.STRIP]
    L.clear_cache()


def test_a_cache_that_cannot_be_written_or_is_cut_short_gives_the_same_pixels(tmp_path, monkeypatch):
    photo = _photo(_write_photo(tmp_path / "p.jpg", 640, 480))
    params = [P.sample_photo_crop(np.random.default_rng(seed), photo, 200, 150) for seed in range(6)]
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    expected = [P.render_photo_crop(p, 200, 150).tobytes() for p in params]
    for path in (tmp_path / "cache" / "photos").iterdir():  # every stored level cut short
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    L.clear_cache()
    assert [P.render_photo_crop(p, 200, 150).tobytes() for p in params] == expected
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "not-a-folder"))  # kept in memory instead
    L.clear_cache()
    assert [P.render_photo_crop(p, 200, 150).tobytes() for p in params] == expected
    L.clear_cache()


# a crop read from a ladder level's strip file, and one from before the ladder (a mapped power-of-two level)
_STORED_KINDS = [{"level": [900, 600]}, {}]


def _stored_crop(tmp_path: Path, kind: dict) -> tuple[dict, bytes]:
    """Params whose render stores one level file (a fresh cache), and the bytes they draw."""
    photo = _photo(_write_photo(tmp_path / "p.png", 900, 600))
    params = {**_params(photo, brightness=1.1, hue=3.0), **kind}
    L.clear_cache()
    return params, P.render_photo_crop(params, 300, 200).tobytes()


def _opened(file):
    """What np.save writes to: a path it opens itself, or a file it is handed (left open)."""
    return open(file, "wb") if isinstance(file, (str, os.PathLike)) else contextlib.nullcontext(file)


def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("damage", ["bytes appended", "cut short while open"])
def test_a_strip_file_of_the_wrong_size_is_made_again(tmp_path, monkeypatch, damage):
    """A strip file with bytes after its strips is not the level (a reader took its size as the
    level's: a reshape error), and one cut short after it was opened is dropped and made again
    rather than reported: the crops draw the same bytes either way."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    photo = _photo(_write_photo(tmp_path / "p.png", 900, 600))
    # a power-of-two level, then a rung made from it: the rung reads the level's strips whole
    params = [
        {**_params(photo, hue=4.0), "level": level} for level in ([900, 600], list(L._rung_size(900, 600, 1)))
    ]
    L.clear_cache()
    expected = [P.render_photo_crop(p, 300, 200).tobytes() for p in params[:1]]
    files = _left_in(tmp_path / "cache" / "photos")
    assert len(files) == 1
    path = tmp_path / "cache" / "photos" / files[0]
    if damage == "bytes appended":
        with open(path, "ab") as f:
            f.write(b"xyz")
        L.clear_cache()
    else:
        os.truncate(path, path.stat().st_size // 2)  # the file kept open is now short
    assert [P.render_photo_crop(p, 300, 200).tobytes() for p in params[:1]] == expected
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "ref"))
    L.clear_cache()
    expected.append(P.render_photo_crop(params[1], 300, 200).tobytes())
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    with open(path, "ab") as f:
        f.write(b"xyz")
    assert P.render_photo_crop(params[1], 300, 200).tobytes() == expected[1]
    L.clear_cache()


def test_making_a_rung_leaves_no_file_open(tmp_path, monkeypatch):
    """A rung between power-of-two levels reads the level above it whole, from a file opened for that
    read alone: closed after it, not left to the garbage collector (a ResourceWarning)."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    photo = _photo(_write_photo(tmp_path / "p.png", 900, 600))
    params = {**_params(photo), "level": list(L._rung_size(900, 600, 1))}
    L.clear_cache()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        P.render_photo_crop(params, 300, 200)
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    L.clear_cache()


@pytest.mark.parametrize("kind", _STORED_KINDS)
def test_threads_storing_the_same_level_do_not_share_a_temporary(tmp_path, monkeypatch, kind):
    """Two threads making one level at once: the second starts its file just after the first has
    written its own, before the first renames and opens it. Each writes a temporary of its own, so
    both draw the same bytes (a shared one was renamed empty: bad magic, negative dimensions)."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "ref"))
    params, expected = _stored_crop(tmp_path, kind)
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    real_save, turns, second_opened = np.save, itertools.count(), threading.Event()

    def save(file, array, *args, **kwargs):
        data = io.BytesIO()
        real_save(data, array, *args, **kwargs)
        turn = next(turns)
        with _opened(file) as f:
            if turn == 1:  # its file is open (a shared one now emptied) before the first goes on
                second_opened.set()
                time.sleep(0.2)
            f.write(data.getvalue())
            f.flush()
            if turn == 0:
                second_opened.wait(5)

    monkeypatch.setattr(np, "save", save)
    start, drawn = threading.Barrier(2), [None, None]

    def draw(i: int) -> None:
        start.wait()
        try:
            drawn[i] = P.render_photo_crop(params, 300, 200).tobytes()
        except Exception as err:  # the assertion below names it
            drawn[i] = repr(err)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert next(turns) == 2  # both threads stored the level
    assert drawn == [expected, expected]
    assert not [name for name in _left_in(tmp_path / "cache" / "photos") if "tmp" in name]
    L.clear_cache()


@pytest.mark.parametrize("kind", _STORED_KINDS)
def test_a_full_cache_folder_leaves_no_temporary_and_draws_the_same(tmp_path, monkeypatch, kind):
    """A disk that fills while a level is written (ENOSPC half way): the half-written temporary is
    removed, the level is kept in memory, and the crop's bytes are the same."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "ref"))
    params, expected = _stored_crop(tmp_path, kind)
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    real_save = np.save

    def save(file, array, *args, **kwargs):
        data = io.BytesIO()
        real_save(data, array, *args, **kwargs)
        with _opened(file) as f:
            f.write(data.getvalue()[: len(data.getvalue()) // 2])
            f.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", save)
    assert P.render_photo_crop(params, 300, 200).tobytes() == expected
    assert _left_in(tmp_path / "cache" / "photos") == []
    L.clear_cache()


def test_a_cache_that_cannot_be_written_decodes_each_photo_once(tmp_path, monkeypatch):
    """With no cache folder, the pictures made for a rung (the level above it, then the rung) are held
    in memory as they are made: a photo is decoded once for all its crops, not once per step."""
    photo = _photo(_write_photo(tmp_path / "p.jpg", 900, 600))
    params = [
        {**_params(photo, crop=crop, hue=2.0), "level": list(L._rung_size(900, 600, 4))}
        for crop in ([0, 0, 600, 400], [300, 200, 900, 600])
    ]
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    expected = [P.render_photo_crop(p, 300, 200).tobytes() for p in params]
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "not-a-folder"))
    L.clear_cache()
    decodes = []
    real_decode = L._decode
    monkeypatch.setattr(L, "_decode", lambda *args: decodes.append(args) or real_decode(*args))
    assert [P.render_photo_crop(p, 300, 200).tobytes() for p in params] == expected
    assert len(decodes) == 1
    L.clear_cache()


@pytest.mark.parametrize("shape", [(1, 1, 8, 3), (3, 77, 128, 3), (33, 4096, 128, 3)])
def test_strip_files_open_by_the_header_numpy_writes(tmp_path, monkeypatch, shape):
    """An open reads the header np.save writes without numpy's slower reader, to the same shape and
    data offset; a file of another shape is refused (and would be made again)."""
    path = tmp_path / "s.npy"
    np.save(path, np.zeros(shape, np.uint8))
    with open(path, "rb") as f:
        np.lib.format.read_magic(f)
        np.lib.format.read_array_header_1_0(f)
        offset = f.tell()
    monkeypatch.setattr(L, "STRIP", shape[2])
    fio, found_offset, rows = L._strips_at(path, (shape[0] * shape[2], shape[1]))
    assert (found_offset, rows) == (offset, shape[1])
    fio.close()
    with pytest.raises(ValueError, match="not the strips"):
        L._strips_at(path, (shape[0] * shape[2] + 1, shape[1]))


def test_records_from_before_the_ladder_render_the_same_bytes(tmp_path, monkeypatch):
    """Crops without `level` (every record made before the ladder) take the old path, byte for byte:
    the digest was taken with the code before the ladder (3113bdf) on this synthetic photo."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    y, x = np.mgrid[0:600, 0:900]
    rgb = np.stack([(x * 7 + y * 3) % 256, (x * x // 97 + y) % 256, ((x // 13) * (y // 11) * 5) % 256], -1)
    path = tmp_path / "old.png"
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    photo = P.Photo(id="test-old-records", file=str(path), width=900, height=600)
    P.register_photos([photo])
    jitter = {"brightness": 1.13, "contrast": 0.87, "saturation": 1.21, "hue": -6.5}
    digest = hashlib.sha256()
    for crop, size, flip, hidden in [
        ([0, 0, 900, 600], (300, 200), False, None),
        ([120, 40, 720, 440], (320, 256), True, None),
        ([333, 211, 533, 371], (320, 256), True, (40, 30, 200, 180)),
        ([10, 20, 410, 320], (256, 192), False, (-5, -5, 100, 300)),
        ([500, 100, 899, 599], (128, 160), True, None),
    ]:
        params = {"photo": photo.id, "photo_size": [900, 600], "crop": crop, "flip": flip, **jitter}
        digest.update(P.render_photo_crop(params, *size, hidden).tobytes())
    assert digest.hexdigest() == "369665116a061e71571b13a381a18fb9b6d80233a6f7c2a45437fa9c520209c0"
    L.clear_cache()


def test_cache_stays_within_its_budget_and_does_not_change_pixels(tmp_path, monkeypatch):
    files = [_write_photo(tmp_path / f"p{i}.png", 300, 200) for i in range(4)]
    photos = [_photo(f) for f in files]
    expected = [P.render_photo_crop(_params(p), 300, 200).tobytes() for p in photos]
    L.clear_cache()
    # decoded levels held in memory, and levels memory-mapped from the on-disk cache (whose touched
    # pages count in a worker's RSS while mapped): each kind keeps to its own budget
    monkeypatch.setattr(L, "_CACHE_BYTES", 2 * 300 * 200 * 3)
    monkeypatch.setattr(L, "_MAPPED_BYTES", 2 * 300 * 200 * 3)
    for _ in range(2):
        for photo, pixels in zip(photos, expected, strict=True):
            assert P.render_photo_crop(_params(photo), 300, 200).tobytes() == pixels
            assert L.cache_bytes() <= L._CACHE_BYTES and L.mapped_bytes() <= L._MAPPED_BYTES
            assert len(L._cache) <= 2
    L.clear_cache()


@pytest.mark.parametrize("photo_w", [900, 1024])
def test_a_thin_crop_at_the_edge_reads_the_levels_last_pixels(tmp_path, monkeypatch, photo_w):
    """A hand-made crop one photo column wide at the right (or bottom) edge of a half-size level
    rounds to the column just past the level: it reads the level's last column (row), not the
    zeros that pad its last strip (900) or past the file's end (1024, a strip-width multiple)."""
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    L.clear_cache()
    photo = _photo(_write_photo(tmp_path / "p.png", photo_w, 600))
    level = [photo_w // 2, 300]

    def draw(crop: list[int], width: int, height: int) -> np.ndarray:
        return P.render_photo_crop({**_params(photo, crop=crop), "level": level}, width, height)

    edge = draw([photo_w - 1, 100, photo_w, 200], 1, 50)
    assert np.array_equal(edge, draw([photo_w - 2, 100, photo_w, 200], 1, 50))
    assert edge.max() > 0
    bottom = draw([100, 599, 200, 600], 50, 1)
    assert np.array_equal(bottom, draw([100, 598, 200, 600], 50, 1))
    L.clear_cache()


def test_render_refuses_a_changed_file_or_a_crop_outside_it(tmp_path):
    photo = _photo(_write_photo(tmp_path / "p.jpg", 100, 80))
    with pytest.raises(TextsynthError, match="outside the 100x80 photo"):
        P.render_photo_crop(_params(photo, crop=[0, 0, 101, 80]), 50, 40)
    with pytest.raises(TextsynthError, match="photo is 100x80, the crop's params say 120x80"):
        P.render_photo_crop(_params(photo, photo_size=[120, 80], crop=[0, 0, 100, 80]), 50, 40)
    (tmp_path / "p.jpg").write_bytes(b"corrupt")
    L.clear_cache()
    with pytest.raises(TextsynthError, match=r"p\.jpg: cannot decode photo"):
        P.render_photo_crop(_params(photo), 50, 40)


# --------------------------------------------------------------------------- command


def test_backgrounds_command_lists_present_and_missing_photos(tmp_path, capsys):
    from textsynth.commands import backgrounds

    _write_photo(tmp_path / "wall.jpg")
    absent = GOOD.replace("wall-one", "gone").replace("wall.jpg", "/nonexistent/gone.jpg")
    path = _manifest(tmp_path, GOOD + absent + "    package: mate-backgrounds\n")
    parser = argparse.ArgumentParser()
    backgrounds.add_arguments(parser)
    assert backgrounds.run(parser.parse_args(["--manifest", str(path)])) == 0
    out = capsys.readouterr().out
    assert "wall-one  wall     320x200  CC0-1.0  -                 ok" in out
    assert "missing: sudo apt-get install mate-backgrounds" in out
    assert "1 photos available (1 wall), 1 missing" in out
    assert backgrounds.run(parser.parse_args(["--manifest", str(path), "--check"])) == 1


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.tuples(st.integers(8, 200), st.integers(8, 200)),
    box=st.tuples(*[st.integers(-20, 220)] * 4),
)
def test_a_hidden_box_changes_no_pixel_outside_it(tmp_path_factory, seed, size, box):
    """A backdrop's photo may skip the jitter under its design: every pixel outside that box is as drawn
    without it, wherever the box lies (partly or wholly off the canvas, or empty)."""
    photo = _photo(_write_photo(tmp_path_factory.mktemp("hidden") / "p.png", 160, 120))
    width, height = size
    params = P.sample_photo_crop(np.random.default_rng(seed), photo, width, height)
    full = P.render_photo_crop(params, width, height)
    x0, x1 = sorted(box[::2])
    y0, y1 = sorted(box[1::2])
    part = P.render_photo_crop(params, width, height, hidden=(x0, y0, x1, y1))
    outside = np.ones((height, width), bool)
    outside[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
    assert np.array_equal(part[outside], full[outside])


def test_mapped_levels_ask_linux_for_large_pages(tmp_path):
    """A memory-mapped level carries MADV_HUGEPAGE (VmFlags "hg"), so its file is read into large
    folios and a crop takes fewer page faults; the pixels are the same (the other tests)."""
    import mmap

    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not hasattr(mmap, "MADV_HUGEPAGE") or not thp.exists() or "[never]" in thp.read_text():
        pytest.skip("no transparent huge pages here")
    photo = _photo(_write_photo(tmp_path / "p.png", 300, 200))
    L.clear_cache()
    P.render_photo_crop(_params(photo), 300, 200)
    level, mapped = next(iter(L._cache.values()))
    if not mapped:
        pytest.skip("the cache folder is not writable: levels are kept in memory")
    address = level.ctypes.data
    flags = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split(maxsplit=1)[0]
        if "-" in head and ":" not in head:
            lo, hi = (int(part, 16) for part in head.split("-"))
            inside = lo <= address < hi
        elif line.startswith("VmFlags:") and inside:
            flags = line.split()[1:]
            break
    L.clear_cache()
    assert flags is not None and "hg" in flags
