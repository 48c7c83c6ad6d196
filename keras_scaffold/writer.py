"""Writing generated files: refuse surprises, write atomically, roll back on failure."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keras_scaffold.errors import OutputError, TargetExistsError


@dataclass(frozen=True)
class PlannedFile:
    """One file to write: where, what, and whether it replaces an existing file."""

    path: Path
    text: str
    exists: bool


def plan(root: Path, files: dict[str, str], force: bool = False) -> list[PlannedFile]:
    """Check that `files` can be written under `root`; nothing is written here."""
    if root.exists() and not root.is_dir():
        raise OutputError(
            f"--output {root} is a file; give a folder to write the files into."
        )
    planned = []
    for relative, text in files.items():
        path = root / relative
        if path.exists() and not path.is_file():
            raise OutputError(f"{path} exists and is not a file; move it first.")
        planned.append(PlannedFile(path, text, path.exists()))
    existing = [str(item.path) for item in planned if item.exists]
    if existing and not force:
        raise TargetExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''};"
            " nothing was written (use --force to overwrite)."
        )
    return planned


def write(planned: list[PlannedFile]) -> None:
    """Write every planned file atomically; if one fails, undo the ones before it."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for item in planned:
            previous = item.path.read_bytes() if item.exists else None
            write_atomically(item.path, item.text)
            done.append((item.path, previous))
    except BaseException as error:  # an interrupt too: leave nothing half-written
        for path, previous in reversed(done):
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(previous)
        if isinstance(error, OSError):
            reason = error.strerror or error
            raise OutputError(f"cannot write {item.path}: {reason}") from error
        raise


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
