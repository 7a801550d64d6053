"""`layout: auto` and canvas aspects: slots placed per sample without overlaps, in reading order, on any aspect."""

from __future__ import annotations

import dataclasses
import itertools
import textwrap
from collections import Counter

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.config import ASPECT_NAMES, RenderConfig
from textsynth.errors import TextsynthError
from textsynth.pipeline import make_sample
from textsynth.sampling.canvas import canvas_size
from textsynth.sampling.flow import featured, flow_layout, with_fields
from textsynth.templates import Slot, available_templates, load_template
from textsynth.templates.schema import ALIGNS, AUTO_ARRANGEMENTS, AutoLayout

AUTO_TEMPLATES = sorted(n for n, t in available_templates().items() if t.layout.auto is not None)
EPS = 1e-6


def _slot(draw, index: int) -> Slot:
    lo = draw(st.floats(0.01, 0.3))
    return Slot(
        role=f"r{index}", region=(0.0, 0.0, 1.0, 1.0),
        size=(lo, min(1.0, lo * draw(st.floats(1.0, 2.5)))),
        max_lines=draw(st.integers(1, 4)), p=draw(st.sampled_from([1.0, 0.5, 0.0])),
        direction=draw(st.sampled_from(["horizontal", "either"])), align=draw(st.sampled_from(ALIGNS)),
        text=draw(st.sampled_from(["word", "words:2", "filler:name"])),
    )  # fmt: skip


@st.composite
def _layouts(draw):
    slots = [_slot(draw, i) for i in range(draw(st.integers(1, 9)))]
    lead = draw(st.integers(0, len(slots) - 1))
    slots[lead] = dataclasses.replace(slots[lead], primary=True)
    star = featured(slots, slots[lead])  # only the featured slot may be vertical (the loader checks)
    slots[slots.index(star)] = dataclasses.replace(
        star, direction=draw(st.sampled_from(["horizontal", "either", "vertical"]))
    )
    arrangements = draw(st.lists(st.sampled_from(AUTO_ARRANGEMENTS), min_size=1, max_size=4, unique=True))
    margin = draw(st.floats(0.0, 0.3))
    gap = draw(st.floats(0.0, 0.2))
    spec = AutoLayout(arrangements=tuple(arrangements), margin=(margin, margin), gap=(gap, gap))
    aspect = draw(st.one_of(st.sampled_from(sorted(ASPECT_NAMES.values())), st.floats(0.2, 5.0)))
    height = draw(st.one_of(st.none(), st.integers(64, 4096)))
    return slots, spec, aspect, height, draw(st.integers(0, 2**32))


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _reads_after(prev, nxt) -> bool:
    """`nxt` comes after `prev` in reading order: below it, or in a column to its right."""
    return nxt[1] >= prev[3] - EPS or nxt[0] >= prev[2] - EPS


@settings(max_examples=300)
@given(_layouts())
def test_auto_layout_never_overlaps_stays_inside_and_keeps_reading_order(case):
    slots, spec, aspect, height, seed = case
    result = flow_layout(slots, spec, aspect, np.random.default_rng(seed), height=height)
    placed = result.slots
    primary = next(s for s in slots if s.primary)
    assert [s.role for s in placed] == [s.role for s in slots if s.role in {p.role for p in placed}]
    assert primary.role in {s.role for s in placed}, "the primary slot is always present"
    assert featured(slots, primary).role in {s.role for s in placed}, "so is the featured one"
    assert {s.role for s in placed} >= {s.role for s in slots if s.p == 1.0}, "required slots are present"
    assert result.arrangement in spec.arrangements or result.arrangement in ("stack", "split")
    for slot in placed:
        x0, y0, x1, y1 = slot.region
        assert 0.0 <= x0 <= x1 <= 1.0 and 0.0 <= y0 <= y1 <= 1.0, slot.region
        assert slot.p == 1.0 and slot.direction in ("horizontal", "vertical")
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert _overlap(a.region, b.region) <= EPS, (result.arrangement, a.region, b.region)
    for prev, nxt in itertools.pairwise(placed):
        assert _reads_after(prev.region, nxt.region), (result.arrangement, prev.region, nxt.region)


def _arrangements(template, aspect: float, n: int = 200) -> Counter:
    spec = template.layout.auto
    return Counter(
        flow_layout(
            template.slots, spec, aspect, np.random.default_rng(i), template.primary_slot()
        ).arrangement
        for i in range(n)
    )


@pytest.mark.parametrize("name", AUTO_TEMPLATES)
def test_auto_templates_vary_their_arrangement(name):
    """On a portrait poster at least three arrangements appear, none in more than 60% of samples."""
    counts = _arrangements(available_templates()[name], ASPECT_NAMES["portrait"])
    assert len(counts) >= 3, counts
    assert max(counts.values()) <= 0.6 * sum(counts.values()), counts


@pytest.mark.parametrize("name", AUTO_TEMPLATES)
def test_a_banner_sets_its_blocks_side_by_side(name):
    template = available_templates()[name]
    side_by_side = 0
    for i in range(100):
        placed = flow_layout(
            template.slots, template.layout.auto, ASPECT_NAMES["banner"], np.random.default_rng(i)
        ).slots
        side_by_side += any(b.region[0] >= a.region[2] - EPS for a in placed for b in placed if a is not b)
    assert side_by_side >= 70, f"only {side_by_side}/100 banners put blocks side by side"


def _only(ctx, template, **config):
    return dataclasses.replace(
        ctx, templates=[template], template_weights=np.ones(1),
        config=dataclasses.replace(ctx.config, **config),
    )  # fmt: skip


@pytest.mark.parametrize("name", AUTO_TEMPLATES)
def test_auto_templates_spread_the_primary_text_and_hold_ink(name, ctx, fonts):
    """Rendered: primary centre std >= 12% of the canvas in x or y; every glyph on ink; no tofu."""
    local = _only(ctx, available_templates()[name])
    centres, shapes = [], set()
    for index in range(40):
        sample = make_sample(local, index)
        height, width = sample.image.shape[:2]
        shapes.add((width, height))
        grey = cv2.cvtColor(sample.image, cv2.COLOR_RGB2GRAY)
        for text in sample.record()["texts"]:
            assert fonts.covers(text["font"], text["text"])
            if text["primary"]:
                centres.append(np.mean(text["polygon"], axis=0) / (width, height))
            if text["size_px"] < 16:
                continue
            mask = np.zeros(grey.shape, np.uint8)
            cv2.fillPoly(mask, [np.round(np.asarray(text["polygon"])).astype(np.int32)], 1)
            assert grey[mask.astype(bool)].std() > 8, f"{name} #{index}: {text['text']!r} covers no ink"
    assert len(centres) == 40, "every sample shows its primary text"
    spread = np.std(centres, axis=0)
    assert spread.max() >= 0.12, f"{name}: primary centre std {spread.round(3)}"
    assert len(shapes) >= min(3, len(set(local.templates[0].aspects))), f"{name}: canvas shapes {shapes}"


def test_same_seed_same_auto_layout(ctx):
    local = _only(ctx, available_templates()[AUTO_TEMPLATES[0]], aspects=[0.75, 3.0])
    assert make_sample(local, 5).scene.to_json() == make_sample(local, 5).scene.to_json()


# --- aspects ---------------------------------------------------------------------------------------


def test_run_aspects_reshape_auto_templates_only():
    auto = available_templates()[AUTO_TEMPLATES[0]]
    fixed = available_templates()["couplet"]
    config = RenderConfig(width=512, height=512).validate()
    config.aspects = "banner"
    config.validate()
    assert config.aspects == [3.0]
    width, height = canvas_size(auto, config, np.random.default_rng(0))
    assert width / height > 2.5 and abs(width * height - 512 * 512) / (512 * 512) < 0.15
    rng = np.random.default_rng(0)
    assert canvas_size(fixed, config, rng) == canvas_size(fixed, RenderConfig(), np.random.default_rng(0))
    exact = RenderConfig(width=640, height=384, aspects="fixed")
    assert canvas_size(auto, exact, rng) == (640, 384) and canvas_size(fixed, exact, rng) == (640, 384)


def test_an_unchecked_python_config_names_its_aspects_too():
    auto = available_templates()[AUTO_TEMPLATES[0]]
    width, height = canvas_size(auto, RenderConfig(aspects=["banner"]), np.random.default_rng(0))
    assert width / height > 2.5
    with pytest.raises(TextsynthError, match=r"^config: aspects.0: must be one of portrait"):
        canvas_size(auto, RenderConfig(aspects=["tall"]), np.random.default_rng(0))


def test_default_aspect_mix_covers_the_four_shapes():
    """Under the default config the auto templates draw portrait, square, landscape and banner canvases."""
    shapes = Counter()
    for name in AUTO_TEMPLATES:
        template = available_templates()[name]
        for i in range(100):
            width, height = canvas_size(template, RenderConfig(), np.random.default_rng(i))
            shapes[min(ASPECT_NAMES, key=lambda k: abs(np.log(ASPECT_NAMES[k] * height / width)))] += 1
    assert set(shapes) == set(ASPECT_NAMES), shapes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("wide", "--aspects: must be one of portrait, square, landscape, banner or a width/height ratio, got 'wide'"),
        ("portrait,9", "--aspects: must be one of portrait, square, landscape, banner or a width/height ratio from 0.2 to 5.0, got '9'"),
        ("", "--aspects: must be one of portrait"),
        ("fixed,portrait", "--aspects: 'template' and 'fixed' stand alone"),
    ],
)  # fmt: skip
def test_bad_aspects_flag_is_one_clear_line(value, message, capsys, tmp_path):
    from textsynth.cli import main

    code = main(["render", "--out", str(tmp_path / "o"), "--count", "1", "--aspects", value, "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and message in err[0], err


def test_aspects_flag_renders_banners(tmp_path):
    import json
    import tarfile

    from textsynth.cli import main

    out = tmp_path / "o"
    argv = ["render", "--out", str(out), "--count", "4", "--size", "256x256", "--templates", ",".join(AUTO_TEMPLATES),
            "--aspects", "banner", "--no-progress", "--workers", "1"]  # fmt: skip
    assert main(argv) == 0
    with tarfile.open(out / "shard-000000.tar") as tar:
        records = [json.load(tar.extractfile(m)) for m in tar.getmembers() if m.name.endswith(".json")]
    assert len(records) == 4 and all(r["width"] / r["height"] > 2.5 for r in records)


# --- template YAML ------------------------------------------------------------------------------------

AUTO = """\
name: auto_card
layout: auto
decorations:
  - {kind: rounded_panel, behind: [price], color: light}
slots:
  - role: title
    primary: true
    direction: either
  - role: price
    text: "pattern:{price}"
"""


def _load(tmp_path, text: str):
    path = tmp_path / "auto.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_template(path)


def test_auto_template_loads_and_places_its_panel_behind_its_slot(tmp_path, ctx):
    template = _load(tmp_path, AUTO)
    assert template.layout.auto == AutoLayout()
    sample = make_sample(_only(ctx, template), 0)
    panel = next(d for d in sample.scene.decorations if d.kind == "rounded_panel")
    price = next(t for t in sample.scene.texts if t.role == "price")
    px0, py0, px1, py1 = panel.box
    x0, y0, x1, y1 = price.box  # the slot's region in pixels, before any warp
    assert px0 < x0 and py0 < y0 and x1 < px1 and y1 < py1


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "hint"),
    [
        ("layout: auto", "layout: automatic", 2, "layout", "must be 'auto' or a mapping"),
        ("layout: auto", "layout: {auto: {arrangements: [grid]}}", 2, "layout.auto.arrangements.0",
         "must be one of stack, split, columns, row, got 'grid'"),
        ("layout: auto", "layout: {auto: true, mirror: 0.5}", 2, "layout.mirror", "not used with 'auto'"),
        ("layout: auto", "layout: {auto: {margin: [0.2, 0.5]}}", 2, "layout.auto.margin.1", "[0.0, 0.3]"),
        ("    primary: true\n", "    primary: true\n    region: [0, 0, 1, 1]\n", 8, "slots.0.region",
         "not used with 'layout: auto'"),
        ("behind: [price]", "behind: [prize]", 4, "decorations.0.behind.0", "must be one of price, title"),
        ("    text: \"pattern:{price}\"\n", "    text: \"pattern:{price}\"\n    direction: vertical\n", 11,
         "slots.1.direction", "only the slot with the largest size"),
        ("name: auto_card\n", "name: auto_card\ncanvas: {aspects: [portrait, tall]}\n", 2, "canvas.aspects.1",
         "must be one of portrait, square, landscape, banner or a width/height ratio"),
    ],
)  # fmt: skip
def test_bad_auto_yaml_names_file_line_field_and_valid_values(tmp_path, old, new, line, field, hint):
    assert old in AUTO
    with pytest.raises(TextsynthError) as err:
        _load(tmp_path, AUTO.replace(old, new, 1))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'auto.yaml'}:{line}: {field}: "), message
    assert hint in message, message


def test_behind_needs_auto_layout(tmp_path):
    text = (
        AUTO.replace("layout: auto", "layout: {mirror: 0.5}")
        .replace("    direction: either\n", "    region: [0.1, 0.1, 0.9, 0.5]\n")
        .replace(
            '    text: "pattern:{price}"\n', '    text: "pattern:{price}"\n    region: [0.1, 0.6, 0.9, 0.9]\n'
        )
    )
    with pytest.raises(
        TextsynthError, match=r"auto.yaml:4: decorations.0.behind: needs the template's 'layout: auto'"
    ):
        _load(tmp_path, text)


def test_the_flyer_example_in_the_docs_loads_and_renders(tmp_path, ctx):
    """docs/templates.md's copyable auto-layout example stays valid."""
    import re
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# flyer\.yaml.*?)```", docs, re.S).group(1)
    template = _load(tmp_path, example)
    assert template.layout.auto is not None and len(template.aspects) == 5
    for index in range(3):
        assert any(t.primary for t in make_sample(_only(ctx, template), index).scene.texts)


@pytest.mark.parametrize("name", ["event_poster", "menu_board", "couplet"])
def test_with_fields_copies_as_dataclasses_replace_does(name: str) -> None:
    """The cheap copy arrange and flow use gives what replace() gives, and leaves the original alone."""
    template = available_templates()[name]
    for obj, changes in [
        (template, {"slots": template.slots[:1], "decorations": []}),
        *((s, {"region": (0.1, 0.2, 0.3, 0.4), "align": "end"}) for s in template.slots),
        *((d, {"region": (0.0, 0.0, 0.5, 0.5), "p": 0.0}) for d in template.decorations),
    ]:
        before = dataclasses.replace(obj)
        copied = with_fields(obj, **changes)
        assert copied == dataclasses.replace(obj, **changes) and type(copied) is type(obj)
        assert copied is not obj and obj == before, "the original keeps its fields"

    @dataclasses.dataclass
    class Checked(type(template)):  # a plugin's subclass may validate in __post_init__: replace() runs it
        def __post_init__(self) -> None:
            self.description = "checked"

    sub = Checked(**{f.name: getattr(template, f.name) for f in dataclasses.fields(template)})
    assert with_fields(sub, description="x").description == "checked"
