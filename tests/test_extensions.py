"""Every example in docs/architecture.md runs as written: the code blocks are read out of the markdown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import registrations_undone

DOC = Path(__file__).parents[1] / "docs" / "architecture.md"
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```(\w+)\n(.*?)```", re.S)
FAST = ["--workers", "1", "--no-progress", "--seed", "5"]  # appended to the doc's command: one process


def examples() -> dict[str, str]:
    return {name: code for name, _, code in EXAMPLE.findall(DOC.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module", autouse=True)
def restore_registries():
    """Registrations made here are undone afterwards, so other tests in this worker see the built-ins."""
    with registrations_undone():
        yield


@pytest.fixture(scope="module")
def ribbons(tmp_path_factory, restore_registries):
    """The plugin example written to ribbon.py and rendered with the doc's `textsynth render` command."""
    from textsynth.cli import main

    folder = tmp_path_factory.mktemp("ribbons")
    code = examples()
    (folder / "ribbon.py").write_text(code["ribbon.py"], encoding="utf-8")
    argv = shlex.split(code["render-ribbons"].strip())
    assert argv[0] == "textsynth"
    argv = [a if not a.endswith(".py") and a != "ribbons" else str(folder / a) for a in argv[1:]]
    assert main([*argv, *FAST]) == 0
    return folder


def test_the_doc_has_every_example():
    names = set(examples())
    assert names == {"ribbon.py", "render-ribbons", "to_imagefolder.py", "template", "background", "effect",
                     "geometry"}  # fmt: skip
    assert len(examples()["ribbon.py"].strip().splitlines()) < 30  # a decoration kind in under 30 lines


def test_plugin_decoration_renders_through_the_command_line(ribbons):
    from textsynth.io.reader import iter_records
    from textsynth.qa.verify import verify_output

    records = list(iter_records(str(ribbons / "ribbons")))
    assert len(records) == 4 and all(r["template"] == "ribbon_card" for r in records)
    assert all("ribbon" in r["decorations"] for r in records)
    assert any("with a ribbon" in r["captions"]["en"] and "彩带" in r["captions"]["zh"] for r in records)
    assert verify_output(str(ribbons / "ribbons")).ok


def test_output_format_example_exports_the_ribbons(ribbons, monkeypatch):
    monkeypatch.chdir(ribbons)
    exec(compile(examples()["to_imagefolder.py"], "to_imagefolder.py", "exec"), {"__name__": "example"})
    lines = (ribbons / "ribbons-imagefolder" / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and (ribbons / "ribbons-imagefolder" / "000000000.png").is_file()


@pytest.mark.parametrize("name", ["template", "background", "effect", "geometry"])
def test_example_runs(name):
    exec(compile(examples()[name], f"docs/architecture.md:{name}", "exec"), {"__name__": "example"})
