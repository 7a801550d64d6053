"""The one error type for problems a user can cause and fix."""

from __future__ import annotations


class TextsynthError(Exception):
    """Bad input from the user: the message names the file/field and what is valid.

    The CLI prints it as one line and exits non-zero, without a traceback.
    """


def expected(what: str, got: object, valid: str, where: str = "") -> TextsynthError:
    """Build a uniform 'WHERE: WHAT must be VALID, got GOT' error."""
    prefix = f"{where}: " if where else ""
    return TextsynthError(f"{prefix}{what} must be {valid}, got {got!r}")
