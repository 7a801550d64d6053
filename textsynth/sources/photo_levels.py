"""Decoded photos at the levels crops read, made once per machine and cached on disk.

A crop's zoom lands on a ladder of levels, RUNGS_PER_OCTAVE to an octave, each the photo
area-averaged once per machine and stored in vertical strips, so a crop is a window read with one
pread a strip into a reused buffer (sources/photos.py jitters it into the frame: no resize). Records
made before the ladder read memory-mapped power-of-two levels and resize them. A process keeps both
in a small LRU bounded by bytes; every file is written through a temporary of its own and renamed,
and a read-only or full cache folder only costs time (the levels are held in memory instead).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import mmap
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from textsynth.errors import TextsynthError
from textsynth.resources import cache_dir

# zooms that shrink the photo are snapped to a ladder of stored levels this many to an octave (each
# 2^(1/3) ~ 1.26x smaller than the one above), so a crop is a window of one: a copy, not a resize
RUNGS_PER_OCTAVE = 3
_CACHE_BYTES = 128 << 20  # decoded photos kept in memory, per process
# memory-mapped levels kept open, per process: their pages are shared page cache, but a worker's RSS
# counts every page it touched while a map stays open (all photos at 1024²: 550 MB after 600 samples)
_MAPPED_BYTES = 160 << 20
_MAX_CACHED_SIDE = 4096  # a level is halved until its long side fits, so one entry is at most 48 MiB

Box = tuple[int, int, int, int]  # x0, y0, x1, y1: columns x0..x1-1, rows y0..y1-1
Pieces = list[tuple[int, np.ndarray]]  # side by side: (first column, columns) of one picture


def _rung_size(photo_w: int, photo_h: int, rung: int) -> tuple[int, int]:
    """Rung `rung` of a photo's level ladder: the photo 2^(rung / RUNGS_PER_OCTAVE) times smaller,
    rounded up, so every RUNGS_PER_OCTAVE-th rung is a power-of-two level (`level_for`'s, one file)."""
    factor = 2.0 ** (rung / RUNGS_PER_OCTAVE)
    return math.ceil(photo_w / factor), math.ceil(photo_h / factor)


def rung_for(photo_w: int, photo_h: int, zoom: float, width: int, height: int) -> tuple[int, int] | None:
    """The size of the rung nearest to `zoom` (canvas pixels per photo pixel), or None where that rung
    would enlarge the photo, is too large to store, is larger than the power-of-two level it would be
    made from (that level capped at 4096 px: the rung would be it enlarged, not the photo area-averaged),
    is too small to hold the canvas, or is so small that rounding its sides up stretches its pixels by
    over 1% (a window of it would look stretched)."""
    rung = round(-RUNGS_PER_OCTAVE * math.log2(zoom))
    if rung < 0:
        return None
    level_w, level_h = _rung_size(photo_w, photo_h, rung)
    if max(level_w, level_h) > _MAX_CACHED_SIDE or level_w < width or level_h < height:
        return None
    if math.ceil(photo_w / _source_level(photo_w, photo_h, (level_w, level_h))) < level_w:
        return None  # above the largest stored level (a photo over 4096 px): it would be an enlargement
    if abs(level_w * photo_h / (level_h * photo_w) - 1) > 0.01:
        return None
    return level_w, level_h


def level_for(photo_w: int, photo_h: int, crop_w: int, crop_h: int, width: int, height: int) -> int:
    """Power-of-two reduction to decode at: the smallest image that still covers the canvas at 1:1."""
    level = 1
    while crop_w / (2 * level) >= width and crop_h / (2 * level) >= height:
        level *= 2
    return _within_cached_side(level, photo_w, photo_h)


def _within_cached_side(level: int, photo_w: int, photo_h: int) -> int:
    """`level`, doubled until the photo's long side at that reduction fits _MAX_CACHED_SIDE."""
    while max(photo_w, photo_h) / level > _MAX_CACHED_SIDE:
        level *= 2
    return level


# --------------------------------------------------------------------------- decoded-photo cache

_cache: OrderedDict[tuple, tuple[np.ndarray, bool]] = OrderedDict()  # key -> (level, memory-mapped?)
_cache_bytes = 0
_mapped_bytes = 0  # of the memory maps in _cache
_cache_lock = threading.Lock()


def cache_bytes() -> int:
    """Bytes of decoded photos held in this process (bounded by a fixed budget of about 128 MiB)."""
    return _cache_bytes


def mapped_bytes() -> int:
    """Bytes of decoded-photo files this process keeps memory-mapped (bounded by about 160 MiB)."""
    return _mapped_bytes


def clear_cache() -> None:
    global _cache_bytes, _mapped_bytes
    with _cache_lock:
        _cache.clear()
        _open.clear()
        _cache_bytes = _mapped_bytes = 0


def _stat(file: str) -> os.stat_result:
    """The photo's stat, whose mtime and size key its cached levels; one clear error if it is gone."""
    try:
        return os.stat(file)
    except OSError as err:
        raise TextsynthError(f"{file}: cannot read photo ({err.strerror or err})") from None


def _memory_key(file: str, st: os.stat_result, level: int | tuple[int, int]) -> tuple:
    """The in-memory cache's key of a level: a power-of-two reduction (int) or a rung's (width, height)."""
    return file, st.st_mtime_ns, st.st_size, level


def _held(key: tuple) -> np.ndarray | None:
    """The level of `key` if this process holds it (mapped or in memory), now the most recently used."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None:
            return None
        _cache.move_to_end(key)
        return hit[0]


def _remember(key: tuple, img: np.ndarray, mapped: bool) -> np.ndarray:
    """Hold a level in the cache: least recently used entries go once either budget is spent (an
    evicted map is unmapped when its last crop is done; reopening it is a page-cache hit)."""
    global _cache_bytes, _mapped_bytes
    with _cache_lock:
        if key not in _cache:
            _cache[key] = img, mapped
            if mapped:
                _mapped_bytes += img.nbytes
            else:
                _cache_bytes += img.nbytes
            while (_cache_bytes > _CACHE_BYTES or _mapped_bytes > _MAPPED_BYTES) and len(_cache) > 1:
                _, (old, was_mapped) = _cache.popitem(last=False)
                if was_mapped:
                    _mapped_bytes -= old.nbytes
                else:
                    _cache_bytes -= old.nbytes
        return _cache[key][0]


def decoded(file: str, level: int, photo_w: int, photo_h: int) -> np.ndarray:
    """A power-of-two level (what records from before the ladder read), from the cache."""
    st = _stat(file)
    key = _memory_key(file, st, level)
    held = _held(key)
    if held is not None:
        return held
    return _remember(key, *_decoded_on_disk(file, st, level, photo_w, photo_h))


# A rung is stored as vertical strips of STRIP columns, each strip's rows one after another, so a
# window's rows are read with one pread a strip: about the window's own bytes, no page faults and no
# map kept (a row-major level read whole rows, 2.5-3x the window; mapped, it faulted ~40-100 times a crop)
STRIP = 128
_MAX_OPEN = 256  # strip files kept open, per process (a default 512² run reads ~230)
_open: OrderedDict[tuple, tuple[io.FileIO, int, int] | None] = OrderedDict()  # None: held in _cache
_scratch = threading.local()  # each thread's read buffer, reused: fresh pages would fault


def level_box(file: str, size: tuple[int, int], photo_w: int, photo_h: int, box: Box) -> Pieces:
    """The box (x0, y0, x1, y1) of the rung of `size`, as the pieces of its strips it spans (views of
    this thread's read buffer, good until its next read), or one view of the level held in memory
    where the cache folder cannot be written."""
    st = _stat(file)
    key = (file, st.st_mtime_ns, st.st_size, size)
    for _ in range(2):
        level = _strip_file(key, file, st, size, photo_w, photo_h)
        if isinstance(level, np.ndarray):
            x0, y0, x1, y1 = box
            return [(0, level[y0:y1, x0:x1])]
        pieces = _read_box(level, box)
        if pieces is not None:
            return pieces
        with _cache_lock:  # cut short since it was opened: forgotten, so the next open makes it again
            if _open.get(key) is level:
                del _open[key]
    raise TextsynthError(
        f"{level[0].name}: decoded-photo cache file is cut short again as soon as it is made"
    )


def _strip_file(
    key: tuple, file: str, st: os.stat_result, size: tuple[int, int], photo_w: int, photo_h: int
) -> tuple[io.FileIO, int, int] | np.ndarray:
    """The open strip file of a rung, from the files kept open (opened, or made, on first need), or
    the rung's picture where the cache folder could not take it (held in memory, made again if gone)."""
    with _cache_lock:
        handle = _open.get(key, False)
        if handle is not False:
            _open.move_to_end(key)
    if handle is None:
        handle = _held(_memory_key(file, st, _power_or_size(size, photo_w, photo_h)))
    if handle is not None and handle is not False:
        return handle
    made = _open_strips(file, st, size, photo_w, photo_h)
    with _cache_lock:
        _open[key] = made if isinstance(made, tuple) else None
        while len(_open) > _MAX_OPEN:  # a reader still holding a file keeps it open
            _open.popitem(last=False)
    return made


def _power_or_size(size: tuple[int, int], photo_w: int, photo_h: int) -> int | tuple[int, int]:
    """A rung's level in the in-memory cache: the power-of-two reduction where it is one (the same
    pixels as the level records from before the ladder read), else its size."""
    level = _source_level(photo_w, photo_h, size)
    return level if size == (math.ceil(photo_w / level), math.ceil(photo_h / level)) else size


def _read_box(handle: tuple[io.FileIO, int, int], box: Box) -> Pieces | None:
    """The box's pieces of the strips, read into this thread's buffer; None if the file is cut short."""
    fio, offset, rows = handle
    x0, y0, x1, y1 = box
    j0, j1 = x0 // STRIP, (x1 - 1) // STRIP
    need = (j1 - j0 + 1) * (y1 - y0) * STRIP * 3
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.size < need:
        buffer = _scratch.buffer = np.empty(max(need, 1 << 20), np.uint8)
    strips = buffer[:need].reshape(j1 - j0 + 1, y1 - y0, STRIP, 3)
    pieces: Pieces = []
    for j in range(j0, j1 + 1):
        strip = strips[j - j0]
        if os.preadv(fio.fileno(), [strip], offset + (j * rows + y0) * STRIP * 3) != strip.nbytes:
            return None
        left, right = max(x0, j * STRIP), min(x1, (j + 1) * STRIP)
        pieces.append((left - x0, strip[:, left - j * STRIP : right - j * STRIP]))
    return pieces


def _open_strips(
    file: str, st: os.stat_result, size: tuple[int, int], photo_w: int, photo_h: int
) -> tuple[io.FileIO, int, int] | np.ndarray:
    """The strip file of a rung, open (made first if absent: once per machine), its data's offset and
    its rows; where the cache folder cannot take it, the rung's picture, held in memory instead."""
    path = _cache_path(file, st, f"{size[0]}x{size[1]}/strips{STRIP}")
    try:
        return _strips_at(path, size)
    except (OSError, ValueError):
        pass
    img = _rung_image(file, st, size, photo_w, photo_h)
    width, height = size
    strips = np.zeros((-(-width // STRIP), height, STRIP, 3), np.uint8)
    for j in range(strips.shape[0]):
        part = img[:, j * STRIP : (j + 1) * STRIP]
        strips[j, :, : part.shape[1]] = part
    if _store(path, strips):
        with contextlib.suppress(OSError, ValueError):  # stored, yet unreadable: as if not stored
            return _strips_at(path, size)
    # a read-only or full cache folder: the picture just made is held, not made again for each crop
    return _remember(_memory_key(file, st, _power_or_size(size, photo_w, photo_h)), img, False)


def _store(path: Path, array: np.ndarray) -> bool:
    """Write `array` to `path` as a .npy file, atomically: through a temporary of its own in the same
    folder (unique, so threads and processes making the same level never write one file), renamed.
    False where the cache folder cannot take it (read-only, full); no temporary is left behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{path.stem}.", suffix=".tmp.npy", dir=path.parent)
    except OSError:
        return False
    stored = False
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)  # mkstemp's 0600 would hide it from others sharing the cache
            np.save(f, array)
        os.replace(tmp, path)
        stored = True
    except OSError:
        pass
    finally:  # any failure, an interrupt too, takes its temporary with it
        if not stored:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return stored


def _strips_at(path: Path, size: tuple[int, int]) -> tuple[io.FileIO, int, int]:
    """An existing strip file of a rung of `size`, open; ValueError if it is not one, exactly (cut short,
    or with bytes after it: a reader takes its size as the level's)."""
    width, height = size
    shape = (-(-width // STRIP), height, STRIP, 3)
    fio = io.FileIO(path, "r")
    try:
        head = os.pread(fio.fileno(), 256, 0)
        found = _NPY_HEADER.match(head)
        if found:  # the header np.save writes, read without ast.literal_eval (half the cost of an open)
            offset = 10 + int.from_bytes(head[8:10], "little")
            stored = tuple(int(side) for side in found.groups())
        else:  # another numpy's wording: the slower, general reader
            with open(fio.fileno(), "rb", closefd=False) as f:
                if np.lib.format.read_magic(f) != (1, 0):
                    raise ValueError(f"{path}: not a .npy 1.0 file")
                stored, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                offset = f.tell()
            if dtype != np.uint8 or fortran:
                raise ValueError(f"{path}: not a C-ordered uint8 array")
        if stored != shape:
            raise ValueError(f"{path}: not the strips of a {width}x{height} level")
        if os.fstat(fio.fileno()).st_size != offset + math.prod(shape):
            raise ValueError(f"{path}: cut short or with bytes after its strips")
    except BaseException:
        fio.close()
        raise
    return fio, offset, height


_NPY_HEADER = re.compile(
    rb"\x93NUMPY\x01\x00..\{'descr': '\|u1', 'fortran_order': False, 'shape': \((\d+), (\d+), (\d+), (\d+)\), \}",
    re.DOTALL,
)


def _rung_image(
    file: str, st: os.stat_result, size: tuple[int, int], photo_w: int, photo_h: int
) -> np.ndarray:
    """A rung as one picture, to store: a power-of-two level decoded (libjpeg scales by 1/2, 1/4, 1/8),
    or one between them area-averaged from the power-of-two level above it (a shrink under 2x)."""
    level = _source_level(photo_w, photo_h, size)
    power = (math.ceil(photo_w / level), math.ceil(photo_h / level))
    if size == power:
        return _decode(file, level, photo_w, photo_h)
    source = _held(_memory_key(file, st, level))  # held where the cache folder cannot be written
    if source is None:
        source = _open_strips(file, st, power, photo_w, photo_h)
    if isinstance(source, tuple):
        fio, offset, rows = source
        count = -(-power[0] // STRIP) * rows * STRIP * 3
        with fio:  # opened for this read alone (not one of the files kept open)
            strips = np.fromfile(fio, np.uint8, count, offset=offset).reshape(-1, rows, STRIP, 3)
        source = strips.transpose(1, 0, 2, 3).reshape(rows, -1, 3)[:, : power[0]]
    img = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
    img.flags.writeable = False
    return img


def _cache_path(file: str, st: os.stat_result, name: str) -> Path:
    """Where a decoded form of a photo (named `name`) is cached: keyed by its path, mtime and size."""
    key = hashlib.sha256(f"{os.path.abspath(file)}|{st.st_mtime_ns}|{st.st_size}|{name}".encode()).hexdigest()
    return cache_dir() / "photos" / f"{key[:32]}.npy"


def _source_level(photo_w: int, photo_h: int, size: tuple[int, int]) -> int:
    """The power-of-two level a rung of `size` is area-averaged from: the smallest that covers it, but
    never one over 4096 px (for a larger photo it may then be smaller than the rung: `rung_for` does
    not put such a rung on the ladder, so crops never read an enlargement as a rung)."""
    level = 1
    while math.ceil(photo_w / (2 * level)) >= size[0] and math.ceil(photo_h / (2 * level)) >= size[1]:
        level *= 2
    return _within_cached_side(level, photo_w, photo_h)


def _decoded_on_disk(
    file: str, st: os.stat_result, level: int, photo_w: int, photo_h: int
) -> tuple[np.ndarray, bool]:
    """A decoded level as a read-only memory map of a .npy file (and True): JPEG decoding (about 0.1 s
    a photo) happens once per machine, and every worker process shares the same page-cache pages.
    Where the cache folder cannot be written, the decoded array itself (and False)."""
    path = _cache_path(file, st, str(level))
    try:
        return _mapped_npy(path), True
    except (OSError, ValueError):
        pass
    img = _decode(file, level, photo_w, photo_h)
    if _store(path, img):
        with contextlib.suppress(OSError, ValueError):  # stored, yet unreadable: as if not stored
            return _mapped_npy(path), True
    return img, False  # a read-only or full cache folder: keep the decoded copy in memory only


def _mapped_npy(path: Path) -> np.ndarray:
    """A uint8 .npy file (as np.save writes it) memory-mapped read-only: np.load(mmap_mode="r") without
    its np.memmap machinery (a third of the cost; a crop may open a level it has not seen).

    The map is marked MADV_HUGEPAGE: where the page cache is filled through it, Linux reads the file into
    large folios and maps them a block at a time, so a crop takes ~2.8x fewer page faults and TLB
    misses (a ground photo ~12% less CPU at 1024²). Only a hint: the same bytes either way."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version != (1, 0):
            raise ValueError(f"{path}: .npy version {version}, not 1.0")
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        if dtype != np.uint8 or fortran:
            raise ValueError(f"{path}: not a C-ordered uint8 array")
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        offset = f.tell()
    if hasattr(mmap, "MADV_HUGEPAGE"):
        with contextlib.suppress(OSError):  # a kernel without transparent huge pages for files
            mapped.madvise(mmap.MADV_HUGEPAGE)
    return np.frombuffer(mapped, np.uint8, math.prod(shape), offset).reshape(shape)


def _decode(file: str, level: int, photo_w: int, photo_h: int) -> np.ndarray:
    target = (max(1, math.ceil(photo_w / level)), max(1, math.ceil(photo_h / level)))
    try:
        with Image.open(file) as im:
            turn = orientation(im)
            turned = turn in (5, 6, 7, 8)
            size = im.size[::-1] if turned else im.size
            if size != (photo_w, photo_h):
                raise TextsynthError(
                    f"{file}: photo is {size[0]}x{size[1]}, the crop's params say {photo_w}x{photo_h}; "
                    "the file changed since the crop was sampled"
                )
            if im.format == "JPEG" and level > 1:  # let libjpeg decode at 1/2, 1/4 or 1/8 scale
                im.draft("RGB", target[::-1] if turned else target)
            img = _to_rgb(ImageOps.exif_transpose(im) if turn != 1 else im)
    except TextsynthError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise TextsynthError(f"{file}: cannot decode photo ({type(err).__name__}: {err})") from None
    if (img.shape[1], img.shape[0]) != target:
        img = cv2.resize(img, target, interpolation=cv2.INTER_AREA)
    img.flags.writeable = False
    return img


def orientation(im: Image.Image) -> int:
    """EXIF orientation of a camera format; PNG's is ignored, as reading it would decode the whole file."""
    if im.format not in ("JPEG", "MPO", "WEBP"):
        return 1
    return int(im.getexif().get(0x0112, 1) or 1)


def _to_rgb(im: Image.Image) -> np.ndarray:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))  # transparent parts show white
        return np.array(Image.alpha_composite(white, rgba).convert("RGB"))
    return np.array(im.convert("RGB"))
