"""Reading user YAML safely and checking its fields, with errors that name file, line, field and what is valid.

One approach for every file a user writes: templates, `--config`, the font and photo manifests.
`load_yaml` refuses aliases (a "billion laughs" document would otherwise expand to gigabytes once
walked) and oversized files; `FieldReader` checks each value's type and range and raises
`TextsynthError("FILE:LINE: dotted.field: must be ..., got ...")`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from textsynth.errors import TextsynthError

# Bounds on one file. Templates and configs are small (20 000 nodes parse in ~0.5 s); a manifest may
# list thousands of fonts or photos, so manifests get more room. Aliases are refused for all.
MAX_YAML_BYTES = 1 << 20
MAX_YAML_NODES = 20_000
MANIFEST_LIMITS = {"max_bytes": 64 << 20, "max_nodes": 2_000_000}


class _AliasRefused(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark, problem: str):
        self.problem_mark, self.problem = mark, problem


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (`*name`) and documents with too many nodes."""

    max_nodes = MAX_YAML_NODES

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(
                event.start_mark, "YAML aliases (*name) are not allowed here; write the value out in full"
            )
        self._nodes = getattr(self, "_nodes", 0) + 1
        if self._nodes > self.max_nodes:
            raise _AliasRefused(self.peek_event().start_mark, f"more than {self.max_nodes} YAML nodes")
        return super().compose_node(parent, index)


def parse_yaml(
    text: str, source: str, max_bytes: int = MAX_YAML_BYTES, max_nodes: int = MAX_YAML_NODES
) -> tuple[Any, dict[tuple, int]]:
    """(data, line index) of one YAML document; TextsynthError 'SOURCE:LINE: malformed YAML: ...' if bad."""
    if len(text) > max_bytes:
        raise TextsynthError(f"{source}: more than the {max_bytes} bytes this YAML file may have")
    loader = _StrictLoader(text)
    loader.max_nodes = max_nodes
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or err
        raise TextsynthError(f"{source}{line}: malformed YAML: {problem}") from None
    except RecursionError:
        raise TextsynthError(f"{source}: malformed YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return data, line_index(node) if node is not None else {}


def load_yaml(
    path: str | Path, what: str, max_bytes: int = MAX_YAML_BYTES, max_nodes: int = MAX_YAML_NODES
) -> tuple[Any, dict[tuple, int]]:
    """Read a YAML file (`what` says which kind, for messages): (data, line index)."""
    path = Path(path)
    if path.is_dir():
        raise TextsynthError(f"{path}: is a folder; expected a {what} YAML file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise TextsynthError(f"{path}: more than the {max_bytes} bytes a {what} file may have")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise TextsynthError(f"{path}: {what} file not found") from None
    except UnicodeDecodeError as err:
        raise TextsynthError(f"{path}: {what} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise TextsynthError(f"{path}: cannot read {what} ({err.strerror or err})") from None
    return parse_yaml(text, str(path), max_bytes, max_nodes)


def line_index(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Map each key path in a composed YAML document to its 1-based line, for error messages."""
    lines = {path: node.start_mark.line + 1}
    stack = [(node, path)]
    while stack:  # iterative: a deeply nested document must not hit the recursion limit
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, getattr(key, "value", None))
                lines[child] = value.start_mark.line + 1
                stack.append((value, child))
                lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*path, i)] = item.start_mark.line + 1
                stack.append((item, (*path, i)))
    return lines


def _type_name(value: Any) -> str:
    return {
        bool: "true/false",
        int: "integer",
        float: "number",
        str: "text",
        list: "list",
        dict: "mapping",
    }.get(type(value), type(value).__name__)


class FieldReader:
    """Typed access to parsed YAML (or any plain mapping) that reports source, line and field on bad values.

    `label`, when given, names a field path for messages instead of the dotted path (e.g. a flag).
    """

    def __init__(
        self, source: str, lines: dict[tuple, int] | None = None, label: Callable[[tuple], str] | None = None
    ):
        self.source = source
        self.lines = lines or {}
        self.label = label

    def error(self, path: tuple, message: str) -> TextsynthError:
        line = next((self.lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self.lines), None)
        where = f"{self.source}:{line}" if line else self.source
        dotted = self.label(path) if self.label else ".".join(str(p) for p in path) or "(top level)"
        return TextsynthError(f"{where}: {dotted}: {message}")

    def mapping(self, data: Any, path: tuple, allowed: set[str] | None = None) -> dict[str, Any]:
        """A mapping with string keys; with `allowed`, no other keys."""
        if not isinstance(data, dict):
            raise self.error(path, f"must be a mapping, got {_type_name(data)} {data!r}"[:300])
        for key in data:
            if not isinstance(key, str):
                raise self.error(path, f"keys must be names (text), got {key!r}")
        if allowed is not None:
            unknown = sorted(set(data) - allowed)
            if unknown:
                valid = ", ".join(sorted(allowed))
                raise self.error((*path, unknown[0]), f"unknown field; valid fields: {valid}")
        return data

    def number(self, value: Any, path: tuple, lo: float, hi: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise self.error(path, f"must be a number in [{lo}, {hi}], got {value!r}")
        return float(value)

    def integer(self, value: Any, path: tuple, lo: int, hi: int, valid: str = "") -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.error(path, f"must be {valid or 'an integer'} from {lo} to {hi}, got {value!r}")
        return value

    def boolean(self, value: Any, path: tuple) -> bool:
        if not isinstance(value, bool):
            raise self.error(path, f"must be true or false, got {value!r}")
        return value

    def string(self, value: Any, path: tuple, valid: str = "text", empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.error(path, f"must be {valid}, got {value!r}")
        return value

    def optional_string(self, value: Any, path: tuple, valid: str) -> str | None:
        return None if value is None else self.string(value, path, valid)

    def choice(self, value: Any, path: tuple, valid: tuple[str, ...]) -> str:
        if not isinstance(value, str) or value not in valid:
            raise self.error(path, f"must be one of {', '.join(valid)}, got {value!r}")
        return value

    def pair(self, value: Any, path: tuple, lo: float, hi: float) -> tuple[float, float]:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = [value, value]
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(path, f"must be a number or a [low, high] pair in [{lo}, {hi}], got {value!r}")
        a, b = (self.number(v, (*path, i), lo, hi) for i, v in enumerate(value))
        if a > b:
            raise self.error(path, f"low must not exceed high, got {value!r}")
        return a, b

    def integer_pair(self, value: Any, path: tuple, lo: int, hi: int) -> tuple[int, int]:
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise self.error(
                path, f"must be an integer or a [low, high] pair from {lo} to {hi}, got {value!r}"
            )
        a, b = (self.integer(v, (*path, i), lo, hi) for i, v in enumerate(value))
        if a > b:
            raise self.error(path, f"low must not exceed high, got {list(value)!r}")
        return a, b

    def region(self, value: Any, path: tuple) -> tuple[float, float, float, float]:
        if not isinstance(value, list) or len(value) != 4:
            raise self.error(path, f"must be [x0, y0, x1, y1] as canvas fractions (0..1), got {value!r}")
        x0, y0, x1, y1 = (self.number(v, (*path, i), 0.0, 1.0) for i, v in enumerate(value))
        if x1 <= x0 or y1 <= y0:
            raise self.error(path, f"must have x0 < x1 and y0 < y1, got {value!r}")
        return x0, y0, x1, y1

    def list_of(
        self, value: Any, path: tuple, item: Callable[[Any, tuple], Any], valid: str, max_items: int = 10_000
    ) -> list[Any]:
        """A list whose items each pass `item(value, path)`; `valid` describes the list for messages."""
        if not isinstance(value, list):
            raise self.error(path, f"must be {valid}, got {_type_name(value)} {value!r}"[:300])
        if len(value) > max_items:
            raise self.error(path, f"must have at most {max_items} items, got {len(value)}")
        return [item(v, (*path, i)) for i, v in enumerate(value)]


def unique_id(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... : the first not in `taken` (manifest entries scanned from
    folders may share a name; each needs its own id for KEY.json and `--fonts`/`--backgrounds` lookups)."""
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"
