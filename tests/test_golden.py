"""Output bytes are pinned: every built-in template renders exactly what tests/golden/digests.json says."""

from __future__ import annotations

import json

from tests.golden.make_digests import DIGESTS, template_digests


def test_every_builtin_template_renders_its_golden_bytes():
    expected = json.loads(DIGESTS.read_text())
    actual = template_digests()
    assert sorted(actual) == sorted(expected), "templates added or removed: regenerate the digests"
    changed = sorted(name for name in expected if actual[name] != expected[name])
    assert not changed, f"output bytes changed for {changed}; if intended, run tests/golden/make_digests.py"
