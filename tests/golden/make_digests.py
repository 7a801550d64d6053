"""Golden digests: one sha256 per built-in template over a few whole samples (pixels, record, captions).

Refactors that claim "output bytes unchanged" prove it against `digests.json`. When a change
is meant to alter output, regenerate with `python3 tests/golden/make_digests.py` and say so in
the commit message.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

DIGESTS = Path(__file__).with_name("digests.json")
SEED = 7
SAMPLES_PER_TEMPLATE = 2
SIZE = (320, 256)


def sample_digest(sample) -> str:
    """sha256 of the raw pixels (before JPEG, so a libjpeg update does not matter) and the record."""
    h = hashlib.sha256()
    h.update(sample.image.tobytes())
    h.update(json.dumps(sample.record(), ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def template_digests() -> dict[str, str]:
    import textsynth

    config = textsynth.RenderConfig(seed=SEED, width=SIZE[0], height=SIZE[1])
    digests = {}
    for name, template in sorted(textsynth.available_templates().items()):
        ctx = textsynth.build_context(config, [template])
        h = hashlib.sha256()
        for index in range(SAMPLES_PER_TEMPLATE):
            h.update(sample_digest(textsynth.make_sample(ctx, index)).encode())
        digests[name] = h.hexdigest()
    return digests


if __name__ == "__main__":
    DIGESTS.write_text(json.dumps(template_digests(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS}", file=sys.stderr)
