"""A plugin file registers a template and an effect in every worker; registrations never shift other runs."""

from __future__ import annotations

import json

import numpy as np
import webdataset as wds

from textsynth.cli import main

PLUGIN = """
import numpy as np
from textsynth import Slot, Template, register_effect, register_template

def sample_invert(rng, width, height):
    return {"strength": float(rng.uniform(0.2, 0.4))}

def apply_invert(image, params):
    return (image * (1 - params["strength"]) + (255 - image) * params["strength"]).astype(np.uint8)

register_effect("plugin_invert", sample_invert, apply_invert)
register_template(Template(
    name="plugin_label",
    description="A test label from a plugin",
    subject={"zh": "标签", "en": "a label"},
    background_kinds=["flat"],
    slots=[Slot(role="title", region=(0.1, 0.3, 0.9, 0.7), primary=True, size=(0.15, 0.25))],
))
"""


def _run(out, plugin, workers):
    config = out.parent / "with_plugin.yaml"
    config.write_text(f"plugins: [{plugin}]\neffects: {{plugin_invert: 1.0}}\n", encoding="utf-8")
    argv = ["render", "--out", str(out), "--count", "4", "--shard-size", "2", "--size", "128x128",
            "--templates", "plugin_label", "--config", str(config), "--workers", str(workers), "--no-progress"]  # fmt: skip
    assert main(argv) == 0


def test_plugin_reaches_every_worker(tmp_path):
    plugin = tmp_path / "my_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    _run(tmp_path / "two", plugin, workers=2)
    _run(tmp_path / "one", plugin, workers=1)
    for name in ("shard-000000.tar", "shard-000001.tar"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    records = [
        s["json"] for s in wds.WebDataset(str(tmp_path / "two" / "shard-000000.tar"), shardshuffle=False)
    ]
    for raw in records:
        record = json.loads(raw)
        assert record["template"] == "plugin_label"
        assert "plugin_invert" in record["effects"]


def test_registering_an_unused_effect_changes_nothing(ctx):
    """Registration alone turns nothing on: a run's bytes follow from its config."""
    from textsynth.components import effects as lighting
    from textsynth.pipeline import make_sample

    before = make_sample(ctx, 11)
    name = "test_unused_effect"
    if name not in lighting.EFFECT_KINDS:
        lighting.register_effect(name, lambda rng, w, h: {"x": float(rng.random())}, lambda img, p: img)
    after = make_sample(ctx, 11)
    assert np.array_equal(before.image, after.image)
    assert before.record() == after.record()


def test_missing_plugin_is_one_clear_line(tmp_path, capsys):
    argv = [
        "render",
        "--out",
        str(tmp_path / "o"),
        "--count",
        "1",
        "--plugin",
        "/no/such/plugin.py",
        "--no-progress",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "/no/such/plugin.py" in err and "not found" in err
