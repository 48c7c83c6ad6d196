"""The user's cache folder: what keras-scaffold keeps between runs to start fast.

Compiled templates, black's output for a text, and components found up to date.
Nothing there is needed: each entry is found by a key made of everything that
determines it, so a stale entry is never found, and a missing, unreadable or
unwritable one is only computed again. Deleting the folder is always safe.

The folder is the platform's user cache folder for keras-scaffold (on Linux
`~/.cache/keras-scaffold`), or KERAS_SCAFFOLD_CACHE_DIR; set to an empty string,
nothing is cached.
"""

import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import jinja2
from jinja2 import BytecodeCache, FileSystemBytecodeCache

from keras_scaffold import __version__

ENVIRONMENT_VARIABLE = "KERAS_SCAFFOLD_CACHE_DIR"


def folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen else None
    import platformdirs  # only where no folder is given

    return Path(platformdirs.user_cache_dir("keras-scaffold", appauthor=False))


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


def read(kind: str, entry: str) -> str | None:
    """The text stored under `entry`, or None."""
    root = folder()
    if root is None:
        return None
    try:
        return (root / kind / entry).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(kind: str, entry: str, text: str) -> None:
    """Store `text` under `entry`, atomically (other processes may read it now);
    a cache that cannot be written is no error."""
    where = _subfolder(kind)
    if where is None:
        return
    try:
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, where / entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


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
    where = _subfolder(f"jinja-{configuration[:32]}")
    return FileSystemBytecodeCache(str(where)) if where is not None else None


__all__ = ["bytecode_cache", "folder", "key", "read", "source_digest", "write"]
