"""Unified diffs for previews: what a write would change in a file on disk."""

import difflib

import click

# How each kind of diff line is shown on a terminal (click strips the colors
# when the output is not one).
_STYLES = (
    ("+++", {"bold": True}),
    ("---", {"bold": True}),
    ("@@", {"fg": "cyan"}),
    ("+", {"fg": "green"}),
    ("-", {"fg": "red"}),
)


def unified_diff(label: str, before: str | None, after: str) -> list[str]:
    """The lines of a unified diff from `before` (None: no file) to `after`, each
    without its line ending; empty when the two are equal."""
    old = "" if before is None else before
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="/dev/null" if before is None else f"a/{label}",
        tofile=f"b/{label}",
    )
    shown = []
    for line in lines:
        if line.endswith("\n"):
            shown.append(line[:-1])
        else:  # the last line of a file without a final newline, as git shows it
            shown += [line, "\\ No newline at end of file"]
    return shown


def style(line: str) -> str:
    """A diff line with its color (plain text for context lines)."""
    for prefix, styles in _STYLES:
        if line.startswith(prefix):
            return click.style(line, **styles)
    return line
