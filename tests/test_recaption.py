"""`textsynth recaption`: inputs, OCR items, fused captions, the VLM check and fallbacks, shards, resume.

Fast tests use no OCR (quote checks, fusion, inputs, the VLM client against a real local HTTP
server); the slow ones run rapidocr on images whose text is known (tests/recaption_fixtures.py).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from PIL import Image
from vlm_server import VlmServer, bad_answer, good_answer

from textsynth.cli import main
from textsynth.errors import TextsynthError
from textsynth.recaption.fuse import check_quotes, clean_original, fused_captions
from textsynth.recaption.inputs import InputReader, list_inputs, prepare_image
from textsynth.recaption.texts import Filters, FoundText, measure, select
from textsynth.recaption.vlm import VlmClient, VlmSettings
from textsynth.rng import sample_rng

LINES = ["限时优惠", "全场五折", "2月15日"]


def _jpeg(color=(200, 30, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _found(text, box, direction="ltr", size=30, score=0.99) -> FoundText:
    x0, y0, x1, y1 = box
    return FoundText(text, score, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], direction, size)


# --- the quote rule --------------------------------------------------------------------------------


def test_check_quotes_wants_every_line_verbatim_and_nothing_else():
    assert check_quotes(good_answer(LINES), LINES).ok
    bad = check_quotes(bad_answer(LINES), LINES)
    assert bad.missing == ["限时优惠"] and "欢迎光临" in bad.extra and "限时优口" in bad.extra
    # a line inside a longer quoted line is not quoted on its own
    assert check_quotes("写着“上海银行”", ["上海", "上海银行"]).missing == ["上海"]
    assert check_quotes('写着"上海"和“上海银行”', ["上海", "上海银行"]).ok  # ASCII quotes count too
    assert not check_quotes("写着“限时优惠”和“全场五折”和“2月15日", LINES).ok  # unbalanced quote mark


def test_original_caption_keeps_quotes_only_around_ocr_text():
    assert clean_original('海报上写着"SALE"和“限时优惠”', LINES) == "海报上写着SALE和“限时优惠”"


def test_fused_captions_quote_every_line_with_positions(tmp_path):
    items = [
        _found("限时优惠", (100, 10, 300, 60), size=50),
        _found("全场五折", (20, 150, 120, 190)),
        _found("福满堂", (350, 100, 390, 190), direction="ttb"),
    ]
    caps = fused_captions(items, "一张红色的促销海报", 400, 300, sample_rng(0, 1))
    assert caps["zh"].startswith("一张红色的促销海报。")
    assert "上方" in caps["zh"] and "左侧" in caps["zh"] and "右侧竖排" in caps["zh"]
    for field in ("zh", "en"):
        assert check_quotes(caps[field], [t.text for t in items]).ok, caps[field]
    assert "“限时优惠”" in caps["short_zh"] and '"限时优惠"' in caps["short_en"]  # the largest line
    assert fused_captions(items, "", 400, 300, sample_rng(0, 1)) == fused_captions(
        items, "", 400, 300, sample_rng(0, 1)
    )
    empty = fused_captions([], "", 400, 300, sample_rng(0, 1))
    assert set(empty) == {"zh", "en", "short_zh", "short_en"} and "“" not in empty["zh"]


def test_direction_size_and_filters():
    assert measure([[0, 0], [40, 0], [40, 200], [0, 200]], "福满堂") == ("ttb", 40.0)
    assert measure([[0, 0], [200, 0], [200, 40], [0, 40]], "福满堂")[0] == "ltr"
    assert measure([[0, 0], [20, 0], [20, 200], [0, 200]], "SALE")[0] == "ltr"  # rotated Latin is no column
    items = [_found(f"字{i}", (0, 40 * i, 100, 40 * i + 30), size=30 + i) for i in range(5)]
    items += [_found("糊", (0, 300, 50, 330), score=0.3), _found("小", (0, 400, 5, 405), size=5)]
    kept, dropped = select(items, Filters(min_ocr_score=0.8, min_text_height=10, max_lines=3))
    assert [t.text for t in kept] == ["字2", "字3", "字4"]  # the three largest, in reading order
    assert sorted(t.reason for t in dropped) == ["low_score", "over_max_lines", "over_max_lines", "too_small"]


# --- inputs ------------------------------------------------------------------------------------------


def test_folder_inputs_are_recursive_sorted_with_sidecar_captions(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.JPG").write_bytes(_jpeg())
    (tmp_path / "a.png").write_bytes(b"not an image")
    (tmp_path / "a.txt").write_text("一张 海报\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored")
    items = list_inputs(str(tmp_path))
    assert [i.name for i in items] == ["a.png", "b/x.JPG"]
    loaded = InputReader().read(items[0])
    assert loaded.caption == "一张 海报" and loaded.data == b"not an image"


def _write_tar(path: Path, samples: dict[str, dict[str, bytes]]) -> None:
    with tarfile.open(path, "w") as tar:
        for key, members in samples.items():
            for ext, data in members.items():
                info = tarfile.TarInfo(f"{key}.{ext}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def test_shard_inputs_carry_caption_or_metadata(tmp_path):
    _write_tar(tmp_path / "s-0.tar", {"k1": {"jpg": _jpeg(), "txt": "原始描述".encode()},
                                      "k2": {"png": b"x", "json": b'{"caption": "from json"}'},
                                      "k3": {"txt": b"no image"}})  # fmt: skip
    _write_tar(tmp_path / "s-1.tar", {"k4": {"webp": b"y"}})
    for spec in (str(tmp_path), str(tmp_path / "s-{0..1}.tar")):
        items = list_inputs(spec)
        assert [i.name for i in items] == ["s-0.tar:k1", "s-0.tar:k2", "s-1.tar:k4"]
    reader = InputReader()
    assert reader.read(items[0]).caption == "原始描述" and reader.read(items[1]).caption == "from json"
    assert reader.read(items[0]).data == _jpeg()
    with pytest.raises(TextsynthError, match="missing"):
        list_inputs(str(tmp_path / "s-{0..2}.tar"))
    (tmp_path / "loose.jpg").write_bytes(_jpeg())
    with pytest.raises(TextsynthError, match="both images"):
        list_inputs(str(tmp_path))


def test_jpeg_kept_byte_for_byte_other_formats_reencoded_upright():
    data = _jpeg()
    assert prepare_image(data)[0] == data and prepare_image(data)[2] is False
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 255, 0)).save(buffer, format="PNG")
    jpeg, image, reencoded = prepare_image(buffer.getvalue())
    assert (
        reencoded
        and Image.open(io.BytesIO(jpeg)).format == "JPEG"
        and image.getpixel((0, 0)) == (255, 255, 255)
    )
    rotated = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (60, 20), "red").save(rotated, format="JPEG", exif=exif)
    jpeg, image, reencoded = prepare_image(rotated.getvalue())
    assert reencoded and image.size == (20, 60) and Image.open(io.BytesIO(jpeg)).size == (20, 60)
    with pytest.raises((OSError, ValueError)):
        prepare_image(data[: len(data) // 2] + b"\0" * 10)


# --- the VLM client against a real HTTP server -------------------------------------------------------


def _client(server: VlmServer, mode: str, **kw) -> VlmClient:
    settings = VlmSettings(
        url=server.url(mode), model="test-vlm", timeout=kw.pop("timeout", 5.0), backoff=0.01, **kw
    )
    return VlmClient(settings)


@pytest.fixture(scope="module")
def server():
    with VlmServer() as running:
        yield running


def test_vlm_good_answer_is_used(server):
    result = _client(server, "good").caption(_jpeg(), LINES, "一张海报")
    assert (result.outcome, result.requests) == ("ok", 1) and result.caption == good_answer(LINES)
    body = server.httpd.bodies[-1]
    assert body["model"] == "test-vlm" and body["temperature"] == 0
    assert "原有描述" in body["messages"][0]["content"][0]["text"]


def test_vlm_misquote_is_repaired_or_rejected(server):
    fixed = _client(server, "fix_on_repair").caption(_jpeg(), LINES, "")
    assert fixed.outcome == "repaired" and fixed.requests == 2 and check_quotes(fixed.caption, LINES).ok
    repair = server.httpd.bodies[-1]["messages"][-1]["content"]
    assert "“限时优惠”" in repair and "“欢迎光临”" in repair  # tells the model what was wrong
    before = server.requests["misquote"]
    rejected = _client(server, "misquote", repairs=2).caption(_jpeg(), LINES, "")
    assert (rejected.caption, rejected.outcome, rejected.reason) == (None, "fallback", "misquote")
    assert server.requests["misquote"] - before == 3  # the answer and two repairs, then no more


@pytest.mark.parametrize(
    "mode, reason, requests",
    [("error500", "http_500", 3), ("garbage", "bad_response", 3), ("slow", "timeout", 2)],
)
def test_vlm_server_failures_fall_back_after_bounded_retries(server, mode, reason, requests):
    retries = requests - 1
    result = _client(server, mode, retries=retries, timeout=0.3).caption(_jpeg(), LINES, "")
    assert (result.caption, result.outcome, result.reason, result.requests) == (
        None,
        "fallback",
        reason,
        requests,
    )


def test_vlm_server_that_keeps_failing_is_paused(server):
    client = _client(server, "error500", retries=0, pause_after=2, pause_s=60)
    reasons = [client.caption(_jpeg(), LINES, "").reason for _ in range(3)]
    assert reasons == ["http_500", "http_500", "server_down"]
    before = server.requests["error500"]
    assert client.caption(_jpeg(), LINES, "").requests == 0 and server.requests["error500"] == before


def test_vlm_rate_limit_is_retried(server):
    sleeps = []
    client = _client(server, "ratelimit_once")
    client.sleep = sleeps.append
    result = client.caption(_jpeg(), LINES, "")
    assert result.outcome == "ok" and result.requests == 2 and len(sleeps) == 1


def test_vlm_unreachable_server_falls_back():
    settings = VlmSettings(url="http://127.0.0.1:9", model="m", timeout=1, retries=1, backoff=0.01)
    result = VlmClient(settings).caption(_jpeg(), LINES, "")
    assert (result.outcome, result.reason) == ("fallback", "connection")


def test_vlm_endpoint_forms():
    for url in ("http://h:8000", "http://h:8000/", "http://h:8000/v1", "http://h:8000/v1/chat/completions"):
        assert VlmSettings(url=url, model="m").endpoint() == "http://h:8000/v1/chat/completions"


# --- a whole run without OCR work: unreadable images, resume refused with other settings -------------


def test_unreadable_images_are_counted_and_named_never_fatal(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "broken.jpg").write_bytes(_jpeg()[:40])
    (src / "empty.png").write_bytes(b"")
    out = tmp_path / "out"
    argv = ["recaption", str(src), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "unreadable: 2" in err and "broken.jpg" in err and "empty.png" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["stats"]["unreadable_files"] == {"broken.jpg": 1, "empty.png": 1}
    assert main(["verify", str(out), "--no-progress"]) == 0
    assert main([*argv, "--min-ocr-score", "0.5"]) == 2
    assert "different settings (changed: min_ocr_score)" in capsys.readouterr().err
    (src / "new.jpg").write_bytes(_jpeg()[:40])
    assert main(argv) == 2  # the input changed: another listing
    assert "changed: count, inputs" in capsys.readouterr().err


def test_help_names_the_vlm_flags(capsys):
    with pytest.raises(SystemExit):
        main(["recaption", "--help"])
    out = capsys.readouterr().out
    for flag in ("--vlm-url", "--vlm-model", "--vlm-concurrency", "--min-ocr-score", "--min-text-height",
                 "--max-lines", "--keep-textless", "--backend"):  # fmt: skip
        assert flag in out


# --- whole runs with OCR on images whose text is known (slow) ------------------------------------------

KNOWN = 10  # five renders, five photos with words drawn on them


def _shards(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("shard-*.tar"))}


def _records(out: Path) -> list[dict]:
    from textsynth.io.reader import iter_records

    return list(iter_records(str(out)))


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """Known-text images plus one that does not decode and one without text; and a clean one-worker run."""
    from recaption_fixtures import make_known_text_images

    root = tmp_path_factory.mktemp("recap")
    truth = make_known_text_images(root / "in", KNOWN, seed=3)
    (root / "in" / "zz_broken.jpg").write_bytes(_jpeg()[:100])
    Image.new("RGB", (200, 150), (90, 140, 200)).save(root / "in" / "zz_plain.jpg")
    out = root / "clean"
    argv = [
        "recaption",
        str(root / "in"),
        "--out",
        str(out),
        "--shard-size",
        "3",
        "--workers",
        "1",
        "--no-progress",
    ]
    assert main(argv) == 0
    return root, truth, out


@pytest.mark.slow
def test_recaption_finds_the_known_text_and_quotes_every_line(known, capsys):
    from recaption_fixtures import line_scores

    root, truth, out = known
    records = _records(out)
    scores = line_scores(records, truth)
    assert scores["recall"] >= 0.8 and scores["precision"] >= 0.8, scores
    for record in records:
        lines = [t["text"] for t in record["texts"]]
        assert record["source"] == "real" and lines
        for field in ("zh", "en"):
            assert check_quotes(record["captions"][field], lines).ok, record["captions"][field]
        assert record["recaption"]["outcome"] == "fused"
        if record["origin"].startswith("photo/"):  # the photo's own caption, kept and fused
            assert record["original_caption"] and record["captions"]["zh"].startswith(
                record["original_caption"]
            )
            assert record["image_reencoded"]  # written as PNG
        else:
            assert not record["image_reencoded"]
            src = (root / "in" / record["origin"]).read_bytes()
            assert any(src == m for m in _members(out, record["key"], "jpg"))  # original JPEG bytes
    stats = json.loads((out / "manifest.json").read_text())["stats"]
    assert (
        stats["inputs"] == KNOWN + 2
        and stats["textless"] == 1
        and stats["unreadable_files"] == {"zz_broken.jpg": 1}
    )
    assert main(["verify", str(out), "--no-progress"]) == 0
    assert main(["stats", str(out), "--no-progress"]) == 0
    assert main(["captions", str(out), "--quiet"]) == 0
    assert "hallucinations 0.000" in capsys.readouterr().out


def _members(out: Path, key: str, ext: str) -> list[bytes]:
    found = []
    for shard in out.glob("shard-*.tar"):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name == f"{key}.{ext}":
                    found.append(tar.extractfile(member).read())
    return found


@pytest.mark.slow
def test_shard_input_gives_the_same_texts_and_keep_textless(known, tmp_path):
    """The images as a WebDataset tar with .txt captions: same OCR texts; --keep-textless keeps the plain one."""
    root, _, out = known
    files = sorted(p for p in (root / "in").rglob("*") if p.suffix in (".jpg", ".png"))
    samples = {}
    for i, path in enumerate(files):
        sidecar = path.with_suffix(".txt")
        samples[f"{i:04d}"] = {
            path.suffix[1:]: path.read_bytes(),
            **({"txt": sidecar.read_bytes()} if sidecar.is_file() else {}),
        }
    _write_tar(tmp_path / "real-000.tar", samples)
    out_tar = tmp_path / "from_tar"
    argv = [
        "recaption",
        str(tmp_path / "real-000.tar"),
        "--out",
        str(out_tar),
        "--shard-size",
        "5",
        "--keep-textless",
    ]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    by_origin = {r["origin"]: r for r in _records(out)}
    from_tar = _records(out_tar)
    assert len(from_tar) == len(by_origin) + 1  # the plain image is kept, with no texts
    for record in from_tar:
        source = files[int(record["origin"].split(":")[1])].relative_to(root / "in").as_posix()
        if source == "zz_plain.jpg":
            assert record["texts"] == [] and "“" not in record["captions"]["zh"]
            continue
        assert record["texts"] == by_origin[source]["texts"]
        assert (
            record["captions"] == by_origin[source]["captions"]
            or record["index"] != by_origin[source]["index"]
        )
    assert main(["verify", str(out_tar), "--no-progress"]) == 0


@pytest.mark.slow
def test_finetune_real_shards_read_the_output_unchanged(known, demo_run):
    """The fine-tune data path (--real-shards) mixes recaptioned shards with synthetic ones as they are."""
    from textsynth.train import data
    from textsynth.train.loop import TrainConfig, _batch_stream

    _, _, out = known
    real = f"{out}/shard-{{000000..{len(list(out.glob('shard-*.tar'))) - 1:06d}}}.tar"
    config = TrainConfig(model="unused", shards=f"{demo_run}/shard-{{000000..000002}}.tar", output="unused",
                         real_shards=real, synthetic_ratio=0.5, batch_size=1, resolution=64)  # fmt: skip
    captions = {r["key"]: r["captions"]["zh"] for r in _records(out)}
    seen_real = 0
    batches = _batch_stream(config)
    for _ in range(12):
        batch = next(batches)
        decoded = data.decode_batch(batch)
        assert decoded["pixel_values"].shape[-2:] == batch.bucket
        for sample in batch.samples:
            if sample.source == "real":
                seen_real += 1
                assert sample.caption == captions[sample.key]
                assert sample.words() == [t["text"] for t in sample.meta["texts"]]
    assert seen_real


@pytest.mark.slow
def test_kill_9_and_resume_with_two_workers_gives_the_clean_bytes(known, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    root, _, clean = known
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "textsynth.cli", "recaption", str(root / "in"), "--out", str(out),
           "--shard-size", "3", "--workers", "2", "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while not list(out.glob("shard-*.tar")):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = _shards(out)
    assert 0 < len(first) < 4, "the run finished before the kill; nothing was tested"
    assert all(data == _shards(clean)[name] for name, data in first.items())
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "already done" in done.stderr
    assert _shards(out) == _shards(clean)
    resumed, fresh = (json.loads((p / "manifest.json").read_text()) for p in (out, clean))
    assert resumed["complete"] and resumed["shards"] == fresh["shards"] and resumed["stats"] == fresh["stats"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode, outcome",
    [
        ("good", "ok"),
        ("fix_on_repair", "repaired"),
        ("misquote", "fallback"),
        ("error500", "fallback"),
        ("slow", "fallback"),
    ],
)
def test_vlm_run_checks_every_answer_and_falls_back(known, tmp_path, server, mode, outcome):
    root, _, _ = known
    src = tmp_path / "in"
    src.mkdir()
    for name in ("render/0000.jpg", "photo/0001.png"):
        (src / Path(name).name).write_bytes((root / "in" / name).read_bytes())
    out = tmp_path / "out"
    argv = ["recaption", str(src), "--out", str(out), "--workers", "1", "--no-progress", "--vlm-url", server.url(mode),
            "--vlm-model", "test-vlm", "--vlm-timeout", "0.5", "--vlm-retries", "1", "--vlm-backoff", "0.01"]  # fmt: skip
    assert main(argv) == 0
    records = _records(out)
    assert len(records) == 2
    for record in records:
        lines = [t["text"] for t in record["texts"]]
        assert check_quotes(record["captions"]["zh"], lines).ok
        assert record["recaption"]["method"] == "vlm" and record["recaption"]["outcome"] == outcome
        items = [
            FoundText(t["text"], t["score"], t["polygon"], t["direction"], t["size_px"])
            for t in record["texts"]
        ]
        fused = fused_captions(
            items,
            record["original_caption"],
            record["width"],
            record["height"],
            sample_rng(0, record["index"]),
        )["zh"]
        if outcome == "fallback":
            assert record["captions"]["zh"] == fused and record["recaption"]["reason"]
        else:
            assert record["captions"]["zh"] == good_answer(lines)
    assert main(["verify", str(out), "--no-progress"]) == 0
