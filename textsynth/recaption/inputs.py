"""What `recaption` reads: a folder of images (recursive) or WebDataset shards, listed once in a fixed order.

An item is one image with whatever caption or metadata came with it (a sample's .txt/.json,
or a sidecar NAME.txt/NAME.json next to a loose image). Listing reads no pixels, so planning
a million-image run is quick; the listing's digest goes into the run's fingerprint.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from textsynth.errors import TextsynthError

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
CAPTION_FIELDS = ("caption", "text", "alt", "TEXT")  # where LAION-style metadata keeps a caption


@dataclass(frozen=True)
class InputItem:
    """One image: a file, or the members of one sample inside a tar."""

    name: str  # shown in reports and kept as the record's `origin`: "sub/a.jpg" or "shard.tar:key"
    path: str  # the file (image or tar)
    size: int  # bytes of the image
    image: str = ""  # tar member of the image ("" for a loose file)
    caption: str = ""  # tar member or sidecar file holding a caption, if any
    meta: str = ""  # tar member or sidecar file holding JSON metadata, if any


@dataclass
class LoadedInput:
    item: InputItem
    data: bytes
    caption: str
    meta: dict


def list_inputs(spec: str) -> list[InputItem]:
    """Items of INPUT: a folder of images, a .tar, a brace pattern of tars, or a folder of .tar files."""
    if "{" in spec or "::" in spec:
        import braceexpand

        tars = [p for part in spec.split("::") for p in braceexpand.braceexpand(part)]
        missing = [p for p in tars if not Path(p).is_file()]
        if missing:
            raise TextsynthError(f"INPUT {spec!r}: {len(missing)} shard(s) missing, first {missing[0]}")
        return _items_of_tars(tars, common=os.path.commonpath([str(Path(t).parent) for t in tars]))
    path = Path(spec)
    if path.is_file():
        if path.suffix.lower() != ".tar":
            raise TextsynthError(
                f"INPUT {spec}: a file must be a WebDataset .tar; give a folder of images instead"
            )
        return _items_of_tars([str(path)], common=str(path.parent))
    if not path.is_dir():
        raise TextsynthError(f"INPUT {spec}: no such file or folder")
    images, tars = [], []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext in IMAGE_EXTENSIONS:
                images.append(Path(root) / name)
            elif ext == "tar":
                tars.append(str(Path(root) / name))
    if images and tars:
        raise TextsynthError(
            f"INPUT {spec}: holds both images ({len(images)}) and .tar shards ({len(tars)}); "
            "point at one kind (a folder of images, or the shards themselves)"
        )
    if tars:
        return _items_of_tars(sorted(tars), common=str(path))
    if not images:
        raise TextsynthError(f"INPUT {spec}: no images ({', '.join(IMAGE_EXTENSIONS)}) or .tar shards found")
    return [_image_item(file, path) for file in sorted(images, key=lambda p: p.relative_to(path).as_posix())]


def _image_item(file: Path, root: Path) -> InputItem:
    stem = file.with_suffix("")
    caption = next((str(p) for p in (stem.with_suffix(".txt"),) if p.is_file()), "")
    meta = next((str(p) for p in (stem.with_suffix(".json"),) if p.is_file()), "")
    return InputItem(
        name=file.relative_to(root).as_posix(),
        path=str(file),
        size=file.stat().st_size,
        caption=caption,
        meta=meta,
    )


def _items_of_tars(tars: list[str], common: str) -> list[InputItem]:
    items = []
    for tar_path in tars:
        samples: dict[str, dict[str, tuple[str, int]]] = {}
        try:
            with tarfile.open(tar_path, mode="r:") as tar:
                for member in tar:  # headers only: a local tar is read by seeking past the data
                    if not member.isfile():
                        continue
                    folder, _, base = member.name.rpartition("/")
                    stem, dot, ext = base.partition(".")
                    if dot:
                        key = f"{folder}/{stem}" if folder else stem
                        samples.setdefault(key, {})[ext.lower()] = (member.name, member.size)
        except (tarfile.TarError, OSError) as err:
            raise TextsynthError(f"INPUT {tar_path}: not a readable tar ({err})") from None
        shown = os.path.relpath(tar_path, common)
        for key, members in samples.items():  # tar order: the order the shard was written in
            image_ext = next((e for e in IMAGE_EXTENSIONS if e in members), None)
            if image_ext is None:
                continue
            items.append(
                InputItem(
                    name=f"{shown}:{key}",
                    path=tar_path,
                    size=members[image_ext][1],
                    image=members[image_ext][0],
                    caption=members.get("txt", ("", 0))[0],
                    meta=members.get("json", ("", 0))[0],
                )
            )
    if not items:
        raise TextsynthError(
            f"INPUT: no samples with an image ({', '.join(IMAGE_EXTENSIONS)}) in {len(tars)} tar(s)"
        )
    return items


def listing_digest(items: list[InputItem]) -> str:
    """sha256 over every item's name and size: a resume over a changed input is refused."""
    h = hashlib.sha256()
    for item in items:
        h.update(f"{item.name}\t{item.size}\n".encode())
    return h.hexdigest()[:16]


class InputReader:
    """Reads items' bytes; keeps the tars it has opened (one process reads many samples of each)."""

    def __init__(self) -> None:
        self._tars: dict[str, tuple[tarfile.TarFile, dict[str, tarfile.TarInfo]]] = {}

    def read(self, item: InputItem) -> LoadedInput:
        """Bytes, caption and metadata of one item; OSError/ValueError when they cannot be read."""
        if not item.image:
            data = Path(item.path).read_bytes()
            caption = Path(item.caption).read_text(encoding="utf-8", errors="replace") if item.caption else ""
            meta_text = Path(item.meta).read_text(encoding="utf-8", errors="replace") if item.meta else ""
        else:
            data = self._member(item.path, item.image)
            caption = self._member(item.path, item.caption).decode("utf-8", "replace") if item.caption else ""
            meta_text = self._member(item.path, item.meta).decode("utf-8", "replace") if item.meta else ""
        try:
            meta = json.loads(meta_text) if meta_text else {}
        except json.JSONDecodeError:
            meta = {}
        if not isinstance(meta, dict):
            meta = {}
        if not caption.strip():
            caption = next((str(meta[f]) for f in CAPTION_FIELDS if isinstance(meta.get(f), str)), "")
        return LoadedInput(item, data, " ".join(caption.split()), meta)

    def _member(self, tar_path: str, name: str) -> bytes:
        if tar_path not in self._tars:
            tar = tarfile.open(tar_path, mode="r:")  # noqa: SIM115 - kept open for the shard, closed by close()
            self._tars[tar_path] = (tar, {m.name: m for m in tar.getmembers()})
        tar, members = self._tars[tar_path]
        handle = tar.extractfile(members[name])
        if handle is None:
            raise OSError(f"{name} is not a regular file")
        return handle.read()

    def close(self) -> None:
        for tar, _ in self._tars.values():
            tar.close()
        self._tars.clear()


REENCODE_QUALITY = 95


def prepare_image(data: bytes) -> tuple[bytes, object, bool]:
    """(JPEG bytes to store, RGB PIL image, re-encoded?). JPEG RGB with no EXIF rotation is kept byte for byte.

    Anything else (PNG, WebP, grayscale/CMYK JPEG, EXIF-rotated) is turned upright, made RGB
    (transparency over white) and encoded once at a fixed quality, so loaders that ignore EXIF
    see the pixels the polygons refer to. Raises OSError/ValueError on data that does not decode.
    """
    from PIL import Image, ImageOps

    image = Image.open(io.BytesIO(data))
    image.load()
    orientation = image.getexif().get(0x0112, 1)
    if image.format == "JPEG" and image.mode == "RGB" and orientation in (0, 1):
        return data, image, False
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=REENCODE_QUALITY)
    return buffer.getvalue(), image, True
