"""The render command end to end: shards a user's loader can read, same bytes whatever the workers."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import cv2
import numpy as np
import webdataset as wds
from PIL import Image

from textsynth.cli import main


def _argv(out, seed: int, workers: int) -> list[str]:
    """The demo_run command (10 samples, 3 shards) into another folder."""
    return ["render", "--out", str(out), "--count", "10", "--shard-size", "4", "--size", "256x256",
            "--seed", str(seed), "--workers", str(workers), "--no-progress"]  # fmt: skip


def _samples(out):
    urls = sorted(str(p) for p in out.glob("shard-*.tar"))
    return list(wds.WebDataset(urls, shardshuffle=False).decode("rgb8"))


def test_shards_hold_image_caption_and_record(demo_run):
    manifest = json.loads((demo_run / "manifest.json").read_text())
    assert manifest["complete"] and manifest["count"] == 10 and manifest["num_shards"] == 3
    samples = _samples(demo_run)
    assert [s["__key__"] for s in samples] == [f"{i:09d}" for i in range(10)]
    for sample in samples:
        record, caption, image = sample["json"], sample["txt"], sample["jpg"]
        assert image.shape == (record["height"], record["width"], 3)
        assert record["key"] == sample["__key__"] and record["seed"] == 3
        assert caption == record["captions"]["zh"]
        assert record["texts"], "every sample has text"
        primary = record["texts"][0]["text"]
        assert f"“{primary}”" in caption, "the primary text is quoted exactly"
        for text in record["texts"]:
            poly = np.array(text["polygon"])
            assert poly.shape == (4, 2)
            assert (
                (poly >= -1).all()
                and (poly[:, 0] <= record["width"] + 1).all()
                and (poly[:, 1] <= record["height"] + 1).all()
            )
            assert "".join(c["char"] for c in text["chars"]) == text["text"].replace(" ", "")
            assert text["direction"] in ("ltr", "ttb")


def test_manifest_matches_shard_bytes(demo_run):
    manifest = json.loads((demo_run / "manifest.json").read_text())
    for name, info in manifest["shards"].items():
        data = (demo_run / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"] and len(data) == info["bytes"]
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            assert len(tar.getnames()) == 3 * info["count"]


def test_text_regions_hold_ink(demo_run):
    """Inside each word polygon the image is not flat: there is text there."""
    for sample in _samples(demo_run):
        image = cv2.cvtColor(sample["jpg"], cv2.COLOR_RGB2GRAY)
        for text in sample["json"]["texts"]:
            if text["size_px"] < 14:
                continue
            mask = np.zeros(image.shape, np.uint8)
            cv2.fillPoly(mask, [np.round(np.array(text["polygon"])).astype(np.int32)], 1)
            inside = image[mask.astype(bool)]
            assert inside.size and inside.std() > 8, f"{text['text']!r} polygon covers no ink"


def test_same_bytes_with_one_or_two_workers(demo_run, tmp_path):
    out = tmp_path / "one"
    assert main(_argv(out, seed=3, workers=1)) == 0
    for name in ("shard-000000.tar", "shard-000001.tar", "shard-000002.tar"):
        assert (out / name).read_bytes() == (demo_run / name).read_bytes()


def test_resume_finishes_only_missing_shards(demo_run, tmp_path):
    import shutil

    out = tmp_path / "resumed"
    shutil.copytree(demo_run, out)
    (out / "shard-000001.tar").unlink()
    (out / "shard-000002.tar.tmp-999").write_bytes(b"half a shard")
    before = (out / "shard-000000.tar").stat().st_mtime_ns
    assert main(_argv(out, seed=3, workers=1)) == 0
    assert (out / "shard-000000.tar").stat().st_mtime_ns == before, "finished shards are not redone"
    assert (out / "shard-000001.tar").read_bytes() == (demo_run / "shard-000001.tar").read_bytes()
    assert not list(out.glob("*.tmp-*"))


def test_resume_with_other_seed_is_refused(demo_run, tmp_path, capsys):
    import shutil

    out = tmp_path / "other"
    shutil.copytree(demo_run, out)
    assert main(_argv(out, seed=4, workers=1)) == 2
    err = capsys.readouterr().err
    assert "different settings" in err and "seed" in err


def test_images_decode_with_plain_pillow(demo_run):
    with tarfile.open(demo_run / "shard-000000.tar") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".jpg"))
        image = Image.open(tar.extractfile(member))
        assert image.size == (256, 256) or image.size[0] * image.size[1] > 0


def test_sample_bytes_do_not_depend_on_process_history(ctx):
    """A sample rendered first, or after many others and a font-cache flush, is identical."""
    from textsynth.pipeline import make_sample
    from textsynth.sources.fonts import _load_font

    first = make_sample(ctx, 3)
    for index in range(20, 40):
        make_sample(ctx, index)
    _load_font.cache_clear()  # freed fonts let Python reuse their ids
    for index in range(40, 50):
        make_sample(ctx, index)
    again = make_sample(ctx, 3)
    assert np.array_equal(first.image, again.image)
    assert first.record() == again.record()


def test_every_sample_shows_its_cycle_word(demo_run, corpus):
    """The run's word for index i appears in sample i, flagged primary: that is how the 50k get covered."""
    for sample in _samples(demo_run):
        record = sample["json"]
        word = corpus.primary_word(record["seed"], record["index"])
        primary = [t for t in record["texts"] if t["primary"]]
        assert len(primary) == 1 and word in primary[0]["text"], (record["template"], word)
        assert f"“{primary[0]['text']}”" in record["captions"]["short_zh"]


def test_a_sample_renders_again_from_its_shard_record(demo_run, fonts):
    """KEY.json alone is enough to draw the sample again: same pixels before JPEG, same polygons."""
    from textsynth.pipeline import rerender

    sample = _samples(demo_run)[4]
    record = sample["json"]
    again = rerender(record, fonts)
    assert again.image.shape == (record["height"], record["width"], 3)
    assert [t.polygon for t in again.texts] == [t["polygon"] for t in record["texts"]]
    # the shard holds the JPEG of the same pixels: encoding them again gives the very same image
    buffer = io.BytesIO()
    Image.fromarray(again.image).save(buffer, format="JPEG", quality=record["jpeg_quality"])
    assert np.array_equal(np.asarray(Image.open(buffer).convert("RGB")), sample["jpg"])


def test_english_captions_on_request(tmp_path):
    out = tmp_path / "en"
    argv = ["render", "--out", str(out), "--count", "2", "--size", "128x128", "--workers", "1", "--no-progress",
            "--caption-language", "en"]  # fmt: skip
    assert main(argv) == 0
    for sample in _samples(out):
        assert sample["txt"] == sample["json"]["captions"]["en"]
        assert f'"{sample["json"]["texts"][0]["text"]}"' in sample["txt"]
