"""The template registry: built-in YAML templates, Python-registered ones, and name resolution."""

from __future__ import annotations

from pathlib import Path

from textsynth.errors import TextsynthError
from textsynth.resources import TEMPLATES_DIR
from textsynth.templates.loader import load_template
from textsynth.templates.schema import Template

_REGISTRY: dict[str, Template] = {}


def register_template(template: Template) -> Template:
    """Make a template available by name to the CLI and RenderConfig.templates."""
    _REGISTRY[template.name] = template
    return template


def builtin_template_paths() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.yaml"))


def available_templates() -> dict[str, Template]:
    """Built-in YAML templates plus everything registered from Python."""
    found = {t.name: t for t in (load_template(p) for p in builtin_template_paths())}
    found.update(_REGISTRY)
    return found


def resolve_templates(names: list[str]) -> list[Template]:
    """Names of built-in/registered templates, or paths to YAML files."""
    known = available_templates()
    resolved = []
    for name in names:
        if name in known:
            resolved.append(known[name])
        elif name.endswith((".yaml", ".yml")) or Path(name).is_file():
            resolved.append(load_template(name))
        else:
            valid = ", ".join(sorted(known))
            raise TextsynthError(f"unknown template {name!r}; valid: {valid}, or a path to a .yaml file")
    return resolved
