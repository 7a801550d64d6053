"""The `textsynth` command: one sub-command per module in textsynth.commands.

Each command module defines NAME, HELP, add_arguments(parser) and run(args) -> int,
and imports heavy libraries inside run(), so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from textsynth.errors import TextsynthError

COMMAND_MODULES = (
    # keep one line per command module; helpers add theirs here
    "render",
    "corpus",
    "fonts",
    "backgrounds",
    "finetune",
    "evaluate",
    "make_tiny_kolors",
    "verify",
    "stats",
    "templates",
    "preview",
    "audit",
    "captions",
    "recaption",
    "export",
    "crops",
)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show a flag's default unless its help already says it (or there is none worth showing)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text.lower() or any(action.default is v for v in (None, False, argparse.SUPPRESS)):
            return text
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textsynth",
        description="Synthetic Chinese-text image datasets (WebDataset shards) for text-to-image training.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"textsynth.commands.{module_name}")
        command = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.__doc__ or module.HELP,
            formatter_class=_HelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so the run stops its workers and keeps finished shards."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args._run(args) or 0)
    except TextsynthError as err:
        print(f"textsynth {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as err:
        what = "terminated" if isinstance(err, Terminated) else "interrupted"
        print(f"textsynth {args.command}: {what}; finished shards are kept", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130


if __name__ == "__main__":
    sys.exit(main())
