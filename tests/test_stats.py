"""`textsynth stats`: counts agree with the shards themselves and with the manifest's running totals."""

from __future__ import annotations

import json
import tarfile
from collections import Counter

import numpy as np
import pytest

from textsynth.cli import main
from textsynth.config import RenderConfig
from textsynth.run.runner import run_render
from textsynth.sources.corpus import Corpus, is_cjk_ideograph


def _records(out):
    for shard in sorted(out.glob("shard-*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    yield json.loads(tar.extractfile(member).read())
                elif member.name.endswith(".txt"):
                    yield tar.extractfile(member).read().decode()


def _stats_json(out, capsys) -> dict:
    assert main(["stats", str(out), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_counts_match_the_shards(demo_run, capsys):
    stats = _stats_json(demo_run, capsys)
    items = list(_records(demo_run))
    records = [r for r in items if isinstance(r, dict)]
    captions = [c for c in items if isinstance(c, str)]
    texts = [t for r in records for t in r["texts"]]
    assert (stats["samples"], stats["shards"], stats["texts"]) == (10, 3, len(texts))
    chars = {ch for t in texts for ch in t["text"] if is_cjk_ideograph(ch)}
    assert stats["characters"]["distinct"] == len(chars)
    assert stats["characters"]["gb2312_covered"] + stats["characters"]["outside_gb2312"] == len(chars)
    assert stats["caption_length"]["max"] == max(len(c) for c in captions)
    assert sum(stats["caption_length"]["histogram"].values()) == 10
    assert sum(stats["fonts"].values()) == sum(stats["directions"].values()) == len(texts)
    assert set(stats["fonts"]) == {t["font"] for t in texts}


def test_every_sample_covers_its_cycle_word(tmp_path, capsys):
    """Templates whose primary slot is a corpus word show a different word of the 50k list in every sample."""
    config = RenderConfig(seed=4, count=6, shard_size=3, width=96, height=96,
                          templates={"shop_sign": 1, "book_cover": 1, "promo_poster": 1}).validate()  # fmt: skip
    run_render(config, str(tmp_path / "out"), workers=1)
    stats = _stats_json(tmp_path / "out", capsys)
    assert stats["words"]["corpus_size"] == len(Corpus.load().words)
    assert stats["skipped_words"] == 0
    assert stats["words"]["covered_as_primary"] == 6
    assert stats["words"]["coverage"] == round(6 / stats["words"]["corpus_size"], 6)


def test_samples_without_the_cycle_word_do_not_count(demo_run, capsys):
    """A business card's main text is a name, not the run's word: only samples showing their word count."""
    stats = _stats_json(demo_run, capsys)
    corpus = Corpus.load()
    records = [r for r in _records(demo_run) if isinstance(r, dict)]
    shown = {
        corpus.primary_word(3, r["index"])
        for r in records
        if corpus.primary_word(3, r["index"]) in r["texts"][0]["text"]
    }
    assert stats["words"]["covered_as_primary"] == len(shown)


def test_agrees_with_manifest_totals(demo_run, capsys):
    """Two independent counts: per-shard counters kept while rendering, and a re-read of every KEY.json."""
    stats = _stats_json(demo_run, capsys)
    totals = json.loads((demo_run / "manifest.json").read_text())["stats"]
    for key in ("templates", "fonts", "directions", "effects"):
        assert stats[key] == totals[key], key
    assert stats["skipped_words"] == totals["skipped_words"]


def test_table_names_templates_and_shares(demo_run, capsys):
    stats = _stats_json(demo_run, capsys)
    assert main(["stats", str(demo_run), "--no-progress", "--top", "3"]) == 0
    text = capsys.readouterr().out
    for name, count in list(stats["templates"].items())[:3]:
        assert any(
            line.split() == [name, str(count), f"{100 * count / 10:.1f}%"] for line in text.splitlines()
        )
    assert "of 50000 corpus words shown as primary text" in text
    assert "more)" in text  # fonts beyond --top 3 are summed in one row


def test_appearance_figures_follow_the_records(demo_run, capsys):
    """Photo share, primary-text spread per template and style classes, recomputed by hand."""
    from textsynth.sources.fonts import load_manifest

    stats = _stats_json(demo_run, capsys)
    records = [r for r in _records(demo_run) if isinstance(r, dict)]
    photos = sum(r["background"] == "photo" for r in records)
    assert stats["photo_share"] == round(photos / len(records), 4)
    backdrops = sum(json.loads(r["scene"])["backdrop"] is not None for r in records)
    assert stats["backdrop_share"] == round(backdrops / len(records), 4)
    faces = {f.id: f for f in load_manifest()}
    styles = Counter(faces[t["font"]].style for r in records for t in r["texts"])
    assert stats["style_classes"] == dict(styles.most_common())
    for template, spread in stats["layout_spread"].items():
        centres = [
            np.mean(t["polygon"], axis=0) / [r["width"], r["height"]]
            for r in records if r["template"] == template for t in r["texts"] if t["primary"]
        ]  # fmt: skip
        assert spread["n"] == len(centres)
        assert spread["std_x"] == pytest.approx(np.std([c[0] for c in centres]), abs=1e-4)
        cells = Counter((min(int(c[0] * 3), 2), min(int(c[1] * 3), 2)) for c in centres)
        assert spread["places"] == sum(n >= 0.05 * len(centres) for n in cells.values())


def test_scripts_table_counts_the_faces_of_chinese_text(demo_run):
    from textsynth.qa.stats import collect_stats

    stats = collect_stats(str(demo_run))
    assert set(stats["scripts"]) == {"SC"}  # the default, simplified, never uses a TC face
    assert sum(stats["scripts"].values()) <= stats["texts"]
    assert stats["exposure"]["charset"] == "gb2312" and stats["exposure"]["seen_1"] > 0
