"""`textsynth verify`: a good run passes; damaged, incomplete or off-contract output is listed and fails."""

from __future__ import annotations

import json
import shutil
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textsynth.cli import main
from textsynth.config import RenderConfig
from textsynth.io.shards import plan_shards, write_shard
from textsynth.qa.verify import check_shard, verify_output
from textsynth.run.runner import run_render


@pytest.fixture
def copy(demo_run, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(demo_run, out)
    return out


def _verify(out, capsys) -> tuple[int, str]:
    code = main(["verify", str(out), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_clean_run_passes(demo_run, capsys):
    code, text = _verify(demo_run, capsys)
    assert code == 0, text
    assert "ok: 3 shards, 10 samples" in text


def test_one_flipped_byte_fails(copy, capsys):
    shard = copy / "shard-000001.tar"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    code, text = _verify(copy, capsys)
    assert code == 1
    assert "shard-000001.tar: sha256 does not match the manifest" in text
    assert "shard-000000.tar" not in text and "shard-000002.tar" not in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_single_bit_flip_is_caught(demo_run, position, bit):
    data = bytearray((demo_run / "shard-000000.tar").read_bytes())
    info = json.loads((demo_run / "manifest.json").read_text())["shards"]["shard-000000.tar"]
    data[int(position * len(data))] ^= 1 << bit
    problems, _ = check_shard(bytes(data), plan_shards(10, 4)[0], info, "jpg", "zh", 3, decode_images=False)
    assert problems


def test_truncated_shard_is_named(copy, capsys):
    shard = copy / "shard-000002.tar"
    shard.write_bytes(shard.read_bytes()[:3000])
    code, text = _verify(copy, capsys)
    assert code == 1
    assert "shard-000002.tar: 3000 bytes, manifest says" in text


def test_incomplete_run_and_leftover_temporary_are_listed(copy, capsys):
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["shards"]["shard-000001.tar"]
    manifest["complete"] = False
    (copy / "manifest.json").write_text(json.dumps(manifest))
    (copy / "shard-000001.tar").unlink()
    (copy / "shard-000001.tar.tmp-4242").write_bytes(b"half a shard")
    code, text = _verify(copy, capsys)
    assert code == 1
    assert "shard-000001.tar: not finished" in text
    assert "run not complete" in text
    assert "shard-000001.tar.tmp-4242: temporary file left by an interrupted run" in text


def _rewrite_sample(copy, edit) -> None:
    """Change sample 000000004 (shard 1) with `edit(members)`, and update the manifest to match."""
    path = copy / "shard-000001.tar"
    with tarfile.open(path) as tar:
        samples: dict[str, dict] = {}
        for member in tar:
            key, _, ext = member.name.partition(".")
            samples.setdefault(key, {"__key__": key})[ext] = tar.extractfile(member).read()
    edit(samples["000000004"])
    data, sha = write_shard([samples[k] for k in sorted(samples)])
    path.write_bytes(data)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["shards"]["shard-000001.tar"].update(sha256=sha, bytes=len(data))
    (copy / "manifest.json").write_text(json.dumps(manifest))


def _edit_json(members: dict, change) -> None:
    record = json.loads(members["json"])
    change(record)
    members["json"] = json.dumps(record).encode()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda m: m.pop("txt"), "000000004: missing member 000000004.txt"),
        (lambda m: _edit_json(m, lambda r: r.pop("texts")), "000000004.json: texts missing"),
        (
            lambda m: _edit_json(m, lambda r: r.update(width=300)),
            "000000004.json says 300x",
        ),
        (
            lambda m: _edit_json(m, lambda r: r["texts"][0].update(direction="rtl")),
            "texts[0].direction must be ltr or ttb",
        ),
        (
            lambda m: _edit_json(m, lambda r: r["texts"][0].update(polygon=[[0, 0]])),
            "texts[0].polygon must be 4 [x, y] points",
        ),
        (lambda m: m.update(json=b"{not json"), "000000004.json is not valid UTF-8 JSON"),
        (lambda m: m.update(jpg=m["jpg"][:200]), "000000004.jpg does not decode"),
        (lambda m: m.update(txt="别的说明".encode()), "000000004.txt differs from captions.zh"),
        (
            lambda m: _edit_json(m, lambda r: r["texts"][0].update(text="改过的字")),
            "texts[0].text '改过的字' is not quoted in captions.zh",
        ),
        (
            lambda m: _edit_json(m, lambda r: r["texts"].append(dict(r["texts"][0]))),
            "are all marked primary",
        ),
        (
            lambda m: _edit_json(m, lambda r: [t.update(primary=False) for t in r["texts"]]),
            "1 samples have no primary text (first 000000004), the manifest counts 0",
        ),
    ],
)
def test_off_contract_sample_is_named(copy, capsys, edit, expected):
    _rewrite_sample(copy, edit)
    code, text = _verify(copy, capsys)
    assert code == 1
    assert expected in text
    assert "sha256" not in text  # the manifest was updated: only the contract problem remains


def test_png_shard_in_memory_filesystem_passes():
    """fsspec URLs end to end: render to memory:// (a worker hands its bytes back), then verify there."""
    import fsspec

    config = RenderConfig(seed=2, count=3, shard_size=2, width=96, height=96, image_format="png",
                          templates={"shop_sign": 1}).validate()  # fmt: skip
    url = "memory://textsynth-test-verify/out"
    try:
        run_render(config, url, workers=1)
        report = verify_output(url)
        assert report.ok, report.problems
        assert (report.shards_checked, report.samples_checked) == (2, 3)
    finally:
        fsspec.filesystem("memory").rm("/textsynth-test-verify", recursive=True)


def test_not_an_output_gives_clear_error(tmp_path, capsys):
    assert main(["verify", str(tmp_path), "--no-progress"]) == 2
    assert "manifest.json: missing" in capsys.readouterr().err
