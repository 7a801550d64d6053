"""Hugging Face `datasets` features for textsynth shards, so `load_dataset("webdataset", ...)` never guesses.

`datasets` infers a schema from the first five samples; a column that happens to be empty there
(no effects, no skipped words) would be typed null and later samples would fail. Passing these
features removes the guess; with `out=` the image column follows the run's `--format`:

    load_dataset("webdataset", data_files={"train": "out/shard-*.tar"}, split="train",
                 features=textsynth.hf_features(out="out"))
"""

from __future__ import annotations

from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.record import CAPTION_KEYS, IMAGE_FORMATS, RECORD_FIELDS, hf_type

__all__ = ["CAPTION_KEYS", "hf_features"]


def hf_features(image_format: str | None = None, *, out: str | None = None) -> Any:
    """`datasets.Features` of the shard contract (KEY.<image_format>, KEY.txt, KEY.json).

    The image column is `image_format`, else the format recorded in `out`'s manifest, else `jpg`.
    """
    try:
        import datasets
    except ImportError:
        raise TextsynthError("hf_features needs Hugging Face datasets: pip install datasets") from None
    if image_format is None:
        image_format = _manifest_format(out) if out is not None else "jpg"
    if image_format not in IMAGE_FORMATS:
        raise TextsynthError(f"image_format must be one of {', '.join(IMAGE_FORMATS)}, got {image_format!r}")
    string = datasets.Value("string")
    record = {f.name: hf_type(f.type, datasets) for f in RECORD_FIELDS}
    return datasets.Features(
        {"__key__": string, "__url__": string, image_format: datasets.Image(), "txt": string, "json": record}
    )


def _manifest_format(out: str) -> str:
    from textsynth.io.shards import MANIFEST, Output, read_manifest

    output = Output(out)
    manifest = read_manifest(output)
    try:
        return manifest["config"]["image_format"]
    except (TypeError, KeyError):
        raise TextsynthError(
            f"{output.path(MANIFEST)}: missing or without config.image_format; is {out} a render output?"
        ) from None
