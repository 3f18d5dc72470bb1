"""The two errors a command ends with: bad input (exit 2) and a check that found problems (exit 1).
The CLI prints the one-line message."""
from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input. The message is one line naming the file and key or row."""

    exit_code = 2


class CheckFailed(Exception):
    """A check ran and found differences or invalid objects (exit 1)."""

    exit_code = 1
