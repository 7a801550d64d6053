"""Hugging Face `datasets` features for textsynth shards, so `load_dataset("webdataset", ...)` never guesses.

`datasets` infers a schema from the first five samples; a column that happens to be empty there
(no effects, no skipped words) would be typed null and later samples would fail. Passing these
features removes the guess:

    load_dataset("webdataset", data_files={"train": "out/shard-*.tar"}, split="train",
                 features=textsynth.hf_features())
"""

from __future__ import annotations

from typing import Any

CAPTION_KEYS = ("zh", "en", "short_zh", "short_en")


def hf_features(
    image_format: str = "jpg", conditioning: tuple[str, ...] | list[str] = (), contours: bool = False,
    pairs: bool = False,
) -> Any:  # fmt: skip
    """`datasets.Features` matching the shard contract (KEY.<image_format>, KEY.txt, KEY.json), plus the
    KEY.<map>.png members, texts' `contour` and KEY.pair.* members of a run rendered with
    `conditioning` / `contours` / `pairs` (its manifest's config says which)."""
    try:
        import datasets
    except ImportError:
        from textsynth.errors import TextsynthError

        raise TextsynthError("hf_features needs Hugging Face datasets: pip install datasets") from None
    string, int64, number = datasets.Value("string"), datasets.Value("int64"), datasets.Value("float64")
    polygon = [[number]]  # four [x, y] points in final image pixels
    record = {
        "key": string, "seed": int64, "index": int64, "width": int64, "height": int64,
        "template": string, "background": string,
        "captions": {key: string for key in CAPTION_KEYS},
        "texts": [{
            "text": string, "role": string, "font": string, "size_px": int64, "color": string,
            "direction": string, "polygon": polygon, "chars": [{"char": string, "polygon": polygon}],
            "primary": datasets.Value("bool"), "lines": [string], "styles": [string],
        }],
        "decorations": [string], "geometry": [string], "effects": [string],
        "jpeg_quality": int64, "skipped_words": [string], "resampled": int64, "scene": string,
    }  # fmt: skip
    if contours:
        record["texts"][0]["contour"] = polygon  # N [x, y] points (16 on an arc)
    from textsynth.render.conditioning import hf_conditioning_features

    sample = {
        image_format: datasets.Image(),
        "txt": string,
        "json": record,
        **hf_conditioning_features(conditioning),
    }
    pair = {f"pair.{name}": feature for name, feature in sample.items()} if pairs else {}
    return datasets.Features({"__key__": string, "__url__": string, **sample, **pair})
