"""Exports: the sorted block of `from .module import Class as Class` lines that
`new` keeps in a package's `__init__.py`, leaving every other line alone. A block
that holds anything else, or lacks its end marker, is reported, not rewritten."""

import re
from pathlib import Path

from keras_scaffold.errors import OutputError

BEGIN = "# keras-scaffold: exports begin (kept sorted by `keras-scaffold new`)"
END = "# keras-scaffold: exports end"


def export_line(module_name: str, class_name: str) -> str:
    # `as` marks an explicit re-export, so linters keep it.
    return f"from .{module_name} import {class_name} as {class_name}"


_EXPORT = re.compile(r"from \.\w+ import (\w+) as \1")


def add_export(
    text: str, module_name: str, class_name: str, path: Path | str = "__init__.py"
) -> str:
    """`text` with the export of `class_name` in its block; unchanged if present.

    The block is its sorted import lines and, as black wants after imports, one
    blank line before the end marker.
    """
    line = export_line(module_name, class_name)
    lines = text.splitlines()
    block = _block(lines, path)
    if block is None:
        block_text = f"{BEGIN}\n{line}\n\n{END}\n"
        if not text.strip():
            return block_text
        return text.rstrip("\n") + "\n\n" + block_text
    start, end, exports = block
    lines[start + 1 : end] = [*sorted(exports | {line}), ""]
    return "\n".join(lines) + "\n"


def remove_export(
    text: str, module_name: str, class_name: str, path: Path | str = "__init__.py"
) -> str:
    """`text` without the export of `class_name` in its block (the inverse of
    `add_export`); unchanged when it is not there."""
    line = export_line(module_name, class_name)
    lines = text.splitlines()
    block = _block(lines, path)
    if block is None or line not in block[2]:
        return text
    start, end, exports = block
    exports.discard(line)
    lines[start + 1 : end] = [*sorted(exports), ""] if exports else []
    return "\n".join(lines) + "\n"


def _block(lines: list[str], path: Path | str) -> tuple[int, int, set[str]] | None:
    """Where the exports block of `lines` starts and ends, and its export lines;
    None without one. A block keras-scaffold could not have written is reported."""
    if BEGIN not in lines:
        return None
    start = lines.index(BEGIN)
    if END not in lines[start:]:
        raise OutputError(
            f"{path} has the exports begin marker but no end marker after it; "
            f"add the line `{END}` after the exports, then run again."
        )
    end = lines.index(END, start)
    block = [old for old in lines[start + 1 : end] if old.strip()]
    others = [old for old in block if not _EXPORT.fullmatch(old)]
    if others:
        raise OutputError(
            f"{path}: the exports block holds a line keras-scaffold did not "
            f"write ({others[0]!r}); move it out of the block, then run again."
        )
    return start, end, set(block)
