"""Exports: the sorted block of `from .module import Class as Class` lines that
`new` keeps in a package's `__init__.py`, leaving every other line alone."""

BEGIN = "# keras-scaffold: exports begin (kept sorted by `keras-scaffold new`)"
END = "# keras-scaffold: exports end"


def export_line(module_name: str, class_name: str) -> str:
    # `as` marks an explicit re-export, so linters keep it.
    return f"from .{module_name} import {class_name} as {class_name}"


def add_export(text: str, module_name: str, class_name: str) -> str:
    """`text` with the export of `class_name` in its block; unchanged if present.

    The block is its sorted import lines and, as black wants after imports, one
    blank line before the end marker.
    """
    line = export_line(module_name, class_name)
    lines = text.splitlines()
    if BEGIN in lines and END in lines[lines.index(BEGIN) :]:
        start = lines.index(BEGIN)
        end = lines.index(END, start)
        exports = {old for old in lines[start + 1 : end] if old.strip()} | {line}
        lines[start + 1 : end] = [*sorted(exports), ""]
        return "\n".join(lines) + "\n"
    block = f"{BEGIN}\n{line}\n\n{END}\n"
    if not text.strip():
        return block
    return text.rstrip("\n") + "\n\n" + block
