"""Writing generated files: refuse surprises, write atomically, roll back on failure.

A temporary file is written beside its target as `.NAME.keras-scaffold-tmp-XXXX`;
one left behind by a killed run is removed by the next write to that folder. A
file the plan read is checked again just before it is replaced, so that an edit
saved in between is never lost. A symbolic link is never written through (as git
never does): what it points to may be any file, in the project or out of it.
"""

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keras_scaffold.errors import OutputError, TargetExistsError

TEMP_MARK = ".keras-scaffold-tmp-"
# No file keras-scaffold merges or updates comes near this (a generated module is
# tens of KB): a larger one is not read, so that a huge or endless file cannot
# take the memory.
MAX_TEXT_BYTES = 16 << 20


@dataclass(frozen=True)
class PlannedFile:
    """One file to write: where, what, and whether it replaces an existing file.

    `expected` is the file's content when the plan read it (None: not read), and
    `newline` the line ending to write it with."""

    path: Path
    text: str
    exists: bool
    expected: bytes | None = None
    newline: str = "\n"


def read_bytes(path: Path, limit: int, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at `path`, refusing (without reading it) a
    FIFO, a device or a socket, a file larger than `limit`, and, unless
    `follow_links`, a symbolic link."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once
    if not follow_links:
        if path.is_symlink():
            raise OutputError(f"{path} is a symbolic link, which is not followed.")
        flags |= getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(path, flags)
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(
                f"{path} is not a regular file (a FIFO, device or socket), which "
                "keras-scaffold does not read."
            )
        if info.st_size > limit:
            raise OutputError(
                f"{path} is {info.st_size} bytes, more than the {limit} that "
                "keras-scaffold reads."
            )
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew meanwhile
        raise OutputError(
            f"{path} is more than the {limit} bytes that keras-scaffold reads."
        )
    return data


def read_text(path: Path) -> str:
    """A user's text file, or one clear error (not UTF-8, unreadable, special)."""
    try:
        return read_bytes(path, MAX_TEXT_BYTES).decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); "
            "nothing was written."
        ) from None
    except OSError as error:
        raise OutputError(f"cannot read {path}: {error.strerror or error}") from None


def newline_of(text: str, path: Path | str = "the file") -> str:
    """The line ending `text` uses: LF, CRLF or CR (LF for a single line). A text
    that mixes them is refused: writing it with one would change lines the user
    did not."""
    crlf = text.count("\r\n")
    counts = {
        "\r\n": crlf,
        "\n": text.count("\n") - crlf,
        "\r": text.count("\r") - crlf,
    }
    used = [ending for ending, count in counts.items() if count]
    if len(used) > 1:
        names = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
        raise OutputError(
            f"{path} mixes line endings ({' and '.join(names[e] for e in used)}), "
            "and keras-scaffold would write it with one; give it one kind of line "
            "ending, then run again. Nothing was written."
        )
    return used[0] if used else "\n"


def to_lf(text: str) -> str:
    """`text` with LF line endings, as templates and merges have them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
        if path.exists() and path.stat().st_size > MAX_TEXT_BYTES:  # kept to undo
            raise OutputError(
                f"{path} is larger than any file keras-scaffold writes; move it first."
            )
        planned.append(PlannedFile(path, text, path.exists()))
    # A file that already holds exactly its text is no surprise: it is what an
    # interrupted run of the same command wrote, so running it again finishes.
    existing = [
        str(item.path)
        for item in planned
        if item.exists and not holds(item.path, item.text)
    ]
    if existing and not force:
        raise TargetExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''};"
            " nothing was written (use --force to overwrite)."
        )
    return planned


def check_target(root: Path, path: Path, nothing: str = "Nothing was written.") -> None:
    """Refuse to write `path` (under `root`, the folder that holds .keras-scaffold/)
    when it is a symbolic link, or a link on the way to it leads out of `root`
    (`check_targets`)."""
    check_targets(root, [path], nothing)


def check_targets(
    root: Path,
    paths: list[Path],
    nothing: str = "Nothing was written.",
    links_inside: bool = False,
) -> None:
    """Refuse, in one line naming the link, any of `paths` (under `root`) that a
    symbolic link (the file itself, or a folder on the way to it) leads out of
    `root`; and, unless `links_inside` (`remove` deletes such a link, never what
    it points to), any that is a link at all. Git stores a link as a link and
    never writes through one; nor does keras-scaffold, so that a link in a cloned
    repository cannot turn a write into one of another file. Each folder is
    resolved once (a `regenerate` checks hundreds of files in a few folders)."""
    inside = _resolved(root)
    folders: dict[Path, Path] = {}
    for path in paths:
        link = path.is_symlink()
        if link or path.name in ("", ".", ".."):
            real = _resolved(path)
        else:
            if path.parent not in folders:
                folders[path.parent] = _resolved(path.parent)
            real = folders[path.parent] / path.name
        if not real.is_relative_to(inside):
            escaping = _escaping_link(root, path, inside)
            what = "is a symbolic link to" if escaping.is_symlink() else "resolves to"
            raise OutputError(
                f"{escaping} {what} {_resolved(escaping)}, outside {root}; "
                "keras-scaffold never writes or deletes through a link out of the "
                f"folder that holds .keras-scaffold/. {nothing}"
            )
        if link and not links_inside:
            raise link_error(path, nothing)


def link_error(path: Path, nothing: str = "Nothing was written.") -> OutputError:
    return OutputError(
        f"{path} is a symbolic link; keras-scaffold never writes through one (as "
        f"git does not): replace it with the file it points to, then run again. "
        f"{nothing}"
    )


def _escaping_link(root: Path, path: Path, inside: Path) -> Path:
    """The link through which `path` leads out of `root`: `path` itself, or the
    folder between `root` and it that is a link out (else `path`)."""
    folder = path
    while folder != root and folder.parent != folder:
        if folder.is_symlink() and not _resolved(folder).is_relative_to(inside):
            return folder
        folder = folder.parent
    return path


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError) as error:  # a loop, a name too long
        raise OutputError(f"{path} cannot be resolved: {error}") from None


def write(planned: list[PlannedFile]) -> None:
    """Write every planned file atomically; if one fails, undo the ones before it,
    and remove the folders made for them. A symbolic link among them is refused
    before anything is written."""
    for item in planned:  # the callers refuse them first; this holds for all
        if item.path.is_symlink():
            raise link_error(item.path)
    done: list[tuple[Path, bytes | None]] = []
    made: list[Path] = []
    temporaries: dict[Path, list[str]] = {}  # a folder's, listed once
    item = None
    try:
        for item in planned:
            target = item.path
            previous = target.read_bytes() if target.is_file() else None
            made += _make_folders(target.parent)
            remove_stale_temporaries(target, temporaries)
            write_atomically(target, item.text, item.expected, item.newline)
            done.append((target, previous))
    except BaseException as error:  # an interrupt too: leave nothing half-written
        for path, previous in reversed(done):
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(previous)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        if isinstance(error, OSError | UnicodeError) and item is not None:
            reason = getattr(error, "strerror", None) or error
            raise OutputError(f"cannot write {item.path}: {reason}") from error
        raise


def _make_folders(folder: Path) -> list[Path]:
    """Make `folder` and its missing parents; return those made, outermost first."""
    missing = []
    while not folder.exists():
        missing.insert(0, folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in missing:
        path.mkdir()
    return missing


def remove_stale_temporaries(path: Path, listed: dict[Path, list[str]]) -> None:
    """Remove temporary files a killed run left beside `path`. `listed` keeps each
    folder's temporaries, listed the first time (a `regenerate` writes hundreds of
    files into one folder)."""
    folder = path.parent
    if folder not in listed:
        with os.scandir(folder) as entries:
            listed[folder] = [e.name for e in entries if TEMP_MARK in e.name]
    prefix = f".{path.name}{TEMP_MARK}"
    for name in listed[folder]:
        if name.startswith(prefix):
            (folder / name).unlink(missing_ok=True)


def write_atomically(
    path: Path, text: str, expected: bytes | None = None, newline: str = "\n"
) -> None:
    """Write `text` to `path` through a temporary file and a rename; if `expected`
    is given, refuse when the file no longer holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}{TEMP_MARK}"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as file:
            file.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        if expected is not None and _current(path) != expected:
            raise OutputError(
                f"{path} changed while keras-scaffold ran; nothing was written. "
                "Run the command again."
            )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def holds(path: Path, text: str) -> bool:
    """Whether the file at `path` already holds exactly `text`."""
    data = text.encode("utf-8")
    try:  # the size first: a huge file is not read to tell
        if not path.is_file() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
