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


# --- position and colour claims against the final polygons and drawn colours ---------------------

from textsynth.qa.caption_claims import claims, wrong_claims  # noqa: E402


def _moved(record, index, corner):
    """A copy of the record with text `index`'s final polygon moved into a corner of the canvas."""
    import copy

    record = copy.deepcopy(record)
    w, h = record["width"], record["height"]
    x, y = (0.05 * w, 0.05 * h) if corner == "top-left" else (0.85 * w, 0.85 * h)
    record["texts"][index]["polygon"] = [
        [x, y],
        [x + 0.1 * w, y],
        [x + 0.1 * w, y + 0.1 * h],
        [x, y + 0.1 * h],
    ]
    return record


def test_a_wrong_position_is_a_hallucination(demo_run):
    caught = 0
    for record in iter_records(demo_run):
        for lang in ("zh", "en"):
            caption = record["captions"][lang]
            for claim in claims(caption, lang):
                if not claim.positions:
                    continue
                index = next(i for i, t in enumerate(record["texts"]) if t["text"] == claim.text)
                said = claim.positions[0]
                for corner in ("top-left", "bottom-right"):
                    moved = _moved(record, index, corner)
                    where = {"top-left": ("左上角", "in the top-left corner"),
                             "bottom-right": ("右下角", "in the bottom-right corner")}[corner][lang == "en"]  # fmt: skip
                    if said == where or sum(t["text"] == claim.text for t in record["texts"]) > 1:
                        continue
                    score = score_caption(caption, moved, lang)
                    assert any(h.startswith(f"position of “{claim.text}”") for h in score.hallucinations)
                    assert score.scores["hallucination"] <= 4 and score.relevance < 1.0
                    caught += 1
    assert caught >= 5


def test_a_wrong_colour_is_a_hallucination(demo_run):
    caught = 0
    for record in iter_records(demo_run):
        scene = json.loads(record["scene"])
        for claim in claims(record["captions"]["zh"], "zh"):
            if not claim.colors or claim.colors[0] in ("青色",):
                continue
            index = next(i for i, t in enumerate(scene["texts"]) if t["text"] == claim.text)
            item = scene["texts"][index]
            item["style"]["fill"]["colors"] = ["#00ffff"] * len(item["style"]["fill"]["colors"])
            item["style"]["stroke_width"] = 0
            edited = {**record, "scene": json.dumps(scene, ensure_ascii=False)}
            wrong = wrong_claims(record["captions"]["zh"], edited, "zh")
            assert any(w.startswith(f"colour of “{claim.text}”") for w in wrong), wrong
            caught += 1
    assert caught >= 3


def test_claims_belong_to_the_text_they_describe():
    zh = "一张海报，上方用红色大号黑体写着“甲，乙”。左侧是蓝色的“丙”，右下角是白色的“丁”。标题“戊”位于中间，为黑色楷体，文字带有白色描边。整体光线从左上方照来。"
    got = {c.text: (c.positions, c.colors) for c in claims(zh, "zh")}
    assert got == {"甲，乙": (["上方"], ["红色"]), "丙": (["左侧"], ["蓝色"]), "丁": (["右下角"], ["白色"]),
                   "戊": (["中间"], ["黑色", "白色"])}  # fmt: skip
    en = ('A poster. It says "A. B" at the top in large red text. There is also "C" on the left in blue text '
          'and "D" in the bottom-right corner in dark gray text. The image is lit from the upper left.')  # fmt: skip
    got = {c.text: (c.positions, c.colors) for c in claims(en, "en")}
    assert got == {"A. B": (["at the top"], ["red"]), "C": (["on the left"], ["blue"]),
                   "D": (["in the bottom-right corner"], ["dark gray"])}  # fmt: skip
    # a colour that opens the sentence is still the whole colour (dark red, not red)
    got = {
        c.text: c.colors for c in claims('Dark red serif lettering reads "E", with a white outline.', "en")
    }
    assert got == {"E": ["dark red", "white"]}


def test_diversity_counts_distinct_sentence_skeletons():
    from textsynth.qa.caption_report import diversity

    same = ["上方写着“甲”。背景是红色。", "下方写着“乙”。背景是蓝色。"]
    assert diversity(same, "zh")["distinct_sentence_skeletons"] == 2  # 写着 / 背景是
    other = [*same, "标题“丙”位于左侧。"]
    assert diversity(other, "zh")["distinct_sentence_skeletons"] == 3
