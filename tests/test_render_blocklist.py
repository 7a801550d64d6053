"""No sample text holds a blocklisted term, whatever source drew it; the run counts what it threw away."""

from __future__ import annotations

import json
import tarfile

from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.cli import main
from textsynth.sources.blocklist import is_blocked, load_blocklist


def _texts(out):
    for shard in sorted(out.glob("shard-*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    yield from (t["text"] for t in json.loads(tar.extractfile(member).read())["texts"])


def _render(tmp_path, name, *extra):
    words = tmp_path / "words.txt"
    words.write_text("禁词甲\n禁词乙\n茶叶\n咖啡\n面包\n", encoding="utf-8")
    blocklist = tmp_path / "blocklist.txt"
    blocklist.write_text("# test terms\n禁词\n", encoding="utf-8")
    out = tmp_path / name
    argv = ["render", "--out", str(out), "--count", "12", "--shard-size", "12", "--size", "192x192",
            "--workers", "1", "--no-progress", "--templates", "shop_sign", "--corpus", str(words),
            *(extra or ["--blocklist", str(blocklist)])]  # fmt: skip
    assert main(argv) == 0
    return out


def test_blocked_terms_never_reach_a_sample_and_are_counted(tmp_path):
    out = _render(tmp_path, "blocked")
    assert not [t for t in _texts(out) if "禁词" in t]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stats"]["blocked_texts"] > 0


def test_no_blocklist_lets_them_through(tmp_path):
    out = _render(tmp_path, "open", "--no-blocklist")
    assert [t for t in _texts(out) if "禁词" in t]
    assert json.loads((out / "manifest.json").read_text())["stats"]["blocked_texts"] == 0


@settings(max_examples=30)
@given(st.integers(0, 2**31 - 1))
def test_default_run_texts_are_never_blocked(seed):
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context, make_sample

    global _CTX
    if "_CTX" not in globals():
        _CTX = build_context(RenderConfig(seed=0, width=192, height=192))
    blocklist = load_blocklist()
    sample = make_sample(_CTX, seed % 100_000)
    assert not [t.text for t in sample.scene.texts if is_blocked(t.text, blocklist)]
