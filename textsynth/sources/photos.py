"""Real photographs as backgrounds: the photo manifest, user photo folders, and random crops of them.

A crop is sampled into plain JSON params (which photo, which rectangle, flip, colour jitter) and
rendered from those params alone, so a sample's KEY.json is enough to draw the same pixels again.
The decoded levels a crop reads (a window of a ladder level, or a power-of-two level resized for
records made before the ladder) come from sources/photo_levels.py.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
import yaml
from PIL import Image

from textsynth.errors import TextsynthError
from textsynth.resources import PHOTOS_MANIFEST, file_sha256
from textsynth.sources.photo_levels import Box, Pieces, decoded, level_box, level_for, orientation, rung_for
from textsynth.validation import MANIFEST_LIMITS, FieldReader, load_yaml, unique_id

SUBJECTS = ("city", "building", "wall", "indoor", "nature", "sky", "water", "texture")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

# A crop's side is this fraction of the largest crop of the canvas's aspect that fits the photo,
# drawn log-uniformly: 0.2 lets one photo yield ~25 disjoint close-ups as well as the wide view.
SCALE_RANGE = (0.2, 1.0)
MAX_UPSCALE = 1.5  # never zoom in so far that the photo's pixels are enlarged more than this
BRIGHTNESS = (0.8, 1.2)  # multiplies every channel
CONTRAST = (0.8, 1.2)  # scales the distance from the crop's mean grey
SATURATION = (0.7, 1.3)  # scales the distance from each pixel's grey
HUE = (-8.0, 8.0)  # degrees around the colour wheel; more turns skies and leaves unreal

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Photo:
    """One photograph: a manifest entry, or an image found in a user folder (then most fields are empty)."""

    id: str
    file: str
    width: int  # after EXIF orientation
    height: int
    subject: str = ""
    license: str = "unknown"
    author: str = ""
    package: str = ""
    license_from: str = ""
    sha256: str = ""
    caption_zh: str = ""
    caption_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MissingPhoto(NamedTuple):
    photo: Photo
    reason: str


class PhotoSet(NamedTuple):
    photos: list[Photo]
    missing: list[MissingPhoto]


_FIELDS = tuple(f.name for f in fields(Photo))
_REQUIRED = ("id", "file", "width", "height", "subject", "license")


# --------------------------------------------------------------------------- manifest


def load_manifest(path: Path | str | None = None) -> list[Photo]:
    """Read and validate a photo manifest; a bad entry raises TextsynthError 'FILE:LINE: photos.N.FIELD: ...'."""
    path = Path(path) if path is not None else PHOTOS_MANIFEST
    data, lines = load_yaml(path, "photo manifest", **MANIFEST_LIMITS)
    if not isinstance(data, dict) or not isinstance(data.get("photos"), list):
        raise _error(path, lines, (), "must be a mapping with a 'photos:' list of photo entries")
    photos: list[Photo] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["photos"]):
        photo = _parse_entry(entry, path, lines, ("photos", i))
        if photo.id in seen:
            raise _error(path, lines, ("photos", i, "id"), f"must be unique, {photo.id!r} repeats")
        seen.add(photo.id)
        photos.append(photo)
    return photos


def _error(path: Path, lines: dict[tuple, int], at: tuple, message: str) -> TextsynthError:
    return FieldReader(str(path), lines).error(at, message)


def _parse_entry(entry: object, path: Path, lines: dict[tuple, int], at: tuple) -> Photo:
    if not isinstance(entry, dict):
        raise _error(path, lines, at, f"each photo must be a mapping of {', '.join(_FIELDS)}, got {entry!r}")
    unknown = sorted(set(map(str, entry)) - set(_FIELDS))
    if unknown:
        raise _error(path, lines, (*at, unknown[0]), f"unknown field; valid fields: {', '.join(_FIELDS)}")
    for name in _REQUIRED:
        if name not in entry:
            raise _error(path, lines, at, f"field {name!r} is missing")

    def bad(name: str, valid: str) -> TextsynthError:
        return _error(path, lines, (*at, name), f"must be {valid}, got {entry[name]!r}")

    def text(name: str) -> str:
        value = entry.get(name, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            raise bad(name, "a string")
        return value.strip()

    def size(name: str) -> int:
        value = entry[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
            raise bad(name, "the image's size in pixels, an integer from 1 to 100000")
        return value

    photo_id = text("id")
    if not _ID_RE.match(photo_id):
        raise bad("id", "a short lowercase name of letters, digits, '-', '_' or '.' (e.g. mate-wood)")
    file = text("file")
    if not file.lower().endswith(PHOTO_SUFFIXES):
        raise bad("file", f"the path of an image file ({', '.join(PHOTO_SUFFIXES)})")
    if not os.path.isabs(file):
        file = str(path.parent / file)
    subject = text("subject")
    if subject not in SUBJECTS:
        raise bad("subject", f"one of {', '.join(SUBJECTS)}")
    license_ = text("license")
    if not license_:
        raise bad("license", "the photo's licence, e.g. CC-BY-SA-4.0 or public-domain")
    sha = text("sha256").lower()
    if sha and not _SHA_RE.match(sha):
        raise bad("sha256", "64 hexadecimal digits (the sha256 of the file) or empty")
    return Photo(
        id=photo_id,
        file=file,
        width=size("width"),
        height=size("height"),
        subject=subject,
        license=license_,
        author=text("author"),
        package=text("package"),
        license_from=text("license_from"),
        sha256=sha,
        caption_zh=text("caption_zh"),
        caption_en=text("caption_en"),
    )


_KNOWN: dict[str, str] = {}  # photo id -> file, for every photo this process has loaded


def register_photos(photos: Iterable[Photo]) -> None:
    """Make photos resolvable by id in this process (load_photos does it for what it loads)."""
    _KNOWN.update((photo.id, photo.file) for photo in photos)


def register_picture(picture_id: str, file: str) -> None:
    """Make a picture (an image_patch file next to a template) resolvable by id, like a photo."""
    _KNOWN[picture_id] = file


def photo_file(photo_id: str) -> str:
    """The file of a photo named in a scene; the shipped set is loaded on first need (e.g. by rerender)."""
    if photo_id not in _KNOWN:
        load_photos()
    if photo_id not in _KNOWN:
        raise TextsynthError(
            f"photo {photo_id!r} is not in the photo manifest or a loaded folder: pass the same --backgrounds "
            "folder the sample was rendered with, or install the photo packages (`textsynth backgrounds`)"
        )
    return _KNOWN[photo_id]


def load_photos(manifest: Path | str | None = None, folders: Iterable[Path | str] = ()) -> PhotoSet:
    """Manifest photos whose files are present (the rest set aside with a reason), plus every user folder."""
    manifest_path = Path(manifest) if manifest is not None else PHOTOS_MANIFEST
    present: list[Photo] = []
    missing: list[MissingPhoto] = []
    for photo in load_manifest(manifest_path):
        reason = _absent_reason(photo, manifest_path)
        if reason:
            missing.append(MissingPhoto(photo, reason))
        else:
            present.append(photo)
    taken = {p.id for p in present}
    for folder in folders:
        for photo in scan_photo_folder(folder):
            photo = replace(photo, id=unique_id(photo.id, taken))
            taken.add(photo.id)
            present.append(photo)
    register_photos(present)
    return PhotoSet(present, missing)


def _absent_reason(photo: Photo, manifest: Path) -> str:
    if not os.path.isfile(photo.file):
        if photo.package:
            return (
                f"{photo.id}: {photo.file} not found; install it with `sudo apt-get install {photo.package}`"
            )
        return f"{photo.id}: {photo.file} not found; restore the file or remove the entry from {manifest}"
    try:
        size = read_photo_size(photo.file, verify=False)  # the manifest's sha256 vouches for the rest
    except TextsynthError as err:
        return f"{photo.id}: {err}"
    if size != (photo.width, photo.height):
        return (
            f"{photo.id}: {photo.file} is {size[0]}x{size[1]}, the manifest says {photo.width}x{photo.height}; "
            f"the file changed since {manifest} was written"
        )
    return ""


def verify_photos(photos: Iterable[Photo]) -> dict[str, str]:
    """Ids of photos whose file's sha256 differs from the recorded one, with the actual digest."""
    return {p.id: digest for p in photos if p.sha256 and (digest := file_sha256(p.file)) != p.sha256}


def manifest_yaml(photos: Iterable[Photo]) -> str:
    """Manifest entries (YAML, to paste under `photos:`) for photos, e.g. those scan_photo_folder found."""
    entries = []
    for photo in photos:
        entry = {k: v for k, v in photo.to_dict().items() if v != "" or k in ("subject", "license")}
        entries.append(entry)
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=200)


# --------------------------------------------------------------------------- user folders


def read_photo_size(file: str | Path, verify: bool = True) -> tuple[int, int]:
    """(width, height) after EXIF orientation, from the header; TextsynthError if it is not a readable image.

    `verify` also walks a PNG's chunk checksums (reading the whole file), so a truncated one fails here.
    """
    try:
        with Image.open(file) as im:
            width, height = im.size
            if verify:
                im.verify()
        with Image.open(file) as im:  # verify() leaves `im` unusable, and must come first
            if orientation(im) in (5, 6, 7, 8):  # rotated a quarter turn
                width, height = height, width
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise TextsynthError(f"{file}: not a readable image ({type(err).__name__}: {err})") from None
    return width, height


def scan_photo_folder(path: Path | str) -> list[Photo]:
    """Every jpg/png/webp under a folder, headers read up front; one TextsynthError names every bad file."""
    root = Path(path)
    if not root.is_dir():
        raise TextsynthError(f"{root}: photo folder does not exist or is not a folder")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file())
    if not files:
        raise TextsynthError(f"{root}: photo folder has no images ({', '.join(PHOTO_SUFFIXES)})")
    photos: list[Photo] = []
    corrupt: list[str] = []
    taken: set[str] = set()
    for file in files:
        try:
            width, height = read_photo_size(file)
        except TextsynthError as err:
            corrupt.append(str(err))
            continue
        stem = re.sub(r"[^a-z0-9._-]+", "-", file.relative_to(root).with_suffix("").as_posix().lower())
        photo = Photo(id=stem.strip("-._") or "photo", file=str(file), width=width, height=height)
        photo = replace(photo, id=unique_id(photo.id, taken))
        taken.add(photo.id)
        photos.append(photo)
    if corrupt:
        raise TextsynthError(
            f"{root}: {len(corrupt)} of {len(files)} images cannot be read: " + "; ".join(corrupt)
        )
    return photos


# --------------------------------------------------------------------------- crops


def sample_photo_crop(
    rng: np.random.Generator, photo: Photo, width: int, height: int, drawn: tuple[int, int] | None = None
) -> dict:
    """Draw a crop of `photo` for a width x height canvas: rectangle, flip and colour jitter, as JSON params.

    The zoom is drawn log-uniformly, then moved to the nearest rung of the level ladder (`rung_for`,
    sources/photo_levels.py) where there is one: the crop is then a canvas-sized window of that stored
    level, named in the params' `level` (its size), and renders as a copy, no resize. A zoom past the
    photo's own pixels (up to MAX_UPSCALE), or wider than the widest rung that still holds the canvas,
    or near the full size of a photo over 4096 px (above its largest stored level), stays a crop of
    the photo resized to the canvas, as every crop was before the ladder. A crop that will be drawn at
    another size, `drawn` (a defocused backdrop: smaller, then enlarged), frames the photo as for the
    canvas and is a window of a rung at the drawn size.
    """
    aspect = width / height
    if photo.width / photo.height > aspect:
        max_w, max_h = photo.height * aspect, float(photo.height)
    else:
        max_w, max_h = float(photo.width), photo.width / aspect
    low = min(1.0, max(SCALE_RANGE[0], width / (MAX_UPSCALE * max_w)))
    scale = math.exp(rng.uniform(math.log(low), math.log(SCALE_RANGE[1])))
    drawn_w, drawn_h = drawn or (width, height)
    level = rung_for(photo.width, photo.height, drawn_w / (max_w * scale), drawn_w, drawn_h)
    if abs(drawn_w * height / (drawn_h * width) - 1) > 0.01:  # a window of the drawn size would stretch
        level = None
    if level is None:  # off the ladder: the crop as drawn, read from the power-of-two level that covers it
        crop_w = min(photo.width, max(1, round(max_w * scale)))
        crop_h = min(photo.height, max(1, round(max_h * scale)))
        x0 = int(rng.integers(0, photo.width - crop_w + 1))
        y0 = int(rng.integers(0, photo.height - crop_h + 1))
        crop = [x0, y0, x0 + crop_w, y0 + crop_h]
        power = level_for(photo.width, photo.height, crop_w, crop_h, drawn_w, drawn_h)
        level = math.ceil(photo.width / power), math.ceil(photo.height / power)
    else:  # the window's corners in the photo's pixels: rendering maps them back to the very same window
        level_w, level_h = level
        wx = int(rng.integers(0, level_w - drawn_w + 1))
        wy = int(rng.integers(0, level_h - drawn_h + 1))
        crop = [
            round(wx * photo.width / level_w),
            round(wy * photo.height / level_h),
            round((wx + drawn_w) * photo.width / level_w),
            round((wy + drawn_h) * photo.height / level_h),
        ]
    params = {
        "photo": photo.id,
        "photo_size": [photo.width, photo.height],
        "subject": photo.subject,
        "caption_zh": photo.caption_zh,
        "caption_en": photo.caption_en,
        "license": photo.license,
        "author": photo.author,
        "crop": crop,
        "level": list(level),
    }
    params.update(
        flip=bool(rng.random() < 0.5),
        brightness=round(float(rng.uniform(*BRIGHTNESS)), 3),
        contrast=round(float(rng.uniform(*CONTRAST)), 3),
        saturation=round(float(rng.uniform(*SATURATION)), 3),
        hue=round(float(rng.uniform(*HUE)), 2),
    )
    return params


def render_photo_crop(params: dict, width: int, height: int, hidden: Box | None = None) -> np.ndarray:
    """The crop described by `params` as an HxWx3 uint8 RGB array; the same params give the same bytes.

    A caller that will cover the box `hidden` (a backdrop under its design) may pass it: pixels there
    are then left without colour jitter (a third of the jitter's time at 1024²); all others are the same.
    """
    file = photo_file(params["photo"])
    photo_w, photo_h = params["photo_size"]
    x0, y0, x1, y1 = params["crop"]
    if not (0 <= x0 < x1 <= photo_w and 0 <= y0 < y1 <= photo_h):
        raise TextsynthError(f"{file}: crop {params['crop']} is outside the {photo_w}x{photo_h} photo")
    if "level" in params:
        return _from_level(file, params, width, height, hidden)
    # a record from before the ladder: a power-of-two level, resized, then jittered
    level = level_for(photo_w, photo_h, x1 - x0, y1 - y0, width, height)
    img = decoded(file, level, photo_w, photo_h)
    lh, lw = img.shape[:2]
    # the crop in the level's pixels; rounding moves it by under half a level pixel
    cx0, cy0 = min(lw - 1, round(x0 / level)), min(lh - 1, round(y0 / level))
    cx1, cy1 = max(cx0 + 1, min(lw, round(x1 / level))), max(cy0 + 1, min(lh, round(y1 / level)))
    crop = img[cy0:cy1, cx0:cx1]
    flip = bool(params.get("flip"))
    if flip and crop.shape[0] * crop.shape[1] < width * height:
        # the resize maps pixel centres symmetrically, so flipping the smaller crop gives the same bytes
        crop, flip = cv2.flip(crop, 1), False
    # the level keeps any shrink under 2x, where bilinear is as clean as area averaging and much faster
    out = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
    if flip:
        cv2.flip(out, 1, dst=out)
    affine = _jitter_affine(params, out)
    if affine is not None:  # in place, rounded and saturated to uint8; no `hidden` leaves the whole frame
        for y0, y1, x0, x1 in boxes_around(hidden or (0, 0, 0, 0), (0, 0, width, height)):
            part = out[y0:y1, x0:x1]
            cv2.transform(part, affine, dst=part)
    return out


def _from_level(file: str, params: dict, width: int, height: int, hidden: Box | None) -> np.ndarray:
    """A crop of the level `params` name (a ladder rung, or the power-of-two level a zoom off the
    ladder reads): a canvas-sized window is jittered straight from the level's strips into the frame,
    then flipped; any other crop is resized, flipped and jittered at whichever of its size and the
    canvas's is smaller."""
    photo_w, photo_h = params["photo_size"]
    level_w, level_h = params["level"]
    if not (0 < level_w <= photo_w and 0 < level_h <= photo_h):
        raise TextsynthError(f"{file}: level {params['level']} is not within the {photo_w}x{photo_h} photo")
    sx, sy = level_w / photo_w, level_h / photo_h
    x0, y0, x1, y1 = params["crop"]
    # the crop in the level's pixels, kept inside it: a thin crop at the photo's edge (hand-written
    # params; no sampled crop) could round to a column just past the level
    cx0, cy0 = min(level_w - 1, round(x0 * sx)), min(level_h - 1, round(y0 * sy))
    box = cx0, cy0, max(cx0 + 1, min(level_w, round(x1 * sx))), max(cy0 + 1, min(level_h, round(y1 * sy)))
    pieces = level_box(file, (level_w, level_h), photo_w, photo_h, box)
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    if (crop_w, crop_h) == (width, height):
        return _finish(pieces, params, np.empty((height, width, 3), np.uint8), hidden)
    crop = _joined(pieces, crop_w, crop_h)
    if crop_w * crop_h < width * height:  # an enlargement: finish the fewer pixels first
        small = _finish([(0, crop)], params, crop, None)
        return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    out = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
    return _finish([(0, out)], params, out, hidden)


# the contrast jitter's pivot, the mean luma, is taken over every this-many-th row of a level's crop
MEAN_ROW_STEP = 4


def _finish(pieces: Pieces, params: dict, out: np.ndarray, hidden: Box | None) -> np.ndarray:
    """The picture in `pieces` colour-jittered into `out` (a piece may be `out` itself), then flipped,
    as `params` say: the transform reads the level's strips and writes the frame, no copy first.
    Pixels in `hidden` are left without the jitter."""
    height, width = out.shape[:2]
    flip = bool(params.get("flip"))

    def mean_luma() -> float:
        total, count = np.zeros(4), 0
        for _, piece in pieces:
            rows = piece[::MEAN_ROW_STEP]
            total += cv2.sumElems(rows)
            count += rows.shape[0] * rows.shape[1]
        return float(np.dot(total[:3], _LUMA)) / count

    affine = _jitter_matrix(params, mean_luma)
    hx0, hy0, hx1, hy1 = hidden or (0, 0, 0, 0)
    if flip:  # the hidden box in the unflipped picture's columns
        hx0, hx1 = width - hx1, width - hx0
    for x, piece in pieces:
        piece_w = piece.shape[1]
        target = out[:, x : x + piece_w]
        in_place = piece.__array_interface__["data"][0] == target.__array_interface__["data"][0]
        if affine is None:
            if not in_place:
                np.copyto(target, piece)
            continue
        inner = _clipped((hx0 - x, hy0, hx1 - x, hy1), (0, 0, piece_w, height))
        if not in_place and inner[0] < inner[2] and inner[1] < inner[3]:
            np.copyto(
                target[inner[1] : inner[3], inner[0] : inner[2]],
                piece[inner[1] : inner[3], inner[0] : inner[2]],
            )
        for y0, y1, x0, x1 in boxes_around(inner, (0, 0, piece_w, height)):
            cv2.transform(piece[y0:y1, x0:x1], affine, dst=target[y0:y1, x0:x1])
    if flip:
        cv2.flip(out, 1, dst=out)
    return out


def _joined(pieces: Pieces, width: int, height: int) -> np.ndarray:
    """The pieces as one contiguous picture (a resize needs one)."""
    if len(pieces) == 1 and pieces[0][1].flags.c_contiguous and pieces[0][1].flags.writeable:
        return pieces[0][1]
    out = np.empty((height, width, 3), np.uint8)
    for x, piece in pieces:
        out[:, x : x + piece.shape[1]] = piece
    return out


def boxes_around(inner: Box, outer: Box) -> list[tuple[int, int, int, int]]:
    """The parts of `outer` outside `inner`, as (y0, y1, x0, x1) slices: whole rows above and below
    it, then the left and right of its rows; nothing empty. `inner` may reach outside `outer`."""
    ox0, oy0, ox1, oy1 = outer
    ix0, iy0, ix1, iy1 = _clipped(inner, outer)
    if ix0 == ix1 or iy0 == iy1:
        return [(oy0, oy1, ox0, ox1)] if ox0 < ox1 and oy0 < oy1 else []
    parts = [(oy0, iy0, ox0, ox1), (iy1, oy1, ox0, ox1), (iy0, iy1, ox0, ix0), (iy0, iy1, ix1, ox1)]
    return [(y0, y1, x0, x1) for y0, y1, x0, x1 in parts if y0 < y1 and x0 < x1]


def _clipped(inner: Box, outer: Box) -> Box:
    """`inner` cut to `outer` (empty, x0 == x1 or y0 == y1, where they do not meet)."""
    ox0, oy0, ox1, oy1 = outer
    ix0, iy0 = min(max(inner[0], ox0), ox1), min(max(inner[1], oy0), oy1)
    return ix0, iy0, max(min(inner[2], ox1), ix0), max(min(inner[3], oy1), iy0)


_LUMA = np.array([0.299, 0.587, 0.114], np.float64)


def _jitter_affine(params: dict, img: np.ndarray) -> np.ndarray | None:
    """The 3x4 colour matrix of the jitter in `params` (None for none); contrast works around the mean
    luma of `img`, the whole picture."""
    return _jitter_matrix(params, lambda: float(np.dot(cv2.mean(img)[:3], _LUMA)))


def _jitter_matrix(params: dict, mean_luma: Callable[[], float]) -> np.ndarray | None:
    """The 3x4 colour matrix of the jitter in `params` (None for none); contrast works around the
    picture's mean luma, asked of `mean_luma` only then.

    Each adjustment is linear in RGB (hue as a rotation about the grey axis, as in CSS's
    hue-rotate), so their composition is a 3x4 matrix: one cv2.transform instead of float passes.
    """
    brightness = float(params.get("brightness", 1.0))
    contrast = float(params.get("contrast", 1.0))
    saturation = float(params.get("saturation", 1.0))
    hue = float(params.get("hue", 0.0))
    if (brightness, contrast, saturation, hue) == (1.0, 1.0, 1.0, 0.0):
        return None
    grey = np.outer(np.ones(3), _LUMA)  # row i: luma weights, so grey @ rgb = (Y, Y, Y)
    matrix = np.eye(3) * brightness
    offset = np.zeros(3)
    if contrast != 1.0:  # around the mean luma of the brightened image
        mean = mean_luma() * brightness
        matrix, offset = matrix * contrast, offset * contrast + mean * (1 - contrast)
    if saturation != 1.0:
        mix = grey + saturation * (np.eye(3) - grey)
        matrix, offset = mix @ matrix, mix @ offset
    if hue != 0.0:
        rot = _hue_rotation(hue)
        matrix, offset = rot @ matrix, rot @ offset
    return np.hstack([matrix, offset[:, None]]).astype(np.float32)


def _hue_rotation(degrees: float) -> np.ndarray:
    """Rotation of RGB about the grey axis (the W3C hue-rotate matrix)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return np.array([
        [0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928],
        [0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.140, 0.072 - c * 0.072 - s * 0.283],
        [0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072],
    ])  # fmt: skip
