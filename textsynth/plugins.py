"""Plugins: Python modules that register templates, backgrounds or effects in every worker.

Worker processes (local or Ray) start fresh, so registrations made in a user's script do not
reach them; a plugin named in the config is imported by each worker before it renders.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path

from textsynth.errors import TextsynthError


def load_plugin(name: str) -> None:
    """Import a module by dotted name, or a .py file by path; importing twice is a no-op."""
    if name.endswith(".py") or "/" in name:
        path = Path(name).expanduser().resolve()
        module_name = f"textsynth_plugin_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
        if module_name in sys.modules:
            return
        if not path.is_file():
            raise TextsynthError(
                f"plugin {name}: file not found (give a .py file or an importable module name)"
            )
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except TextsynthError:
            del sys.modules[module_name]
            raise
        except Exception as err:
            del sys.modules[module_name]
            raise TextsynthError(f"plugin {name}: failed to load ({type(err).__name__}: {err})") from err
        return
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise TextsynthError(
            f"plugin {name!r}: no such module ({err}); give an importable module or a .py path"
        ) from None


def load_plugins(names: list[str]) -> None:
    for name in names:
        load_plugin(name)
