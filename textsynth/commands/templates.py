"""List the templates textsynth can render: the built-in ones under templates/ and any YAML files you name.

Each line shows the template's name, its canvas aspects, its text directions and a one-line description.
Use a name with `textsynth render --templates NAME` or `textsynth preview NAME --out sheet.png`.
"""

from __future__ import annotations

import argparse

NAME = "templates"
HELP = "list the built-in templates with a one-line description each"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="also validate and list these template YAML files"
    )
    parser.add_argument("--names", action="store_true", help="print only the names, one per line")


def run(args: argparse.Namespace) -> int:
    from textsynth.templates import available_templates, load_template

    templates = dict(sorted(available_templates().items()))
    for path in args.paths:
        template = load_template(path)
        templates[template.name] = template
    if args.names:
        print("\n".join(templates))
        return 0
    width = max(len(name) for name in templates)
    shapes = {name: _aspects(t) for name, t in templates.items()}
    shape_w = max(len(v) for v in shapes.values())
    for name, template in templates.items():
        directions = sorted({s.direction for s in template.slots})
        vertical = "V" if any(d in ("vertical", "either") for d in directions) else " "
        print(f"{name:<{width}}  {vertical}  {shapes[name]:<{shape_w}}  {template.description}")
    print(
        f"\n{len(templates)} templates; V = has vertical text; aspects are width/height (--size sets the area), "
        "'auto' = layout: auto",
        flush=True,
    )
    return 0


def _aspects(template) -> str:
    """The template's canvas shapes as width/height ratios ('size' = the run's --size as given)."""
    shapes = ",".join(f"{a:g}" for a in template.aspects) or "size"
    return f"{shapes} auto" if template.layout.auto is not None else shapes
