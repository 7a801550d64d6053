"""One record schema: the record, verify, hf_features and the contract's tables all follow textsynth.io.record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textsynth.errors import TextsynthError
from textsynth.io import record as schema
from textsynth.pipeline import make_sample

DOC = Path(__file__).parents[1] / "docs" / "shard-contract.md"


def test_sample_record_has_the_schema_fields_in_order(ctx):
    record = make_sample(ctx, 0).record()
    assert list(record) == [f.name for f in schema.RECORD_FIELDS]
    assert all(list(t) == [f.name for f in schema.TEXT_FIELDS] for t in record["texts"])
    assert set(record["captions"]) == set(schema.CAPTION_KEYS)
    assert {s for t in record["texts"] for s in t["styles"]} <= set(schema.STYLE_NAMES)


def test_contract_tables_are_written_from_the_schema():
    doc = DOC.read_text(encoding="utf-8")
    assert schema.with_doc_tables(doc) == doc, "run `python -m textsynth.io.record` to rewrite the tables"


def test_a_record_missing_a_field_is_a_programming_error():
    with pytest.raises(ValueError, match=r"missing \['text'\]"):
        schema.make_record(schema.TEXT_FIELDS, {f.name: None for f in schema.TEXT_FIELDS[1:]})


def test_hf_features_follow_the_image_format_of_the_output(tmp_path):
    datasets = pytest.importorskip("datasets")
    from textsynth import hf_features

    (tmp_path / "manifest.json").write_text(json.dumps({"config": {"image_format": "png"}}))
    features = hf_features(out=str(tmp_path))
    assert "png" in features and "jpg" not in features
    assert "webp" in hf_features("webp") and "jpg" in hf_features()
    assert features["json"]["skipped_words"] == datasets.List(datasets.Value("string"))
    assert set(features["json"]) == {f.name for f in schema.RECORD_FIELDS}
    with pytest.raises(TextsynthError, match=r"manifest\.json"):
        hf_features(out=str(tmp_path / "elsewhere"))
    with pytest.raises(TextsynthError, match="jpg, png, webp"):
        hf_features("gif")


def test_scene_field_is_the_scenes_own_json(ctx):
    """record() serialises the Scene without asdict's deep copies (nor json's cycle guard); the JSON must be
    exactly asdict's, and KEY.json exactly json.dumps's."""
    for index in range(12):
        sample = make_sample(ctx, index)
        expected = json.dumps(sample.scene.to_json(), ensure_ascii=False, sort_keys=True)
        record = sample.record()
        assert record["scene"] == expected
        assert schema.record_bytes(record) == json.dumps(record, ensure_ascii=False, sort_keys=True).encode()


def test_scene_json_encodes_only_fields_and_refuses_what_json_cannot_hold():
    """json's C encoder calls back once per dataclass: only its fields go in, and a leaf JSON cannot
    hold (a numpy integer, a path) is an error, as with asdict, never an object's attributes."""
    from dataclasses import asdict

    import numpy as np

    from textsynth.scene import Layer

    layer = Layer("noise", {"sigma": 2.5, "box": (1, 2), "nested": [Layer("inner")]})
    layer.cache = "not a field"  # an attribute set after construction is not part of the record
    assert schema.scene_json(layer) == json.dumps(asdict(layer), ensure_ascii=False, sort_keys=True)
    assert "cache" not in schema.scene_json(layer)
    for leaf in (np.int64(3), Path("x"), Layer):
        with pytest.raises(TypeError, match="not JSON serializable"):
            schema.scene_json(Layer("noise", {"bad": leaf}))
