"""Hugging Face `datasets` features for textsynth shards, so `load_dataset("webdataset", ...)` never guesses.

`datasets` infers a schema from the first five samples; a column that happens to be empty there
(no effects, no skipped words) would be typed null and later samples would fail. Passing these
features removes the guess; with `out=` the columns follow the run's config (`--format`, and the
members and fields `--conditioning`, `--contours` and `--pairs` add):

    load_dataset("webdataset", data_files={"train": "out/shard-*.tar"}, split="train",
                 features=textsynth.hf_features(out="out"))
"""

from __future__ import annotations

from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.record import CAPTION_KEYS, IMAGE_FORMATS, POLYGON, RECORD_FIELDS, hf_type

__all__ = ["CAPTION_KEYS", "hf_features"]


def hf_features(
    image_format: str | None = None, *, out: str | None = None, conditioning: list[str] | tuple[str, ...] | None = None,
    contours: bool | None = None, pairs: bool | None = None,
) -> Any:  # fmt: skip
    """`datasets.Features` of the shard contract (KEY.<image_format>, KEY.txt, KEY.json), plus the
    KEY.<map>.png members, texts' `contour` and KEY.pair.* members of a run rendered with them.

    Each argument left out is taken from `out`'s manifest when given, else the default (`jpg`, none).
    """
    try:
        import datasets
    except ImportError:
        raise TextsynthError("hf_features needs Hugging Face datasets: pip install datasets") from None
    config = _manifest_config(out) if out is not None else {}
    if image_format is None:
        image_format = config.get("image_format", "jpg")
    conditioning = config.get("conditioning", []) if conditioning is None else conditioning
    contours = bool(config.get("contours")) if contours is None else contours
    pairs = bool(config.get("pairs")) if pairs is None else pairs
    if image_format not in IMAGE_FORMATS:
        raise TextsynthError(f"image_format must be one of {', '.join(IMAGE_FORMATS)}, got {image_format!r}")
    string = datasets.Value("string")
    record = {f.name: hf_type(f.type, datasets) for f in RECORD_FIELDS}
    if contours:
        record["texts"][0]["contour"] = hf_type(POLYGON, datasets)  # N [x, y] points (16 on an arc)
    from textsynth.render.conditioning import hf_conditioning_features

    sample = {
        image_format: datasets.Image(),
        "txt": string,
        "json": record,
        **hf_conditioning_features(conditioning),
    }
    pair = {f"pair.{name}": feature for name, feature in sample.items()} if pairs else {}
    return datasets.Features({"__key__": string, "__url__": string, **sample, **pair})


def _manifest_config(out: str) -> dict:
    from textsynth.io.shards import MANIFEST, Output, read_manifest

    output = Output(out)
    manifest = read_manifest(output)
    config = manifest.get("config") if isinstance(manifest, dict) else None
    if not isinstance(config, dict) or "image_format" not in config:
        raise TextsynthError(
            f"{output.path(MANIFEST)}: missing or without config.image_format; is {out} a render output?"
        )
    return config
