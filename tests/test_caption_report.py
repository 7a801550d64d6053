"""Caption quality report: real captions score well; invented text and praise are caught."""

from __future__ import annotations

import json

from textsynth.cli import main
from textsynth.io.reader import iter_records
from textsynth.qa.caption_report import score_caption


def test_real_captions_are_faithful(demo_run):
    for record in iter_records(demo_run):
        score = score_caption(record["captions"]["zh"], record, "zh")
        assert score.hallucinations == [] and score.relevance == 1.0
        assert score.scores["hallucination"] == 5 and score.subjective == []
        assert 0.0 < score.completeness <= 1.0
        assert all(1 <= v <= 5 for v in score.scores.values())


def test_invented_text_and_effects_are_hallucinations(demo_run):
    record = next(iter_records(demo_run))
    caption = record["captions"]["zh"]
    invented = caption + "画面中还写着“子虚乌有”。整体带有轻微的噪点。"
    has_noise = "noise" in record["effects"]
    score = score_caption(invented, record, "zh")
    assert "text “子虚乌有”" in score.hallucinations
    assert ("effect noise" in score.hallucinations) != has_noise
    assert score.relevance < 1.0 and score.scores["hallucination"] <= 4


def test_subjective_words_outside_quotes_count(demo_run):
    record = next(iter_records(demo_run))
    texts = [t["text"] for t in record["texts"]]
    praising = score_caption("一张非常漂亮的海报，" + "".join(f"“{t}”" for t in texts), record, "zh")
    assert praising.subjective == ["漂亮", "非常"] and praising.scores["subjectivity"] == 3
    quoted = score_caption("".join(f"“{t}”" for t in texts) + "“非常漂亮”", record, "zh")
    assert quoted.subjective == []


def test_leaving_text_out_lowers_completeness(demo_run):
    record = max(iter_records(demo_run), key=lambda r: len(r["texts"]))
    full = score_caption(record["captions"]["zh"], record, "zh")
    bare = score_caption("一张图片。", record, "zh")
    assert bare.completeness < full.completeness and bare.scores["length"] == 1
    assert len(bare.missing) >= len(record["texts"])


def test_captions_command(demo_run, tmp_path, capsys):
    out = tmp_path / "captions.json"
    assert main(["captions", str(demo_run), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "average over 10 captions" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["averages"]["n"] == 10 and len(data["captions"]) == 10
    assert main(["captions", str(demo_run), "--language", "en", "--quiet"]) == 0
    assert main(["captions", str(tmp_path)]) == 2
