"""Fonts: the shipped manifest, no-tofu coverage checked by rendering, choosing, caching, user fonts."""

from __future__ import annotations

import functools
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.cli import main
from textsynth.errors import TextsynthError
from textsynth.sources import fonts as fontmod
from textsynth.sources.fonts import FontFace, FontLibrary, get_font, load_manifest, scan_dir
from textsynth.sources.glyphs import get_face

WENKAI_BOLD = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
SMILEY = "/usr/share/fonts/truetype/smiley-sans/SmileySans-Oblique.ttf"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# Common simplified, traditional-only, Latin and punctuation, plus characters few or no faces have:
# CJK Extension B (U+20000), a Yi syllable, emoji, Hangul, rare Extension A.
ALPHABET = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "們這說時國為會來經發學對動種東車書長門問間見覺讓話語讀誰貨買賣錢銀鐵電腦網頁"
    "AaBbQqZz0189,.!?;:()@&%ǎǐǒǔǖ，。！？、：；「」《》"
    "𠀀𠀁𪚥ꀀ😀한글㐀㑇䶵鿕"
)


@pytest.fixture(scope="module")
def library() -> FontLibrary:
    return FontLibrary.load()


@functools.cache
def _notdef(face: FontFace) -> tuple[tuple[int, int], bytes]:
    mask = get_face(face, 24).glyph("\U0010fffd").mask  # plane-16 private use: in no shipped font
    return mask.shape, mask.tobytes()


@functools.cache
def renders_visibly(face: FontFace, char: str) -> bool:
    """The real no-tofu test, on the glyphs the images are drawn from: ink, and not the .notdef box."""
    mask = get_face(face, 24).glyph(char).mask
    return bool(mask.any()) and (mask.shape, mask.tobytes()) != _notdef(face)


# --------------------------------------------------------------------------- the shipped manifest


def test_shipped_manifest_spans_styles_weights_and_scripts(library: FontLibrary) -> None:
    listed = load_manifest()
    assert len(listed) >= 14
    assert len(library.faces) >= 12, [m.reason for m in library.missing]
    assert set(library.styles()) == {"sans", "serif", "kai", "fangsong", "brush", "handwriting", "display"}
    assert {f.script for f in library.faces} == {"SC", "TC"}
    assert len({f.weight for f in library.faces}) >= 4
    for face in listed:
        # apt faces name their Debian package; fetched ones how scripts/fetch_fonts.py builds them
        assert face.source or face.package.startswith("fonts-")
        assert len(face.sha256) == 64 and face.license != "unknown"


def test_manifest_ttc_index_points_at_the_named_face(library: FontLibrary) -> None:
    from fontTools.ttLib import TTFont

    for face in library.faces:
        with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
            family = font["name"].getDebugName(16) or font["name"].getDebugName(1)
        assert family == face.family, face.id
        if "CJK" in family:
            assert family.endswith(face.script), face.id


# --------------------------------------------------------------------------- coverage agrees with pixels


@settings(max_examples=40, deadline=None)
@given(chars=st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=6))
def test_covers_agrees_with_rendering(library: FontLibrary, chars: list[str]) -> None:
    for face in library.faces:
        for char in chars:
            assert library.covers(face.id, char) == renders_visibly(face, char), (face.id, char)


def test_characters_mapped_to_blank_glyphs_are_not_covered(library: FontLibrary) -> None:
    # AR PL UKai CN maps some Extension A ideographs, and WQY Micro Hei the pinyin vowels, to empty
    # glyphs: setting a word in them would leave a hole, so they count as not covered.
    for face_id, char in [("ar-pl-ukai-cn", "\u359e"), ("wqy-microhei", "ǎ")]:
        assert not renders_visibly(library.face(face_id), char)
        assert not library.covers(face_id, char)
        assert library.covers(face_id, "你好")


def test_only_ascii_spaces_are_left_to_the_layout(tmp_path: Path) -> None:
    dejavu = _entry(id="dejavu", file=DEJAVU, family="DejaVu Sans", style="sans", weight=400)
    lib = FontLibrary.load(_write_manifest(tmp_path, [dejavu]))
    assert lib.covers("dejavu", "Hello world\n\tagain")
    # DejaVu has no ideographic space: FreeType would draw its .notdef box.
    mask = get_face(lib.face("dejavu"), 24).glyph("\u3000").mask
    assert mask.tobytes() == _notdef(lib.face("dejavu"))[1]
    assert not lib.covers("dejavu", "Hello\u3000world")


# --------------------------------------------------------------------------- choosing


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet=ALPHABET, min_size=1, max_size=8),
    seed=st.integers(0, 2**32 - 1),
    styles=st.none() | st.lists(st.sampled_from(fontmod.STYLES), min_size=1, max_size=2, unique=True),
    weights=st.none() | st.tuples(st.sampled_from([100, 300, 400]), st.sampled_from([400, 700, 900])),
)
def test_choose_never_returns_a_face_missing_a_character(
    library: FontLibrary, text: str, seed: int, styles: list[str] | None, weights: tuple[int, int] | None
) -> None:
    face = library.choose(text, np.random.default_rng(seed), styles=styles, weight_range=weights)
    if face is None:
        for other in library.faces:
            assert not all(renders_visibly(other, c) for c in set(text)), (text, other.id)
        return
    assert all(renders_visibly(face, c) for c in set(text)), (text, face.id)
    if library.candidates(text, styles=styles, weight_range=weights):
        assert styles is None or face.style in styles
        assert weights is None or weights[0] <= face.weight <= weights[1]


def test_word_no_face_covers_gives_none(library: FontLibrary) -> None:
    rng = np.random.default_rng(0)
    for word in ["\U0003134a", "你好\U0003134a", "\U0010fffd"]:  # Extension G, a private-use plane
        assert library.choose(word, rng) is None
        assert library.candidates(word) == []


def test_constraints_relax_but_candidates_do_not(library: FontLibrary) -> None:
    # The brush face (Ma Shan Zheng) has no traditional forms like 們.
    assert library.candidates("們", styles=["brush"]) == []
    face = library.choose("們", np.random.default_rng(1), styles=["brush"])
    assert face is not None and renders_visibly(face, "們")
    face = library.choose("你好", np.random.default_rng(1), styles=["kai"], weight_range=(900, 900))
    assert face is not None and face.style == "kai"  # weight gives way before style
    tc = library.candidates("你好", styles=["serif"], script="TC")
    assert tc and all(f.style == "serif" and f.script == "TC" for f in tc)


def test_choose_is_deterministic_and_uniform(library: FontLibrary) -> None:
    words = ["中国", "你好", "数据", "字体", "春夏秋冬"] * 40

    def picks(seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        return [library.choose(w, rng).id for w in words]

    assert picks(7) == picks(7)
    assert picks(7) != picks(8)
    # uniform over style classes, then over the faces of the class
    classes = Counter(f.style for f in library.faces)
    counts = {f.id: 0 for f in library.faces}
    rng = np.random.default_rng(0)
    draws = 300 * len(classes)
    for _ in range(draws):
        counts[library.choose("中国", rng).id] += 1
    by_class = Counter()
    for face_id, n in counts.items():
        by_class[library.face(face_id).style] += n
    assert all(220 < n < 380 for n in by_class.values()), by_class
    for face in library.faces:  # every face of a class gets its share of the class
        expected = 300 / classes[face.style]
        assert 0.5 * expected < counts[face.id] < 1.6 * expected, (face.id, counts[face.id], expected)


def test_unknown_face_and_style_name_the_valid_choices(library: FontLibrary) -> None:
    with pytest.raises(TextsynthError, match="noto-sans-sc-regular"):
        library.face("comic-sans")
    with pytest.raises(TextsynthError, match="sans, serif, kai"):
        library.candidates("你好", styles=["gothic"])


def test_coverage_report_counts_distinct_characters(library: FontLibrary) -> None:
    report = {face.id: (n, total) for face, n, total in library.coverage_report(["你好", "你們", "𠀀 "])}
    assert report["noto-sans-sc-regular"] == (3, 4)
    assert report["smiley-sans-oblique"] == (2, 4)


# --------------------------------------------------------------------------- Pillow font cache


def test_get_font_is_cached_per_face_and_size(library: FontLibrary) -> None:
    face = library.face("lxgw-wenkai-regular")
    assert get_font(face, 32) is get_font(face, 32)
    assert get_font("lxgw-wenkai-regular", 32) is get_font(face, 32)
    assert get_font(face, 33) is not get_font(face, 32)
    assert get_font(face, 32).size == 32
    tc = get_font(library.face("noto-sans-tc-regular"), 32)
    assert tc.getname()[0] == "Noto Sans CJK TC"


# --------------------------------------------------------------------------- bad manifests


def _write_manifest(tmp_path: Path, faces: object) -> Path:
    path = tmp_path / "fonts.yaml"
    path.write_text(yaml.safe_dump({"faces": faces}, allow_unicode=True), encoding="utf-8")
    return path


def _entry(**changes: object) -> dict[str, object]:
    entry = {"id": "wenkai-bold", "file": WENKAI_BOLD, "index": 0, "family": "LXGW WenKai", "style": "kai"}
    entry.update({"weight": 700, "script": "SC", "license": "OFL-1.1", "package": "fonts-lxgw-wenkai"})
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def test_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "fonts.yaml"
    path.write_text("faces:\n  - id: a\n    file: [unclosed\n", encoding="utf-8")
    with pytest.raises(TextsynthError, match=r"fonts\.yaml:\d+: malformed YAML"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("change", "field", "valid"),
    [
        ({"weight": "bold"}, "weight", "100 to 900"),
        ({"style": "comic"}, "style", "sans, serif, kai, fangsong, brush, handwriting, display"),
        ({"script": "JP"}, "script", "SC, TC"),
        ({"index": -1}, "index", "0 to"),
        ({"sha256": "abc"}, "sha256", "64 hexadecimal"),
        ({"family": None}, "family", "missing"),
        ({"colour": "red"}, "colour", "valid fields"),
    ],
)
def test_bad_field_names_file_entry_and_field(tmp_path: Path, change: dict, field: str, valid: str) -> None:
    path = _write_manifest(tmp_path, [_entry(id="ok-face"), _entry(**change)])
    with pytest.raises(TextsynthError) as err:
        load_manifest(path)
    message = str(err.value)
    assert f"{path}:" in message and "wenkai-bold" in message and valid in message
    assert f"faces.1.{field}" in message or f"faces.1: field {field!r}" in message


def test_duplicate_ids_and_wrong_shape_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(TextsynthError, match="unique"):
        load_manifest(_write_manifest(tmp_path, [_entry(), _entry()]))
    path = tmp_path / "list.yaml"
    path.write_text("- id: x\n", encoding="utf-8")
    with pytest.raises(TextsynthError, match=r"list\.yaml:1: .*'faces:'"):
        load_manifest(path)
    with pytest.raises(TextsynthError, match="not found"):
        load_manifest(tmp_path / "absent.yaml")


def test_missing_file_gives_the_apt_get_hint(tmp_path: Path) -> None:
    gone = _entry(id="gone", file=str(tmp_path / "Gone.ttf"), package="fonts-gone")
    path = _write_manifest(tmp_path, [_entry(), gone])
    lib = FontLibrary.load(path)
    assert [f.id for f in lib.faces] == ["wenkai-bold"]
    assert [m.face.id for m in lib.missing] == ["gone"]
    assert "apt-get install fonts-gone" in lib.missing[0].reason
    with pytest.raises(TextsynthError, match="apt-get install fonts-gone"):
        FontLibrary.load(path, strict=True)
    with pytest.raises(TextsynthError, match=r"no font face is available.*apt-get install fonts-gone"):
        FontLibrary.load(_write_manifest(tmp_path, [gone]))


def test_sha_mismatch_is_a_note_not_an_error(tmp_path: Path) -> None:
    lib = FontLibrary.load(_write_manifest(tmp_path, [_entry(sha256="0" * 64)]))
    assert lib.notes == []  # hashing waits for verify(): start-up stays fast
    found = lib.verify()
    assert list(found) == ["wenkai-bold"] and lib.notes == [found["wenkai-bold"]]


# --------------------------------------------------------------------------- on-disk cmap cache


def test_cmap_cache_makes_the_second_start_skip_font_parsing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fontmod, "_CMAP_MEMO", {})
    path = _write_manifest(tmp_path, [_entry(), _entry(id="smiley", file=SMILEY, style="display")])
    cold = FontLibrary.load(path)
    assert len(list((tmp_path / "cache").glob("cmap-*.npy"))) == 2

    def no_parsing(*args: object) -> None:
        raise AssertionError("font parsed although the cache was warm")

    monkeypatch.setattr(fontmod, "_CMAP_MEMO", {})  # a fresh worker process
    monkeypatch.setattr(fontmod, "_read_cmap", no_parsing)
    warm = FontLibrary.load(path)
    assert warm.covers("smiley", "你好") and not warm.covers("smiley", "們")
    assert warm.coverage_report(ALPHABET) == cold.coverage_report(ALPHABET)


def test_cold_workers_share_the_cache_each_font_read_once(tmp_path: Path, monkeypatch) -> None:
    """A font another process is reading (its lock held) is skipped, then loaded from what it wrote."""
    import fcntl
    import threading

    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fontmod, "_CMAP_MEMO", {})
    faces = [FontFace(**_entry()), FontFace(**_entry(id="smiley", file=SMILEY, style="display"))]
    busy = fontmod._cmap_key(faces[0])[1]
    reads = []
    real_read = fontmod._read_cmap
    monkeypatch.setattr(
        fontmod, "_read_cmap", lambda file, index: reads.append(file) or real_read(file, index)
    )
    busy.parent.mkdir(parents=True, exist_ok=True)
    with open(busy.with_suffix(".lock"), "w") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX)
        warming = threading.Thread(target=fontmod.warm_cmap_cache, args=(faces,))
        warming.start()
        warming.join(timeout=0.5)
        assert warming.is_alive() and reads == [SMILEY]  # read the free font, now waits for the busy one
        fontmod._save_quietly(busy, real_read(WENKAI_BOLD, 0))  # the other worker's result
    warming.join(timeout=10)
    assert not warming.is_alive() and reads == [SMILEY]  # wenkai came from the other worker's file


def test_corrupt_cache_file_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TEXTSYNTH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fontmod, "_CMAP_MEMO", {})
    face = _entry(id="smiley", file=SMILEY, style="display")
    FontLibrary.load(_write_manifest(tmp_path, [face]))
    (cache_file,) = tmp_path.glob("cmap-*.npy")
    cache_file.write_bytes(b"not numpy")
    monkeypatch.setattr(fontmod, "_CMAP_MEMO", {})
    assert FontLibrary.load(_write_manifest(tmp_path, [face])).covers("smiley", "你好")


# --------------------------------------------------------------------------- user fonts


def test_scan_dir_describes_user_fonts(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "MyKai-Bold.ttf").symlink_to(WENKAI_BOLD)
    (tmp_path / "sub" / "ming.ttc").symlink_to(UMING)
    (tmp_path / "notes.txt").write_text("not a font")
    faces = {f.id: f for f in scan_dir(tmp_path, hash_files=False)}
    assert len(faces) == 5  # one .ttf and the four faces of the collection
    kai = faces["lxgw-wenkai-bold"]
    assert (kai.style, kai.weight, kai.script, kai.license) == ("kai", 700, "SC", "OFL-1.1")
    assert {f.script for f in faces.values() if "uming" in f.id} == {"SC", "TC"}
    assert faces["ar-pl-uming-tw"].style == "serif" and faces["ar-pl-uming-tw"].index == 2


def test_scan_dir_rejects_unreadable_fonts(tmp_path: Path) -> None:
    (tmp_path / "broken.otf").write_bytes(b"OTTO but not really")
    with pytest.raises(TextsynthError, match=r"broken\.otf"):
        scan_dir(tmp_path)
    with pytest.raises(TextsynthError, match="font folder not found"):
        scan_dir(tmp_path / "nowhere")


def test_extra_dirs_add_faces_without_duplicating_the_manifest(tmp_path: Path) -> None:
    shutil.copy(SMILEY, tmp_path / "Smiley.ttf")
    (tmp_path / "same.ttf").symlink_to(WENKAI_BOLD)
    lib = FontLibrary.load(_write_manifest(tmp_path, [_entry()]), extra_dirs=[tmp_path])
    assert sorted(f.id for f in lib.faces) == ["smiley-sans-oblique", "wenkai-bold"]
    assert lib.face("smiley-sans-oblique").style == "display"


# --------------------------------------------------------------------------- command


def test_word_coverage_counts_settable_words_per_face(library: FontLibrary) -> None:
    coverage = library.word_coverage(["中国", "們", "\U0003134a\U0003134a"])
    assert coverage.words == 3 and coverage.unset == 1  # no face has Extension G
    assert all(n <= 2 for n in coverage.words_by_face.values())
    assert max(coverage.words_by_face.values()) == 2  # some face sets both Chinese words
    assert all(total == 4 for _, total in coverage.chars.values())  # 中 国 們 😀


def test_fonts_command_table_and_hints(tmp_path: Path, capsys) -> None:
    gone = _entry(id="gone", file=str(tmp_path / "Gone.ttf"), package="fonts-gone")
    corpus = tmp_path / "words.tsv"
    corpus.write_text("rank\tword\tfreq\n1\t你好\t9\n2\t們\t5\n", encoding="utf-8")
    manifest = _write_manifest(tmp_path, [_entry(), _entry(id="smiley", file=SMILEY, style="display"), gone])
    assert main(["fonts", "--manifest", str(manifest), "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "sudo apt-get install fonts-gone" in out
    smiley_row = next(line for line in out.splitlines() if line.startswith("smiley"))
    assert "2/3" in smiley_row and "1/2" in smiley_row  # 你好 yes, 們 no
    assert main(["fonts", "--manifest", str(manifest), "--check", "--corpus", str(tmp_path / "x")]) == 1


def test_fonts_scan_prints_entries_a_manifest_accepts(tmp_path: Path, capsys) -> None:
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    (fonts_dir / "a.ttf").symlink_to(SMILEY)
    assert main(["fonts", "--scan", str(fonts_dir)]) == 0
    entries = yaml.safe_load(capsys.readouterr().out)
    (face,) = load_manifest(_write_manifest(tmp_path, entries))
    assert face.style == "display" and len(face.sha256) == 64
    assert main(["fonts", "--scan", str(tmp_path / "nowhere")]) == 2
    assert "font folder not found" in capsys.readouterr().err


def test_library_sent_to_a_worker_chooses_the_same_faces(library: FontLibrary) -> None:
    import pickle

    clone = pickle.loads(pickle.dumps(library))
    words = ["中国", "們", "数据集", "你好世界"] * 10
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    assert [library.choose(w, rng_a).id for w in words] == [clone.choose(w, rng_b).id for w in words]


def test_wrong_glyphs_are_never_covered(library: FontLibrary) -> None:
    """Fandol maps ￥ (U+FFE5) to a dollar sign: a price reading ￥29 must not be drawn as $29."""
    fandol = [f for f in library.faces if f.id.startswith("fandol-")]
    if not fandol:
        pytest.skip("Fandol faces not installed")
    for face in fandol:
        assert "￥" in face.wrong_glyphs
        assert not library.covers(face.id, "￥29") and library.covers(face.id, "29")
    assert all(not f.id.startswith("fandol-") for f in library.candidates("￥29"))


def test_wrong_glyphs_field_round_trips_through_a_manifest(tmp_path: Path) -> None:
    font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    if not Path(font).is_file():
        pytest.skip("wqy-microhei not installed")
    manifest = tmp_path / "fonts.yaml"
    entry = {
        "id": "wqy",
        "file": font,
        "index": 0,
        "family": "WQY",
        "style": "sans",
        "weight": 400,
        "script": "SC",
    }
    manifest.write_text(yaml.safe_dump({"faces": [{**entry, "wrong_glyphs": "永 A"}]}, allow_unicode=True))
    library = FontLibrary.load(manifest)
    assert library.faces[0].wrong_glyphs == "永A"
    assert not library.covers("wqy", "永") and not library.covers("wqy", "A") and library.covers("wqy", "水B")
