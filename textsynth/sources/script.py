"""Simplified or Traditional Chinese: which text a run sets and which faces may set it.

Traditional text is converted from the simplified sources with OpenCC's `s2tw` (Apache-2.0), the
Taiwan standard forms that the manifest's TC faces (Noto *TC, AR PL *-tw) are drawn for.
"""

from __future__ import annotations

import functools

from textsynth.config import SCRIPTS
from textsynth.errors import TextsynthError


@functools.cache
def _converter():
    try:
        import opencc
    except ImportError:
        raise TextsynthError(
            "script: traditional needs OpenCC: pip install 'opencc>=1.1' (Apache-2.0)"
        ) from None
    return opencc.OpenCC("s2tw")


def face_script(script: str) -> str:
    """The face script (SC or TC) that a run's `script` (simplified or traditional) must use."""
    return SCRIPTS[script]


def convert(text: str, script: str) -> str:
    """`text` in the run's script; simplified text is returned as it is."""
    if script == "simplified" or text.isascii():
        return text
    return _converter().convert(text)
