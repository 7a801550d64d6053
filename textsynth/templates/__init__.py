"""Templates: the schema of a kind of image, its YAML loader, and the registry of names."""

from textsynth.templates.loader import load_template, template_from_dict
from textsynth.templates.registry import (
    available_templates,
    builtin_template_paths,
    register_template,
    resolve_templates,
)  # fmt: skip
from textsynth.templates.schema import DecorationSpec, Slot, Template

__all__ = [
    "DecorationSpec", "Slot", "Template", "available_templates", "builtin_template_paths", "load_template",
    "register_template", "resolve_templates", "template_from_dict",
]  # fmt: skip
