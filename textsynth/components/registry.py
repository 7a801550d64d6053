"""One registry type for every extensible kind: backgrounds, decorations, geometry and effects.

Every kind is three functions, in the same argument order for all four:

- `sample(rng, width, height, **context) -> params`: every random choice, as JSON-friendly params.
  `width, height` are the area it covers (the image; a decoration's box). Context keywords, by kind:
  backgrounds `palette`; decorations `palette`, `color`, `image_files`; geometry and effects none.
- `apply(target, params, ...)`: the work, from `params` alone. Backgrounds `apply(canvas, params) ->
  image` (the canvas gives the size), effects `apply(image, params) -> image`, decorations
  `apply(mask, params, box)` fill an HxW coverage mask (0..255) that is blended in the decoration's
  colour, geometry `apply(image, params) -> 3x3 homography` moving pixels and polygons alike.
- `describe(params, lang) -> str | None`: the caption phrase in `lang` ("zh" or "en"), or None to
  leave it out of captions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textsynth.errors import TextsynthError

DescribeFn = Callable[[dict, str], "str | None"]


@dataclass(frozen=True)
class Component:
    name: str
    sample: Callable[..., dict]
    apply: Callable[..., Any]
    describe: DescribeFn | None = None


class Registry:
    """Components of one kind by name, in registration order; built-ins are the ones registered at import."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.names: list[str] = []  # live: grows with every registration
        self.builtin: frozenset[str] = frozenset()
        self._components: dict[str, Component] = {}

    def register(
        self,
        name: str,
        sample: Callable[..., dict],
        apply: Callable[..., Any],
        describe: DescribeFn | None = None,
    ) -> Component:
        if not isinstance(name, str) or not name:
            raise TextsynthError(f"{self.kind} name must be a non-empty string, got {name!r}")
        if name in self._components:
            raise TextsynthError(f"{self.kind} {name!r} is already registered; choose another name")
        component = Component(name, sample, apply, describe)
        self._components[name] = component
        self.names.append(name)
        return component

    def seal_builtins(self) -> None:
        """Mark everything registered so far as built-in (called once, after a module's own kinds)."""
        self.builtin = frozenset(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def get(self, name: str) -> Component:
        component = self._components.get(name)
        if component is None:
            raise TextsynthError(f"{self.kind} kind must be one of {', '.join(self.names)}, got {name!r}")
        return component

    def describe(self, name: str, params: dict, lang: str) -> str | None:
        """The component's caption phrase in `lang`, or None when it has none."""
        describe = self.get(name).describe
        return None if describe is None else describe(params, lang)

    def describe_both(self, name: str, params: dict) -> tuple[str, str] | None:
        """(zh, en) phrases, or None unless both languages have one."""
        zh, en = self.describe(name, params, "zh"), self.describe(name, params, "en")
        return None if zh is None or en is None else (zh, en)
