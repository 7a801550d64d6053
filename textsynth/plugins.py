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
        except (Exception, SystemExit) as err:
            del sys.modules[module_name]
            raise _load_error(name, err) from None
        return
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise TextsynthError(
            f"plugin {name!r}: no such module ({err}); give an importable module or a .py path"
        ) from None
    except TextsynthError:
        raise
    except (Exception, SystemExit) as err:
        raise _load_error(name, err) from None


def _load_error(name: str, err: BaseException) -> TextsynthError:
    if isinstance(err, SystemExit):
        return TextsynthError(
            f"plugin {name}: called sys.exit({err.code!r}) while being imported; a plugin must only register "
            "templates, backgrounds or effects"
        )
    return TextsynthError(f"plugin {name}: failed to load ({type(err).__name__}: {err})")


_PROBE = """
import sys
from textsynth.errors import TextsynthError
from textsynth.plugins import load_plugins
try:
    load_plugins(sys.argv[1:])
except TextsynthError as err:
    print("TEXTSYNTH_PLUGIN_ERROR", err, flush=True)
    sys.exit(3)
print("TEXTSYNTH_PLUGINS_OK", flush=True)
"""


def probe_plugins(names: list[str], timeout_s: float = 120.0) -> None:
    """Import the plugins in a throwaway process first: one that calls os._exit would end this one silently."""
    import os
    import subprocess

    if not names:
        return
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *names], capture_output=True, text=True, timeout=timeout_s, env=env
        )
    except subprocess.TimeoutExpired:
        raise TextsynthError(
            f"plugin {', '.join(names)}: importing took more than {timeout_s:.0f} s; a plugin must only register things"
        ) from None
    for line in done.stdout.splitlines():
        if line.startswith("TEXTSYNTH_PLUGIN_ERROR "):
            raise TextsynthError(line.removeprefix("TEXTSYNTH_PLUGIN_ERROR "))
    if "TEXTSYNTH_PLUGINS_OK" not in done.stdout:
        raise TextsynthError(
            f"plugin {', '.join(names)}: the process importing it ended (exit code {done.returncode}) before the "
            "import finished; a plugin must not call os._exit or sys.exit, or kill its process"
        )


def load_plugins(names: list[str]) -> None:
    for name in names:
        load_plugin(name)
