"""Templates: the built-in library renders cleanly, bad YAML fails with file:line:field, custom templates work."""

from __future__ import annotations

import json
import tarfile
import textwrap

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from textsynth.errors import TextsynthError
from textsynth.pipeline import make_sample
from textsynth.templates import (
    Slot,
    Template,
    available_templates,
    builtin_template_paths,
    load_template,
    register_template,
    template_from_dict,
)

RENDERS_PER_TEMPLATE = 12
TEMPLATES = available_templates()
BUILTIN = sorted(TEMPLATES)


def _only(ctx, template):
    """A copy of the shared context that renders just `template`."""
    from dataclasses import replace

    return replace(ctx, templates=[template], template_weights=np.ones(1))


def _overlap(a, b) -> float:
    area, _ = cv2.intersectConvexConvex(np.float32(a), np.float32(b))
    return float(area)


def test_library_has_twenty_kinds_with_descriptions_and_vertical_text():
    templates = available_templates()
    assert len(builtin_template_paths()) >= 20
    for name, template in templates.items():
        assert template.description, f"{name} has no description"
        assert template.subject.get("zh") and template.subject.get("en"), f"{name} has no subject"
    vertical = [
        n for n, t in templates.items() if any(s.direction in ("vertical", "either") for s in t.slots)
    ]
    assert len(vertical) >= 5, vertical


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_template_renders_clean_text(name, ctx, fonts):
    """No tofu, polygons inside the canvas, no overlapping words, every text quoted in the caption."""
    template = TEMPLATES[name]
    local = _only(ctx, template)
    overlap_ok = {s.role for s in template.slots if s.overlap}
    primary_role = template.primary_slot().role
    for index in range(RENDERS_PER_TEMPLATE):
        sample = make_sample(local, index)
        height, width = sample.image.shape[:2]
        assert sample.texts, f"{name} #{index}: no text at all"
        assert any(t.role == primary_role for t in sample.texts), f"{name} #{index}: primary slot missing"
        for text in sample.texts:
            assert fonts.covers(text.font, text.text), (
                f"{name} #{index}: {text.font} cannot set {text.text!r}"
            )
            poly = np.asarray(text.polygon)
            assert (
                (poly >= -0.5).all()
                and (poly[:, 0] <= width + 0.5).all()
                and (poly[:, 1] <= height + 0.5).all()
            )
            assert f"“{text.text}”" in sample.captions["zh"], f"{name} #{index}: {text.text!r} not in caption"
        for i, a in enumerate(sample.texts):
            for b in sample.texts[i + 1 :]:
                if a.role in overlap_ok or b.role in overlap_ok:
                    continue
                assert _overlap(a.polygon, b.polygon) <= 2.0, (
                    f"{name} #{index}: {a.text!r} overlaps {b.text!r}"
                )


def test_vertical_text_is_common_across_the_library(ctx):
    directions = []
    for name in BUILTIN:
        local = _only(ctx, TEMPLATES[name])
        directions += [t.direction for i in range(4) for t in make_sample(local, i).texts]
    share = directions.count("ttb") / len(directions)
    assert share >= 0.08, f"only {share:.0%} of text is vertical"


def test_scene_text_shares_one_tilted_plane(ctx):
    local = _only(ctx, TEMPLATES["scene_text_photo"])
    tilted = 0
    for index in range(10):
        sample = make_sample(local, index)
        tilts = [item.tilt for item in sample.scene.texts]
        if all(t is not None for t in tilts):
            tilted += 1
            # one plane: every block has the same vanishing direction (the projective row, up to scale)
            rows = [np.asarray(t)[2, :2] / np.linalg.norm(np.asarray(t)[2, :2]) for t in tilts]
            for row in rows[1:]:
                np.testing.assert_allclose(row, rows[0], atol=2e-3)  # tilts are stored to 6 decimals
            for text in sample.texts:  # words are foreshortened: not axis-aligned rectangles
                poly = np.asarray(text.polygon)
                widths = np.linalg.norm(poly[1] - poly[0]), np.linalg.norm(poly[2] - poly[3])
                heights = np.linalg.norm(poly[3] - poly[0]), np.linalg.norm(poly[2] - poly[1])
                # opposite sides differ by over 0.5% of their length (a small block on a mild plane
                # is foreshortened by a fraction of a pixel, so an absolute pixel bound misjudges it)
                assert abs(widths[0] - widths[1]) > 0.005 * max(widths) or abs(
                    heights[0] - heights[1]
                ) > 0.005 * max(heights)
    assert tilted >= 6


def test_scene_text_on_real_photos(tmp_path):
    """With --backgrounds the wall is a photo; the text still sits on it and the record says which photo."""
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context

    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        noise = cv2.GaussianBlur(rng.integers(0, 255, (96, 128, 3)).astype(np.uint8), (0, 0), 6)
        Image.fromarray(noise).save(photos / f"wall{i}.jpg")
    config = RenderConfig(seed=1, width=256, height=256, backgrounds=str(photos), default_photos=False)
    config.photo_background_p = 1.0
    local = build_context(config, [TEMPLATES["scene_text_photo"]])
    samples = [make_sample(local, i) for i in range(4)]
    assert all(s.scene.background.name == "photo" for s in samples)
    assert {s.scene.background.params["photo"] for s in samples} <= {"wall0", "wall1"}
    assert all(s.texts for s in samples)


def test_same_seed_same_scene(ctx):
    for name in ("scene_text_photo", "menu_board", "calligraphy_scroll"):
        local = _only(ctx, TEMPLATES[name])
        assert make_sample(local, 3).scene.to_json() == make_sample(local, 3).scene.to_json()
        assert make_sample(local, 3).scene.to_json() != make_sample(local, 4).scene.to_json()


# --- loading and validation ----------------------------------------------------------------------

GOOD = """\
name: my_sign
description: a test sign
slots:
  - role: title
    region: [0.1, 0.1, 0.9, 0.5]
    text: word
    primary: true
  - role: price
    region: [0.1, 0.6, 0.9, 0.9]
    text: "pattern:¥{price}"
"""


def _write(tmp_path, text: str, name: str = "my.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "hint"),
    [
        ("    text: word\n", "    txt: word\n", 6, "slots.0.txt", "valid fields"),
        ("region: [0.1, 0.6, 0.9, 0.9]", "region: [0.9, 0.6, 0.1, 0.9]", 9, "slots.1.region", "x0 < x1"),
        ("pattern:¥{price}", "pattern:¥{cost}", 10, "slots.1.text", "price"),
        ("pattern:¥{price}", "pattern:{street_adress}", 10, "slots.1.text", "street_address"),
        ("pattern:¥{price}", "genre:dishes", 10, "slots.1.text", "dish_with_price, product"),
        ("pattern:¥{price}", "genre:dish|idoim", 10, "slots.1.text", "'idoim'"),
        ("pattern:¥{price}", "group:menu.price", 10, "slots.1.text", "menu_item.dish, menu_item.price"),
        ("pattern:¥{price}", "group:couplet.middle", 10, "slots.1.text", "upper, lower, horizontal"),
        (
            "    primary: true\n",
            "    primary: true\n    direction: diagonal\n",
            8,
            "slots.0.direction",
            "vertical",
        ),
        (
            "    primary: true\n",
            "    primary: true\n    color: {palette: rainbow}\n",
            8,
            "slots.0.color.palette",
            "festive",
        ),
        ("description: a test sign\n", "description: x\nplane: {p: 2}\n", 3, "plane.p", "[0.0, 1.0]"),
        (
            "description: a test sign\n",
            "description: x\nbackground: {kinds: [marble]}\n",
            3,
            "background.kinds.0",
            "wood",
        ),
        (
            "description: a test sign\n",
            "description: x\neffects: {sparkle: 0.5}\n",
            3,
            "effects.sparkle",
            "vignette",
        ),
    ],
)
def test_bad_template_names_file_line_field_and_valid_values(tmp_path, old, new, line, field, hint):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(TextsynthError) as err:
        load_template(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: {field}:"), message
    assert hint in message


def test_malformed_or_missing_yaml(tmp_path):
    with pytest.raises(TextsynthError, match=r"my.yaml:4: malformed YAML"):
        load_template(_write(tmp_path, "name: x\nslots:\n  - [unclosed\n"))
    with pytest.raises(TextsynthError, match="template file not found"):
        load_template(tmp_path / "nope.yaml")
    with pytest.raises(TextsynthError, match=r"slots: must be a non-empty list"):
        load_template(_write(tmp_path, "name: x\n"))


_BAD_VALUES = st.one_of(
    st.integers(-5, 5), st.text(max_size=6), st.lists(st.integers(-2, 2), max_size=5), st.none()
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(["region", "size", "p", "max_chars", "align", "text", "rotation", "font"]),
    value=_BAD_VALUES,
)
def test_any_slot_value_either_loads_or_names_its_field(key, value):
    data = {"name": "t", "slots": [{"role": "title", "region": [0.1, 0.1, 0.9, 0.9], key: value}]}
    try:
        template = template_from_dict(data, source="t.yaml")
    except TextsynthError as err:
        assert str(err).startswith("t.yaml: slots.0"), str(err)
    else:
        assert isinstance(template.slots[0], Slot)


def test_image_patch_folder_is_relative_to_the_template(tmp_path):
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context

    (tmp_path / "stickers").mkdir()
    Image.new("RGB", (32, 32), "#ff0000").save(tmp_path / "stickers" / "red.png")
    text = (
        GOOD
        + "decorations:\n  - {kind: image_patch, region: [0.0, 0.0, 0.2, 0.2], params: {folder: stickers}}\n"
    )
    template = load_template(_write(tmp_path, text))
    assert template.decorations[0].files == ["my/stickers/red.png"]  # template name / path inside its folder
    sample = make_sample(build_context(RenderConfig(seed=0, width=128, height=128), [template]), 0)
    patch = sample.scene.decorations[0]
    assert patch.params["picture"] == "my/stickers/red.png" and "folder" not in patch.params
    assert str(tmp_path) not in json.dumps(sample.record(), ensure_ascii=False)  # no host path in KEY.json
    from textsynth.pipeline import rerender

    assert np.array_equal(rerender(sample.record()).image, sample.image)  # the id finds the picture again
    bad = text.replace("folder: stickers", "folder: missing")
    with pytest.raises(
        TextsynthError, match=r"my.yaml:12: decorations.0.params.folder: folder .* does not exist"
    ):
        load_template(_write(tmp_path, bad))


# --- the library API and commands ----------------------------------------------------------------


def test_python_template_registered_and_rendered_by_name(monkeypatch):
    import textsynth.pipeline as api
    import textsynth.templates.registry

    monkeypatch.setattr(
        textsynth.templates.registry, "_REGISTRY", {}
    )  # keep other tests' template set unchanged

    template = Template(
        name="py_label",
        description="made in Python",
        subject={"zh": "标签", "en": "a label"},
        slots=[Slot(role="title", region=(0.05, 0.2, 0.95, 0.8), primary=True, size=(0.2, 0.3))],
    )
    register_template(template)
    assert "py_label" in available_templates()
    sample = api.render_sample("py_label", seed=5, index=2)
    assert sample.scene.template == "py_label"
    assert sample.texts and f"“{sample.texts[0].text}”" in sample.caption
    again = api.render_sample(template, seed=5, index=2)
    assert np.array_equal(sample.image, again.image)


def test_render_command_with_a_user_yaml(tmp_path):
    from textsynth.cli import main

    path = _write(tmp_path, GOOD)
    out = tmp_path / "out"
    argv = ["render", "--out", str(out), "--count", "3", "--shard-size", "3", "--size", "128x128", "--workers", "1",
            "--templates", f"{path}:2,couplet", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    with tarfile.open(out / "shard-000000.tar") as tar:
        records = [json.load(tar.extractfile(m)) for m in tar.getmembers() if m.name.endswith(".json")]
    assert len(records) == 3
    assert {r["template"] for r in records} <= {"my_sign", "couplet"}


def test_templates_command_lists_every_builtin(capsys):
    from textsynth.commands import templates as command

    parser = __import__("argparse").ArgumentParser()
    command.add_arguments(parser)
    assert command.run(parser.parse_args([])) == 0
    out = capsys.readouterr().out
    for name, template in available_templates().items():
        assert any(line.startswith(name) and template.description in line for line in out.splitlines()), name


def test_preview_writes_a_contact_sheet_with_optional_boxes(tmp_path):
    from textsynth.commands import preview as command

    parser = __import__("argparse").ArgumentParser()
    command.add_arguments(parser)
    plain, boxed = tmp_path / "plain.png", tmp_path / "boxed.png"
    base = ["couplet", "--n", "4", "--size", "128x128", "--tile", "100", "--seed", "3"]
    assert command.run(parser.parse_args([*base, "--out", str(plain)])) == 0
    assert command.run(parser.parse_args([*base, "--out", str(boxed), "--boxes"])) == 0
    a, b = np.asarray(Image.open(plain)), np.asarray(Image.open(boxed))
    assert a.shape == b.shape == (2 * 106 + 6, 2 * 106 + 6, 3)
    green = b[..., 1].astype(int) - np.maximum(b[..., 0], b[..., 2]) > 60
    assert green.sum() > 100 and not np.array_equal(a, b)
    with pytest.raises(TextsynthError, match="unknown template 'nope'"):
        command.run(parser.parse_args(["nope", "--out", str(plain)]))
    with pytest.raises(TextsynthError, match=r"\.png, \.jpg or \.webp"):
        command.run(
            parser.parse_args(["couplet", "--n", "1", "--size", "64x64", "--out", str(tmp_path / "x.gif")])
        )


# --- OCR read-back -------------------------------------------------------------------------------


def text_strip(image: np.ndarray, chars: list[dict], cell: int = 48) -> np.ndarray:
    """One horizontal line for the recogniser: each character polygon rectified to a square, side by side.

    Works the same for vertical, multi-line, curved and tilted text, since every character carries its quad.
    """
    dst = np.float32([[0, 0], [cell, 0], [cell, cell], [0, cell]])
    pad = cell // 4
    strip = [np.full((cell + 2 * pad, pad, 3), 255, np.uint8)]
    for char in chars:
        matrix = cv2.getPerspectiveTransform(np.float32(char["polygon"]), dst)
        crop = cv2.warpPerspective(
            image, matrix, (cell, cell), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
        )
        strip.append(cv2.copyMakeBorder(crop, pad, pad, 0, 0, cv2.BORDER_REPLICATE))
    strip.append(strip[0])
    return np.ascontiguousarray(np.hstack(strip))


def _plain(text: str) -> str:
    """Compare what a reader sees: full/half-width forms folded (NFKC), spaces dropped."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).replace(" ", "")


def read_back(sample) -> list[tuple[str, str]]:
    """(rendered text, OCR reading) for each text item of a sample."""
    from textsynth.qa.ocr import recognize

    pairs = []
    for text in sample.texts:
        if text.chars:
            read, _ = recognize(text_strip(sample.image, text.chars))
            pairs.append((_plain(text.text), _plain(read)))
    return pairs


@pytest.mark.slow
def test_ocr_reads_back_rendered_words(ctx):
    """Rendered words stay legible: rapidocr reads most word crops back exactly (loose bound, few renders)."""
    for name in ("shop_sign", "couplet", "public_notice"):
        local = _only(ctx, TEMPLATES[name])
        pairs = [pair for index in range(4) for pair in read_back(make_sample(local, index))]
        rate = sum(a == b for a, b in pairs) / len(pairs)
        assert len(pairs) >= 4 and rate >= 0.5, f"{name}: {rate:.0%} of {pairs}"


def test_primary_slot_must_show_a_corpus_word(tmp_path):
    """Coverage of the 50k words depends on it: a filler or literal primary slot is refused at load."""
    bad = tmp_path / "names.yaml"
    bad.write_text(
        "name: names\nslots:\n  - role: name\n    region: [0.1, 0.1, 0.9, 0.9]\n    text: filler:name\n    primary: true\n",
        encoding="utf-8",
    )
    with pytest.raises(TextsynthError, match=r"names.yaml:5: slots.0.text: the primary slot must show"):
        load_template(bad)


def test_templates_command_shows_each_templates_aspects(capsys) -> None:
    """The listing's docstring promises the canvas aspects: a fixed-shape, a sized and an auto template."""
    from textsynth.cli import main

    assert main(["templates"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert " 1.75 " in rows["business_card"]  # its own shape
    assert " size " in rows["couplet"]  # the run's --size as given
    assert " auto " in rows["promo_poster"]  # layout: auto
