"""The user's cache folder: what keras-scaffold keeps between runs to start fast.

Compiled templates, black's output for a text, and components found up to date.
Nothing there is needed: each entry is found by a key made of everything that
determines it, so a stale entry is never found, and a missing, unreadable or
unwritable one is only computed again. Deleting the folder is always safe.

Nor is anything there trusted. Each entry starts with a header holding a digest
of its kind, its name and its content, checked on every read: an entry that a
power loss emptied or cut short, a flipped bit, another entry's content under
this name, a file that is not ours, or a link, a folder or a FIFO in its place,
is no entry, and what it held is computed again. An entry is written to a
temporary file, synced to the disk, and renamed into place; each folder that
entries went to is synced once, by `sync()`, at the end of the command (and of
each forked worker). A temporary file a killed run left is removed by a later
write to its folder.

The folder is the platform's user cache folder for keras-scaffold (on Linux
`~/.cache/keras-scaffold`), or KERAS_SCAFFOLD_CACHE_DIR; set to an empty string,
nothing is cached.
"""

import functools
import hashlib
import os
import stat
import sys
import tempfile
import time
from pathlib import Path

import jinja2
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from keras_scaffold import __version__

ENVIRONMENT_VARIABLE = "KERAS_SCAFFOLD_CACHE_DIR"
# The entries' format, a folder of the user's cache folder.
FORMAT = "2"


def folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen else None
    import platformdirs  # only where no folder is given

    # Entries with a checked header, in a folder of their own: a release before
    # them read every file of the user's cache folder as an entry, and an entry of
    # this format there would crash it.
    return Path(platformdirs.user_cache_dir("keras-scaffold", appauthor=False), FORMAT)


def key(*parts: str) -> str:
    """A key for what `parts` determine (each part kept apart from the next)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


@functools.cache
def source_digest(*modules: str) -> str:
    """A key for the code of `modules` (their files) that shapes a cached entry,
    so that an edited keras-scaffold never reads what an older one stored."""
    digest = hashlib.sha256(__version__.encode())
    for module in modules:
        try:
            digest.update(Path(module).read_bytes())
        except OSError:  # no source shipped: the version alone
            pass
    return digest.hexdigest()


def _subfolder(kind: str) -> Path | None:
    root = folder()
    if root is None:
        return None
    try:
        (root / kind).mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return root / kind


# The first line of every entry: this mark, then the digest (`_digest`).
_MARK = b"keras-scaffold cache 1 "
_HEADER_SIZE = len(_MARK) + 64 + 1
# No entry is larger (black's output for one file is far smaller).
_LARGEST = 64 * 2**20


def _digest(kind: str, entry: str, content: bytes) -> bytes:
    """What binds `content` to its place: another entry's content moved (or
    linked) here fails the check as a damaged one does."""
    digest = hashlib.sha256(_MARK)
    digest.update(f"{kind}\0{entry}\0".encode("utf-8", "surrogatepass"))
    digest.update(content)
    return digest.hexdigest().encode("ascii")


def read_bytes(kind: str, entry: str) -> bytes | None:
    """The content stored under `entry`, or None where there is none, or none
    that this module wrote there whole."""
    root = folder()
    if root is None:
        return None
    path = root / kind / entry
    try:
        # Never through a link, never blocking on a FIFO, regular files only.
        flags = (
            os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
        handle = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > _LARGEST:
            return None
        with os.fdopen(handle, "rb", closefd=False) as file:
            data = file.read(_LARGEST + 1)
    except OSError:
        return None
    finally:
        os.close(handle)
    header, content = data[:_HEADER_SIZE], data[_HEADER_SIZE:]
    if header != _MARK + _digest(kind, entry, content) + b"\n":
        return None
    return content


def read(kind: str, entry: str) -> str | None:
    """The text stored under `entry`, or None (see `read_bytes`)."""
    content = read_bytes(kind, entry)
    if content is None:
        return None
    try:
        return content.decode("utf-8", "surrogatepass")  # as `write` encodes
    except UnicodeDecodeError:  # checked, yet not text: not what `write` stores
        return None


# Folders that entries were renamed into since the last `sync`, and those whose
# stale temporary files this process has looked for.
_unsynced: set[Path] = set()
_swept: set[Path] = set()
# A forked worker syncs what it writes itself; its parent, what the parent wrote.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unsynced.clear)
_TEMPORARY = ".tmp-"
# A write takes milliseconds from creating its temporary file to renaming it:
# one untouched for this long is a killed run's (see `_remove_stale`).
STALE_AFTER = 60.0


def write_bytes(kind: str, entry: str, content: bytes) -> None:
    """Store `content` under `entry`, atomically (other processes may read it
    now) and durably: on the disk before its name is, so that a power loss
    leaves the entry whole or absent (its folder is synced by `sync`); a cache
    that cannot be written is no error."""
    where = _subfolder(kind)
    if where is None:
        return
    if where not in _swept:
        _swept.add(where)
        _remove_stale(where)
    try:
        handle, temporary = tempfile.mkstemp(dir=where, prefix=_TEMPORARY)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(_MARK + _digest(kind, entry, content) + b"\n" + content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, where / entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    _unsynced.add(where)


def write(kind: str, entry: str, text: str) -> None:
    """Store `text` under `entry` (see `write_bytes`)."""
    write_bytes(kind, entry, text.encode("utf-8", "surrogatepass"))


def sync() -> None:
    """Put on the disk the names of the entries written since the last call:
    each of their folders synced once. Called at the end of each command
    (`cli.main`) and by each forked worker before it hands back its results
    (`workers`); a program that writes entries through this module's functions
    calls it when it is done.

    Why not after each entry (two syncs where there is one, 4 to 6 ms each): an
    entry's content is synced before its rename, so what a power loss before
    this call can cost is a rename, the entry then missing (or the one it
    replaced, whole, still there), and a missing entry is computed again. No
    name ever stands on content that is not on the disk."""
    while _unsynced:
        _sync_folder(_unsynced.pop())


def _remove_stale(where: Path) -> None:
    """Remove the temporary files a killed run left in `where`: those not written
    for `STALE_AFTER` seconds. A younger one may be another process's entry
    being written now. Even an older one removed under a live process (stopped
    for a minute) costs it only that entry: its rename fails, which it takes as
    a cache it cannot write. Links are removed, never followed; folders stay."""
    now = time.time()
    try:
        with os.scandir(where) as found:
            temporaries = [item for item in found if item.name.startswith(_TEMPORARY)]
    except OSError:
        return
    for item in temporaries:
        try:
            status = item.stat(follow_symlinks=False)
            if not stat.S_ISDIR(status.st_mode) and now - status.st_mtime > STALE_AFTER:
                os.unlink(item.path)
        except OSError:  # another process removed it first, or it cannot be removed
            pass


def _sync_folder(where: Path) -> None:
    """The names of its entries on the disk too. Where a file system cannot
    sync a folder, the entries stay: a read checks each whole or finds none."""
    try:
        handle = os.open(where, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class _CheckedBytecodeCache(BytecodeCache):
    """Jinja's compiled templates, each an entry of this cache: checked before
    Jinja reads it (its own check, of the template's source, passes a flipped
    bit in the compiled code, which then renders other text or fails; and it
    unpickles what it reads), written durably."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.kind = kind
        self.directory = str(directory)

    def _entry(self, bucket: Bucket) -> str:
        return f"__jinja2_{bucket.key}.cache"

    def load_bytecode(self, bucket: Bucket) -> None:
        content = read_bytes(self.kind, self._entry(bucket))
        if content is None:
            return
        try:
            bucket.bytecode_from_string(content)
        except Exception:  # checked, yet not loadable (another Python): compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        write_bytes(self.kind, self._entry(bucket), bucket.bytecode_to_string())


def bytecode_cache(**settings: object) -> BytecodeCache | None:
    """Jinja's compiled templates for an environment made with `settings` (its
    class, extensions and options). Jinja recompiles a template whose source
    changed; what the source does not show (the settings, Jinja's and Python's
    versions, which all shape the compiled code) chooses the folder."""
    configuration = key(
        jinja2.__version__,
        sys.version,
        *(f"{k}={settings[k]!r}" for k in sorted(settings)),
    )
    kind = f"jinja-{configuration[:32]}"
    where = _subfolder(kind)
    return _CheckedBytecodeCache(kind, where) if where is not None else None


__all__ = [
    "bytecode_cache",
    "folder",
    "key",
    "read",
    "read_bytes",
    "source_digest",
    "sync",
    "write",
    "write_bytes",
]
